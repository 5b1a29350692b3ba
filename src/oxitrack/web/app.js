// OxiTrack dashboard: reads the daemon's JSON endpoints (the same ones the CLI's --json prints)
// and draws today's totals, a stacked bar chart of daily time per project, and recent sessions.
// Refreshes every minute. No private API, no CDN: Chart.js is served from /static/vendor/.
"use strict";

const REFRESH_MS = 60_000;
const RECENT_LIMIT = 15;
const PALETTE = [
  "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#8cd17d",
];
const OTHER_COLOR = "#bab0ac";

const state = {
  days: 7,
  chart: null,
  colors: new Map(), // project_path -> colour, shared by the chart and today's bars
  apiKey: sessionStorage.getItem("oxitrack.apiKey"),
};
// Page-level ?tz=Area/City is passed on to every request; by default the daemon's own zone.
const zoneParam = new URLSearchParams(location.search).get("tz");

function formatDuration(seconds) {
  const minutes = Math.floor(Math.max(seconds, 0) / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

function apiUrl(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  if (zoneParam) url.searchParams.set("tz", zoneParam);
  return url;
}

class Unauthorized extends Error {}
/** The daemon answered, but with an error (a bad ?tz=, say): it is reachable, the request is not. */
class Refused extends Error {}

async function getJson(path, params) {
  const headers = { Accept: "application/json" };
  if (state.apiKey) headers.Authorization = `Bearer ${state.apiKey}`;
  const response = await fetch(apiUrl(path, params), { headers, credentials: "same-origin" });
  if (response.status === 401) throw new Unauthorized();
  const body = await response.json();
  if (!response.ok) throw new Refused(body.message || `${path}: HTTP ${response.status}`);
  return body;
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

function renderToday(today) {
  document.getElementById("today-title").textContent = `Today · ${today.date}`;
  document.getElementById("today-total").textContent = formatDuration(today.total_seconds);
  const body = document.querySelector("#today-projects tbody");
  const longest = Math.max(1, ...today.projects.map((p) => p.duration_seconds));
  body.replaceChildren(
    ...today.projects.map((project) => {
      const width = `${Math.max(1, Math.round((project.duration_seconds / longest) * 100))}%`;
      const bar = element("span", { className: "bar" });
      bar.style.width = width;
      bar.style.background = state.colors.get(project.project_path) || OTHER_COLOR;
      const name = element("span", { className: "name", title: project.project_path }, project.project_name);
      const cells = [
        element("td", { className: "num" }, formatDuration(project.duration_seconds)),
        element("td", { className: "bar-cell" }, bar),
        element(
          "td",
          { className: "project-cell" },
          name,
          element("span", { className: "path", title: project.project_path }, project.project_path),
        ),
        element("td", {}, project.is_active ? element("span", { className: "active" }, "active") : ""),
      ];
      return element(
        "tr",
        { "data-project-path": project.project_path, "data-seconds": String(project.duration_seconds) },
        ...cells,
      );
    }),
  );
  document.getElementById("today-empty").hidden = today.projects.length > 0;
}

/** Chart.js data for /api/days: one dataset per project, values in seconds per day. */
function chartData(range) {
  const labels = range.days.map((day) => day.date);
  state.colors = new Map(
    range.projects.map((project, index) => [project.project_path, PALETTE[index] || OTHER_COLOR]),
  );
  const datasets = range.projects.map((project) => ({
    label: project.project_name,
    projectPath: project.project_path,
    data: range.days.map((day) => {
      const found = day.projects.find((p) => p.project_path === project.project_path);
      return found ? found.duration_seconds : 0;
    }),
    backgroundColor: state.colors.get(project.project_path),
    borderWidth: 0,
    borderRadius: 2,
  }));
  return { labels, datasets };
}

function hourStep(maxSeconds) {
  for (const step of [900, 1800, 3600, 7200, 10800, 14400, 21600]) {
    if (maxSeconds / step <= 6) return step;
  }
  return 43200;
}

function renderDays(range) {
  const data = chartData(range);
  const dayTotals = range.days.map((day) => day.total_seconds);
  const step = hourStep(Math.max(3600, ...dayTotals));
  const options = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: "index", intersect: false },
    scales: {
      x: { stacked: true, grid: { display: false }, ticks: { callback: (_, i) => shortDay(data.labels[i]) } },
      y: {
        stacked: true,
        beginAtZero: true,
        // With nothing tracked every bar is 0, and Chart.js would label both ends "0h 00m".
        suggestedMax: step,
        ticks: { stepSize: step, callback: (value) => formatDuration(value) },
      },
    },
    plugins: {
      legend: { position: "bottom", labels: { boxWidth: 12 } },
      tooltip: {
        callbacks: {
          title: (items) => items[0].label,
          label: (item) => `${item.dataset.label}: ${formatDuration(item.raw)}`,
          footer: (items) => `total ${formatDuration(dayTotals[items[0].dataIndex])}`,
        },
      },
    },
  };
  if (state.chart) {
    state.chart.data = data;
    state.chart.options = options;
    state.chart.update();
  } else {
    state.chart = new Chart(document.getElementById("days-chart"), { type: "bar", data, options });
  }
}

function shortDay(isoDate) {
  const [year, month, day] = isoDate.split("-").map(Number);
  const weekday = new Date(Date.UTC(year, month - 1, day)).toLocaleDateString(undefined, {
    weekday: "short",
    timeZone: "UTC",
  });
  return `${weekday} ${day}`;
}

function renderRecent(list) {
  const clock = new Intl.DateTimeFormat(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: list.timezone,
  });
  const body = document.querySelector("#recent-sessions tbody");
  body.replaceChildren(
    ...list.sessions.map((session) => {
      const span = `${clock.format(session.start_time * 1000)}–${clock.format(session.last_heartbeat * 1000)}`;
      return element(
        "tr",
        { "data-session-id": String(session.session_id) },
        element("td", {}, session.date),
        element("td", {}, span),
        element("td", { className: "num" }, formatDuration(session.duration_seconds)),
        element("td", { title: session.project_path }, session.project_name),
      );
    }),
  );
}

async function refresh() {
  try {
    const [today, range, recent] = await Promise.all([
      getJson("/today"),
      getJson("/api/days", { days: String(state.days) }),
      getJson("/api/sessions", { limit: String(RECENT_LIMIT) }),
    ]);
    renderDays(range);
    renderToday(today);
    renderRecent(recent);
    const time = new Date().toLocaleTimeString(undefined, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    setStatus(`${today.timezone} · updated ${time}`);
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
  } catch (error) {
    if (error instanceof Unauthorized) {
      document.getElementById("key-form").hidden = false;
      setStatus(state.apiKey ? "the daemon refused that API key" : "an API key is needed");
    } else if (error instanceof Refused) {
      setStatus(`the daemon refused: ${error.message}`);
    } else {
      setStatus(`cannot reach the daemon: ${error.message}`);
    }
  }
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

function setUp() {
  for (const button of document.querySelectorAll(".switch button")) {
    button.addEventListener("click", () => {
      state.days = Number(button.dataset.days);
      for (const other of document.querySelectorAll(".switch button")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      refresh();
    });
  }
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.apiKey = document.getElementById("api-key").value.trim();
    sessionStorage.setItem("oxitrack.apiKey", state.apiKey);
    document.getElementById("key-form").hidden = true;
    refresh();
  });
  refresh();
  setInterval(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", setUp);
