import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";

import { type Beat, beatBody, beatFrom, withEditor } from "../../src/core/beat";
import { machineOf, systemName, withMachine } from "../../src/core/machine";
import { Outbox, QUEUE_FILE } from "../../src/core/outbox";

const BEAT = { project_path: "/p", timestamp: 1_750_000_000 };

describe("systemName", () => {
  test("Node's platform words as wakatime-cli (Go) names the systems", () => {
    const expected: Array<[string, string]> = [
      ["linux", "linux"],
      ["darwin", "darwin"],
      ["win32", "windows"],
      ["cygwin", "windows"],
      ["sunos", "solaris"],
      ["freebsd", "freebsd"],
      ["openbsd", "openbsd"],
      ["aix", "aix"],
      ["android", "android"],
      ["haiku", "haiku"],
    ];
    for (const [platform, system] of expected) {
      assert.equal(systemName(platform), system, platform);
    }
  });

  test("no platform word: no system", () => {
    assert.equal(systemName(""), undefined);
    assert.equal(systemName("  "), undefined);
  });
});

describe("machineOf", () => {
  test("the host name and the system", () => {
    assert.deepEqual(machineOf(() => "devbox", "win32", true), { machine: "devbox", operating_system: "windows" });
  });

  test("with oxitrack.sendMachineName off: the system only, no machine field at all", () => {
    let read = 0;
    const machine = machineOf(() => `devbox${++read}`, "linux", false);
    assert.deepEqual(Object.keys(machine), ["operating_system"]);
    assert.equal(machine.operating_system, "linux");
    assert.equal(read, 0, "the host name is not even read");
  });

  test("a host name that cannot be read is none: the beat keeps its system and is sent", () => {
    const failing = (): string => {
      throw Object.assign(new Error("uv_os_gethostname returned ENOSYS"), { code: "ERR_SYSTEM_ERROR" });
    };
    assert.deepEqual(machineOf(failing, "linux", true), { operating_system: "linux" });
  });

  test("a blank host name is none; one with spaces around it is trimmed", () => {
    assert.deepEqual(machineOf(() => "  ", "darwin", true), { operating_system: "darwin" });
    assert.deepEqual(machineOf(() => " devbox.local\n", "darwin", true), { machine: "devbox.local", operating_system: "darwin" });
  });
});

describe("withMachine", () => {
  test("names the machine and system on the beat, keeping its other fields", () => {
    const beat = withEditor({ ...BEAT, language: "Go" }, "vscode");
    assert.deepEqual(withMachine(beat, { machine: "devbox", operating_system: "linux" }), {
      ...beat,
      machine: "devbox",
      operating_system: "linux",
    });
  });

  test("fields it does not name are not added, not even as undefined", () => {
    assert.deepEqual(Object.keys(withMachine(BEAT, { operating_system: "linux" })), ["project_path", "timestamp", "operating_system"]);
    assert.deepEqual(Object.keys(withMachine(BEAT, {})), ["project_path", "timestamp"]);
  });
});

describe("the machine and system as sent and as queued", () => {
  const full: Beat = { ...BEAT, language: "Go", editor: "vscode", category: "debugging", machine: "devbox", operating_system: "windows" };

  test("the body sends them after the other fields, and drops what is not a beat field", () => {
    assert.deepEqual(beatBody({ ...full, hostname: "x" } as Beat), full);
    assert.deepEqual(Object.keys(beatBody(full)), [
      "project_path",
      "timestamp",
      "language",
      "editor",
      "category",
      "machine",
      "operating_system",
    ]);
  });

  test("a queued line keeps them; one that is not a non-empty string is left out, the beat kept", () => {
    assert.deepEqual(beatFrom(JSON.parse(JSON.stringify(full))), full);
    for (const bad of ["", 7, null, ["devbox"], { name: "devbox" }]) {
      assert.deepEqual(beatFrom({ ...BEAT, editor: "vscode", machine: bad, operating_system: bad }), { ...BEAT, editor: "vscode" }, JSON.stringify(bad));
    }
    assert.deepEqual(beatFrom({ ...BEAT, machine: "devbox", operating_system: 1 }), { ...BEAT, machine: "devbox" });
  });

  describe("through the outbox", () => {
    let dir: string;

    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-machine-"));
    });

    afterEach(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    test("beats queued keep their machine and system; lines of older versions without them still replay", async () => {
      const older = JSON.stringify({ ...BEAT, timestamp: BEAT.timestamp - 60, language: "Go", editor: "vscode" });
      await fs.writeFile(path.join(dir, QUEUE_FILE), `${older}\n`);
      const outbox = new Outbox({ dir });
      await outbox.append([full]);
      const replayed: Beat[] = [];
      await outbox.replay(async (beat) => {
        replayed.push(beat);
        return "sent";
      });
      assert.deepEqual(replayed, [{ ...BEAT, timestamp: BEAT.timestamp - 60, language: "Go", editor: "vscode" }, full]);
    });
  });
});
