/**
 * The offline buffer: beats the daemon could not take wait here, one JSON object per line, in an
 * append-only file in the extension's global storage, until they are replayed oldest first.
 *
 * Several VS Code windows (separate processes) share the folder, so:
 * - every change of the queue file happens under a lock file (`outbox.lock`, see lockFile.ts);
 * - a replay claims the queue by renaming it, under the lock, to `outbox.claim-<pid>-<id>.jsonl`,
 *   sends without holding the lock, puts back what it could not send, then deletes its claim. A
 *   claim left behind by a window that died is adopted by the next replay: its owner's pid is
 *   gone, or the claim is older than `claimStaleMs` (an hour; the pid may belong to another
 *   process by now, after a crash or a reboot, and no replay takes that long). The daemon ignores
 *   repeated beats, so the rare crash-time duplicate is harmless; losing a beat is not. A claim
 *   that cannot be read (a disk error) is logged and left in place for the next replay.
 * - a window that is closing may not wait for the lock: it writes a spill file of its own
 *   (`outbox.spill-<pid>-<id>.jsonl`, complete once it has that name), which any replay claims
 *   like the queue. A replay while the daemon is away gives back as a spill, too, a claim holding
 *   beats older than the queue's first ones (see giveBack).
 * - a write cut short by a crash leaves a partial last line: readers skip it, and the next append
 *   starts on a fresh line so the partial line never swallows a good beat. Files are read in
 *   chunks (outboxFiles.ts): a damaged one of any size is read through, its over-long lines skipped.
 * What each file's name means, whose the file is, and claiming files for a replay: outboxFolder.ts.
 * The queue is bounded (`maxBeats`), counting every beat waiting: the queue file, claims being
 * replayed and spill files. When full, new beats are dropped and the log says so once; a replay
 * putting back what it could not send keeps the oldest beats within the bound too.
 * Must not import `vscode`.
 */

import { promises as fs } from "node:fs";
import * as path from "node:path";

import { type Beat, beatBody } from "./beat";
import { describeError, isProcessAlive, LockBusyError, LockFile, orIfMissing } from "./lockFile";
import {
  appendFileTo,
  forEachLine,
  LineCounter,
  makePrivateFolder,
  oldestAtHeadOf,
  oldestOf,
  PRIVATE_FILE_MODE,
  readBeats,
  sizeOf,
  tailOf,
  unlinkIfPresent,
  writeWholeOrNothing,
} from "./outboxFiles";
import { LOCK_FILE, OutboxFolder } from "./outboxFolder";

export { LockBusyError as OutboxBusyError } from "./lockFile";

export { LOCK_FILE, QUEUE_FILE } from "./outboxFolder";

/**
 * How much of the start of each claimed file the first try of a replay reads to find the oldest
 * beat there: a few hundred beats, where a put-back puts the oldest.
 */
const FIRST_TRY_HEAD_BYTES = 64 * 1024;
/** No beat line is shorter than this, so `size / SHORTEST_LINE_BYTES` bounds the line count. */
const SHORTEST_LINE_BYTES = '{"project_path":"/","timestamp":0}\n'.length;

export const DEFAULT_MAX_BEATS = 200_000;

/** A claim this old is abandoned whoever has its pid now (claims are stamped when taken). */
export const DEFAULT_CLAIM_STALE_MS = 60 * 60_000;

