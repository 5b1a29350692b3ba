/**
 * When to beat. Turns a stream of activity into few, accurate beats:
 * - at most one beat per project and language per `throttleMs` while activity continues; activity
 *   held back by the throttle is not forgotten, a trailing beat carrying its time (and language)
 *   goes out once the interval has passed, so the session ends where the work ended;
 * - a beat right away on switching to another project, and on save unless the last beat of the
 *   project in that language is younger than a third of `throttleMs` (10 s): with files.autoSave
 *   "afterDelay" every pause in typing is a save, and each would otherwise be a beat (and an
 *   outbox line while offline);
 * - a beat right away on moving to a file of another language in the same project, unless that
 *   language had one in the last `throttleMs`: the daemon gives the time between two beats to the
 *   first one's language, so the switch must be marked when it happens, as WakaTime's plugins do
 *   on a change of file; going back and forth between two files stays within one beat per
 *   language per interval, and the trailing beats keep each language's last activity;
 * - a beat right away when the category of the time changes (a debug session or a build starting
 *   or ending, see category.ts): on the next activity, or on the next tick while working, even
 *   if that category had a beat in the last `throttleMs`; the daemon gives the time between two
 *   beats to the first one's category, so debugging would otherwise run on into the coding after
 *   it. Going back to coding is marked as surely as leaving it;
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

/** What a beat is about: a project and, when known, the file's language and the time's category. */
interface Subject {
  readonly project: string;
  readonly language: string | undefined;
  readonly category: string | undefined;
}

export class BeatThrottle {
  /** Per subject (keyOf): when its last beat was handed out (the clock at sending time). */
  private readonly lastSentMs = new Map<string, number>();
  /** Per subject (keyOf): the latest activity the throttle held back. */
  private readonly heldBack = new Map<string, { readonly subject: Subject; readonly atMs: number }>();
  private current: Subject | undefined;

  constructor(private readonly timing: ThrottleTiming) {}

  /** The project the last tracked activity was in; undefined after untracked activity. */
  get project(): string | undefined {
    return this.current?.project;
  }

  /**
   * Activity in `project`, in a file of `language` (WakaTime's name; undefined for none), of
   * `category` (undefined: coding), at `atMs`: returns the beats to send now (none or one).
   */
  onActivity(
    project: string,
    atMs: number,
    urgency: Urgency = "normal",
    language?: string,
    category?: string,
  ): Beat[] {
    const subject: Subject = { project, language, category };
    const isSwitch = this.current?.project !== project || this.current.category !== category;
    this.current = subject;
    const key = keyOf(subject);
    const intervalMs = urgency === "save" ? this.timing.throttleMs * SAVE_GAP_PART : this.timing.throttleMs;
    if (isSwitch || hasElapsed(this.lastSentMs.get(key), atMs, intervalMs)) {
      return [this.handOut(subject, atMs, atMs)];
    }
    const held = this.heldBack.get(key);
    if (held === undefined || atMs > held.atMs) {
      this.heldBack.set(key, { subject, atMs });
    }
    return [];
  }

  /**
   * Activity that must not be attributed to any project (an excluded folder). It ends keep-alive
   * beats for the previous project, and coming back to a tracked project counts as a switch.
   */
  onUntrackedActivity(): void {
    this.current = undefined;
  }

  /**
   * Called on a timer, and when the category may have changed. Returns trailing beats whose
   * throttle interval has passed and, when the user `isWorking`, a beat for the current project
   * and language in the time's `category` now (undefined: coding) if that category is new, or if
   * it has had no beat for `keepaliveMs` (a keep-alive). Not working, a new category waits for
   * the next activity: an idle window beats for nothing, not even a debug session ending.
   */
  onTick(nowMs: number, isWorking: boolean, category?: string): Beat[] {
    const beats: Beat[] = [];
    for (const [key, held] of [...this.heldBack]) {
      if (hasElapsed(this.lastSentMs.get(key), nowMs, this.timing.throttleMs)) {
        beats.push(this.handOut(held.subject, held.atMs, nowMs));
      }
    }
    if (!isWorking || this.current === undefined) {
      return beats;
    }
    const isNewCategory = this.current.category !== category;
    const current: Subject = { ...this.current, category };
    this.current = current;
    if (isNewCategory || hasElapsed(this.lastSentMs.get(keyOf(current)), nowMs, this.timing.keepaliveMs)) {
      beats.push(this.handOut(current, nowMs, nowMs));
    }
    return beats;
  }

  /** Everything held back, as beats, regardless of the interval: the window is closing. */
  flushHeldBack(nowMs: number): Beat[] {
    return [...this.heldBack.values()].map((held) => this.handOut(held.subject, held.atMs, nowMs));
  }

  /** Forget everything (tracking was switched off). */
  reset(): void {
    this.lastSentMs.clear();
    this.heldBack.clear();
    this.current = undefined;
  }

  private handOut(subject: Subject, activityMs: number, sentMs: number): Beat {
    const key = keyOf(subject);
    this.lastSentMs.set(key, sentMs);
    const held = this.heldBack.get(key);
    if (held !== undefined && held.atMs <= activityMs) {
      this.heldBack.delete(key);
    }
    return beatAt(subject.project, activityMs, subject.language, subject.category);
  }
}

/**
 * One map key per project, language and category (NUL cannot occur in a path, a language name
 * or a category).
 */
function keyOf(subject: Subject): string {
  return `${subject.project}\0${subject.language ?? ""}\0${subject.category ?? ""}`;
}

/**
 * True when `intervalMs` has passed since `sinceMs` (or nothing was sent yet). A clock stepped
 * backwards (NTP, a VM resumed, a time zone bug) counts as elapsed: otherwise no beat would go out
 * until the clock caught up again, which may be hours.
 */
function hasElapsed(sinceMs: number | undefined, nowMs: number, intervalMs: number): boolean {
  return sinceMs === undefined || nowMs < sinceMs || nowMs - sinceMs >= intervalMs;
}
