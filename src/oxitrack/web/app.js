// OxiTrack dashboard: reads the daemon's JSON endpoints (the same ones the CLI's --json prints)
// and draws today's totals, a stacked bar chart of daily time per project, and recent sessions.
// Refreshes every minute, sooner while the daemon does not answer. No private API, no CDN:
// Chart.js is served from /static/vendor/. The numbers-to-chart logic is in chart.js.

import {
  PALETTE_SIZE,
  TOTAL_KEY,
  chartData,
  chartOptions,
  chartSummary,
  dayName,
  dayRows,
  daySpan,
  formatDuration,
  shortDay,
  shownDurations,
} from "./chart.js";
import {
  addressDays,
  addressHidden,
  addressWithDays,
  addressWithHidden,
  addressWithout,
} from "./address.js";

const REFRESH_MS = 60_000;
// How often the page looks at the wall clock to see whether a refresh is due. Timers count time
// awake only: after a night asleep, a plain minute timer left "Today" on yesterday's numbers for
// up to a minute more; the wall clock tells the page at once that hours went by.
const CLOCK_CHECK_MS = 5_000;
// While the daemon does not answer: try again soon, then back off to the minute timer's pace.
const RETRY_MS = [5_000, 10_000, 30_000, 60_000];
const RECENT_LIMIT = 15;
const state = {
  days: null, // the range whose data is shown (and pressed), as ?days= gives it
  wantedDays: addressDays(), // the range last asked for; becomes `days` once its data arrives
  requestSeq: 0, // only the answer to the latest request is drawn
  askedAt: null, // Date.now() when the latest request went out
  chart: null,
  lastRange: null,
  lastToday: null,
  colors: new Map(), // project_path -> colour, shared by the chart and today's bars
  hidden: addressHidden(), // legend keys the user switched off; kept across refreshes
  timezone: undefined, // the report's zone, once known
  loadedAt: null, // Date of the data on screen
  failingSince: null, // Date of the first unanswered request, while the daemon is away
  failures: 0,
  pageVersion: null, // the daemon's version when this page was loaded, from its first /health
  retryTimer: null,
  apiKey: sessionStorage.getItem("oxitrack.apiKey"),
};
// Page-level ?tz=Area/City is passed on to every request; by default the daemon's own zone.
const zoneParam = new URLSearchParams(location.search).get("tz");

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
function formatClock(date, timeZone = state.timezone) {
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
function formatSince(date) {
  const day = localDate(date);
  const time = formatClock(date);
  return day === localDate(new Date()) ? time : `${shortDay(day)} ${time}`;
}

/** "-04:00": the UTC offset of `date` where the page's times are shown. */
function utcOffset(date, timeZone = state.timezone) {
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
function localDate(date, timeZone = state.timezone) {
  return new Intl.DateTimeFormat("en-CA", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    timeZone: clockZone(timeZone),
  }).format(date);
}

/** The report's zone as the daemon names it, and which zone the page's times are in if not that. */
function zoneLabel(timeZone) {
  return clockZone(timeZone) === timeZone ? timeZone : `${timeZone} (times in UTC)`;
}

function apiUrl(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  if (zoneParam) url.searchParams.set("tz", zoneParam);
  return url;
}

class Unauthorized extends Error {}
/** The daemon is making other long reports and says when to ask again (503, Retry-After). */
class Busy extends Error {
  constructor(message, retryAfterSeconds) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
/** The daemon answered, but with an error (a bad ?tz=, say): it is reachable, the request is not. */
class Refused extends Error {}

async function getJson(path, params) {
  const headers = { Accept: "application/json" };
  if (state.apiKey) headers.Authorization = `Bearer ${state.apiKey}`;
  const response = await fetch(apiUrl(path, params), { headers, credentials: "same-origin" });
  if (response.status === 401) throw new Unauthorized();
  const body = await response.json();
  const retryAfter = response.headers.get("Retry-After");
  if (response.status === 503 && retryAfter !== null) {
    throw new Busy(body.message, retryAfterSeconds(retryAfter));
  }
  if (!response.ok) throw new Refused(body.message || `${path}: HTTP ${response.status}`);
  return body;
}

/** Retry-After's seconds, kept within 1 s to a minute; its date form is taken as 5 s. */
function retryAfterSeconds(value) {
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : 5;
  return Math.min(Math.max(seconds, 1), 60);
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "className") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/**
 * `rows` into `body`, keeping each row on screen that reads the same: most minutes only today's
 * row changes. Replacing every row sent a screen reader reading a table back to its start once a
 * minute, and rebuilding a year's table took a large share of a second.
 */
function replaceChangedRows(body, rows) {
  for (const [index, row] of rows.entries()) {
    const old = body.rows[index];
    if (old === undefined) body.append(row);
    else if (!old.isEqualNode(row)) old.replaceWith(row);
  }
  while (body.rows.length > rows.length) body.lastElementChild.remove();
}

function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// -- today ---------------------------------------------------------------------------------------

function renderToday(today) {
  state.lastToday = today;
  document.getElementById("today-title").textContent = `Today · ${today.date}`;
  document.getElementById("today-total").textContent = formatDuration(today.total_seconds);
  const body = document.querySelector("#today-projects tbody");
  const longest = Math.max(1, ...today.projects.map((p) => p.duration_seconds));
  const durations = shownDurations(today.projects.map((p) => p.duration_seconds));
  replaceChangedRows(
    body,
    today.projects.map((project, index) =>
      todayRow(project, durations[index], longest, today.total_seconds),
    ),
  );
  document.getElementById("today-empty").hidden = today.projects.length > 0;
}

function todayRow(project, duration, longest, totalSeconds) {
  const bar = element("span", { className: "bar" });
  // The bar's words for a screen reader, whose "Share" cell was blank: the part of today's time.
  const share = element(
    "span",
    { className: "visually-hidden" },
    new Intl.NumberFormat(undefined, { style: "percent" }).format(
      Math.min(1, project.duration_seconds / Math.max(1, totalSeconds)),
    ),
  );
  bar.style.width = `${Math.max(1, Math.round((project.duration_seconds / longest) * 100))}%`;
  // Projects grouped as "other" in the chart are grey here too.
  bar.style.background = state.colors.get(project.project_path) || cssColor("--other");
  const name = element("span", { className: "name", title: project.project_name }, project.project_name);
  const path = element("span", { className: "path", title: project.project_path }, project.project_path);
  const active = project.is_active ? element("span", { className: "active" }, "active") : "";
  return element(
    "tr",
    { "data-project-path": project.project_path, "data-seconds": String(project.duration_seconds) },
    element("td", { className: "num" }, duration),
    element("td", { className: "bar-cell" }, bar, share),
    element("td", { className: "project-cell" }, name, path),
    element("td", {}, active),
  );
}

// -- the chart -----------------------------------------------------------------------------------

function renderDays(range) {
  state.lastRange = range;
  renderChart(range);
  renderDayTable(range);
  document.getElementById("days-empty").hidden = range.projects.length > 0;
}

/**
 * The chart and its legend: all that a legend key or the theme changes. The day table does not
 * change with them, and over a year of many projects redrawing it made a click take a second.
 */
function renderChart(range) {
  const { colors, ...data } = chartData(range, {
    hidden: state.hidden,
    palette: Array.from({ length: PALETTE_SIZE }, (_, slot) => cssColor(`--series-${slot}`)),
    otherColor: cssColor("--other"),
    totalColor: cssColor("--text"),
  });
  state.colors = colors;
  const theme = { text: cssColor("--muted"), grid: cssColor("--grid") };
  const options = chartOptions(data.labels, range.days.map((day) => day.total_seconds), theme);
  const canvas = document.getElementById("days-chart");
  canvas.setAttribute("aria-label", chartSummary(range));
  if (state.chart) {
    state.chart.data = data;
    state.chart.options = options;
    state.chart.update();
  } else {
    state.chart = new Chart(canvas, { type: "bar", data, options });
  }
  renderLegend(data.datasets);
}

function renderDayTable(range) {
  replaceChangedRows(document.querySelector("#days-table tbody"), dayRows(range).map(dayTableRow));
  document.getElementById("days-table-box").hidden = range.projects.length === 0;
}

function dayTableRow(row) {
  return element(
    "tr",
    {},
    element(
      "th",
      { scope: "row", className: "nowrap" },
      element("time", { datetime: row.date }, row.day),
    ),
    element("td", { className: "num" }, row.total),
    element("td", { className: "day-projects" }, ...(row.projects.length ? workedOn(row.projects) : ["–"])),
  );
}

/**
 * "name 0h 30m, name 0h 05m", each name in a <bdi>: after an Arabic or Hebrew name the time would
 * otherwise join its right-to-left run and read "0 <name>h 30m".
 */
function workedOn(projects) {
  return projects.flatMap(({ name, duration }, index) => [
    ...(index ? [", "] : []),
    element("bdi", {}, name),
    ` ${duration}`,
  ]);
}

function renderLegend(datasets) {
  const projects = datasets.filter((dataset) => dataset.key !== TOTAL_KEY);
  const items = projects.map((dataset) => {
    const swatch = element("span", { className: "swatch", "aria-hidden": "true" });
    swatch.style.background = dataset.backgroundColor;
    const title = dataset.projectPath ? `${dataset.label}\n${dataset.projectPath}` : dataset.label;
    const button = element(
      "button",
      { type: "button", "data-key": dataset.key, "aria-pressed": String(!dataset.hidden), title },
      swatch,
      element("span", { className: "label" }, dataset.label),
    );
    button.addEventListener("click", () => toggleDataset(dataset.key));
    return element("li", {}, button);
  });
  const total = datasets.find((dataset) => dataset.key === TOTAL_KEY);
  if (total) {
    // Not a switch: the mark above each bar, which is lower where projects overlapped in time.
    const mark = element("span", { className: "total-mark", "aria-hidden": "true" });
    mark.style.background = total.borderColor;
    items.push(element("li", { className: "total-key" }, mark, "day's total, time in two projects at once counted once"));
  }
  // Every refresh draws the legend anew: the key that had the focus gets it back, or the minute
  // timer would drop a keyboard user (and a screen reader's place) onto the page's start.
  const legend = document.getElementById("days-legend");
  const focusedKey = legend.contains(document.activeElement)
    ? document.activeElement.dataset.key
    : undefined;
  legend.replaceChildren(...items);
  if (focusedKey !== undefined) {
    legend.querySelector(`button[data-key="${CSS.escape(focusedKey)}"]`)?.focus();
  }
}

function toggleDataset(key) {
  if (state.hidden.has(key)) state.hidden.delete(key);
  else state.hidden.add(key);
  // In the address like the range, so a reload keeps it and Back shows the project again.
  history.pushState(null, "", addressWithHidden(state.hidden));
  renderChart(state.lastRange); // the pressed key keeps the focus (renderLegend)
}

// -- recent sessions -----------------------------------------------------------------------------

function renderRecent(list) {
  const clock = (epochSeconds) => formatClock(epochSeconds * 1000, list.timezone);
  // An end on a later day carries that day: "23:30–01:10" beside 25h 40m reads as 1h 40m.
  const laterDay = (session) => {
    const day = localDate(session.last_heartbeat * 1000, list.timezone);
    return day === localDate(session.start_time * 1000, list.timezone) ? null : shortDay(day);
  };
  // Across a clock change both times carry their offset: "01:30–01:10" ended before it began.
  const changedOffset = (session) => {
    const start = utcOffset(session.start_time * 1000, list.timezone);
    const end = utcOffset(session.last_heartbeat * 1000, list.timezone);
    return start === end ? ["", ""] : [start, end];
  };
  const from = (session) => `${clock(session.start_time)}${changedOffset(session)[0]}–`;
  // The day and the time are each whole ("Thu 26", "12:03 AM") but may go on lines of their own:
  // on one line they took the project name's room, and on a phone pushed the table out of its card.
  const until = (session) => {
    const time = `${clock(session.last_heartbeat)}${changedOffset(session)[1]}`;
    const day = laterDay(session);
    if (day === null) return element("span", { className: "until" }, time);
    const wholeDay = day.replace(" ", "\u00a0");
    const pieces = [element("span", {}, wholeDay), " ", element("span", {}, time)];
    return element("span", { className: "until" }, ...pieces);
  };
  // "Mon 1" for February 1st and March 1st both: past a week of sessions, the month instead.
  const dayCount = daySpan(list.sessions.map((session) => session.date));
  const body = document.querySelector("#recent-sessions tbody");
  replaceChangedRows(
    body,
    list.sessions.map((session) =>
      element(
        "tr",
        { "data-session-id": String(session.session_id) },
        // At a phone's width the CSS shows "Thu 26" or "Nov 26" instead of the full date.
        element(
          "td",
          { className: "nowrap" },
          element("span", { className: "long-day" }, session.date),
          element("span", { className: "short-day" }, dayName(session.date, dayCount)),
        ),
        // Two spans: on a phone, or ending on a later day, the end may go under the start.
        element(
          "td",
          { className: laterDay(session) === null ? "time-cell" : "time-cell later-day" },
          element("span", {}, from(session)),
          until(session),
        ),
        element("td", { className: "num" }, formatDuration(session.duration_seconds)),
        element(
          "td",
          { className: "project-cell" },
          element("span", { className: "name", title: session.project_path }, session.project_name),
        ),
      ),
    ),
  );
  document.getElementById("recent-sessions").hidden = list.sessions.length === 0;
  document.getElementById("recent-empty").hidden = list.sessions.length > 0;
}

// -- loading, and saying what state the data is in ------------------------------------------------

async function refresh() {
  const seq = ++state.requestSeq;
  const days = state.wantedDays;
  state.askedAt = Date.now();
  let answers;
  try {
    answers = await Promise.all([
      getJson("/today"),
      getJson("/api/days", { days }),
      getJson("/api/sessions", { limit: String(RECENT_LIMIT) }),
      // Only to notice an upgrade: the figures come without it.
      getJson("/health").catch(() => null),
    ]);
  } catch (error) {
    if (seq === state.requestSeq) showFailure(error);
    else countDiscarded();
    return;
  }
  // A slow answer to an earlier request (a 30-day click, then a 7-day one) must not win.
  if (seq === state.requestSeq) showAnswers(days, ...answers);
  else countDiscarded();
}

/** Counted on the body, like data-loaded, so tests can wait for it. */
function countDiscarded() {
  document.body.dataset.discarded = String(Number(document.body.dataset.discarded || 0) + 1);
}

function showAnswers(days, today, range, recent, health) {
  noticeUpgrade(health);
  state.timezone = today.timezone;
  state.loadedAt = new Date();
  state.days = days;
  markPressedRange(days);
  renderDays(range);
  renderToday(today);
  renderRecent(recent);
  showReachable();
  setStatus(zoneLabel(today.timezone), formatClock(state.loadedAt));
  document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
}

/**
 * An upgraded daemon under a tab left open: the page, its script and styles are still the old
 * version's, which may not read the new one's answers right. Say so and offer a reload, rather
 * than reload under a reader's eyes (or a screen reader's place).
 */
function noticeUpgrade(health) {
  if (typeof health?.version !== "string") return;
  state.pageVersion ??= health.version;
  if (health.version === state.pageVersion) return;
  document.getElementById("upgraded").hidden = false;
  setText(
    "upgraded-message",
    `OxiTrack ${health.version} answers now; this page came from OxiTrack ${state.pageVersion}.`,
  );
}

function markPressedRange(days) {
  for (const button of document.querySelectorAll(".switch button")) {
    button.setAttribute("aria-pressed", String(button.dataset.days === days));
  }
}

function showFailure(error) {
  if (error instanceof Busy) {
    showBusy(error.retryAfterSeconds);
    return;
  }
  // Whatever the reason, the numbers on screen are no longer being kept current.
  document.body.dataset.stale = "true";
  if (error instanceof Unauthorized) {
    askForKey();
  } else if (error instanceof Refused) {
    showRefused(error.message);
  } else {
    showUnreachable(error);
  }
}

/**
 * Busy with other long reports (several tabs on a year, say): nothing is wrong, and the figures
 * on screen are as current as their "updated" time says. Ask again when the daemon said to; it
 * was reported as a refusal, the figures dimmed, and asked again only a minute later.
 */
function showBusy(seconds) {
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(refresh, seconds * 1000);
  const updated = state.loadedAt ? formatClock(state.loadedAt) : "";
  setStatus(`the daemon is busy; asking again in ${seconds} s`, updated);
}

/** The key form, with the focus in its field when it appears and the refusal tied to it. */
function askForKey() {
  const form = document.getElementById("key-form");
  const field = document.getElementById("api-key");
  const wasShown = !form.hidden;
  form.hidden = false;
  const refused = Boolean(state.apiKey);
  document.getElementById("key-error").hidden = !refused;
  field.setAttribute("aria-invalid", String(refused));
  setStatus(refused ? "the daemon refused that API key" : "an API key is needed");
  // Nothing to show yet: the empty cards would only sit under the question.
  document.querySelector("main").hidden = state.loadedAt === null;
  if (!wasShown) field.focus();
}

function showRefused(message) {
  setStatus(`the daemon refused: ${message}`);
  document.getElementById("refused-message").textContent = `The daemon refused: ${message}`;
  document.getElementById("tz-help").hidden = !(zoneParam && message.startsWith("tz"));
  document.getElementById("tz-reset").href = addressWithout("tz");
  const daysParam = new URLSearchParams(location.search).has("days");
  document.getElementById("days-help").hidden = !(daysParam && message.startsWith("days"));
  document.getElementById("days-reset").href = addressWithout("days");
  document.getElementById("refused").hidden = false;
  document.querySelector("main").hidden = state.loadedAt === null;
}

/** Old numbers must not pass for current ones: say so, dim them, and try again soon. */
function showUnreachable(error) {
  state.failingSince ??= new Date();
  setText("back-online", ""); // so that the next recovery is a change, and is said
  const delay = RETRY_MS[Math.min(state.failures, RETRY_MS.length - 1)];
  state.failures += 1;
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(refresh, delay);
  const shown = state.loadedAt
    ? `showing data from ${formatSince(state.loadedAt)}`
    : "no data yet";
  // The alert is said once per outage; each retry's countdown changes quietly beside it.
  setText(
    "offline-alert",
    `The daemon at ${location.origin} does not answer since ${formatSince(state.failingSince)}; ` +
      `${shown}.`,
  );
  setText("offline-retry", `Trying again in ${delay / 1000} s.`);
  document.getElementById("offline").hidden = false;
  setStatus(`cannot reach the daemon: ${error.message}`);
}

function showReachable() {
  clearTimeout(state.retryTimer);
  if (state.failingSince !== null) {
    const asOf = formatClock(state.loadedAt);
    setText("back-online", `The daemon answers again; the data is current as of ${asOf}.`);
  }
  state.failures = 0;
  state.failingSince = null;
  // The retry button goes with the banner: its focus goes to the page's first control, not lost.
  if (document.activeElement?.id === "retry-now") {
    const pressed = document.querySelector(".switch [aria-pressed=true]");
    (pressed ?? document.querySelector(".switch button")).focus();
  }
  document.getElementById("offline").hidden = true;
  document.getElementById("refused").hidden = true;
  document.querySelector("main").hidden = false;
  delete document.body.dataset.stale;
}

/** The page's state, announced when it changes; ``updated`` (HH:MM) follows it unannounced. */
function setStatus(text, updated = "") {
  setText("status-live", text);
  setText("status-time", updated ? ` · updated ${updated}` : "");
}

/** Write only a change: a live region re-announces every write, even of the same words. */
function setText(id, text) {
  const node = document.getElementById(id);
  if (node.textContent !== text) node.textContent = text;
}

function setUp() {
  for (const button of document.querySelectorAll(".switch button")) {
    button.addEventListener("click", () => {
      state.wantedDays = button.dataset.days;
      const address = addressWithDays(state.wantedDays);
      if (address.href !== location.href) history.pushState(null, "", address);
      refresh();
    });
  }
  // Back and Forward move between ranges and legend choices made on this page: show what the
  // address names. A legend choice alone needs no new data.
  addEventListener("popstate", () => {
    state.hidden = addressHidden();
    if (state.lastRange) renderChart(state.lastRange);
    if (addressDays() === state.wantedDays) return;
    state.wantedDays = addressDays();
    refresh();
  });
  // Whoever just restarted the daemon need not wait out the retry's countdown (up to a minute).
  document.getElementById("retry-now").addEventListener("click", () => {
    clearTimeout(state.retryTimer);
    refresh();
  });
  document.getElementById("reload-page").addEventListener("click", () => location.reload());
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.apiKey = document.getElementById("api-key").value.trim();
    sessionStorage.setItem("oxitrack.apiKey", state.apiKey);
    document.getElementById("key-form").hidden = true;
    document.getElementById("key-error").hidden = true;
    refresh();
  });
  // The chart's colours, which today's bars share, come from CSS: redraw when the theme flips.
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (state.lastRange) renderChart(state.lastRange);
    if (state.lastToday) renderToday(state.lastToday);
  });
  refresh();
  setInterval(() => {
    if (isRefreshDue()) refresh();
  }, CLOCK_CHECK_MS);
}

/**
 * A minute since the last request by the wall clock: after a sleep that is at the first check on
 * waking. A clock put back (the request "in the future") is due too, or the page would wait for
 * the clock to catch up. While the daemon does not answer, the retries alone ask again: a minute
 * tick on top of them doubled the attempts and made the countdown on the banner wrong.
 */
function isRefreshDue() {
  if (state.failingSince !== null) return false;
  const sinceAsked = Date.now() - state.askedAt;
  return sinceAsked >= REFRESH_MS || sinceAsked < 0;
}

document.addEventListener("DOMContentLoaded", setUp);
