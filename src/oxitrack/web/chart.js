// The dashboard's numbers into words, colours and Chart.js data: pure functions of the daemon's
// JSON (no DOM, no page state), so the page's other modules only fetch, render and keep state.

import { nameOf, nameParts, plainName, tooltipName } from "./names.js";

// More stacked colours than this cannot be told apart; the rest of the range is one "other" bar.
export const CHART_PROJECTS = 8;
// The palette's size: its colours are the theme's (style.css, --series-0 to --series-8), Tableau 10
// without its grey (grey means "other"), distinguishable on the light and dark cards.
export const PALETTE_SIZE = 9;
const OTHER_KEY = "other";
// Not a project: the day's real total, where time in two projects at once counts once.
export const TOTAL_KEY = "total";

export function formatDuration(seconds) {
  return formatMinutes(Math.floor(Math.max(seconds, 0) / 60));
}

function formatMinutes(minutes) {
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/**
 * Rows of one total, each as whole minutes that add up to the total rounded down: each row is
 * rounded down, and the minutes that loses go one each to the rows with the most seconds left
 * over (the earlier row on a tie). The command line and `GET /today`'s text round the same way
 * (report_text.shown_minutes), so the page and the terminal show the same numbers.
 */
export function shownDurations(seconds) {
  const kept = seconds.map((value) => Math.max(value, 0));
  const minutes = kept.map((value) => Math.floor(value / 60));
  const total = Math.floor(kept.reduce((sum, value) => sum + value, 0) / 60);
  const missing = total - minutes.reduce((sum, value) => sum + value, 0);
  const byLeftover = kept
    .map((_, index) => index)
    .sort((a, b) => (kept[b] % 60) - (kept[a] % 60) || a - b);
  for (const index of byLeftover.slice(0, missing)) minutes[index] += 1;
  return minutes.map(formatMinutes);
}

/**
 * What the total leaves out of rows of `seconds`, said as the command line says it beside its
 * total ("0h 11m in two projects at once, counted once"); "" when nothing overlapped. In whole
 * minutes as shown: the rows' shown minutes less the total's (report_text._total_minutes).
 */
export function overlapNote(seconds, totalSeconds) {
  const rowsMinutes = Math.floor(seconds.reduce((sum, value) => sum + Math.max(value, 0), 0) / 60);
  const totalMinutes = Math.min(Math.floor(Math.max(totalSeconds, 0) / 60), rowsMinutes);
  const overlap = rowsMinutes - totalMinutes;
  return overlap > 0 ? `${formatMinutes(overlap)} in two projects at once, counted once` : "";
}

/**
 * 2025-11-24 written as `options` say (toLocaleDateString's), in the reader's language. The date
 * is the report zone's day, not an instant: it is read and written in UTC, so no zone moves it.
 */
function formatDay(isoDate, options) {
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString(undefined, {
    ...options,
    timeZone: "UTC",
  });
}

/** "Tue 24" for 2025-11-24. */
export function shortDay(isoDate) {
  return `${formatDay(isoDate, { weekday: "short" })} ${Number(isoDate.slice(8, 10))}`;
}

/**
 * A table row's name for a day, one no other row of `dayCount` days shares: "Tue 24" within a
 * week; "Tue, Nov 24" beyond (30 days across February have two "Sun 1"; a year, a dozen "Mon 24");
 * with the year past a year (the weekday, month and day recur after five years or more).
 */
export function rowDay(isoDate, dayCount) {
  if (dayCount <= 7) return shortDay(isoDate);
  const withYear = dayCount > 366;
  return formatDay(isoDate, {
    weekday: withYear ? undefined : "short",
    year: withYear ? "numeric" : undefined,
    month: "short",
    day: "numeric",
  });
}

/**
 * A day's short name, one no other day of a span of `dayCount` days shares: for the chart's axis,
 * whichever ticks Chart.js leaves labelled as it thins them out, and for the recent sessions on a
 * phone. "Tue 24" within a week; "Nov 24" beyond (30 days across February held two "Sun 1", the
 * 1st of February and of March); "Nov 24, 2025" past 365 days, where a month and day recur.
 */
export function dayName(isoDate, dayCount) {
  if (dayCount <= 7) return shortDay(isoDate);
  return formatDay(isoDate, { year: dayCount > 365 ? "numeric" : undefined, month: "short", day: "numeric" });
}

/** A day in full for the chart's tooltip: "Mon, Feb 1, 2027" (in the reader's own language). */
export function fullDay(isoDate) {
  return formatDay(isoDate, { weekday: "short", year: "numeric", month: "short", day: "numeric" });
}

/** How many calendar days "2025-11-24"-style dates cover, the first and last included; 0 for none. */
export function daySpan(isoDates) {
  if (isoDates.length === 0) return 0;
  const times = isoDates.map((isoDate) => Date.parse(`${isoDate}T00:00:00Z`));
  return Math.round((Math.max(...times) - Math.min(...times)) / 86_400_000) + 1;
}

// -- colours -------------------------------------------------------------------------------------

/** FNV-1a: a small, stable string hash, so a project gets the same colour on every visit. */
function hashOf(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Each project's colour comes from its path, not its rank, so it stays when the range changes.
 * Two shown projects hashing alike: the later path (in path order, also rank-free) takes the next
 * free colour. `palette` is the theme's: a project keeps its slot, so its hue, in either theme.
 */
export function assignColors(paths, palette) {
  const colors = new Map();
  const taken = new Set();
  for (const path of [...paths].sort()) {
    let slot = hashOf(path) % palette.length;
    for (let tries = 0; taken.has(slot) && tries < palette.length; tries++) {
      slot = (slot + 1) % palette.length;
    }
    taken.add(slot);
    colors.set(path, palette[slot]);
  }
  return colors;
}

// -- the chart -----------------------------------------------------------------------------------

function secondsPerDay(range, paths) {
  return range.days.map((day) =>
    day.projects
      .filter((p) => paths.has(p.project_path))
      .reduce((sum, p) => sum + p.duration_seconds, 0),
  );
}

/**
 * Chart.js data for /api/days: the top projects one dataset each, named as `names` (from
 * distinctNames) says and in colours of `palette`, the rest summed as "other" (in `otherColor`);
 * datasets whose key is in `hidden` start hidden. Also
 * the colours given to the shown projects, which today's bars reuse.
 *
 * The stacked bars add up each project's time, so an hour in two projects at once stacks twice;
 * a mark per day (in `totalColor`, its own stack) shows the day's real total_seconds.
 */
export function chartData(range, { names, hidden, palette, otherColor, totalColor }) {
  const shown = range.projects.slice(0, CHART_PROJECTS);
  const rest = range.projects.slice(CHART_PROJECTS);
  const colors = assignColors(
    shown.map((project) => project.project_path),
    palette,
  );
  const datasets = shown.map((project) => ({
    ...namedDataset(nameOf(names, project)),
    projectPath: project.project_path,
    key: project.project_path,
    data: secondsPerDay(range, new Set([project.project_path])),
    backgroundColor: colors.get(project.project_path),
  }));
  if (rest.length > 0) {
    datasets.push({
      ...namedDataset(plainName(`other (${rest.length} projects)`)),
      projectPath: null,
      key: OTHER_KEY,
      data: secondsPerDay(range, new Set(rest.map((project) => project.project_path))),
      backgroundColor: otherColor,
    });
  }
  for (const dataset of datasets) {
    Object.assign(dataset, { borderWidth: 0, borderRadius: 2, hidden: hidden.has(dataset.key) });
  }
  if (range.projects.length > 0) {
    datasets.push({
      type: "line",
      label: "total (overlaps once)",
      projectPath: null,
      key: TOTAL_KEY,
      stack: TOTAL_KEY,
      data: range.days.map((day) => day.total_seconds),
      showLine: false,
      pointStyle: "line",
      pointRadius: (context) => markRadius(context, range, 10),
      pointHoverRadius: (context) => markRadius(context, range, 12),
      borderWidth: 3,
      borderColor: totalColor,
      backgroundColor: totalColor,
      order: -1, // drawn over the bars
    });
  }
  return { labels: range.days.map((day) => day.date), datasets, colors };
}

/** A dataset's name: Chart.js's `label`, and the parts the legend and tooltip cut it by. */
function namedDataset(name) {
  return { label: name.text, name };
}


/**
 * Half the width of a day's mark: `full`, or less where days are narrow (over a year, 10 px marks
 * ran into one line that went on past the plot). No mark on a day with nothing tracked: a row of
 * dashes on the axis says nothing.
 */
function markRadius(context, range, full) {
  if (!(range.days[context.dataIndex]?.total_seconds > 0)) return 0;
  const area = context.chart.chartArea;
  if (!area) return full;
  // A bar is 72 % of its day's slot (Chart.js's 0.8 category x 0.9 bar): the mark is no wider.
  return Math.min(full, (0.36 * area.width) / range.days.length);
}

function hourStep(maxSeconds) {
  for (const step of [900, 1800, 3600, 7200, 10800, 14400, 21600]) {
    if (maxSeconds / step <= 6) return step;
  }
  return 43200;
}


/** Ticks and grid in the page theme's colours: Chart.js's defaults are unreadable on the dark card. */
export function chartOptions(labels, dayTotals, { text, grid }) {
  const step = hourStep(Math.max(3600, ...dayTotals));
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: "index", intersect: false },
    color: text,
    scales: {
      x: {
        stacked: true,
        grid: { display: false },
        border: { color: grid },
        ticks: { color: text, callback: (_, i) => dayName(labels[i], labels.length) },
      },
      y: {
        stacked: true,
        beginAtZero: true,
        // With nothing tracked every bar is 0, and Chart.js would label both ends "0h 00m".
        suggestedMax: step,
        grid: { color: grid },
        border: { color: grid },
        ticks: { color: text, stepSize: step, callback: (value) => formatDuration(value) },
      },
    },
    plugins: {
      legend: { display: false }, // an HTML list below the chart: it wraps, truncates, takes focus
      tooltip: {
        // Only the projects worked on that day, the total being the footer; a day with nothing
        // keeps its total's item, to say so (with no item at all, the title had none to read).
        filter: (item) =>
          item.dataset.key === TOTAL_KEY ? dayTotals[item.dataIndex] === 0 : item.raw > 0,
        callbacks: {
          title: (items) => (items.length ? fullDay(items[0].label) : ""),
          // A long name would push the values off a phone's screen.
          label: (item) =>
            item.dataset.key === TOTAL_KEY
              ? "nothing tracked"
              : `${tooltipName(item.dataset.name)}: ${formatDuration(item.raw)}`,
          footer: (items) =>
            items.length && dayTotals[items[0].dataIndex] > 0
              ? `total ${formatDuration(dayTotals[items[0].dataIndex])}`
              : "",
        },
      },
    },
  };
}

