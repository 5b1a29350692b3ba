// The breakdown card: the time of the chart's range per language, category, editor, branch,
// machine or operating system (picked in its header), most first, one bar each, from GET /api/breakdown?by=; and the time no
// heartbeat names, said in words that are true for the field picked.

import { breakdownRows } from "./chart.js";
import { cutName, element, replaceChangedRows } from "./elements.js";
import { rangeName } from "./ranges.js";
import { state } from "./state.js";

// Where unnamed time comes from differs per field (docs/reports.md): beats (POST /beat, the VS Code
// extension's) may name a language, an editor, a category, a machine and a system, never a
// branch; time with no category is coding; a WakaTime export imported names no machine.
const WORDS = {
  language: {
    title: "Languages",
    column: "Language",
    plural: "languages",
    unnamed: "No language named",
    note: "beats from editors that send no language, lone heartbeats, time after a last heartbeat",
    empty:
      "No time in this range has a language yet. Editors that send a language name it, such as " +
      "the VS Code extension and those with a WakaTime plugin pointed at this daemon (see the " +
      'README, "Track your editors").',
  },
  // Time no heartbeat gives a category is coding (the daemon's row), so only a range with no
  // time at all has no rows.
  category: {
    title: "Categories",
    column: "Category",
    plural: "categories",
    empty:
      "No time in this range yet. Time is coding unless the editor says otherwise: the VS Code " +
      "extension names debugging and building, the WakaTime plugins pointed at this daemon " +
      'their own categories (see the README, "Track your editors").',
  },
  editor: {
    title: "Editors",
    column: "Editor",
    plural: "editors",
    unnamed: "No editor named",
    note: "beats from editors that do not name themselves, lone heartbeats, time after a last heartbeat",
    empty:
      "No time in this range has an editor named yet. The VS Code extension and the WakaTime " +
      "plugins pointed at this daemon name theirs; an older extension does not (see the README, " +
      '"Track your editors").',
  },
  branch: {
    title: "Branches",
    column: "Branch",
    plural: "branches",
    unnamed: "No branch named",
    note:
      "all projects: beats from the VS Code extension and from folders outside a git " +
      "repository, lone heartbeats, time after a last heartbeat",
    empty:
      "No time in this range has a branch yet. Branches come from the WakaTime plugins pointed " +
      "at this daemon, in folders that are git repositories; the VS Code extension sends none " +
      '(see the README, "Track your editors").',
  },
  machine: {
    title: "Machines",
    column: "Machine",
    plural: "machines",
    unnamed: "No machine named",
    note:
      "beats from editors that do not name the computer (an older extension, or " +
      "oxitrack.sendMachineName off), imported WakaTime time, lone heartbeats, time after a " +
      "last heartbeat",
    empty:
      "No time in this range has a machine named yet. The VS Code extension and the WakaTime " +
      "plugins pointed at this daemon name the computer they run on; an older extension does " +
      'not (see the README, "Track your editors").',
  },
  operating_system: {
    title: "Operating systems",
    column: "Operating system",
    plural: "systems",
    unnamed: "No system named",
    note:
      "beats from editors that do not name their system, imported WakaTime time, lone " +
      "heartbeats, time after a last heartbeat",
    empty:
      "No time in this range has an operating system named yet. The VS Code extension and the " +
      "WakaTime plugins pointed at this daemon name theirs; an older extension does not (see " +
      'the README, "Track your editors").',
  },
};

/** The card for `breakdown`, the answer to `?by=<by>` over `range`, and its switch pressed. */
export function renderBreakdown(breakdown, by, range) {
  const words = WORDS[by];
  markPressedField(by);
  document.getElementById("breakdown").dataset.by = by;
  document.getElementById("breakdown-title").textContent = words.title;
  document.getElementById("breakdown-column").textContent = words.column;
  document.getElementById("breakdown-range").textContent = rangeName(range);
  const rows = breakdownRows(breakdown, state.names);
  replaceChangedRows(
    document.querySelector("#breakdown-list tbody"),
    rows.map((row) => breakdownRow(row, words)),
  );
  document.getElementById("breakdown-list").hidden = rows.length === 0;
  const empty = document.getElementById("breakdown-empty");
  empty.textContent = words.empty;
  empty.hidden = rows.length > 0;
}

/** The switch shows the field whose data is on screen as pressed, as the range switch does. */
function markPressedField(by) {
  for (const button of document.querySelectorAll("#breakdown-switch button")) {
    button.setAttribute("aria-pressed", String(button.dataset.by === by));
  }
}

function breakdownRow(row, words) {
  const bar = element("span", { className: row.name === null ? "bar other" : "bar" });
  bar.style.width = `${Math.max(1, Math.round(row.share * 100))}%`;
  // The bar's words for a screen reader: the part of the range's time.
  const part = element(
    "span",
    { className: "visually-hidden" },
    new Intl.NumberFormat(undefined, { style: "percent" }).format(row.part),
  );
  const attributes = {
    "data-name": row.name?.text ?? (row.unnamed ? "" : "other"),
    "data-seconds": String(row.seconds),
  };
  if (row.projectPath !== null) attributes["data-project-path"] = row.projectPath;
  return element(
    "tr",
    attributes,
    element("td", { className: "num" }, row.duration),
    element("td", { className: "bar-cell" }, bar, part),
    element("td", { className: "value-cell" }, ...rowName(row, words)),
  );
}

/** A value's name (a branch's with its project's); for the other rows, what they hold. */
function rowName(row, words) {
  if (row.unnamed) {
    return [
      element("span", { className: "name summary" }, words.unnamed),
      element("span", { className: "note" }, words.note),
    ];
  }
  if (row.name === null) {
    return [element("span", { className: "name summary" }, `other (${row.others} ${words.plural})`)];
  }
  // Isolated (cutName): a name in a right-to-left script must not pull the row's other text into
  // its run.
  const name = cutName(row.name, { className: "name", title: row.name.text });
  if (row.projectName === null) return [name];
  // `main` of two projects is two rows: the project tells them apart, its folder in the tooltip
  // where two projects share a name.
  const title = `${row.projectName.text}\n${row.projectPath}`;
  return [name, cutName(row.projectName, { className: "project-name", title })];
}
