/**
 * Is anyone working in this window? Remembers the last activity and whether the window has focus.
 * Idle = no activity within the active window (2 minutes by default): an open, untouched window
 * produces no beats. Time comes in as arguments, never from a clock. Must not import `vscode`.
 */

export class ActivityState {
  private lastActivityMs: number | undefined;
  private focused: boolean;

  constructor(
    private readonly activeWindowMs: number,
    focused: boolean,
  ) {
    this.focused = focused;
  }

  /** Activity comes in as it happens, so the latest call wins even if the clock went back. */
  noteActivity(atMs: number): void {
    this.lastActivityMs = atMs;
  }

  setFocused(focused: boolean): void {
    this.focused = focused;
  }

  get isFocused(): boolean {
    return this.focused;
  }

  /**
   * No activity at all yet, or none within the active window before `nowMs`. Activity "in the
   * future" means the clock was stepped back since: how long ago it was is unknown, so idle
   * (keep-alive beats would otherwise run on for as long as the step).
   */
  isIdle(nowMs: number): boolean {
    const last = this.lastActivityMs;
    return last === undefined || nowMs < last || nowMs - last > this.activeWindowMs;
  }

  /** Recent activity and the window has focus: reading and thinking count, so keep beating. */
  isWorking(nowMs: number): boolean {
    return this.focused && !this.isIdle(nowMs);
  }
}
