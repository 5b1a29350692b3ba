/**
 * Send or keep: every beat goes to the daemon; one the daemon cannot take now goes to the outbox,
 * one it refuses for good is logged and dropped. A beat for a folder excluded meanwhile (held
 * back by the throttle, or waiting in the outbox under one of the user's own patterns) is
 * dropped, never sent: excluding a folder means it is never tracked. The outbox is replayed when a beat gets through
 * and whenever the owner asks (a timer), one replay at a time per window.
 *
 * The connection state (online, or the problem beats meet) is decided by the beat path. The status
 * bar's `GET /today` may only move it where its answer proves the same for beats: it passes the
 * same guard (so it can prove the key works, or that nobody answers), but it does not write (so it
 * cannot prove a database error is over). `connection.ts` keeps that state and logs its changes.
 * Also remembers, for the status bar, the daemon's canonical path for each project path sent, and
 * the paths it refuses (422 on `project_path`: a folder whose beats are all dropped, which must not
 * go unnoticed; logged once per path).
 * Must not import `vscode`.
 */

import type { Beat } from "./beat";
import type { BeatOutcome } from "./beatOutcome";
import { type Connection, ConnectionTracker } from "./connection";
import type { DaemonClient } from "./daemonClient";
import { describeError } from "./lockFile";
import { withoutMachine } from "./machine";
import { type Outbox, type ReplayVerdict } from "./outbox";
import { redactCredentials } from "./redact";
import type { TodayOutcome } from "./todayReport";

export interface DeliveryState {
  readonly connection: Connection;
  /** Beats waiting in the outbox (all windows). */
  readonly queued: number;
}

/** Beats kept in memory when the outbox itself cannot be written (lock busy, disk error). */
const MAX_MEMORY_BEATS = 10_000;
/** The daemon's error code for a fault of its own (a 500), unlike being away or busy (503). */
const INTERNAL_ERROR_CODE = "internal_error";
/** The daemon's 503 for a beat whose folder is on a share or FUSE mount that does not answer. */
const FOLDER_NOT_ANSWERING_CODE = "folder_not_answering";
/** Beats failed on their own in a row (500s, folders not answering) after which a replay stops. */
const MAX_FAULTS_IN_A_ROW = 3;
export interface DeliveryOptions {
  /** The clock (epoch ms), for Retry-After. */
  readonly now?: () => number;
  /** Whether tracking is on (oxitrack.enabled): when off, the outbox is not replayed either. */
  readonly isEnabled?: () => boolean;
  /** Whether a project path matches oxitrack.excludePatterns now: its beats are dropped. */
  readonly isExcluded?: (projectPath: string) => boolean;
  /**
   * Whether the user's own oxitrack.excludePatterns (not a workspace's) match a project path. The
   * outbox is shared by every window, so its beats are dropped on replay only by these: a
   * workspace's patterns speak for that workspace, not for the beats other windows queued.
   */
  readonly isExcludedEverywhere?: (projectPath: string) => boolean;
  /**
   * Whether beats may name this computer (oxitrack.sendMachineName) now: a queued beat made while
   * it was on is sent without its host name once it is off.
   */
  readonly namesMachine?: () => boolean;
}

export class Delivery {
  private readonly tracker: ConnectionTracker;
  private queued = 0;
  private replaying: Promise<void> | undefined;
  private memory: Beat[] = [];
  /** Beats handed to send() or keep() that are neither delivered nor written yet. */
  private readonly inFlight = new Set<Beat>();
  private readonly canonical = new Map<string, string>();
  /** Project paths the daemon refuses as such, with what it said. */
  private readonly refusedPaths = new Map<string, string>();
  private readonly listeners = new Set<(state: DeliveryState) => void>();
  private readonly now: () => number;
  private readonly isEnabled: () => boolean;
  private readonly isExcluded: (projectPath: string) => boolean;
  private readonly isExcludedEverywhere: (projectPath: string) => boolean;
  private readonly namesMachine: () => boolean;
  /** The server URL the connection state was seen at: a state seen at another is not this one's. */
  private observedUrl: string | undefined;
  /** No replay before this (epoch ms): the daemon said Retry-After. */
  private replayNotBeforeMs = 0;
  /**
   * The outbox failures logged (writing it, replaying it) since it last worked: a disk that stays
   * full fails every beat and every replay, and the log said so every 30 s.
   */
  private readonly loggedOutboxFailures = new Set<string>();

  constructor(
    private readonly client: () => DaemonClient,
    private readonly outbox: Outbox,
    private readonly log: (message: string) => void,
    options: DeliveryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.isEnabled = options.isEnabled ?? (() => true);
    this.isExcluded = options.isExcluded ?? (() => false);
    this.isExcludedEverywhere = options.isExcludedEverywhere ?? (() => false);
    this.namesMachine = options.namesMachine ?? (() => true);
    this.tracker = new ConnectionTracker({
      now: this.now,
      log,
      serverUrl: () => redactCredentials(this.client().serverUrl),
      changed: () => this.notify(),
    });
  }

