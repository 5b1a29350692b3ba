// The "Today" card: today's total, and one bar per project in the chart's colours.

import { formatDuration, overlapNote, shownDurations } from "./chart.js";
import { nameOf, nameParts } from "./names.js";
import { cssColor, cutName, element, replaceChangedRows } from "./elements.js";
import { state } from "./state.js";

export function renderToday(today) {
  state.lastToday = today;
  document.getElementById("today-title").textContent = `Today · ${today.date}`;
  document.getElementById("today-total").textContent = formatDuration(today.total_seconds);
  const body = document.querySelector("#today-projects tbody");
  const longest = Math.max(1, ...today.projects.map((p) => p.duration_seconds));
  const durations = shownDurations(today.projects.map((p) => p.duration_seconds));
  // Two folders under one parent read alike up to their last part: cut, each keeps its own end.
  const paths = nameParts(today.projects.map((p) => p.project_path));
  replaceChangedRows(
    body,
    today.projects.map((project, index) =>
      todayRow(
        project,
        paths.get(project.project_path),
        durations[index],
        longest,
        today.total_seconds,
      ),
    ),
  );
  document.getElementById("today-empty").hidden = today.projects.length > 0;
  const overlap = document.getElementById("today-overlap");
  const note = overlapNote(
    today.projects.map((p) => p.duration_seconds),
    today.total_seconds,
  );
  if (overlap.textContent !== note) overlap.textContent = note;
  overlap.hidden = note === "";
}

function todayRow(project, path, duration, longest, totalSeconds) {
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
  const shown = nameOf(state.names, project);
  const name = cutName(shown, { className: "name", title: shown.text });
  const folder = cutName(path, { className: "path", title: path.text });
  const active = project.is_active ? element("span", { className: "active" }, "active") : "";
  return element(
    "tr",
    { "data-project-path": project.project_path, "data-seconds": String(project.duration_seconds) },
    element("td", { className: "num" }, duration),
    element("td", { className: "bar-cell" }, bar, share),
    element("td", { className: "project-cell" }, name, folder),
    element("td", {}, active),
  );
}
