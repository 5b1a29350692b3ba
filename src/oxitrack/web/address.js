// The dashboard's state kept in the page's address (?days=, ?hide=, ?by=), so that a reload, a
// bookmark and the Back button show the same range, projects and breakdown: read and written
// here, the other parameters (?tz=) always kept.

const DEFAULT_DAYS = "7";
const HIDE_PARAM = "hide";
const BY_PARAM = "by";
/** What the breakdown card can split time by: `GET /api/breakdown`'s `by`, the first the default. */
export const BREAKDOWN_FIELDS = [
  "language",
  "category",
  "editor",
  "branch",
  "machine",
  "operating_system",
];

/**
 * The range in the page's address (?days=30), so a reload, a bookmark and the Back button keep
 * it; the daemon checks it like any other request's. Without one, the last 7 days.
 */
export function addressDays() {
  return new URLSearchParams(location.search).get("days") ?? DEFAULT_DAYS;
}

/** The address with ?days= set, other parameters (?tz=, ?hide=) kept. */
export function addressWithDays(days) {
  const url = new URL(location.href);
  url.searchParams.set("days", days);
  return url;
}

/**
 * What the breakdown card splits time by (?by=category). Without one, or with one the card does
 * not know (a bookmark from a later version, a typo), languages: the page still works, and the
 * address is left as it is until a button is pressed.
 */
export function addressBy() {
  const by = new URLSearchParams(location.search).get(BY_PARAM);
  return BREAKDOWN_FIELDS.includes(by) ? by : BREAKDOWN_FIELDS[0];
}

/** The address with ?by= set, other parameters kept. */
export function addressWithBy(by) {
  const url = new URL(location.href);
  url.searchParams.set(BY_PARAM, by);
  return url;
}

/** The address without ?`name`=, the other parameters (the range, hidden projects) kept. */
export function addressWithout(name) {
  const url = new URL(location.href);
  url.searchParams.delete(name);
  return url.href;
}

/**
 * The legend keys switched off, from the page's address: one ?hide= per project path (or "other"),
 * so a path may hold any character, commas and "&" included, each percent-encoded on its own.
 * A key no project of the range has is kept and does nothing: the project may be in another range,
 * or gone.
 */
export function addressHidden() {
  return new Set(new URLSearchParams(location.search).getAll(HIDE_PARAM));
}

/** The address with one ?hide= per key in `hidden`, other parameters kept. */
export function addressWithHidden(hidden) {
  const url = new URL(location.href);
  url.searchParams.delete(HIDE_PARAM);
  for (const key of hidden) url.searchParams.append(HIDE_PARAM, key);
  return url;
}
