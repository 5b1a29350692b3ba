// The "Daily time per project" card: the range switch and month picker, the stacked bar chart
// with its legend, and the same numbers as a table.

import { PALETTE_SIZE, chartData, chartOptions, chartSummary, dayRows } from "./chart.js";
import { cssColor, element, replaceChangedRows } from "./elements.js";
import { renderLegend } from "./legend.js";
import { monthsUpTo, rangeName } from "./ranges.js";
import { state } from "./state.js";

export function renderDays(range) {
  state.lastRange = range;
  renderChart(range);
  renderDayTable(range);
  document.getElementById("days-empty").hidden = range.projects.length > 0;
}

/**
 * The chart and its legend: all that a legend key or the theme changes. The day table does not
 * change with them, and over a year of many projects redrawing it made a click take a second.
 */
export function renderChart(range) {
  const { colors, ...data } = chartData(range, {
    names: state.names,
    hidden: state.hidden,
    palette: Array.from({ length: PALETTE_SIZE }, (_, slot) => cssColor(`--series-${slot}`)),
    otherColor: cssColor("--other"),
    totalColor: cssColor("--text"),
  });
  state.colors = colors;
  const theme = { text: cssColor("--muted"), grid: cssColor("--grid") };
  const options = chartOptions(data.labels, range.days.map((day) => day.total_seconds), theme);
  const canvas = document.getElementById("days-chart");
  canvas.setAttribute("aria-label", chartSummary(range, rangeName(state.range), state.names));
  if (state.chart) {
    state.chart.data = data;
    state.chart.options = options;
    state.chart.update();
  } else {
    state.chart = new Chart(canvas, { type: "bar", data, options });
  }
  renderLegend(data.datasets, () => renderChart(state.lastRange));
}

function renderDayTable(range) {
  const rows = dayRows(range, state.names).map(dayTableRow);
  replaceChangedRows(document.querySelector("#days-table tbody"), rows);
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

/**
 * The range switch shows the range whose data is on screen as pressed, or the month picker its
 * month; the picker offers the months up to `today` (the report zone's), and the month shown if
 * older (a bookmark's), or `last`, as the address named it.
 */
export function markPressedRange(range, today) {
  for (const button of document.querySelectorAll(".switch button")) {
    const pressed = range.month === undefined && button.dataset.days === range.days;
    button.setAttribute("aria-pressed", String(pressed));
  }
  const picker = document.getElementById("range-month");
  const months = monthsUpTo(today);
  if (range.month !== undefined && !months.includes(range.month)) months.push(range.month);
  const [placeholder] = picker.options;
  // Named as the breakdown card names the range: ?month=Last, as typed, is "last month" too.
  const choices = months.map((month) => element("option", { value: month }, rangeName({ month })));
  if (picker.options.length - 1 !== choices.length || !sameChoices(picker, choices)) {
    picker.replaceChildren(placeholder, ...choices);
  }
  picker.value = range.month ?? "";
}

/** The picker lists `choices` already: rebuilt, it would close in the reader's hands. */
function sameChoices(picker, choices) {
  return choices.every((choice, index) => picker.options[index + 1].value === choice.value);
}