export interface OutboxOptions {
  /** The folder that holds the queue (the extension's global storage). Created on first use. */
  readonly dir: string;
  readonly maxBeats?: number;
  /** A lock held longer than this is taken to be abandoned and is broken. */
  readonly lockStaleMs?: number;
  /** Give up (OutboxBusyError) after waiting this long for the lock. */
  readonly lockWaitMs?: number;
  /** appendBeforeExit waits this long for the lock before it spills (VS Code allows ~5 s). */
  readonly exitLockWaitMs?: number;
  readonly log?: (message: string) => void;
  /** A claim older than this is adopted even if a process with its owner's pid runs. */
  readonly claimStaleMs?: number;
  /** The clock (epoch ms), for the age of claims. */
  readonly now?: () => number;
  /** For tests: this process's id and how to tell whether another process is alive. */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * What the replay callback says about one beat: delivered, refused for good, failed but worth
 * another try later (it stays queued and the replay goes on), or "stop" (the daemon is away).
 */
export type ReplayVerdict = "sent" | "dropped" | "kept" | "stop";

export interface ReplayResult {
  readonly sent: number;
  readonly dropped: number;
  /** Beats read and handed back; 0 when the first try stopped the replay before the rest was read. */
  readonly remaining: number;
  readonly unreadableLines: number;
}

/** A replay that handed nothing on: no claim, or a first try the daemon did not answer. */
const NOTHING_REPLAYED: ReplayResult = { sent: 0, dropped: 0, remaining: 0, unreadableLines: 0 };

export interface AppendResult {
  readonly appended: number;
  readonly droppedBecauseFull: number;
}

export class Outbox {
  readonly dir: string;
  private readonly maxBeats: number;
  private readonly log: (message: string) => void;
  private readonly folder: OutboxFolder;
  private readonly lock: LockFile;
  private readonly exitLock: LockFile;
  private hasLoggedFull = false;
  private readonly lineCounter = new LineCounter();

  constructor(options: OutboxOptions) {
    this.dir = options.dir;
    this.maxBeats = options.maxBeats ?? DEFAULT_MAX_BEATS;
    this.log = options.log ?? (() => undefined);
    const pid = options.pid ?? process.pid;
    const isAlive = options.isAlive ?? isProcessAlive;
    this.folder = new OutboxFolder({
      dir: this.dir,
      pid,
      isAlive,
      claimStaleMs: options.claimStaleMs ?? DEFAULT_CLAIM_STALE_MS,
      now: options.now ?? Date.now,
      log: this.log,
    });
    const lockOptions = {
      staleMs: options.lockStaleMs ?? 30_000,
      waitMs: options.lockWaitMs ?? 10_000,
      log: this.log,
      pid,
      isAlive,
    };
    this.lock = new LockFile(path.join(this.dir, LOCK_FILE), lockOptions);
    this.exitLock = new LockFile(path.join(this.dir, LOCK_FILE), {
      ...lockOptions,
      waitMs: options.exitLockWaitMs ?? 1_500,
    });
  }

  private get queuePath(): string {
    return this.folder.queuePath;
  }

  /** Adds beats at the end of the queue; beats beyond `maxBeats` are dropped (and logged once). */
  async append(beats: readonly Beat[]): Promise<AppendResult> {
    if (beats.length === 0) {
      return { appended: 0, droppedBecauseFull: 0 };
    }
    return this.withLock(() => this.appendUnlocked(beats));
  }

  /** The body of append, for a caller that holds the lock. */
  private async appendUnlocked(beats: readonly Beat[]): Promise<AppendResult> {
    const kept = beats.slice(0, await this.roomFor(beats.length, await this.folder.waitingFiles()));
    if (kept.length > 0) {
      const { endsWithNewline } = await tailOf(this.queuePath);
      const text = (endsWithNewline ? "" : "\n") + kept.map(toLine).join("");
      await fs.appendFile(this.queuePath, text, { encoding: "utf8", mode: PRIVATE_FILE_MODE });
    }
    return { appended: kept.length, droppedBecauseFull: beats.length - kept.length };
  }

  /**
   * How many of `wanted` new beats fit beside the beats waiting in `files` (counted only when
   * their size says they might not fit, so appends stay cheap); logs once when some do not.
   */
  private async roomFor(wanted: number, files: readonly string[]): Promise<number> {
    let upperBound = 0;
    for (const file of files) {
      upperBound += Math.floor((await sizeOf(file)) / SHORTEST_LINE_BYTES);
    }
    const waiting = upperBound + wanted > this.maxBeats ? await this.lineCounter.count(files) : 0;
    const room = Math.min(wanted, Math.max(0, this.maxBeats - waiting));
    const isFull = room < wanted;
    if (isFull && !this.hasLoggedFull) {
      this.log(`outbox is full (${this.maxBeats} beats): new beats are dropped until the daemon is back`);
    }
    this.hasLoggedFull = isFull;
    return room;
  }

