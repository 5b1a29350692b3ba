/**
 * When to beat. Turns a stream of activity into few, accurate beats:
 * - at most one beat per project per `throttleMs` while activity continues; activity held back by
 *   the throttle is not forgotten, a trailing beat carrying its time goes out once the interval has
 *   passed, so the session ends where the work ended;
 * - a beat right away on switching to another project, and on save unless the project's last beat
 *   is younger than a third of `throttleMs` (10 s): with files.autoSave "afterDelay" every pause in
 *   typing is a save, and each would otherwise be a beat (and an outbox line while offline);
 * - while working (see idle.ts), a keep-alive beat at least every `keepaliveMs`;
 * - nothing else: no activity, no beats.
 * Pure: time comes in as arguments. Must not import `vscode`.
 */

import { type Beat, beatAt } from "./beat";

export type Urgency = "normal" | "save";

export interface ThrottleTiming {
  readonly throttleMs: number;
  readonly keepaliveMs: number;
}

/** A save beats at once when the last beat is at least this part of `throttleMs` old. */
const SAVE_GAP_PART = 1 / 3;

export class BeatThrottle {
  /** Per project: when the last beat was handed out (the clock at sending time). */
  private readonly lastSentMs = new Map<string, number>();
  /** Per project: the latest activity the throttle held back. */
  private readonly heldBackMs = new Map<string, number>();
  private currentProject: string | undefined;

  constructor(private readonly timing: ThrottleTiming) {}

  /** The project the last tracked activity was in; undefined after untracked activity. */
  get project(): string | undefined {
    return this.currentProject;
  }

  /** Activity in `project` at `atMs`: returns the beats to send now (none or one). */
  onActivity(project: string, atMs: number, urgency: Urgency = "normal"): Beat[] {
    const isSwitch = this.currentProject !== project;
    this.currentProject = project;
    const lastSent = this.lastSentMs.get(project);
    const intervalMs = urgency === "save" ? this.timing.throttleMs * SAVE_GAP_PART : this.timing.throttleMs;
    if (isSwitch || hasElapsed(lastSent, atMs, intervalMs)) {
      return [this.handOut(project, atMs, atMs)];
    }
    const heldBack = this.heldBackMs.get(project);
    if (heldBack === undefined || atMs > heldBack) {
      this.heldBackMs.set(project, atMs);
    }
    return [];
  }

  /**
   * Activity that must not be attributed to any project (an excluded folder). It ends keep-alive
   * beats for the previous project, and coming back to a tracked project counts as a switch.
   */
  onUntrackedActivity(): void {
    this.currentProject = undefined;
  }

  /**
   * Called on a timer. Returns trailing beats whose throttle interval has passed and, when the user
   * `isWorking`, a keep-alive beat for the current project if it has had none for `keepaliveMs`.
   */
  onTick(nowMs: number, isWorking: boolean): Beat[] {
    const beats: Beat[] = [];
    for (const [project, heldBackMs] of [...this.heldBackMs]) {
      if (hasElapsed(this.lastSentMs.get(project), nowMs, this.timing.throttleMs)) {
        beats.push(this.handOut(project, heldBackMs, nowMs));
      }
    }
    const project = this.currentProject;
    if (
      isWorking &&
      project !== undefined &&
      hasElapsed(this.lastSentMs.get(project), nowMs, this.timing.keepaliveMs)
    ) {
      beats.push(this.handOut(project, nowMs, nowMs));
    }
    return beats;
  }

  /** Everything held back, as beats, regardless of the interval: the window is closing. */
  flushHeldBack(nowMs: number): Beat[] {
    return [...this.heldBackMs].map(([project, heldBackMs]) =>
      this.handOut(project, heldBackMs, nowMs),
    );
  }

  /** Forget everything (tracking was switched off). */
  reset(): void {
    this.lastSentMs.clear();
    this.heldBackMs.clear();
    this.currentProject = undefined;
  }

  private handOut(project: string, activityMs: number, sentMs: number): Beat {
    this.lastSentMs.set(project, sentMs);
    const heldBack = this.heldBackMs.get(project);
    if (heldBack !== undefined && heldBack <= activityMs) {
      this.heldBackMs.delete(project);
    }
    return beatAt(project, activityMs);
  }
}

/**
 * True when `intervalMs` has passed since `sinceMs` (or nothing was sent yet). A clock stepped
 * backwards (NTP, a VM resumed, a time zone bug) counts as elapsed: otherwise no beat would go out
 * until the clock caught up again, which may be hours.
 */
function hasElapsed(sinceMs: number | undefined, nowMs: number, intervalMs: number): boolean {
  return sinceMs === undefined || nowMs < sinceMs || nowMs - sinceMs >= intervalMs;
}
