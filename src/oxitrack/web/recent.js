// The "Recent sessions" card: the latest sessions, each with its day, its time from start to end
// in the report's zone, its duration and its project.

import { dayName, daySpan, formatDuration, shortDay } from "./chart.js";
import { nameOf } from "./names.js";
import { formatClock, localDate, utcOffset } from "./clock.js";
import { cutName, element, replaceChangedRows } from "./elements.js";
import { state } from "./state.js";

export function renderRecent(list) {
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
        element("td", { className: "project-cell" }, projectName(session)),
      ),
    ),
    (row) => row.dataset.sessionId,
  );
  document.getElementById("recent-sessions").hidden = list.sessions.length === 0;
  document.getElementById("recent-empty").hidden = list.sessions.length > 0;
}

/** The session's project as every card names it; the whole name and its folder on hover. */
function projectName(session) {
  const name = nameOf(state.names, session);
  return cutName(name, { className: "name", title: `${name.text}\n${session.project_path}` });
}
