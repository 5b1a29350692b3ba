// OxiTrack dashboard: reads the daemon's JSON endpoints (the same ones the CLI's --json prints)
// and draws today's totals, a stacked bar chart of daily time per project, the range's time per
// language, category, editor, branch, machine or system, and recent sessions; its projects card
// renames, merges and deletes projects.
// Refreshes every minute, sooner while the daemon does not answer. No private API, no CDN:
// Chart.js is served from /static/vendor/. This module only wires the page's controls to the
// modules that do the work: refresh.js asks and draws; today.js, days.js (with legend.js),
// breakdown.js and recent.js draw the cards; projects.js lists, renames, merges and deletes
// projects, in projectforms.js's forms and dialogs; notices.js says what state the data is in;
// chart.js turns numbers into chart data; names.js names projects alike in every card;
// address.js keeps the range (ranges.js: days or a month), hidden projects and the breakdown's
// field in the page's address.

import {
  addressBy,
  addressHidden,
  addressRange,
  addressWithBy,
  addressWithRange,
} from "./address.js";
import { renderChart } from "./days.js";
import { refuseKeyTyped } from "./notices.js";
import { setUpProjects } from "./projects.js";
import { sameRange } from "./ranges.js";
import { refresh, refreshBreakdown, refreshNow, startRefreshing } from "./refresh.js";
import { keyProblem } from "./requests.js";
import { state } from "./state.js";
import { renderToday } from "./today.js";

/** `range` asked for, and kept in the address (a new entry, for Back) if it is a new one. */
function showRange(range) {
  state.wantedRange = range;
  const address = addressWithRange(range);
  if (address.href !== location.href) history.pushState(null, "", address);
  refresh();
}

function setUp() {
  for (const button of document.querySelectorAll(".switch button")) {
    button.addEventListener("click", () => showRange({ days: button.dataset.days }));
  }
  const picker = document.getElementById("range-month");
  picker.addEventListener("change", () => showRange({ month: picker.value }));
  for (const button of document.querySelectorAll("#breakdown-switch button")) {
    button.addEventListener("click", () => {
      state.wantedBy = button.dataset.by;
      const address = addressWithBy(state.wantedBy);
      if (address.href !== location.href) history.pushState(null, "", address);
      refreshBreakdown();
    });
  }
  // Back and Forward move between ranges, fields and legend choices made on this page: show what
  // the address names. A legend choice alone needs no new data, a field only the breakdown's.
  addEventListener("popstate", () => {
    state.hidden = addressHidden();
    if (state.lastRange) renderChart(state.lastRange);
    const range = addressRange();
    const by = addressBy();
    const rangeChanged = !sameRange(range, state.wantedRange);
    if (!rangeChanged && by === state.wantedBy) return;
    state.wantedRange = range;
    state.wantedBy = by;
    if (rangeChanged) refresh();
    else refreshBreakdown();
  });
  document.getElementById("retry-now").addEventListener("click", refreshNow);
  document.getElementById("reload-page").addEventListener("click", () => location.reload());
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = document.getElementById("api-key").value.trim();
    const problem = keyProblem(key);
    if (problem !== null) {
      refuseKeyTyped(problem);
      return;
    }
    state.apiKey = key;
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
  setUpProjects();
  startRefreshing();
}

document.addEventListener("DOMContentLoaded", setUp);
