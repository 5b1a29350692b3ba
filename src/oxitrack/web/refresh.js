// When the page asks the daemon for its figures, and what it does with the answers: every minute
// by the wall clock, sooner while the daemon does not answer, and only the latest answer drawn.

import { renderBreakdown } from "./breakdown.js";
import { distinctNames, sessionProject } from "./names.js";
import { formatClock, zoneLabel } from "./clock.js";
import { markPressedRange, renderDays } from "./days.js";
import {
  askForKey,
  noticeUpgrade,
  setStatus,
  showAnswered,
  showAskingAgain,
  showBusy,
  showReachable,
  showRefused,
  showUnreachable,
} from "./notices.js";
import { listAgainOnAnswer } from "./projects.js";
import { renderRecent } from "./recent.js";
import {
  Busy,
  Refused,
  Superseded,
  TimedOut,
  Unauthorized,
  getJson,
  isLongRange,
  rangeTimeout,
} from "./requests.js";
import { state } from "./state.js";
import { renderToday } from "./today.js";

const REFRESH_MS = 60_000;
// How often the page looks at the wall clock to see whether a refresh is due. Timers count time
// awake only: after a night asleep, a plain minute timer left "Today" on yesterday's numbers for
// up to a minute more; the wall clock tells the page at once that hours went by.
const CLOCK_CHECK_MS = 5_000;
// While the daemon does not answer: try again soon, then back off to the minute timer's pace.
const RETRY_MS = [5_000, 10_000, 30_000, 60_000];
const RECENT_LIMIT = 15;

/**
 * Every card asked anew. `byClock`: the page's own refresh (the minute's, a retry, "Try again
 * now"), not one a click on the page asked for: the projects card, if open, is listed again too.
 */
export async function refresh({ byClock = false } = {}) {
  const seq = ++state.requestSeq;
  const card = { seq: ++state.breakdownSeq, by: state.wantedBy, range: state.wantedRange, byClock };
  state.askedAt = Date.now();
  state.refreshing += 1;
  showAskingAgain();
  // Its reads given up together once one fails: not answered in time (the daemon does not
  // answer, and the retry must not start beside the rest still waiting; the range's breakdown,
  // asked after its days, waits up to twice as long as the others), or refused (a bad ?tz=, a
  // key needed): the rest would not be drawn, and each held one of the browser's few
  // connections to the daemon, maybe a long report of the daemon's. Given up too once a newer
  // refresh replaces it (another range clicked), for the same reason.
  const together = supersede("refreshReads");
  state.pending.breakdownRead?.abort(new Superseded()); // this refresh asks the card's rows too
  const giveUpTheRest = (error) => {
    together.abort(error);
    throw error;
  };
  const { signal } = together;
  // A slow answer to an earlier request (a 30-day click, then a 7-day one) must not win.
  try {
    await latestOnly(
      () =>
        Promise.all([
          getJson("/today", {}, { signal }),
          rangeAnswers(card, signal),
          getJson("/api/sessions", { limit: String(RECENT_LIMIT) }, { signal }),
          // Only to notice an upgrade: the figures come without it.
          getJson("/health", {}, { signal }).catch(() => null),
        ]).catch(giveUpTheRest),
      () => seq === state.requestSeq,
      (answers) => showAnswers(card, ...answers),
      showRefreshFailure,
    );
  } finally {
    state.refreshing -= 1;
  }
}

/**
 * The breakdown card's field was picked (a click, Back): only its rows, at once, for the range
 * last asked for. The rest of the page is as current as it was; over a year, asking the chart's
 * days again made the card wait seconds for them.
 */
export async function refreshBreakdown() {
  const card = { seq: ++state.breakdownSeq, by: state.wantedBy, range: state.wantedRange };
  const pick = supersede("breakdownRead"); // a field picked before is not drawn now
  const seconds = rangeTimeout(card.range);
  const params = { by: card.by, ...card.range };
  const rows = () => getJson("/api/breakdown", params, { signal: pick.signal, seconds });
  await latestOnly(
    () => (isLongRange(card.range) ? answeredMeanwhile(rows(), pick) : rows()),
    () => isLatestBreakdown(card),
    (breakdown) => renderBreakdown(breakdown, card.by, card.range),
    showPickFailure,
  );
}

