// The "Languages" card: the time of the chart's range per language, most first, one bar each,
// from GET /api/breakdown?by=language; and the time no heartbeat names, said in words.

import { languageRows } from "./chart.js";
import { element, replaceChangedRows } from "./elements.js";

export function renderLanguages(breakdown, days) {
  const rows = languageRows(breakdown);
  document.getElementById("languages-range").textContent =
    Number(days) === 1 ? "today" : `last ${days} days`;
  replaceChangedRows(document.querySelector("#languages-list tbody"), rows.map(languageRow));
  document.getElementById("languages-list").hidden = rows.length === 0;
  document.getElementById("languages-empty").hidden = rows.length > 0;
}

function languageRow(row) {
  const bar = element("span", { className: row.name === null ? "bar other" : "bar" });
  bar.style.width = `${Math.max(1, Math.round(row.share * 100))}%`;
  // The bar's words for a screen reader: the part of the range's time.
  const part = element(
    "span",
    { className: "visually-hidden" },
    new Intl.NumberFormat(undefined, { style: "percent" }).format(row.part),
  );
  return element(
    "tr",
    { "data-language": row.name ?? (row.unnamed ? "" : "other"), "data-seconds": String(row.seconds) },
    element("td", { className: "num" }, row.duration),
    element("td", { className: "bar-cell" }, bar, part),
    element("td", { className: "language-cell" }, ...rowName(row)),
  );
}

/** A language's name; for the other rows, what they hold. */
function rowName(row) {
  if (row.unnamed) {
    return [
      element("span", { className: "name" }, "No language named"),
      element(
        "span",
        { className: "note" },
        "beats from editors that send no language, lone heartbeats, time after a last heartbeat",
      ),
    ];
  }
  if (row.name === null) {
    return [element("span", { className: "name" }, `other (${row.others} languages)`)];
  }
  // Isolated: a name in a right-to-left script must not pull the row's other text into its run.
  return [element("span", { className: "name", title: row.name }, element("bdi", {}, row.name))];
}