  /**
   * For a window that is closing: appends with a short wait for the lock, and when another window
   * holds it longer, writes the beats to a spill file of their own instead, within `maxBeats`.
   */
  async appendBeforeExit(beats: readonly Beat[]): Promise<void> {
    if (beats.length === 0) {
      return;
    }
    await makePrivateFolder(this.dir);
    try {
      await this.exitLock.with(() => this.appendUnlocked(beats));
    } catch (error) {
      if (!(error instanceof LockBusyError)) {
        throw error;
      }
      // Counted without the lock (another window holds it): the bound may be off by that
      // window's last few beats, not by a spill per closing window.
      const kept = beats.slice(0, await this.roomFor(beats.length, await this.folder.waitingFiles()));
      if (kept.length === 0) {
        return;
      }
      const name = this.folder.newSpillName();
      const temporary = path.join(this.dir, `${name}.tmp`);
      await writeWholeOrNothing(temporary, kept.map(toLine).join(""));
      await fs.rename(temporary, path.join(this.dir, name));
      this.log(`the outbox was busy: ${kept.length} beat(s) saved in ${name} for the next replay`);
    }
  }

  /** How many beats are waiting: the queue plus claims not yet finished and spill files. */
  async count(): Promise<number> {
    return this.lineCounter.count(await this.folder.waitingFiles(), true);
  }

  /**
   * Hands every queued beat to `deliver`, oldest first, until it answers "stop" (daemon gone
   * again); what was not delivered, and what it kept, goes back to the front of the queue. Safe
   * to run from several windows at once: each beat is claimed by one of them.
   *
   * The first try is the oldest beat at the start of the claimed files (where a put-back puts
   * the oldest): while the daemon is away it answers "stop", and the claims go back as they are,
   * renamed, without reading or writing the rest. A full outbox (200,000 beats, 22 MB) was read
   * and written whole every minute in every window for as long as the daemon stayed down.
   */
  async replay(deliver: (beat: Beat) => Promise<ReplayVerdict>): Promise<ReplayResult> {
    const claims = await this.withLock(() => this.folder.claimAll());
    if (claims.length === 0) {
      return NOTHING_REPLAYED;
    }
    try {
      const oldestAtHeads = await oldestAtHeadOf(claims, FIRST_TRY_HEAD_BYTES);
      let firstTry: FirstTry | undefined;
      try {
        firstTry = await this.tryOldest(oldestAtHeads, deliver);
      } catch (error) {
        await this.withLock(() => this.giveBack(claims, oldestAtHeads));
        throw error;
      }
      if (firstTry?.verdict === "stop" && (await this.isWithinBound())) {
        await this.withLock(() => this.giveBack(claims, oldestAtHeads));
        return NOTHING_REPLAYED;
      }
      return await this.replayClaims(claims, deliver, firstTry);
    } finally {
      this.folder.release(claims);
    }
  }

  /**
   * Whether the claims can go back as they are. Not beyond the bound (a closing window's spill
   * counted without the lock): the put-back trims. Not when a file cannot be counted (a disk
   * error): the put-back reads what it can and leaves the rest; thrown, the error left every
   * minute's claim of the queue as a claim, never given back, one more file each minute.
   */
  private async isWithinBound(): Promise<boolean> {
    try {
      return (await this.count()) <= this.maxBeats;
    } catch {
      return false;
    }
  }

  /** Hands `deliver` the oldest of the beats at the start of the claimed files; undefined if none reads. */
  private async tryOldest(
    oldestAtHeads: ReadonlyMap<string, Beat>,
    deliver: (beat: Beat) => Promise<ReplayVerdict>,
  ): Promise<FirstTry | undefined> {
    const oldest = oldestOf(oldestAtHeads.values());
    return oldest === undefined ? undefined : { line: toLine(oldest), verdict: await deliver(oldest) };
  }