/**
 * `read`'s answer (a long range's, given a minute); but a TimedOut, `read` given up with it
 * (`controller`), once a quick read asked beside it is not answered in the usual 15 s. A pick asks
 * only the card's rows: a daemon that answered nothing any more was said a minute after it, not
 * as soon as by a refresh, whose quick reads tell it. /today, as a refresh's: it reads the
 * database (a disk hung is told too), waiting for one month of the long report at most.
 */
async function answeredMeanwhile(read, controller) {
  const quick = getJson("/today", {}, { signal: controller.signal }).catch((error) => {
    if (!(error instanceof TimedOut)) return null; // answered, or told by `read` itself
    controller.abort(error);
    throw error;
  });
  const [answer] = await Promise.all([read, quick]);
  return answer;
}

/**
 * `ask`'s answer to `draw`, or its error to `fail`, unless `isLatest()` says a later request was
 * made since: that one's answer is drawn instead, and this one is counted as dropped.
 */
async function latestOnly(ask, isLatest, draw, fail = showFailure) {
  let answer;
  try {
    answer = await ask();
  } catch (error) {
    if (isLatest()) fail(error);
    else countDiscarded();
    return;
  }
  if (isLatest()) draw(answer);
  else countDiscarded();
}

/**
 * A new AbortController kept in `state.pending[kind]`, the one kept there before aborted: its
 * requests' answers would not be drawn (called after the sequence number that says so is bumped).
 */
function supersede(kind) {
  state.pending[kind]?.abort(new Superseded());
  const controller = new AbortController();
  state.pending[kind] = controller;
  return controller;
}

/** No field picked and no refresh begun since `card` was asked for. */
function isLatestBreakdown(card) {
  return card.seq === state.breakdownSeq;
}

/**
 * The range's days, then its breakdown: one after the other, as each of a long range takes one
 * of the daemon's two places for long reports (503 reports_busy past them). Asked at once, a page
 * on a year took both, and a second tab on a year was told to wait at every refresh. Not asked
 * once a field picked meanwhile has asked for its own, and given up (null) once one is picked
 * while it is asked: it held a long report of the daemon's, and the range's chart waited for it.
 */
async function rangeAnswers(card, signal) {
  const seconds = rangeTimeout(card.range);
  const range = await getJson("/api/days", card.range, { signal, seconds });
  if (!isLatestBreakdown(card)) return { range, breakdown: null };
  // Aborted by a field picked (refreshBreakdown), and with the rest of the refresh.
  const picked = supersede("breakdownRead");
  const either = AbortSignal.any([signal, picked.signal]);
  try {
    const params = { by: card.by, ...card.range };
    const breakdown = await getJson("/api/breakdown", params, { signal: either, seconds });
    return { range, breakdown };
  } catch (error) {
    const givenUp = picked.signal.reason instanceof Superseded; // whatever error fetch gave
    if (givenUp && !isLatestBreakdown(card)) return { range, breakdown: null };
    throw error;
  }
}

/** Counted on the body, like data-loaded, so tests can wait for it. */
function countDiscarded() {
  document.body.dataset.discarded = String(Number(document.body.dataset.discarded || 0) + 1);
}

function showAnswers(card, today, { range, breakdown }, recent, health) {
  noticeUpgrade(health);
  state.timezone = today.timezone;
  state.loadedAt = new Date();
  state.range = card.range;
  // Once for every card: a project reads the same in each, told from all the others shown.
  const sessions = recent.sessions.map(sessionProject);
  state.names = distinctNames([...range.projects, ...today.projects, ...sessions]);
  markPressedRange(card.range, today.date);
  renderDays(range);
  // A field picked since asked for its own rows, which are drawn when they come.
  if (isLatestBreakdown(card)) renderBreakdown(breakdown, card.by, card.range);
  else if (breakdown !== null) countDiscarded();
  renderToday(today);
  renderRecent(recent);
  listAgainOnAnswer(card.byClock);
  stopRetrying();
  state.busyAnswers = 0;
  showReachable();
  setStatus(zoneLabel(today.timezone), formatClock(state.loadedAt));
  document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
}

/**
 * A refresh's reads not got. A 503 with a time to ask again, once, is a moment's trouble: the
 * figures stand, "updated" when they were. Still there when asked again (a database held for
 * hours, a disk failing), the figures have missed a refresh and are dimmed: a tab kept
 * yesterday's figures undimmed, a project "active", into the morning. A field's pick told busy
 * says nothing of the figures and is not counted.
 */
