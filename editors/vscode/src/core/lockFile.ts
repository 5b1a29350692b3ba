/**
 * A lock between processes (VS Code windows) that share a folder: a file created with O_EXCL that
 * holds the owner's pid. A lock whose owner process is gone, or that is older than `staleMs`, is
 * taken to be abandoned and is broken, by moving it aside and checking that what moved is the
 * lock judged stale. Breaking is itself done under a second lock file (`<lock>.break`): two
 * windows breaking at once let one move aside the fresh lock the other had just taken, and a
 * third take the lock while it was being put back, so two held it. A holder keeps its lock young
 * while it works (up to ten times `staleMs`), so only a lock whose holder stopped, stalls for
 * `staleMs` or hangs grows stale.
 * (What remains: a holder stalled past `staleMs` resuming at the very moment its lock is broken.)
 * Must not import `vscode`.
 */

import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";

/** A lock held this many times `staleMs` is no longer kept young: its work is taken to be hung. */
const MAX_HELD_STALE_PERIODS = 10;

export interface LockFileOptions {
  readonly staleMs: number;
  /** Give up (LockBusyError) after waiting this long. */
  readonly waitMs: number;
  readonly log: (message: string) => void;
  readonly pid: number;
  readonly isAlive: (pid: number) => boolean;
}

export class LockBusyError extends Error {
  constructor(lockPath: string, waitedMs: number) {
    super(`lock ${lockPath} still held after ${waitedMs} ms`);
    this.name = "LockBusyError";
  }
}

export class LockFile {
  constructor(
    readonly path: string,
    private readonly options: LockFileOptions,
  ) {}

  /**
   * Runs `fn` while holding the lock, which it keeps young meanwhile: its age tells a lock left by
   * a window that stopped from one still held. Work past `staleMs` (a give-back of a full outbox
   * on a slow disk) had another window break the lock and append to the queue just before this
   * one renamed its claim over it: those beats were lost.
   */
  async with<T>(fn: () => Promise<T>): Promise<T> {
    const token = await this.acquire();
    const keepingYoung = this.keepYoung(token);
    try {
      return await fn();
    } finally {
      keepingYoung.stop();
      await this.release(token);
    }
  }

  /**
   * Touches the lock, while it is still ours, a few times per `staleMs`, until stopped, or until
   * held `MAX_HELD_STALE_PERIODS` times `staleMs`: work that never ends (a hung disk) must not
   * keep every other window from the lock for as long as this one lives.
   */
  private keepYoung(token: string): { stop: () => void } {
    let isTouching = false;
    const giveUpAtMs = Date.now() + MAX_HELD_STALE_PERIODS * this.options.staleMs;
    const timer = setInterval(() => {
      if (Date.now() > giveUpAtMs) {
        clearInterval(timer);
        return;
      }
      if (isTouching) {
        return; // a slow disk: one touch at a time
      }
      isTouching = true;
      void this.touchIfOurs(token).finally(() => (isTouching = false));
    }, this.options.staleMs / 4);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  private async touchIfOurs(token: string): Promise<void> {
    if ((await fs.readFile(this.path, "utf8").catch(() => undefined)) === token) {
      const now = new Date();
      await fs.utimes(this.path, now, now).catch(() => undefined);
    }
  }

  private async acquire(): Promise<string> {
    const token = `${this.options.pid} ${Date.now()} ${randomHex()}`;
    const startMs = Date.now();
    for (;;) {
      if (await this.create(token)) {
        return token;
      }
      if (await this.breakIfStale()) {
        continue;
      }
      const waitedMs = Date.now() - startMs;
      if (waitedMs >= this.options.waitMs) {
        throw new LockBusyError(this.path, waitedMs);
      }
      // Contention backoff (not a wait for test state): the lock is held for milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }

  /**
   * Creates the lock file holding `token`; false when it exists. A token that cannot be written
   * (disk full) takes the file away again: an empty lock names no holder, so every window would
   * wait `staleMs` for it, and a closing window would give up on the queue.
   */
  private async create(token: string): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.path, "wx", 0o600);
    } catch (error) {
      if (isCode(error, "EEXIST")) {
        return false;
      }
      throw error;
    }
    try {
      await handle.writeFile(token);
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await fs.unlink(this.path).catch(() => undefined); // ours: the exclusive open made it
      throw error;
    }
    return true;
  }

  /** True when the lock is gone or was broken, so acquiring should be tried again at once. */
  private async breakIfStale(): Promise<boolean> {
    let content: string;
    let ageMs: number;
    try {
      content = await fs.readFile(this.path, "utf8");
      ageMs = Date.now() - (await fs.stat(this.path)).mtimeMs;
    } catch (error) {
      if (isCode(error, "ENOENT")) {
        return true;
      }
      throw error;
    }
    const { pid, isAlive, staleMs } = this.options;
    const holder = Number(content.split(" ")[0]);
    const isHolderGone = Number.isSafeInteger(holder) && holder > 0 && holder !== pid && !isAlive(holder);
    if (!isHolderGone && ageMs <= staleMs) {
      return false;
    }
    const breaker = `${this.path}.break`;
    try {
      await fs.writeFile(breaker, String(pid), { flag: "wx" });
    } catch (error) {
      if (!isCode(error, "EEXIST")) {
        throw error;
      }
      await this.removeIfOlder(breaker, staleMs); // a window died while breaking
      return false;
    }
    try {
      return await this.moveAside(content, isHolderGone ? "holder exited" : `held ${Math.round(ageMs)} ms`);
    } finally {
      await fs.unlink(breaker).catch(() => undefined);
    }
  }

  /** Under the break lock: moves the lock aside; puts it back unless it is the `stale` one. */
  private async moveAside(stale: string, why: string): Promise<boolean> {
    if ((await fs.readFile(this.path, "utf8").catch(() => "")) !== stale) {
      return true; // broken (or released) and maybe taken again before we held the break lock
    }
    const aside = `${this.path}.stale-${randomHex()}`;
    try {
      await fs.rename(this.path, aside);
    } catch (error) {
      if (isCode(error, "ENOENT")) {
        return true;
      }
      throw error;
    }
    const moved = await fs.readFile(aside, "utf8").catch(() => "");
    if (moved !== stale) {
      // Its holder released it since, and another window took a fresh one: put that back.
      await fs.link(aside, this.path).catch(() => undefined);
    } else {
      this.options.log(`broke a stale lock ${this.path} (${why})`);
    }
    await fs.unlink(aside).catch(() => undefined);
    return true;
  }

  private async removeIfOlder(file: string, ageMs: number): Promise<void> {
    try {
      if (Date.now() - (await fs.stat(file)).mtimeMs > ageMs) {
        await fs.unlink(file);
      }
    } catch (error) {
      if (!isCode(error, "ENOENT")) {
        throw error;
      }
    }
  }

  private async release(token: string): Promise<void> {
    const content = await fs.readFile(this.path, "utf8").catch(() => undefined);
    if (content === token) {
      await fs.unlink(this.path).catch(() => undefined);
    } else {
      this.options.log(`the lock ${this.path} was broken while this window held it`);
    }
  }
}

export function randomHex(): string {
  return randomBytes(6).toString("hex");
}

/** What went wrong, for a log line: an Error's message, else the value itself. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/** What `work` gives, or `missing` when the file it reads is not there (ENOENT); other errors stand. */
export async function orIfMissing<T>(work: Promise<T>, missing: T): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isCode(error, "ENOENT")) {
      return missing;
    }
    throw error;
  }
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, "EPERM");
  }
}
