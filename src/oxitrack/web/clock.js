// Times and days as the dashboard shows them: in the report's time zone (the daemon's, or ?tz=),
// written the reader's way. The zone defaults to the one of the data on screen.

import { shortDay } from "./chart.js";
import { state } from "./state.js";

/**
 * The zone the browser can format times in: the report's own, or UTC when the browser's time zone
 * data lacks that name (the daemon's tz database may know zones a browser does not). A page that
 * throws here would stay on "loading…", or keep an old offline banner, for good.
 */
function clockZone(timeZone) {
  if (timeZone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return timeZone;
  } catch (error) {
    if (error instanceof RangeError) return "UTC";
    throw error;
  }
}

/**
 * The time of day in the report's zone, so a time never sits next to a zone name it is not in;
 * written as the reader's region writes it ("18:40" in Germany, "6:40 PM" in the United States).
 */
export function formatClock(date, timeZone = state.timezone) {
  return new Intl.DateTimeFormat(undefined, {
    timeStyle: "short",
    timeZone: clockZone(timeZone),
  }).format(date);
}

/**
 * A past moment for the offline banner: its time, with its day when that was not today. A tab
 * left open overnight said the daemon "does not answer since 23:58", showing data "from 23:40",
 * the next morning: yesterday's figures passed for the evening's.
 */
export function formatSince(date) {
  const day = localDate(date);
  const time = formatClock(date);
  return day === localDate(new Date()) ? time : `${shortDay(day)} ${time}`;
}

/** "-04:00": the UTC offset of `date` where the page's times are shown. */
export function utcOffset(date, timeZone = state.timezone) {
  const part = new Intl.DateTimeFormat("en-US", {
    timeZone: clockZone(timeZone),
    timeZoneName: "longOffset",
  })
    .formatToParts(date)
    .find((each) => each.type === "timeZoneName");
  const offset = (part?.value ?? "GMT").replace("GMT", "");
  return offset === "" ? "+00:00" : offset;
}

/** "2025-10-26": the calendar day of `date` where the page's times are shown. */
export function localDate(date, timeZone = state.timezone) {
  return new Intl.DateTimeFormat("en-CA", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    timeZone: clockZone(timeZone),
  }).format(date);
}

/** The report's zone as the daemon names it, and which zone the page's times are in if not that. */
export function zoneLabel(timeZone) {
  return clockZone(timeZone) === timeZone ? timeZone : `${timeZone} (times in UTC)`;
}
