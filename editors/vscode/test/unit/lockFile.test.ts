import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";

import { isProcessAlive, LockBusyError, LockFile } from "../../src/core/lockFile";

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-lock-"));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function lock(overrides: Partial<ConstructorParameters<typeof LockFile>[1]> = {}): LockFile {
  return new LockFile(path.join(dir, "x.lock"), {
    staleMs: 30_000,
    waitMs: 10_000,
    log: () => undefined,
    pid: process.pid,
    isAlive: () => true,
    ...overrides,
  });
}

describe("LockFile", () => {
  test("holders never overlap, and the lock file is gone afterwards", async () => {
    let inside = 0;
    let mostInside = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        lock().with(async () => {
          inside++;
          mostInside = Math.max(mostInside, inside);
          await fs.writeFile(path.join(dir, `step-${i}`), "");
          inside--;
        }),
      ),
    );
    assert.equal(mostInside, 1);
    assert.equal((await fs.readdir(dir)).filter((name) => name.endsWith(".lock")).length, 0);
  });

  test("the lock is released when the work throws", async () => {
    await assert.rejects(lock().with(async () => Promise.reject(new Error("boom"))), /boom/);
    assert.equal(await lock({ waitMs: 50 }).with(async () => "again"), "again");
  });

  test("a live holder's fresh lock makes others give up after waitMs", async () => {
    await fs.writeFile(path.join(dir, "x.lock"), "1 0 abc");
    await assert.rejects(lock({ waitMs: 80 }).with(async () => undefined), LockBusyError);
  });

  test("a lock whose content is unreadable is broken once it is older than staleMs", async () => {
    const file = path.join(dir, "x.lock");
    await fs.writeFile(file, "");
    const old = new Date(Date.now() - 5_000);
    await fs.utimes(file, old, old);
    const logged: string[] = [];
    await lock({ staleMs: 1_000, log: (m) => logged.push(m) }).with(async () => undefined);
    assert.match(logged.join("\n"), /broke a stale lock .* \(held \d+ ms\)/);
  });

  test("isProcessAlive knows this process, and a pid that cannot exist", () => {
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(2 ** 22 + 12_345), false);
  });
});
