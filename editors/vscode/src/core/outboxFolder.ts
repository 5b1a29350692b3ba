/**
 * The outbox's folder, as its files name it: which files hold waiting beats (the queue, claims,
 * spills), whose they are, and taking them for a replay. Outbox (outbox.ts) decides when; this
 * knows the names. The callers hold the outbox's lock where a method says "under the lock".
 * Must not import `vscode`.
 */

import { promises as fs } from "node:fs";
import * as path from "node:path";

import { describeError, isCode, orIfMissing, randomHex } from "./lockFile";
import { unlinkIfPresent } from "./outboxFiles";

export const QUEUE_FILE = "outbox.jsonl";
export const LOCK_FILE = "outbox.lock";
const CLAIM_PATTERN = /^outbox\.claim-(\d+)-[0-9a-f]+\.jsonl$/;
const SPILL_PATTERN = /^outbox\.spill-\d+-[0-9a-f]+\.jsonl$/;
/** A put-back being written (putBack): a copy of beats that are in claims and the queue too. */
const PUT_BACK_TEMP_PATTERN = /^outbox\.jsonl\.tmp-(\d+)-[0-9a-f]+$/;
/** A spill being written by a closing window (appendBeforeExit): its beats are nowhere else. */
const SPILL_TEMP_PATTERN = /^outbox\.spill-(\d+)-[0-9a-f]+\.jsonl\.tmp$/;

/** Claims that a replay in this process is working on right now (never adopted by another). */
const claimsInFlight = new Set<string>();

export interface FolderOptions {
  readonly dir: string;
  /** This process's id, and how to tell whether another process is alive. */
  readonly pid: number;
  readonly isAlive: (pid: number) => boolean;
  /** A claim older than this is adopted even if a process with its owner's pid runs. */
  readonly claimStaleMs: number;
  /** The clock (epoch ms), for the age of claims. */
  readonly now: () => number;
  readonly log: (message: string) => void;
}

export class OutboxFolder {
  readonly dir: string;
  private readonly pid: number;
  private readonly isAlive: (pid: number) => boolean;
  private readonly claimStaleMs: number;
  private readonly now: () => number;
  private readonly log: (message: string) => void;

  constructor(options: FolderOptions) {
    this.dir = options.dir;
    this.pid = options.pid;
    this.isAlive = options.isAlive;
    this.claimStaleMs = options.claimStaleMs;
    this.now = options.now;
    this.log = options.log;
  }

  get queuePath(): string {
    return path.join(this.dir, QUEUE_FILE);
  }

  /** Every file that holds waiting beats: the queue, claims (any window's) and spill files. */
  async waitingFiles(): Promise<string[]> {
    return (await this.listDir())
      .filter((name) => name === QUEUE_FILE || CLAIM_PATTERN.test(name) || SPILL_PATTERN.test(name))
      .map((name) => path.join(this.dir, name));
  }

  /** A name no other spill file has (SPILL_PATTERN's shape): this window's, and random. */
  newSpillName(): string {
    return `outbox.spill-${this.pid}-${randomHex()}.jsonl`;
  }

  /** Where a put-back writes the new queue before renaming it (PUT_BACK_TEMP_PATTERN's shape). */
  newPutBackPath(): string {
    return `${this.queuePath}.tmp-${this.pid}-${randomHex()}`;
  }

  /** A claim renamed to a spill, which any window's next replay claims; left ours if it cannot be. */
  async keepAsSpill(claim: string): Promise<void> {
    const spill = path.join(this.dir, this.newSpillName());
    await fs.rename(claim, spill).catch((error: unknown) => {
      if (!isCode(error, "ENOENT")) {
        this.log(`could not give back ${path.basename(claim)} (${describeError(error)}); left for the next replay`);
      }
    });
  }

  /** Claims this replay is done with: another replay of this process may adopt them again. */
  release(claims: readonly string[]): void {
    for (const claim of claims) {
      claimsInFlight.delete(claim);
    }
  }

  /** Under the lock: rename the queue and every abandoned claim to fresh claims of ours. */
  async claimAll(): Promise<string[]> {
    const claims: string[] = [];
    const take = async (from: string): Promise<void> => {
      const to = path.join(this.dir, `outbox.claim-${this.pid}-${randomHex()}.jsonl`);
      try {
        await fs.rename(from, to);
      } catch (error) {
        if (isCode(error, "ENOENT")) {
          return;
        }
        throw error;
      }
      claimsInFlight.add(to);
      claims.push(to);
      // A rename keeps the queue's mtime (its last append, maybe days ago): stamp the claim with
      // the time it was taken, which is what tells an abandoned claim from one being worked on.
      const takenAt = new Date(this.now());
      await fs.utimes(to, takenAt, takenAt).catch(() => undefined);
    };
    for (const name of await this.listDir()) {
      const full = path.join(this.dir, name);
      const temporary = PUT_BACK_TEMP_PATTERN.exec(name) ?? SPILL_TEMP_PATTERN.exec(name);
      if (temporary !== null) {
        await this.clearAbandonedTemporary(full, Number(temporary[1]), take);
        continue;
      }
      if (SPILL_PATTERN.test(name)) {
        await take(full);
        continue;
      }
      const match = CLAIM_PATTERN.exec(name);
      if (match === null || claimsInFlight.has(full)) {
        continue;
      }
      const owner = Number(match[1]);
      if (owner === this.pid || !this.isAlive(owner) || (await this.isStaleClaim(full))) {
        await take(full);
      }
    }
    await take(this.queuePath);
    return claims;
  }

  /**
   * Under the lock: a file a window was writing when it stopped (a crash, a forced quit). A
   * put-back copy is removed: it could hold the whole queue, tens of megabytes never read again. A
   * spill is taken, as far as it was written: its beats are nowhere else. Files of a live window,
   * this one included, are left to it.
   */
  private async clearAbandonedTemporary(
    file: string,
    owner: number,
    take: (file: string) => Promise<void>,
  ): Promise<void> {
    if (owner === this.pid || (this.isAlive(owner) && !(await this.isStaleClaim(file)))) {
      return;
    }
    if (PUT_BACK_TEMP_PATTERN.test(path.basename(file))) {
      await unlinkIfPresent(file);
    } else {
      this.log(`taking the beats a window that stopped was saving in ${path.basename(file)}`);
      await take(file);
    }
  }

  /** Taken longer ago than claimStaleMs: its owner's pid may have been reused since it died. */
  private isStaleClaim(claim: string): Promise<boolean> {
    return orIfMissing(
      fs.stat(claim).then((found) => this.now() - found.mtimeMs > this.claimStaleMs),
      false,
    );
  }

  private listDir(): Promise<string[]> {
    return orIfMissing(fs.readdir(this.dir), []);
  }
}