  /**
   * The rest of a replay whose first try got an answer: every claimed beat to `deliver`, oldest
   * first, except the one first tried, which takes that try's verdict (it is not sent twice).
   */
  private async replayClaims(
    claims: readonly string[],
    deliver: (beat: Beat) => Promise<ReplayVerdict>,
    firstTry: FirstTry | undefined,
  ): Promise<ReplayResult> {
    let pendingTry = firstTry;
    const { beats, unreadableLines, unreadFiles } = await readBeats(claims, this.log);
    if (unreadableLines > 0) {
      this.log(`skipped ${unreadableLines} unreadable outbox line(s) (a write cut short by a crash)`);
    }
    beats.sort((a, b) => a.timestamp - b.timestamp);
    let sent = 0;
    let dropped = 0;
    let next = 0;
    const kept: Beat[] = [];
    try {
      for (; next < beats.length; next++) {
        const beat = beats[next] as Beat;
        let verdict: ReplayVerdict;
        if (pendingTry !== undefined && toLine(beat) === pendingTry.line) {
          verdict = pendingTry.verdict;
          pendingTry = undefined;
        } else {
          verdict = await deliver(beat);
        }
        if (verdict === "stop") {
          break;
        }
        if (verdict === "sent") {
          sent++;
        } else if (verdict === "kept") {
          kept.push(beat);
        } else {
          dropped++;
        }
      }
    } finally {
      const remaining = [...kept, ...beats.slice(next)];
      if (remaining.length > 0) {
        await this.withLock(() => this.putBack(remaining, claims));
      }
      // A claim that could not be read stays, still ours: the next replay tries it again.
      await Promise.all(claims.filter((claim) => !unreadFiles.includes(claim)).map(unlinkIfPresent));
    }
    return { sent, dropped, remaining: kept.length + beats.length - next, unreadableLines };
  }

  /**
   * Under the lock: claims of which nothing was sent go back as the queue without being written
   * again. The largest is renamed (it is the queue, mostly); the others, and the beats queued
   * meanwhile, are added at its end first. A crash or a failure midway leaves some beats in a
   * claim and in the queue both, to be sent twice (the daemon counts a repeat once), never lost:
   * a claim that cannot be added stays, still ours, for the next replay, and the queue is only
   * replaced once all of it was added.
   *
   * A claim whose head holds a beat older than any at the largest's head (a window that stopped
   * mid-replay before the queue grew) is not added but kept as a spill, renamed: at the end of
   * the queue its beats were out of the first try's sight, and the next replay sent a newer
   * beat first.
   */
  private async giveBack(claims: readonly string[], oldestAtHeads: ReadonlyMap<string, Beat>): Promise<void> {
    const sizes = await Promise.all(claims.map(sizeOf));
    const largest = claims[sizes.indexOf(Math.max(...sizes))] as string;
    // None at its head (a line of zeros from a crash): nothing to compare, all is added.
    const oldestInLargest = oldestAtHeads.get(largest)?.timestamp ?? -Infinity;
    const added: string[] = [];
    for (const other of claims.filter((claim) => claim !== largest)) {
      if ((oldestAtHeads.get(other)?.timestamp ?? Infinity) < oldestInLargest) {
        await this.folder.keepAsSpill(other);
        continue;
      }
      try {
        await appendFileTo(largest, other);
        added.push(other);
      } catch (error) {
        this.log(`could not add ${path.basename(other)} to the queue (${describeError(error)}); left for the next replay`);
      }
    }
    try {
      await appendFileTo(largest, this.queuePath);
      await fs.rename(largest, this.queuePath);
    } finally {
      await Promise.all(added.map(unlinkIfPresent));
    }
  }

  /**
   * Under the lock: put undelivered beats in front of whatever was queued meanwhile, keeping the
   * oldest within `maxBeats` beside other windows' claims and spills (`ours` are about to go).
   */
  private async putBack(remaining: readonly Beat[], ours: readonly string[]): Promise<void> {
    const queued: string[] = [];
    await orIfMissing(
      forEachLine(this.queuePath, (line) => line !== undefined && line !== "" && queued.push(line)),
      undefined,
    );
    const lines = [...remaining.map(toLine), ...queued.map((line) => `${line}\n`)];
    const others = (await this.folder.waitingFiles()).filter((file) => file !== this.queuePath && !ours.includes(file));
    const room = await this.roomFor(lines.length, others);
    const temporary = this.folder.newPutBackPath();
    await writeWholeOrNothing(temporary, lines.slice(0, room).join(""));
    await fs.rename(temporary, this.queuePath);
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    await makePrivateFolder(this.dir);
    return this.lock.with(fn);
  }
}

/** The beat a replay tried first, as its line in the outbox, and what `deliver` said of it. */
interface FirstTry {
  readonly line: string;
  readonly verdict: ReplayVerdict;
}

function toLine(beat: Beat): string {
  return `${JSON.stringify(beatBody(beat))}\n`;
}
