import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";

import { NOTICES_DIR, SharedNotices } from "../../src/core/sharedNotices";

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-notices-"));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const MISTAKE = 'oxitrack.enabled must be true or false (without quotes), not "false" (text); using the default, true until it is fixed';

/** Windows of one machine, in this process: each with its own pid; `gone` lists closed ones. */
function windows(gone: Set<number> = new Set()) {
  const isAlive = (pid: number) => !gone.has(pid);
  return (pid: number) => new SharedNotices({ dir, pid, isAlive });
}

describe("SharedNotices", () => {
  test("five windows noting one mistake: shown once", async () => {
    const open = windows();
    const shown = await Promise.all([1, 2, 3, 4, 5].map((pid) => open(pid).claim(MISTAKE)));
    assert.equal(shown.filter(Boolean).length, 1, JSON.stringify(shown));
  });

  test("the notices' folder and markers are this account's only, whatever the umask", async () => {
    const previous = process.umask(0o022);
    try {
      assert.equal(await windows()(1).claim(MISTAKE), true);
    } finally {
      process.umask(previous);
    }
    const folder = path.join(dir, NOTICES_DIR);
    assert.equal((await fs.stat(folder)).mode & 0o777, 0o700);
    const markers = (await fs.readdir(folder)).filter((name) => name !== "notices.lock");
    assert.equal(markers.length, 1, markers.join());
    assert.equal((await fs.stat(path.join(folder, markers[0] ?? ""))).mode & 0o777, 0o600);
  });

  test("a mistake fixed before any was noted makes the notices' folder this account's only too", async () => {
    const previous = process.umask(0o022);
    try {
      await windows()(1).release(MISTAKE); // the folder made by the release, as by a claim
    } finally {
      process.umask(previous);
    }
    assert.equal((await fs.stat(path.join(dir, NOTICES_DIR))).mode & 0o777, 0o700);
  });

  test("a window opened later while the mistake stays does not show it again", async () => {
    const open = windows();
    assert.equal(await open(1).claim(MISTAKE), true);
    assert.equal(await open(6).claim(MISTAKE), false);
  });

  test("another mistake is shown on its own", async () => {
    const open = windows();
    assert.equal(await open(1).claim(MISTAKE), true);
    assert.equal(await open(2).claim("oxitrack.serverUrl must be an address in quotes"), true);
  });

  test("fixed, then made again: shown again, once", async () => {
    const open = windows();
    const [first, second] = [open(1), open(2)];
    assert.equal(await first.claim(MISTAKE), true);
    assert.equal(await second.claim(MISTAKE), false);
    await second.release(MISTAKE); // sees the fix first: the marker is the other window's
    await first.release(MISTAKE);
    const again = await Promise.all([first.claim(MISTAKE), second.claim(MISTAKE)]);
    assert.equal(again.filter(Boolean).length, 1);
  });

  test("fixed and made again before the window that showed it caught up: still once", async () => {
    const open = windows();
    const [shower, other] = [open(1), open(2)];
    assert.equal(await shower.claim(MISTAKE), true);
    await other.release(MISTAKE); // the fix, seen by the other window only so far
    assert.equal(await other.claim(MISTAKE), false, "made again: the window that showed it is still open");
    await shower.release(MISTAKE); // the showing window catches up: fix, then the mistake again
    assert.equal(await shower.claim(MISTAKE), true);
  });

  test("the window that showed it closed: the next window shows it once", async () => {
    const gone = new Set<number>();
    const open = windows(gone);
    assert.equal(await open(1).claim(MISTAKE), true);
    gone.add(1);
    assert.equal(await open(7).claim(MISTAKE), true);
    assert.equal(await open(8).claim(MISTAKE), false);
  });

  test("the same window asking again does not show it twice", async () => {
    const window = windows()(1);
    assert.equal(await window.claim(MISTAKE), true);
    assert.equal(await window.claim(MISTAKE), false);
  });

  test("a claim and a release asked in a row by one window take effect in that order", async () => {
    const open = windows();
    const window = open(1);
    const claimed = window.claim(MISTAKE);
    const released = window.release(MISTAKE);
    assert.equal(await claimed, true);
    await released;
    assert.equal(await open(2).claim(MISTAKE), true, "released: the marker is gone");
  });

  test("the shared folder cannot be used: the notice is shown rather than lost", async () => {
    await fs.writeFile(path.join(dir, NOTICES_DIR), "a file where the folder should be");
    const logged: string[] = [];
    const notices = new SharedNotices({ dir, log: (message) => logged.push(message) });
    assert.equal(await notices.claim(MISTAKE), true);
    assert.match(logged.join("\n"), /could not check whether another window showed a notice .*; showing it/);
  });

  test("real processes (one per window) claiming at once: exactly one shows it", async () => {
    const script = path.join(__dirname, "fixtures", "noticeWindow.js");
    const children: ChildProcessWithoutNullStreams[] = [];
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => {
          const child = spawn(process.execPath, [script, dir, MISTAKE]);
          children.push(child);
          return new Promise<string>((resolve, reject) => {
            let out = "";
            let err = "";
            child.stdout.on("data", (chunk: Buffer) => {
              out += chunk.toString();
              if (out.includes("\n")) {
                resolve(out.trim());
              }
            });
            child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
            child.on("exit", (code) => reject(new Error(`window exited with ${code} before answering: ${err}`)));
          });
        }),
      );
      assert.deepEqual([...answers].sort(), ["quiet", "quiet", "quiet", "quiet", "shown"]);
    } finally {
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => {
              child.removeAllListeners("exit");
              child.once("exit", resolve);
              child.stdin.end();
            }),
        ),
      );
    }
  });
});