function showRefreshFailure(error) {
  if (error instanceof Busy) state.busyAnswers += 1;
  showFailure(error);
}

/**
 * A field's rows not got. While the banner already says the daemon does not answer, the retry
 * it counts down to asks for them too (for the field last picked), so there is nothing more to
 * say: counted as a failure of its own, a pick stepped the retry's delay up and started its
 * countdown again.
 */
function showPickFailure(error) {
  if (!(isOutage(error) && state.failingSince !== null)) showFailure(error);
}

/** No answer at all, unlike an answer that is not the figures (busy, a key asked, a refusal). */
function isOutage(error) {
  return !(error instanceof Busy || error instanceof Unauthorized || error instanceof Refused);
}

function showFailure(error) {
  if (isOutage(error)) {
    showOutage(error);
    return;
  }
  // The daemon answered, if not with figures: it is not away. After an outage, a daemon started
  // again with a key was still said not to answer beside the key form, and after a refusal the
  // page waited for retries that were no longer coming and never asked again.
  stopRetrying();
  showAnswered();
  if (error instanceof Busy) {
    retryIn(error.retryAfterSeconds * 1000);
    if (state.busyAnswers > 1) document.body.dataset.stale = "true";
    showBusy(error);
    return;
  }
  // Whatever the reason, the numbers on screen are no longer being kept current.
  document.body.dataset.stale = "true";
  if (error instanceof Unauthorized) askForKey();
  else showRefused(error.message);
}

/** No answer at all: say so, and ask again soon, then less often. */
function showOutage(error) {
  document.body.dataset.stale = "true";
  const delay = RETRY_MS[Math.min(state.failures, RETRY_MS.length - 1)];
  state.failures += 1;
  retryIn(delay);
  showUnreachable(error, delay);
}

/**
 * One retry at a time: a new one replaces the one pending. Its time is kept by the wall clock
 * too (`retryAt`): its timer counts time awake only, like the minute's (isRetryOverdue).
 */
function retryIn(delayMs) {
  clearTimeout(state.retryTimer);
  state.retryAt = Date.now() + delayMs;
  state.retryDelayMs = delayMs;
  state.retryTimer = setTimeout(() => refresh({ byClock: true }), delayMs);
}

function stopRetrying() {
  clearTimeout(state.retryTimer);
  state.retryAt = null;
  state.failures = 0;
}

/** Whoever just restarted the daemon need not wait out the retry's countdown (up to a minute). */
export function refreshNow() {
  clearTimeout(state.retryTimer);
  state.retryAt = null;
  refresh({ byClock: true });
}

/** The first request, then a look at the wall clock every few seconds. */
export function startRefreshing() {
  refresh();
  setInterval(() => {
    if (isRetryOverdue()) refreshNow();
    else if (isRefreshDue()) refresh({ byClock: true });
  }, CLOCK_CHECK_MS);
}

/**
 * A retry whose time has come by the wall clock, its timer not fired: the laptop slept while the
 * daemon was away. Woken hours later, the timer still had up to its minute to run, the daemon
 * back meanwhile, and the banner gave last night's times as today's all that while. A clock put
 * back (the retry further away than its delay) is due too. Not while a refresh is waiting.
 */
function isRetryOverdue() {
  if (state.retryAt === null || state.refreshing > 0) return false;
  const untilRetry = state.retryAt - Date.now();
  return untilRetry <= 0 || untilRetry > state.retryDelayMs;
}

/**
 * A minute since the last request by the wall clock: after a sleep that is at the first check on
 * waking. A clock put back (the request "in the future") is due too, or the page would wait for
 * the clock to catch up. While the daemon does not answer, the retries alone ask again: a minute
 * tick on top of them doubled the attempts and made the countdown on the banner wrong. Nor while
 * a refresh still waits for its answers (each read gives up in time, requests.js): a daemon that
 * took the requests and never answered had a new refresh wait behind the last each minute.
 */
function isRefreshDue() {
  if (state.failingSince !== null || state.refreshing > 0) return false;
  const sinceAsked = Date.now() - state.askedAt;
  return sinceAsked >= REFRESH_MS || sinceAsked < 0;
}