  /**
   * The connection is the one seen at the current server URL: right after the setting was
   * corrected, the old address's "wrong URL" is not the new one's (Open Dashboard refused it).
   */
  get state(): DeliveryState {
    const isCurrent = this.observedUrl === undefined || this.observedUrl === this.client().serverUrl;
    const connection: Connection = isCurrent ? this.tracker.connection : { kind: "unknown" };
    return { connection, queued: this.queued + this.memory.length };
  }

  /** Since when (epoch ms) the connection has been of its current kind (online, slow, offline, …). */
  get connectionSinceMs(): number {
    return this.tracker.sinceMs;
  }

  /** The daemon's own spelling of a project path we sent, once a beat for it was accepted. */
  canonicalPath(projectPath: string): string | undefined {
    return this.canonical.get(projectPath);
  }

  /** What the daemon said when it refused this project path itself; undefined unless it did. */
  pathRefusal(projectPath: string): string | undefined {
    return this.refusedPaths.get(projectPath);
  }

  onDidChangeState(listener: (state: DeliveryState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Sends one live beat; never throws. */
  async send(beat: Beat): Promise<void> {
    if (this.isExcluded(beat.project_path)) {
      return;
    }
    this.inFlight.add(beat);
    try {
      const client = this.client();
      const outcome = await client.postBeat(beat);
      this.noteOutcome(beat, outcome, client.serverUrl);
      if (outcome.kind === "unavailable") {
        await this.keep([beat]);
      } else if (outcome.kind === "accepted" && this.state.queued > 0) {
        void this.replay();
      }
    } finally {
      this.inFlight.delete(beat);
    }
  }

  /**
   * The window is closing, and VS Code gives extensions about 5 s: writes `beats`, the beats still
   * in flight and those held in memory straight to the outbox, with no network and a short wait
   * for the lock. A beat that a late request delivers as well is harmless: the daemon ignores
   * repeats. Never throws.
   */
  async saveForLater(beats: readonly Beat[]): Promise<void> {
    const pending = [...beats, ...this.inFlight, ...this.memory].filter((beat) => !this.isExcluded(beat.project_path));
    this.memory = [];
    try {
      await this.outbox.appendBeforeExit(pending);
    } catch (error) {
      this.log(`could not save ${pending.length} beat(s) for later: ${describeError(error)}`);
    }
  }

  /**
   * Replays the outbox (all windows' beats) oldest first; one replay at a time; never throws.
   * Does nothing while a Retry-After the daemon sent is running: a replay is a burst of requests.
   * Does nothing while tracking is off: then nothing at all is sent.
   */
  replay(): Promise<void> {
    if (this.replaying === undefined && (!this.isEnabled() || this.now() < this.replayNotBeforeMs)) {
      return Promise.resolve();
    }
    this.replaying ??= this.runReplay().finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  /** Re-reads how many beats wait in the outbox (other windows add to it too). */
  async refreshQueued(): Promise<void> {
    try {
      this.setQueued(await this.outbox.count());
    } catch (error) {
      this.log(`could not read the outbox: ${describeError(error)}`);
    }
  }

  /**
   * The status bar's `GET /today` answered. A report clears the problems it disproves; a problem
   * that beats would meet too is taken over, except a daemon error (only a write can tell), which a
   * slow report does not hide either: the next answered report would clear it. With beats queued
   * and the daemon answering again, a replay starts at once: its first beat decides.
   */
  noteToday(today: TodayOutcome, serverUrl: string = this.client().serverUrl): void {
    this.observeAt(serverUrl);
    if (today.kind === "unavailable") {
      const hidesDaemonError = today.problem.kind === "slow" && this.tracker.connection.kind === "daemonError";
      if (today.problem.kind !== "daemonError" && !hidesDaemonError) {
        this.tracker.set(today.problem);
      }
      return;
    }
    if (today.kind === "error") {
      return;
    }
    const wasOnline = this.tracker.connection.kind === "online";
    this.tracker.noteAnswered();
    if (!wasOnline && this.state.queued > 0) {
      void this.replay();
    }
  }

  private async runReplay(): Promise<void> {
    try {
      await this.flushMemory();
      let excluded = 0;
      let failedInARow = 0;
      const foldersNotAnswering = new Set<string>(); // their other beats wait without a try
      const result = await this.outbox.replay(async (beat): Promise<ReplayVerdict> => {
        if (!this.isEnabled()) {
          return "stop"; // switched off during the replay
        }
        if (this.isExcludedEverywhere(beat.project_path)) {
          excluded++;
          return "dropped";
        }
        if (foldersNotAnswering.has(beat.project_path)) {
          return "kept";
        }
        const client = this.client();
        const outcome = await client.postBeat(this.namesMachine() ? beat : withoutMachine(beat));
        this.noteOutcome(beat, outcome, client.serverUrl);
        if (outcome.kind !== "unavailable") {
          failedInARow = 0;
          return outcome.kind === "accepted" ? "sent" : "dropped";
        }
        // The daemon's 500 may be this beat's alone (a fault reading its folder), and a folder on
        // a share that does not answer is that folder's alone: the beats behind it must not wait
        // for ever. Several in a row mean the daemon itself is failing: stop.
        const code = outcome.problem.kind === "daemonError" ? outcome.problem.code : undefined;
        if (code === FOLDER_NOT_ANSWERING_CODE) {
          foldersNotAnswering.add(beat.project_path);
        }
        const isOwnFault = code === INTERNAL_ERROR_CODE || code === FOLDER_NOT_ANSWERING_CODE;
        return isOwnFault && ++failedInARow < MAX_FAULTS_IN_A_ROW ? "kept" : "stop";
      });
      this.noteOutboxWorks();
      const refused = result.dropped - excluded;
      if (result.sent + result.dropped > 0) {
        this.log(
          `replayed ${result.sent} beat(s) from the outbox` +
            (refused > 0 ? `, dropped ${refused} the daemon refused` : "") +
            (excluded > 0 ? `, dropped ${excluded} of folders in oxitrack.excludePatterns` : "") +
            (result.remaining > 0 ? `; ${result.remaining} still queued` : ""),
        );
      }
    } catch (error) {
      this.logOutboxFailure(`outbox replay failed: ${describeError(error)}`);
    }
    await this.refreshQueued();
  }

  /** What follows is seen at `serverUrl`: the state seen at another address is forgotten first. */
  private observeAt(serverUrl: string): void {
    if (serverUrl !== this.observedUrl) {
      if (this.observedUrl !== undefined) {
        this.tracker.forget();
      }
      this.observedUrl = serverUrl;
    }
  }

  private noteOutcome(beat: Beat, outcome: BeatOutcome, serverUrl: string): void {
    this.observeAt(serverUrl);
    switch (outcome.kind) {
      case "accepted":
        this.canonical.set(beat.project_path, outcome.projectPath);
        if (this.refusedPaths.delete(beat.project_path)) {
          this.notify(); // the daemon takes this path now (updated)
        }
        this.replayNotBeforeMs = 0;
        this.tracker.set({ kind: "online" });
        break;
      case "rejected":
        if (outcome.field !== "project_path") {
          this.log(
            `daemon refused the beat for ${beat.project_path} at ${beat.timestamp} (${outcome.detail}); dropped`,
          );
        } else if (!this.refusedPaths.has(beat.project_path)) {
          this.refusedPaths.set(beat.project_path, outcome.detail);
          this.log(
            `the daemon refuses the folder ${beat.project_path} (${outcome.detail}): ` +
              "time spent there is not recorded and its beats are dropped; a newer daemon may accept it",
          );
          this.notify();
        }
        this.tracker.noteAnswered();
        break;
      case "unavailable":
        if (outcome.problem.retryAfterMs !== undefined) {
          this.replayNotBeforeMs = this.now() + outcome.problem.retryAfterMs;
        }
        this.tracker.set(outcome.problem);
        break;
    }
  }

  private async keep(beats: readonly Beat[]): Promise<void> {
    beats.forEach((beat) => this.inFlight.add(beat));
    try {
      const result = await this.outbox.append(beats);
      this.setQueued(this.queued + result.appended);
      this.noteOutboxWorks();
    } catch (error) {
      const room = Math.max(0, MAX_MEMORY_BEATS - this.memory.length);
      this.memory.push(...beats.slice(0, room));
      const dropped = room < beats.length ? `; ${MAX_MEMORY_BEATS} is the most kept, newer ones are dropped` : "";
      this.logOutboxFailure(`could not write the outbox (${describeError(error)}); beats are held in memory${dropped}`);
      this.notify();
    } finally {
      beats.forEach((beat) => this.inFlight.delete(beat));
    }
  }

  private async flushMemory(): Promise<void> {
    if (this.memory.length === 0) {
      return;
    }
    const beats = this.memory.filter((beat) => !this.isExcluded(beat.project_path));
    this.memory = [];
    await this.keep(beats);
  }

  /** Logs an outbox failure unless it was logged already since the outbox last worked. */
  private logOutboxFailure(message: string): void {
    if (!this.loggedOutboxFailures.has(message)) {
      this.loggedOutboxFailures.add(message);
      this.log(message);
    }
  }

  /** The outbox worked: the failures logged before are over (the next one is logged again). */
  private noteOutboxWorks(): void {
    if (this.loggedOutboxFailures.size > 0) {
      this.loggedOutboxFailures.clear();
      this.log("the outbox works again");
    }
  }

  private setQueued(queued: number): void {
    if (this.queued !== queued) {
      this.queued = queued;
      this.notify();
    }
  }

  private notify(): void {
    const state = this.state;
    for (const listener of this.listeners) {
      listener(state);
    }
  }
}
