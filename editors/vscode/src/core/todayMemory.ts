/**
 * What the status bar knows of today: the latest answer to `GET /today`, except that an answer
 * that is only slow (the daemon is there, busy) keeps the last report, with when it came, so the
 * status bar goes on showing the time instead of losing it. Must not import `vscode`.
 */

import type { TodayOutcome } from "./daemonClient";

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
  if (isSlow && previous?.today.kind === "ok") {
    return previous;
  }
  return { today: answer };
}
