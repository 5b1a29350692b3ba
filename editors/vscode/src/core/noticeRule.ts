/**
 * Whether a window shows a settings error that every window finds at once (a mistake in the user's
 * settings is read by each open window): the first window to note it shows it, and leaves a marker
 * with its process id; the others see that marker and only say it in their status bar. A marker
 * left by a window that has gone (closed, or VS Code restarted) or older than a day no longer
 * counts, so the mistake is shown again, once. Must not import `vscode`.
 */

/** What a window that showed a notice leaves behind. */
export interface NoticeMarker {
  /** The extension host process (one per window) that showed it. */
  readonly pid: number;
  /** When it was shown (epoch ms). */
  readonly atMs: number;
}

export interface NoticeWindow {
  readonly pid: number;
  readonly nowMs: number;
  readonly isAlive: (pid: number) => boolean;
}

/** After this long a notice still wrong is shown again (process ids get reused after a reboot). */
export const NOTICE_MAX_AGE_MS = 24 * 3_600_000;

/** True when this window should show the notice (and then leave its own marker). */
export function shouldShowNotice(marker: NoticeMarker | undefined, here: NoticeWindow): boolean {
  if (marker === undefined) {
    return true;
  }
  if (marker.pid === here.pid) {
    return false; // this window showed it already
  }
  // A marker from the future (the clock was set back) counts as fresh: no second pop-up.
  const isFresh = here.nowMs - marker.atMs <= NOTICE_MAX_AGE_MS;
  return !(isFresh && here.isAlive(marker.pid));
}

/**
 * True when the mistake is fixed and this window may remove the marker: its own, or one of a window
 * that has gone. Another live window removes its own when it sees the fix, so a mistake fixed and
 * made again before that window catches up is still shown only once, by it.
 */
export function shouldForgetNotice(marker: NoticeMarker | undefined, here: NoticeWindow): boolean {
  return marker !== undefined && (marker.pid === here.pid || !here.isAlive(marker.pid));
}

/** The marker in a file's text, or undefined when it is not one (then it does not count). */
export function parseNoticeMarker(text: string): NoticeMarker | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) {
    return undefined;
  }
  const { pid, atMs } = value as Record<string, unknown>;
  return Number.isSafeInteger(pid) && (pid as number) > 0 && typeof atMs === "number" && Number.isFinite(atMs)
    ? { pid: pid as number, atMs }
    : undefined;
}
