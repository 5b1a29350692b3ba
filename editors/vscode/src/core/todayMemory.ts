/**
 * What the status bar knows of today: the latest answer to `GET /today`, except that an answer
 * that is only slow (the daemon is there, busy) keeps the last report, with when it came, so the
 * status bar goes on showing the time instead of losing it. Must not import `vscode`.
 */

import type { TodayOutcome } from "./todayReport";

export interface KnownToday {
  readonly today: TodayOutcome;
  /** When (epoch ms) `today` was received, if it is a report. */
  readonly reportAtMs?: number;
}

/** What is known after `answer` arrived at `nowMs`, given what was known before. */
export function rememberToday(previous: KnownToday | undefined, answer: TodayOutcome, nowMs: number): KnownToday {
  if (answer.kind === "ok") {
    return { today: answer, reportAtMs: nowMs };
  }
  const isSlow = answer.kind === "unavailable" && answer.problem.kind === "slow";
  if (isSlow && previous?.today.kind === "ok" && isSameLocalDay(previous.reportAtMs, nowMs)) {
    return previous;
  }
  return { today: answer };
}

/**
 * Whether two instants fall on one calendar day of this machine's zone (the daemon's, which runs
 * here): past midnight, yesterday's report is not today's time, however slow the daemon is.
 */
function isSameLocalDay(earlierMs: number | undefined, laterMs: number): boolean {
  if (earlierMs === undefined) {
    return false;
  }
  const earlier = new Date(earlierMs);
  const later = new Date(laterMs);
  return (
    earlier.getFullYear() === later.getFullYear() &&
    earlier.getMonth() === later.getMonth() &&
    earlier.getDate() === later.getDate()
  );
}
