// The page's requests to the daemon's JSON endpoints, with the API key once given and ?tz= passed
// on, and each answer sorted into a result or one of the errors below that the page acts on.

import { state } from "./state.js";

// Page-level ?tz=Area/City is passed on to every request; by default the daemon's own zone.
export const zoneParam = new URLSearchParams(location.search).get("tz");

function apiUrl(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  if (zoneParam) url.searchParams.set("tz", zoneParam);
  return url;
}

/**
 * Why `key` cannot be an API key, or null if it can. A daemon's key holds only what an HTTP
 * header carries (printable ASCII and Latin-1, as its config checks); the browser refuses to send
 * any other character, and a key pasted with a zero-width space or a curly quote was taken for a
 * daemon that did not answer.
 */
export function keyProblem(key) {
  const wrong = [...key].find((character) => !/^[\x20-\x7e\xa0-\xff]$/.test(character));
  if (wrong === undefined) return null;
  const codePoint = wrong.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
  return `That key has U+${codePoint}, which no API key holds: type the key again.`;
}

export class Unauthorized extends Error {}
/**
 * The daemon says when to ask again (503, Retry-After): it is making other long reports
 * (`reports_busy`), or cannot use its database for now (`store_unavailable`: another program
 * holds it, the disk failed), or a folder's share does not answer.
 */
export class Busy extends Error {
  constructor(message, retryAfterSeconds, code) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
    this.code = code;
  }
}
/**
 * The daemon answered, but with an error (a bad ?tz=, say): it is reachable, the request is not.
 * `code` is its error's ("not_found": a project merged or deleted meanwhile).
 */
export class Refused extends Error {
  constructor(message, code = null) {
    super(message);
    this.code = code;
  }
}
/**
 * A request got no answer in `seconds`. A change sent may yet be made, or may have been; a read
 * is taken as a daemon that does not answer, as one that refused the connection is.
 */
export class TimedOut extends Error {
  constructor(seconds) {
    super(`no answer in ${seconds} s`);
    this.seconds = seconds;
  }
}

/**
 * No connection to the daemon (stopped, its port closed, the network down), or what answers on its
 * address is not the daemon (a proxy's error page). The browser's own words for the first are
 * its own ("Failed to fetch", "NetworkError when attempting to fetch resource.", "Load failed"),
 * and the status line said them as the reason.
 */
export class Unreachable extends Error {}

/** A request given up because a newer one asks for the same: its answer would not be drawn. */
export class Superseded extends Error {
  constructor() {
    super("asked again since");
  }
}

// As long as the command line waits for the daemon. A daemon that does not answer a change
// (its disk hung) kept the projects card's dialog, which waits for the answer, open for good.
const CHANGE_TIMEOUT_S = 30;
// A read not answered by then is the daemon not answering: one that is there answers in well
// under a second, a year's report in a few, and a database held by another program within 5 s
// (its busy timeout, then a 503 that says so); three times that leaves room for a loaded machine.
// With none, a daemon that took the connection and never answered (stopped, its disk hung, a
// proxy) left the page on old figures with nothing saying so, and each minute's refresh waiting
// behind the last.
const READ_TIMEOUT_S = 15;
// A report of more than this many days is one of the daemon's long reports (it makes two at
// once), and ten years of a heavy user's sessions took 9.5 s on a quiet machine: a loaded one
// takes longer than 15 s, while the daemon answers everything else at once. Such a report was
// said not to answer, and asked again each minute, never let finish. A daemon that does not
// answer at all is still told in 15 s by the refresh's other reads, given up together.
const LONG_RANGE_DAYS = 92;
const LONG_REPORT_TIMEOUT_S = 60;

/**
 * A range (ranges.js) the daemon makes as a long report, which is given LONG_REPORT_TIMEOUT_S:
 * more days than LONG_RANGE_DAYS; a month never is.
 */
export function isLongRange(range) {
  return Number(range.days) > LONG_RANGE_DAYS;
}

/** How long a read of `range` may take: LONG_RANGE_DAYS or fewer, READ_TIMEOUT_S. */
export function rangeTimeout(range) {
  return isLongRange(range) ? LONG_REPORT_TIMEOUT_S : READ_TIMEOUT_S;
}

/**
 * A read of `path` with `params`; none within `seconds` (READ_TIMEOUT_S unless given) is a
 * TimedOut. `signal`, if given, gives up on it sooner (the page's refresh, given up as a whole).
 */
export async function getJson(path, params, { signal, seconds = READ_TIMEOUT_S } = {}) {
  return answered(path, seconds, signal, (timed) =>
    fetch(apiUrl(path, params), { headers: headers(), credentials: "same-origin", signal: timed }),
  );
}

/**
 * A change asked of the daemon (a project renamed or deleted): `body` as JSON, which is all the
 * daemon takes in a POST, with the key as every request has it; no ?tz=, which no change reads.
 * Its answer is sorted as getJson's, so a refusal carries the daemon's own words; none within
 * CHANGE_TIMEOUT_S is a TimedOut.
 */
export async function postJson(path, body) {
  return answered(path, CHANGE_TIMEOUT_S, undefined, (timed) =>
    fetch(new URL(path, location.origin), {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(body),
      credentials: "same-origin",
      signal: timed,
    }),
  );
}

/**
 * The answer of `send(signal)`'s request to `path`, sorted (answerOf), or TimedOut once `seconds`
 * went by first, its body included; given up too if `outer` is aborted, with its reason.
 */
async function answered(path, seconds, outer, send) {
  const controller = new AbortController();
  // A timer of the page's (not AbortSignal.timeout): one a test's clock can run on.
  const timer = setTimeout(() => controller.abort(new TimedOut(seconds)), seconds * 1000);
  const giveUp = () => controller.abort(outer.reason);
  if (outer?.aborted) giveUp();
  outer?.addEventListener("abort", giveUp, { once: true });
  try {
    return await answerOf(await sent(send, controller.signal), path);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", giveUp);
  }
}

/** `send(signal)`'s response; a request that could not be made at all is an Unreachable. */
async function sent(send, signal) {
  try {
    return await send(signal);
  } catch (error) {
    // Given up (timed out, superseded): the reason it was given up with, as it is.
    if (signal.aborted) throw error;
    throw new Unreachable("the connection failed");
  }
}

function headers(extra = {}) {
  const all = { Accept: "application/json", ...extra };
  if (state.apiKey) all.Authorization = `Bearer ${state.apiKey}`;
  return all;
}

/** The answer's JSON, or the error the page acts on. */
async function answerOf(response, path) {
  if (response.status === 401) throw new Unauthorized();
  const body = await response.json().catch((error) => {
    if (!(error instanceof SyntaxError)) throw error; // given up while the body came
    throw new Unreachable(`what answers there is not the daemon (HTTP ${response.status})`);
  });
  const retryAfter = response.headers.get("Retry-After");
  if (response.status === 503 && retryAfter !== null) {
    throw new Busy(body.message, retryAfterSeconds(retryAfter), body.error);
  }
  if (!response.ok) {
    throw new Refused(body.message || `${path}: HTTP ${response.status}`, body.error ?? null);
  }
  return body;
}

/** Retry-After's seconds, kept within 1 s to a minute; its date form is taken as 5 s. */
function retryAfterSeconds(value) {
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : 5;
  return Math.min(Math.max(seconds, 1), 60);
}