/**
 * What the chart shows, in words, for screen readers (the canvas itself says nothing): `range`,
 * /api/days's answer for the range called `rangeWords` ("last 7 days", "October 2025"), projects
 * named as `names` (from distinctNames) says, in full.
 */
export function chartSummary(range, rangeWords, names) {
  const span = `Time per day, ${rangeWords} (${range.from} to ${range.to})`;
  if (range.projects.length === 0) return `${span}: nothing tracked.`;
  const most = range.projects
    .slice(0, 3)
    .map((p) => `${nameOf(names, p).text} ${formatDuration(p.duration_seconds)}`)
    .join(", ");
  return `${span}: total ${formatDuration(range.total_seconds)}; most: ${most}.`;
}

/**
 * The chart's numbers as table rows, one per day in the chart's order: a screen reader can walk
 * them (the canvas and its one-line summary cannot give each day), and anyone can read exact
 * figures. `total` is the day's real total (overlaps once); `projects` lists each project worked
 * on that day as `{ name, duration }`, kept apart so the page can isolate each name's direction;
 * names as `names` (from distinctNames) says, in full.
 */
export function dayRows(range, names) {
  return range.days.map((day) => {
    const worked = day.projects.filter((project) => project.duration_seconds > 0);
    const durations = shownDurations(worked.map((project) => project.duration_seconds));
    return {
      date: day.date,
      day: rowDay(day.date, range.days.length),
      total: formatDuration(day.total_seconds),
      projects: worked.map((project, index) => ({
        name: nameOf(names, project).text,
        duration: durations[index],
      })),
    };
  });
}

