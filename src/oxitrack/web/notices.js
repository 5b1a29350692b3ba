// What the page says about the state of its data: the status line, and the notices for a daemon
// that does not answer, refuses, needs an API key, is busy, or was upgraded under an open tab.
// Words only: when to ask the daemon again is refresh.js's business.

import { addressWithout } from "./address.js";
import { formatClock, formatSince } from "./clock.js";
import { TimedOut, zoneParam } from "./requests.js";
import { state } from "./state.js";

/**
 * An upgraded daemon under a tab left open: the page, its script and styles are still the old
 * version's, which may not read the new one's answers right. Say so and offer a reload, rather
 * than reload under a reader's eyes (or a screen reader's place).
 */
export function noticeUpgrade(health) {
  if (typeof health?.version !== "string") return;
  // Every version so far says 0.1.0: its build (the files it runs) tells an upgrade too.
  const build = typeof health.build === "string" ? health.build : null;
  state.pageVersion ??= { version: health.version, build };
  const page = state.pageVersion;
  if (health.version === page.version && build === page.build) return;
  document.getElementById("upgraded").hidden = false;
  setText(
    "upgraded-message",
    `OxiTrack ${named(health.version, build)} answers now; this page came from OxiTrack` +
      ` ${named(page.version, page.build)}.`,
  );
}

/** "0.1.0 (build ff668c1554d8)", or the version alone from a daemon that names no build. */
function named(version, build) {
  return build === null ? version : `${version} (build ${build})`;
}

/**
 * A 503 with a time to ask again: busy with other long reports (several tabs on a year, say), or
 * its database held or failing for now. The figures on screen are as current as their "updated"
 * time says (dimmed once asked again in vain: refresh.js). The page asks again when the daemon
 * said to; it was reported as a refusal, the figures dimmed, and asked again only a minute later.
 */
export function showBusy({ retryAfterSeconds: seconds, code, message }) {
  // With its day once that is not today: a daemon unable to answer overnight.
  const updated = state.loadedAt ? formatSince(state.loadedAt) : "";
  // Anything else (its database held by another program or failing) is no mere busyness: the
  // daemon's own words say what, as the page said "busy" for a disk that failed.
  const why =
    code === "reports_busy" || !message ? "the daemon is busy" : `the daemon says: ${message}`;
  setStatus(`${why}; asking again in ${seconds} s`, updated);
}

/** The key form, with the focus in its field when it appears and the refusal tied to it. */
export function askForKey() {
  const refused = Boolean(state.apiKey);
  // The minute refresh, under the form still asking: what it says of the key typed stays.
  if (!refused && !document.getElementById("key-form").hidden) return;
  showKeyForm(refused ? "The daemon refused that key." : null);
  setStatus(refused ? "the daemon refused that API key" : "an API key is needed");
}

/** A key typed that the page cannot send (`problem` says why): asked for again, unsent. */
export function refuseKeyTyped(problem) {
  // A key typed anew: the one refused before, if any, is no longer the one to send.
  state.apiKey = null;
  sessionStorage.removeItem("oxitrack.apiKey");
  showKeyForm(problem);
  setStatus("that API key cannot be sent");
  document.getElementById("api-key").focus();
}

/** The key form, its field marked wrong with `problem` when there is one. */
function showKeyForm(problem) {
  const form = document.getElementById("key-form");
  const field = document.getElementById("api-key");
  const wasShown = !form.hidden;
  form.hidden = false;
  const error = document.getElementById("key-error");
  if (problem !== null) error.textContent = problem;
  error.hidden = problem === null;
  field.setAttribute("aria-invalid", String(problem !== null));
  // Nothing to show yet: the empty cards would only sit under the question.
  document.querySelector("main").hidden = state.loadedAt === null;
  if (!wasShown) field.focus();
}

export function showRefused(message) {
  setStatus(`the daemon refused: ${message}`);
  document.getElementById("refused-message").textContent = `The daemon refused: ${message}`;
  document.getElementById("tz-help").hidden = !(zoneParam && message.startsWith("tz"));
  document.getElementById("tz-reset").href = addressWithout("tz");
  const address = new URLSearchParams(location.search);
  const rangeParam = address.has("days") || address.has("month");
  const aboutRange = message.startsWith("days") || message.startsWith("month");
  document.getElementById("days-help").hidden = !(rangeParam && aboutRange);
  document.getElementById("days-reset").href = addressWithout("days", "month");
  document.getElementById("refused").hidden = false;
  document.querySelector("main").hidden = state.loadedAt === null;
}

/** Old numbers must not pass for current ones: say so, and when the page asks again. */
export function showUnreachable(error, retryDelayMs) {
  // Since the request that got no answer: one given up after 15 s (requests.js) was sent then,
  // and "since" the moment it was given up named the next minute a quarter of the time.
  const sent = error instanceof TimedOut ? Date.now() - error.seconds * 1000 : Date.now();
  state.failingSince ??= new Date(sent);
  setText("back-online", ""); // so that the next recovery is a change, and is said
  const shown = state.loadedAt
    ? `showing data from ${formatSince(state.loadedAt)}`
    : "no data yet";
  // The alert is said once per outage; each retry's countdown changes quietly beside it.
  setText(
    "offline-alert",
    `The daemon at ${location.origin} does not answer since ${formatSince(state.failingSince)}; ` +
      `${shown}.`,
  );
  setText("offline-retry", `Trying again in ${retryDelayMs / 1000} s.`);
  document.getElementById("offline").hidden = false;
  setStatus(`cannot reach the daemon: ${error.message}`);
}

/**
 * A retry (or "Try again now") under way, the banner still up: its countdown is over. A daemon
 * that takes the request and gives no answer keeps it waiting up to 15 s (requests.js), and the
 * banner said "Trying again in 5 s." all that while, 20 s in all, as if nothing were being tried.
 */
export function showAskingAgain() {
  if (state.failingSince !== null) setText("offline-retry", "Asking the daemon again…");
}

export function showReachable() {
  if (state.failingSince !== null) {
    const asOf = formatClock(state.loadedAt);
    setText("back-online", `The daemon answers again; the data is current as of ${asOf}.`);
  }
  showAnswered();
  document.getElementById("refused").hidden = true;
  document.querySelector("main").hidden = false;
  delete document.body.dataset.stale;
}

/** The daemon answered, with figures or not: the banner saying it does not answer goes. */
export function showAnswered() {
  state.failingSince = null;
  // The retry button goes with the banner: its focus goes to the page's first control, not lost.
  if (document.activeElement?.id === "retry-now") {
    const pressed = document.querySelector(".switch [aria-pressed=true]");
    (pressed ?? document.querySelector(".switch button")).focus();
  }
  document.getElementById("offline").hidden = true;
}

/** The page's state, announced when it changes; ``updated`` (HH:MM) follows it unannounced. */
export function setStatus(text, updated = "") {
  setText("status-live", text);
  setText("status-time", updated ? ` · updated ${updated}` : "");
}

/** Write only a change: a live region re-announces every write, even of the same words. */
function setText(id, text) {
  const node = document.getElementById(id);
  if (node.textContent !== text) node.textContent = text;
}
