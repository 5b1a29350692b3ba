// The dashboard's state kept in the page's address (?days= or ?month=, ?hide=, ?by=), so that a
// reload, a bookmark and the Back button show the same range, projects and breakdown: read and
// written here, the other parameters (?tz=) always kept.

import { rangeIn } from "./ranges.js";

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
 * The range in the page's address (?days=30, ?month=2025-10: ranges.js), so a reload, a bookmark
 * and the Back button keep it; the daemon checks it like any other request's. Without one, the
 * last 7 days.
 */
export function addressRange() {
  return rangeIn(new URLSearchParams(location.search));
}

/** The address with `range` in it (?days= or ?month=, never both), other parameters kept. */
export function addressWithRange(range) {
  const url = new URL(location.href);
  url.searchParams.delete("days");
  url.searchParams.delete("month");
  for (const [name, value] of Object.entries(range)) url.searchParams.set(name, value);
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

/** The address without ?`names`=, the other parameters (the range, hidden projects) kept. */
export function addressWithout(...names) {
  const url = new URL(location.href);
  for (const name of names) url.searchParams.delete(name);
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
