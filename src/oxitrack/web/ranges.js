// The range the page shows, as its address gives it and the daemon's reports take it: a number of
// days up to today (?days=30, the range switch's buttons) or a calendar month (?month=2025-10,
// the month picker: a month billed after it ended, which no "last N days" shows whole). A range
// is the query parameters that ask /api/days and /api/breakdown for it: { days: "7" } or
// { month: "2025-10" }; the daemon checks them like any other request's. No DOM here.

/** The range of a page whose address names none: the last 7 days. */
export const DEFAULT_RANGE = Object.freeze({ days: "7" });

// How many months the picker offers, this one first: two years, the months people bill or look
// back on. An older one is asked for in the address (?month=2023-05), and then listed too.
const MONTHS_OFFERED = 24;

/** The range `params` (the address's query) names; both when both are given, for the daemon to refuse. */
export function rangeIn(params) {
  const range = {};
  for (const name of ["days", "month"]) {
    if (params.has(name)) range[name] = params.get(name);
  }
  return Object.keys(range).length > 0 ? range : DEFAULT_RANGE;
}

/** Two ranges alike: the same parameters, whatever object holds them. */
export function sameRange(one, other) {
  return rangeKey(one) === rangeKey(other);
}

function rangeKey(range) {
  return new URLSearchParams(range).toString();
}

/** The range in words, after "Time per day,": "last 30 days", "today", "October 2025". */
export function rangeName(range) {
  if (range.month === undefined) return Number(range.days) === 1 ? "today" : `last ${range.days} days`;
  return range.month.trim().toLowerCase() === "last" ? "last month" : monthName(range.month);
}

/** "October 2025" for 2025-10, in the reader's language; text that is no month, as it is. */
export function monthName(month) {
  const [year, number] = month.split("-").map(Number);
  if (!/^\d{4}-\d{2}$/.test(month) || number < 1 || number > 12) return month;
  return new Date(Date.UTC(year, number - 1, 1)).toLocaleDateString(undefined, {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

/** The months the picker offers on `today` ("2025-11-25", the report zone's): newest first. */
export function monthsUpTo(today) {
  const [year, month] = today.split("-").map(Number);
  return Array.from({ length: MONTHS_OFFERED }, (_, back) => {
    const date = new Date(Date.UTC(year, month - 1 - back, 1));
    return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
  });
}
