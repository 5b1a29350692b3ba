/**
 * Send or keep: every beat goes to the daemon; one the daemon cannot take now (unreachable, 5xx,
 * timeout) goes to the outbox, one it refuses (4xx) is logged and dropped. The outbox is replayed
 * when a beat gets through and whenever the owner asks (a timer), one replay at a time per window.
 * Also remembers the daemon's canonical path for each project path sent, for the status bar.
 * Must not import `vscode`.
 */

import type { Beat } from "./beat";
import type { BeatOutcome, DaemonClient } from "./daemonClient";
import { type Outbox, type ReplayVerdict } from "./outbox";

export interface DeliveryState {
  /** undefined until the first answer (or failure) from the daemon. */
  readonly isOnline: boolean | undefined;
  /** Beats waiting in the outbox (all windows). */
  readonly queued: number;
}

/** Beats kept in memory when the outbox itself cannot be written (lock busy, disk error). */
const MAX_MEMORY_BEATS = 10_000;

export class Delivery {
  private online: boolean | undefined;
  private queued = 0;
  private replaying: Promise<void> | undefined;
  private memory: Beat[] = [];
  private readonly canonical = new Map<string, string>();
  private readonly listeners = new Set<(state: DeliveryState) => void>();

  constructor(
    private readonly client: () => DaemonClient,
    private readonly outbox: Outbox,
    private readonly log: (message: string) => void,
  ) {}

  get state(): DeliveryState {
    return { isOnline: this.online, queued: this.queued + this.memory.length };
  }

  /** The daemon's own spelling of a project path we sent, once a beat for it was accepted. */
  canonicalPath(projectPath: string): string | undefined {
    return this.canonical.get(projectPath);
  }

  onDidChangeState(listener: (state: DeliveryState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Sends one live beat; never throws. */
  async send(beat: Beat): Promise<void> {
    const outcome = await this.client().postBeat(beat);
    this.noteOutcome(beat, outcome);
    if (outcome.kind === "unavailable") {
      await this.keep([beat]);
    } else if (outcome.kind === "accepted" && this.state.queued > 0) {
      void this.replay();
    }
  }

  /** Replays the outbox (all windows' beats) oldest first; one replay at a time; never throws. */
  replay(): Promise<void> {
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
      this.log(`could not read the outbox: ${describe(error)}`);
    }
  }

  /**
   * Another request (the status bar's) learned whether the daemon answers. Coming back with beats
   * queued starts a replay at once, rather than at the next beat or timer.
   */
  noteReachable(isOnline: boolean, detail = ""): void {
    const wasOffline = this.online === false;
    this.setOnline(isOnline, detail);
    if (isOnline && wasOffline && this.state.queued > 0) {
      void this.replay();
    }
  }

  private async runReplay(): Promise<void> {
    try {
      await this.flushMemory();
      const result = await this.outbox.replay(async (beat): Promise<ReplayVerdict> => {
        const outcome = await this.client().postBeat(beat);
        this.noteOutcome(beat, outcome);
        if (outcome.kind === "accepted") {
          return "sent";
        }
        return outcome.kind === "rejected" ? "dropped" : "stop";
      });
      if (result.sent + result.dropped > 0) {
        this.log(
          `replayed ${result.sent} beat(s) from the outbox` +
            (result.dropped > 0 ? `, dropped ${result.dropped} the daemon refused` : "") +
            (result.remaining > 0 ? `; ${result.remaining} still queued` : ""),
        );
      }
    } catch (error) {
      this.log(`outbox replay failed: ${describe(error)}`);
    }
    await this.refreshQueued();
  }

  private noteOutcome(beat: Beat, outcome: BeatOutcome): void {
    switch (outcome.kind) {
      case "accepted":
        this.canonical.set(beat.project_path, outcome.projectPath);
        this.setOnline(true);
        break;
      case "rejected":
        this.log(
          `daemon refused the beat for ${beat.project_path} at ${beat.timestamp} (${outcome.detail}); dropped`,
        );
        this.setOnline(true);
        break;
      case "unavailable":
        this.setOnline(false, outcome.problem.detail);
        break;
    }
  }

  private async keep(beats: readonly Beat[]): Promise<void> {
    try {
      const result = await this.outbox.append(beats);
      this.setQueued(this.queued + result.appended);
    } catch (error) {
      const room = Math.max(0, MAX_MEMORY_BEATS - this.memory.length);
      this.memory.push(...beats.slice(0, room));
      this.log(`could not write the outbox (${describe(error)}); ${this.memory.length} beat(s) held in memory`);
      this.notify();
    }
  }

  private async flushMemory(): Promise<void> {
    if (this.memory.length === 0) {
      return;
    }
    const beats = this.memory;
    this.memory = [];
    await this.keep(beats);
  }

  private setOnline(isOnline: boolean, detail = ""): void {
    if (this.online === isOnline) {
      return;
    }
    const wasKnown = this.online !== undefined;
    this.online = isOnline;
    if (!isOnline) {
      this.log(`daemon unavailable (${detail}); beats go to the outbox`);
    } else if (wasKnown) {
      this.log("daemon is back");
    }
    this.notify();
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
