/**
 * What the status bar knows of today: the latest answer to `GET /today`, except that an answer
 * that is only slow (the daemon is there, busy) keeps the last report, with when it came, so the
 * status bar goes on showing the time instead of losing it. Must not import `vscode`.
 */

import { formatterIn, machineZone } from "./machineZone";
import type { TodayOutcome } from "./todayReport";

export interface KnownToday {
  readonly today: TodayOutcome;
  /** When (epoch ms) `today` was received, if it is a report. */
  readonly reportAtMs?: number;
}

/**
 * What is known after `answer` arrived at `nowMs`, given what was known before; days are those of
 * `zone`, this machine's now by default (after a flight, the zone landed in).
 */
export function rememberToday(
  previous: KnownToday | undefined,
  answer: TodayOutcome,
  nowMs: number,
  zone: string | undefined = machineZone(),
): KnownToday {
  if (answer.kind === "ok") {
    return { today: answer, reportAtMs: nowMs };
  }
  const isSlow = answer.kind === "unavailable" && answer.problem.kind === "slow";
  if (isSlow && previous?.today.kind === "ok" && isSameLocalDay(previous.reportAtMs, nowMs, zone)) {
    return previous;
  }
  return { today: answer };
}

/**
 * Whether two instants fall on one calendar day of `zone` (this machine's, which the report was
 * asked for): past midnight, yesterday's report is not today's time, however slow the daemon is.
 * Node's own `Date` keeps the zone the editor started in, which a traveller has left.
 */
function isSameLocalDay(earlierMs: number | undefined, laterMs: number, zone: string | undefined): boolean {
  if (earlierMs === undefined) {
    return false;
  }
  const day = formatterIn(zone, "en-CA", { year: "numeric", month: "2-digit", day: "2-digit" });
  return day.format(earlierMs) === day.format(laterMs);
}
