import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";

import { isProcessAlive, LockBusyError, LockFile, orIfMissing } from "../../src/core/lockFile";

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

  // The interleaving the race needs, forced: window B has judged the dead holder's lock stale
  // when window A breaks it and takes the lock; B then moves A's lock aside and, while B puts it
  // back, window C takes the empty place. B pauses before it moves the lock, or before it starts
  // breaking (then it must see that the lock it judged is gone).
  for (const [pausedCall, pausesAt] of [
    ["rename", (file: string) => file.endsWith("x.lock")],
    ["writeFile", (file: string) => file.endsWith(".break")],
  ] as const) {
    test(`a stale lock broken by two windows at once (B paused at ${pausedCall}): one holder at a time`, async () => {
      const dead = 999_999;
      await fs.writeFile(path.join(dir, "x.lock"), `${dead} 0 stale`);
      const options = (pid: number) => ({ pid, isAlive: (other: number) => other !== dead, waitMs: 100 });
      let inside = 0;
      let mostInside = 0;
      const enter = () => {
        inside++;
        mostInside = Math.max(mostInside, inside);
      };
      const cDone = signal();
      const aInside = signal();
      let workA: Promise<unknown> = Promise.resolve();
      let workC: Promise<unknown> = Promise.resolve();
      const original = { rename: fs.rename, writeFile: fs.writeFile, link: fs.link };
      let paused = false;
      let linked = false;
      const pause = async () => {
        // B, about to break: A breaks the lock and takes it (or, fixed, cannot).
        workA = lock(options(2)).with(async () => {
          enter();
          aInside.resolve();
          await cDone.promise;
          inside--;
        });
        await Promise.race([aInside.promise, workA.catch(() => undefined)]);
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const patched = fs as any;
      patched[pausedCall] = async (file: string, ...rest: unknown[]) => {
        if (!paused && pausesAt(String(file))) {
          paused = true;
          await pause();
        }
        return original[pausedCall].call(fs, file as never, ...(rest as [never, never]));
      };
      fs.link = async (existing, target) => {
        if (!linked) {
          linked = true;
          // B, about to put back the lock it moved by mistake: C finds the place empty.
          workC = lock(options(3)).with(async () => {
            enter();
            inside--;
          });
          await workC.catch(() => undefined);
          cDone.resolve();
        }
        return original.link(existing, target);
      };
      try {
        const workB = lock(options(1)).with(async () => {
          enter();
          inside--;
        });
        await workB.catch(() => undefined); // may give up while A holds the lock
        cDone.resolve();
        await Promise.allSettled([workA, workC]);
      } finally {
        Object.assign(fs, original);
      }
      assert.equal(paused, true, "the interleaving was forced");
      assert.equal(mostInside, 1);
    });
  }

  // The lock B judged stale changes hands between B's last look and B moving it aside (under the
  // break lock, but releasing and taking the lock need no break lock).
  for (const [what, meanwhile, expected] of [
    ["released", () => undefined, "B takes the lock"],
    ["released and taken by live window A", () => fs.writeFile(path.join(dir, "x.lock"), "2 1 fresh-a"), "A keeps it"],
  ] as const) {
    test(`a stale lock ${what} just before B moves it aside: ${expected}`, async () => {
      const file = path.join(dir, "x.lock");
      await fs.writeFile(file, "999999 0 stale");
      const rename = fs.rename;
      let moved = false;
      fs.rename = async (from, to) => {
        if (!moved && String(from) === file) {
          moved = true;
          await fs.unlink(file);
          await meanwhile();
        }
        return rename(from, to);
      };
      let work: Promise<string>;
      try {
        work = lock({ isAlive: (pid) => pid !== 999_999, waitMs: 100 }).with(async () => "B inside");
        await work.catch(() => undefined);
      } finally {
        fs.rename = rename;
      }
      assert.equal(moved, true, "the interleaving was forced");
      if (what === "released") {
        assert.equal(await work, "B inside");
      } else {
        await assert.rejects(work, LockBusyError);
        assert.equal(await fs.readFile(file, "utf8"), "2 1 fresh-a", "A's lock was put back");
      }
    });
  }

  test("a window that stopped while breaking a lock (its .break left behind) does not block the lock for ever", async () => {
    await fs.writeFile(path.join(dir, "x.lock"), "999999 0 stale");
    const breaker = path.join(dir, "x.lock.break");
    await fs.writeFile(breaker, "999998");
    const options = { isAlive: (pid: number) => pid < 999_998, staleMs: 1_000, waitMs: 100 };
    await assert.rejects(lock(options).with(async () => undefined), LockBusyError, "a fresh .break: another window is breaking");
    const old = new Date(Date.now() - 5_000);
    await fs.utimes(breaker, old, old);
    assert.equal(await lock({ ...options, waitMs: 1_000 }).with(async () => "inside"), "inside");
  });

  test("a holder whose lock was broken and taken by another window leaves that window's lock alone", async () => {
    const file = path.join(dir, "x.lock");
    const logged: string[] = [];
    await lock({ log: (m) => logged.push(m) }).with(async () => {
      await fs.writeFile(file, "2 1 taken-by-b"); // held past staleMs: broken, and window B holds it now
    });
    assert.equal(await fs.readFile(file, "utf8"), "2 1 taken-by-b");
    assert.match(logged.join("\n"), /was broken while this window held it/);
  });

  test("a lock that cannot be made (its folder is gone) fails at once instead of spinning", { timeout: 5_000 }, async () => {
    const gone = new LockFile(path.join(dir, "gone", "x.lock"), {
      staleMs: 30_000,
      waitMs: 10_000,
      log: () => undefined,
      pid: process.pid,
      isAlive: () => true,
    });
    await assert.rejects(gone.with(async () => undefined), { code: "ENOENT" });
  });

  test("a holder working past staleMs keeps its lock: another window waits instead of breaking it", async () => {
    // A give-back of a large claim on a slow disk: were the lock broken, another window could
    // append to the queue just before the holder renames its claim over it.
    const holder = lock({ staleMs: 1_000, pid: 1 });
    const other = lock({ staleMs: 1_000, waitMs: 2_500, pid: 2 });
    let isOtherInside = false;
    await holder.with(async () => {
      await assert.rejects(
        other.with(async () => {
          isOtherInside = true;
        }),
        LockBusyError,
      );
    });
    assert.equal(isOtherInside, false);
    assert.equal(await other.with(async () => "after"), "after");
  });

  test("a holder whose work hangs for ten times staleMs loses its lock: the others are not blocked for ever", async () => {
    const logged: string[] = [];
    const holder = lock({ staleMs: 100, pid: 1 });
    const other = lock({ staleMs: 100, waitMs: 5_000, pid: 2, log: (m) => logged.push(m) });
    const startMs = Date.now();
    await holder.with(() => other.with(async () => undefined)); // hangs until the other gets in
    assert.ok(Date.now() - startMs >= 1_000, "kept young until ten times staleMs");
    assert.match(logged.join("\n"), /broke a stale lock/);
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

  test("orIfMissing stands in for a missing file only: any other error stands", async () => {
    // Taken for missing, an unreadable queue would be put back empty over the beats it holds.
    assert.equal(await orIfMissing(fs.readFile(path.join(dir, "none"), "utf8"), "missing"), "missing");
    await assert.rejects(orIfMissing(fs.readFile(dir, "utf8"), "missing"), { code: "EISDIR" });
  });

  test("isProcessAlive knows this process, and a pid that cannot exist", () => {
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(2 ** 22 + 12_345), false);
  });
});

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