// -- time by language, category, editor, branch, machine or system ------------------------------

// More rows than this made the card as long as a page over a year of config files and scripts;
// the rest of the named values are one "other" row, as the chart's projects are.
export const LISTED_ROWS = 10;

/**
 * The breakdown card's rows for `GET /api/breakdown?by=<field>`, most time first: the top values
 * and the time no heartbeat names (`"name": null`) as a row of its own, then the rest of the named
 * values summed as one row. Each row is `{ name, projectName, projectPath, seconds, duration,
 * share, unnamed, others, part }`: `name` as nameParts splits it among the rows' (branches such
 * as "feature/customer-portal-login" and "…-logout" begin alike), null for a row that names no
 * value; the project (named as `names`, from distinctNames, says) only for a field counted per
 * project (a branch),
 * `duration` rounded as the command line rounds it, `share` of the longest row (the bar's length,
 * 0 to 1), `part` of the range's time (0 to 1, said to screen readers) and `unnamed` for the row
 * of time no value names, which sums the per-project rows of such a field: what it holds is the
 * same in every project, and one row per project would crowd out the named ones. No rows at all
 * when no second is named: a lone bar of unnamed time says nothing about the field.
 */
export function breakdownRows(breakdown, names) {
  const named = breakdown.rows.filter((row) => row.name !== null && row.duration_seconds > 0);
  if (named.length === 0) return [];
  const listed = named.slice(0, LISTED_ROWS);
  const valueNames = nameParts(listed.map((row) => row.name));
  const rows = listed.map((row) => ({
    name: valueNames.get(row.name),
    projectName: row.project_path === undefined ? null : nameOf(names, row),
    projectPath: row.project_path ?? null,
    seconds: row.duration_seconds,
    unnamed: false,
    others: 0,
  }));
  const unnamed = breakdown.rows
    .filter((row) => row.name === null)
    .reduce((sum, row) => sum + row.duration_seconds, 0);
  if (unnamed > 0) rows.push(summedRow(unnamed, { unnamed: true }));
  // Stable: rows of equal time keep the daemon's order.
  rows.sort((a, b) => b.seconds - a.seconds);
  // Last, as the chart's "other": a sum of small rows is not a value that ranks among them.
  const rest = named.slice(LISTED_ROWS);
  if (rest.length > 0) {
    const seconds = rest.reduce((sum, row) => sum + row.duration_seconds, 0);
    rows.push(summedRow(seconds, { others: rest.length }));
  }
  const durations = shownDurations(rows.map((row) => row.seconds));
  const longest = Math.max(1, ...rows.map((row) => row.seconds));
  return rows.map((row, index) => ({
    ...row,
    duration: durations[index],
    share: row.seconds / longest,
    part: Math.min(1, row.seconds / Math.max(1, breakdown.total_seconds)),
  }));
}

/** A row that names no value: the unnamed time, or the `others` values past the listed ones. */
function summedRow(seconds, { unnamed = false, others = 0 }) {
  return { name: null, projectName: null, projectPath: null, seconds, unnamed, others };
}
