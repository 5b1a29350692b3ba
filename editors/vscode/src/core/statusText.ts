/**
 * What the status bar says, as a pure function of the tracker's state, so every case is unit
 * tested without an editor. Must not import `vscode`.
 */

import type { TodayOutcome, TodayReport } from "./daemonClient";

export interface StatusInput {
  readonly isEnabled: boolean;
  readonly isOnline: boolean | undefined;
  readonly queued: number;
  readonly today: TodayOutcome | undefined;
  /** The paths the current project may appear under in the report (as sent, as canonicalized). */
  readonly projectPaths: readonly string[];
}

export interface StatusView {
  readonly text: string;
  readonly tooltip: string;
}

const CLICK_HINT = "Click to open the OxiTrack dashboard.";

/** `0m`, `45m`, `1h 05m`: whole minutes, rounded down. */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours === 0 ? `${rest}m` : `${hours}h ${String(rest).padStart(2, "0")}m`;
}

export function renderStatus(input: StatusInput): StatusView {
  if (!input.isEnabled) {
    return {
      text: "$(watch) OxiTrack: off",
      tooltip: "OxiTrack is switched off (setting oxitrack.enabled).",
    };
  }
  if (input.isOnline === false) {
    return {
      text: `OxiTrack: offline (${input.queued} queued)`,
      tooltip:
        `The OxiTrack daemon does not answer. ${input.queued} beat(s) wait in the outbox and ` +
        "are sent when it is back; nothing is lost. See the OxiTrack output channel for details.",
    };
  }
  const queuedNote = input.queued > 0 ? `\n${input.queued} beat(s) waiting to be replayed.` : "";
  const today = input.today;
  if (today === undefined || today.kind !== "ok") {
    const why =
      today?.kind === "missing"
        ? "This daemon has no today report (GET /today)."
        : "Today's time is not known yet.";
    return { text: "$(watch) OxiTrack", tooltip: `OxiTrack is tracking. ${why}${queuedNote}\n${CLICK_HINT}` };
  }
  const project = findProject(today.report, input.projectPaths);
  const total = `All projects today: ${formatDuration(today.report.total_seconds)}`;
  if (project === undefined) {
    return {
      text: `$(watch) ${formatDuration(0)}`,
      tooltip: `OxiTrack: no time yet today for this project.\n${total}${queuedNote}\n${CLICK_HINT}`,
    };
  }
  const duration = formatDuration(project.duration_seconds);
  return {
    text: `$(watch) ${duration}`,
    tooltip: `OxiTrack: ${duration} today in ${project.project_name}.\n${total}${queuedNote}\n${CLICK_HINT}`,
  };
}

function findProject(report: TodayReport, paths: readonly string[]) {
  return report.projects.find((project) => paths.includes(project.project_path));
}
