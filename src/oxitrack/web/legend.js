// The chart's legend: one switch per project (or "other") that hides or shows it, the hidden ones
// kept in the page's address (?hide=), and the key to the day's total mark.

import { addressWithHidden } from "./address.js";
import { TOTAL_KEY } from "./chart.js";
import { cutName, element } from "./elements.js";
import { state } from "./state.js";

/** The legend for the chart's `datasets`; `redraw` draws the chart again once a key is pressed. */
export function renderLegend(datasets, redraw) {
  const projects = datasets.filter((dataset) => dataset.key !== TOTAL_KEY);
  const items = projects.map((dataset) => {
    const swatch = element("span", { className: "swatch", "aria-hidden": "true" });
    swatch.style.background = dataset.backgroundColor;
    const title = dataset.projectPath ? `${dataset.label}\n${dataset.projectPath}` : dataset.label;
    const button = element(
      "button",
      { type: "button", "data-key": dataset.key, "aria-pressed": String(!dataset.hidden), title },
      swatch,
      cutName(dataset.name, { className: "label" }),
    );
    button.addEventListener("click", () => toggleDataset(dataset.key, redraw));
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

function toggleDataset(key, redraw) {
  if (state.hidden.has(key)) state.hidden.delete(key);
  else state.hidden.add(key);
  // In the address like the range, so a reload keeps it and Back shows the project again.
  history.pushState(null, "", addressWithHidden(state.hidden));
  redraw(); // the pressed key keeps the focus (renderLegend)
}
