import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";

import { machineZone, type ZoneSources, zoneOfLink } from "../../src/core/machineZone";

function sources(tz: string | undefined, link: string | undefined, start = "Europe/Berlin"): ZoneSources {
  return { tzVariable: () => tz, localtimeTarget: () => link, startZone: () => start };
}

describe("machineZone", () => {
  test("the /etc/localtime link names the zone, on Linux and macOS, posix/ and right/ copies too", () => {
    assert.equal(zoneOfLink("/usr/share/zoneinfo/Asia/Tokyo"), "Asia/Tokyo");
    assert.equal(zoneOfLink("/var/db/timezone/zoneinfo/America/Los_Angeles"), "America/Los_Angeles");
    assert.equal(zoneOfLink("../usr/share/zoneinfo/posix/Europe/Berlin"), "Europe/Berlin");
    assert.equal(zoneOfLink("/usr/share/zoneinfo/right/UTC"), "UTC");
  });

  test("a link that names no zone, or none at all, is no answer", () => {
    assert.equal(zoneOfLink("/usr/share/zoneinfo/Nowhere/Bogus"), undefined);
    assert.equal(zoneOfLink("/usr/share/zoneinfo/posixrules"), undefined);
    assert.equal(zoneOfLink("/etc/zones/Berlin"), undefined);
    assert.equal(zoneOfLink(undefined), undefined);
  });

  test("the link wins over the zone Node started with, unless TZ is set", () => {
    const tokyo = "/usr/share/zoneinfo/Asia/Tokyo";
    assert.equal(machineZone(sources(undefined, tokyo)), "Asia/Tokyo");
    assert.equal(machineZone(sources("", tokyo)), "Asia/Tokyo");
    assert.equal(machineZone(sources(":/etc/localtime", tokyo)), "Asia/Tokyo");
    assert.equal(machineZone(sources("Europe/Berlin", tokyo)), "Europe/Berlin");
    assert.equal(machineZone(sources(undefined, undefined)), "Europe/Berlin");
    assert.equal(machineZone(sources(undefined, "/etc/zones/x", "")), undefined);
  });
});

// Node, a daemon client in it, in a mount namespace of its own where /etc is a folder of the test's:
// the test moves /etc/localtime as `timedatectl set-timezone` does, while the process runs.
const TRAVEL = `
const fs = require("fs");
const { DaemonClient } = require(process.argv[1]);
const urls = [];
const fetch = async (url) => {
  urls.push(String(url).replace(/^http:\\/\\/[^/]+/, ""));
  const today = { date: "2026-11-25", timezone: "x", total_seconds: 0, projects: [] };
  return new Response(JSON.stringify(today), { status: 200, headers: { "Content-Type": "application/json" } });
};
const move = (zone) => {
  fs.symlinkSync("/usr/share/zoneinfo/" + zone, "/etc/localtime.new");
  fs.renameSync("/etc/localtime.new", "/etc/localtime");
};
(async () => {
  move("Europe/Berlin");
  const client = new DaemonClient({ serverUrl: "http://127.0.0.1:9", timeoutMs: 1000, fetch });
  await client.getToday();
  move("Asia/Tokyo");
  await client.getToday();
  console.log(JSON.stringify(urls));
})();
`;

describe("the daemon client on a laptop that travels", () => {
  test("a running editor asks for the day of the zone the machine moved to", (context) => {
    const etc = mkdtempSync(path.join(tmpdir(), "oxitrack-etc-"));
    try {
      const probe = spawnSync("unshare", ["-m", "sh", "-c", `mount --make-rprivate / && mount --bind "${etc}" /etc`]);
      if (process.platform !== "linux" || !existsSync("/usr/share/zoneinfo/Asia/Tokyo") || probe.status !== 0) {
        context.skip("needs Linux, root (a private mount namespace) and /usr/share/zoneinfo");
        return;
      }
      mkdirSync(path.join(etc, "ssl"));
      symlinkSync("/usr/share/zoneinfo/Europe/Berlin", path.join(etc, "localtime"));
      const client = path.join(__dirname, "../../src/core/daemonClient.js");
      const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"] };
      const run = spawnSync(
        "unshare",
        ["-m", "sh", "-c", `mount --make-rprivate / && mount --bind "${etc}" /etc && exec "$0" -e "$1" "$2"`, process.execPath, TRAVEL, client],
        { env, encoding: "utf8" },
      );
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), ["/today?format=json&tz=Europe%2FBerlin", "/today?format=json&tz=Asia%2FTokyo"]);
    } finally {
      rmSync(etc, { recursive: true, force: true });
    }
  });
});
