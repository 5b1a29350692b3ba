/**
 * What the status bar (and the log) says, as pure functions of the tracker's state, so every case
 * is unit tested without an editor. Each problem says what is wrong and what to do about it.
 * Must not import `vscode`.
 */

import { formatterIn, machineZone } from "./machineZone";
import type { Problem, ProblemKind } from "./problem";
import type { TodayOutcome, TodayReport } from "./todayReport";
import type { Connection } from "./connection";

export interface StatusInput {
  readonly isEnabled: boolean;
  readonly connection: Connection;
  readonly queued: number;
  /** The outbox holds its most (outbox.ts `maxBeats`): new beats are being dropped. */
  readonly isOutboxFull?: boolean;
  readonly today: TodayOutcome | undefined;
  /** The paths the current project may appear under in the report (as sent, as canonicalized). */
  readonly projectPaths: readonly string[];
  /** The daemon's address as the user may see it (no credentials). */
  readonly serverUrl: string;
  /** The window's project, when the tracker knows it is excluded or that there is none. */
  readonly project?: ProjectView | undefined;
  /** What the daemon said refusing the current project's path itself, if it did. */
  readonly pathRefusal?: string | undefined;
  /** Why oxitrack.serverUrl cannot work (a settings error), if it cannot. */
  readonly settingsProblem?: string | undefined;
  /** Since when (epoch ms) the connection has been what it is: "slow since 12:03". */
  readonly connectionSinceMs?: number | undefined;
  /** When (epoch ms) `today`, if a report, was received: while the daemon is slow, it is older. */
  readonly todayAtMs?: number | undefined;
  /** Now (epoch ms): a daemon slow for `STUCK_AFTER_MS` is said to be stuck, not busy. */
  readonly nowMs?: number | undefined;
  /** Settings of the wrong type, each falling back to its default (settingValues.ts messages). */
  readonly settingProblems?: readonly string[] | undefined;
}

/** The tracker's view of the window's project (tracker.ts `ProjectState`, without `vscode`). */
export type ProjectView =
  | { readonly kind: "tracked" | "excluded"; readonly projectPath: string }
  | { readonly kind: "none" };

/** What becomes of the beats waiting in the outbox: all kept, unless it is full. */
function waiting(input: StatusInput, until: string): string {
  const kept = `${input.queued} beat(s) wait in the outbox and are sent once ${until}`;
  return input.isOutboxFull === true
    ? `${kept}; the outbox is full, so newer beats are dropped until then.`
    : `${kept}; nothing is lost.`;
}

/** What a click on the item does. */
export type StatusAction = "openDashboard" | "setApiKey" | "showLog" | "openSettings" | "openEnabledSetting";

export interface StatusView {
  readonly text: string;
  readonly tooltip: string;
  readonly action: StatusAction;
}

const CLICK_HINT = "Click to open the OxiTrack dashboard.";

const LABELS: Readonly<Record<ProblemKind, string>> = {
  offline: "offline",
  slow: "daemon slow",
  needsApiKey: "API key needed",
  wrongApiKey: "API key refused",
  misconfigured: "refused",
  wrongPath: "wrong URL",
  daemonError: "daemon error",
  notDaemon: "not the daemon",
  foreignListener: "not your daemon",
  clockAhead: "clock ahead",
  tls: "https failed",
  needsHttps: "server speaks https",
};

/** The daemon's 503 when it has no connection free: a busy moment, not a storage failure. */
const BUSY_CODE = "too_many_connections";
/** The daemon's 503 when the folder is on a network share or FUSE mount that does not answer. */
const FOLDER_CODE = "folder_not_answering";

/** The status bar's word for a problem: its kind's, or the daemon's error code's when it says more. */
function labelOf(problem: Problem): string {
  if (problem.code === BUSY_CODE) {
    return "daemon busy";
  }
  return problem.code === FOLDER_CODE ? "folder not answering" : LABELS[problem.kind];
}

/** `0m`, `45m`, `1h 05m`: whole minutes, rounded down. */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours === 0 ? `${rest}m` : `${hours}h ${String(rest).padStart(2, "0")}m`;
}

/**
 * `09:05`: a time of day on this machine's clock, for "since when": in `zone`, by default the one
 * the machine is in now (Node's `Date` keeps the one the editor started in, left behind by a flight).
 */
export function formatClock(epochMs: number, zone: string | undefined = machineZone()): string {
  const clock = formatterIn(zone, "en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const parts = clock.formatToParts(epochMs);
  const part = (type: string) => parts.find((each) => each.type === type)?.value ?? "00";
  return `${part("hour")}:${part("minute")}`;
}

/** One sentence on what is wrong, then what to do: for the tooltip and the log alike. */
export function explainProblem(problem: Problem, serverUrl: string): string {
  const seen = `(${problem.detail})`;
  switch (problem.kind) {
    case "offline":
      return (
        `The OxiTrack daemon at ${serverUrl} does not answer ${seen}. ` +
        "Start it with `oxitrack serve`, or check the setting oxitrack.serverUrl."
      );
    case "slow":
      return (
        `The OxiTrack daemon at ${serverUrl} is running but slow to answer ${seen}: a long ` +
        "checkpoint, another program holding its database, or a machine under load. Nothing to do; " +
        "if it lasts, the daemon's log may say why."
      );
    case "needsApiKey":
      return (
        `The OxiTrack daemon at ${serverUrl} wants an API key ${seen}. ` +
        'Run "OxiTrack: Set API Key" with the key the daemon was started with (--api-key).'
      );
    case "wrongApiKey":
      return (
        `The API key set in VS Code does not work with the OxiTrack daemon at ${serverUrl} ${seen}: ` +
        "it is not the daemon's key (changed since, or mistyped). Run \"OxiTrack: Set API Key\" with " +
        "the key the daemon was started with (--api-key, OXITRACK_API_KEY or api_key in its config file)."
      );
    case "misconfigured":
      return (
        `The OxiTrack daemon at ${serverUrl} refuses this editor's requests ${seen}. ` +
        "Check oxitrack.serverUrl (the daemon's address, with no path); a host name other than " +
        "localhost or 127.0.0.1 must be allowed with the daemon's --allow-hosts."
      );
    case "wrongPath":
      return (
        `The OxiTrack daemon answers at ${serverUrl}, but has nothing at that path ${seen}. ` +
        "Write the daemon's address alone in oxitrack.serverUrl, as `oxitrack serve` prints it " +
        "(http://127.0.0.1:3000), with a path only for a proxy that serves the daemon under one."
      );
    case "daemonError":
      if (problem.code === BUSY_CODE) {
        return `The OxiTrack daemon at ${serverUrl} is busy ${seen}; retrying. Beats wait meanwhile.`;
      }
      if (problem.code === FOLDER_CODE) {
        return (
          `The OxiTrack daemon at ${serverUrl} cannot look at this folder ${seen}: it is on a network ` +
          "share or FUSE mount that does not answer (a server gone, a dropped connection). Beats wait " +
          "and are sent once the folder answers again; the daemon goes on meanwhile."
        );
      }
      return (
        `The OxiTrack daemon at ${serverUrl} cannot store beats right now ${seen}. ` +
        "See the daemon's log; a full disk or a moved database file are the usual causes."
      );
    case "notDaemon":
      return (
        `Something other than the OxiTrack daemon answers at ${serverUrl} ${seen}. ` +
        pathAdvice(serverUrl) +
        "Start the daemon (`oxitrack serve`), or, if another program needs this port, run the " +
        "daemon on another one (`oxitrack serve --port 3001`) and set oxitrack.serverUrl to match."
      );
    case "foreignListener":
      return (
        `The program listening at ${serverUrl} belongs to another account (${problem.detail}), not to ` +
        "you: the API key is not sent to it. While your daemon is stopped, another user of this " +
        "machine can listen on its port. Start your daemon (`oxitrack serve`) once that program is " +
        "gone, or run it on another port (`oxitrack serve --port 3001`) and set oxitrack.serverUrl to match."
      );
    case "tls":
      if (problem.certificate === true) {
        return (
          `https to ${serverUrl} fails ${seen}: its certificate is not one this machine trusts ` +
          "(self-signed, expired, or for another name). Give the daemon's proxy a certificate this " +
          "machine trusts, or use the daemon's plain http:// address on this machine in oxitrack.serverUrl."
        );
      }
      return (
        `https to ${serverUrl} fails ${seen}: what answers there speaks plain http, as \`oxitrack ` +
        "serve` does. Write http:// in oxitrack.serverUrl (https only for a daemon behind a proxy that serves it)."
      );
    case "needsHttps":
      return (
        `The server at ${serverUrl} speaks https, not plain http ${seen}. Use https:// in ` +
        `oxitrack.serverUrl (${httpsOf(serverUrl)}).`
      );
    case "clockAhead":
      return (
        `The OxiTrack daemon at ${serverUrl} refuses beats timed more than 10 minutes ahead of its ` +
        `clock ${seen}: this machine's clock is ahead of the daemon's (a virtual machine or WSL ` +
        "whose clock drifted). Sync the clocks; the beats are sent once the daemon's clock catches up."
      );
  }
}

/**
 * The server URL with https:// for its http://, on the same port: the port that spoke TLS, so
 * http's default 80 is written out (https alone would mean 443).
 */
function httpsOf(serverUrl: string): string {
  try {
    const url = new URL(serverUrl);
    const port = url.port === "" ? "80" : url.port;
    return `https://${url.hostname}:${port}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return serverUrl.replace(/^http:/i, "https:");
  }
}

/**
 * For a server URL with a path: that path may be what is wrong (the daemon's address has none),
 * before any other advice; `""` for an address without one.
 */
function pathAdvice(serverUrl: string): string {
  let path: string;
  try {
    path = new URL(serverUrl).pathname.replace(/\/+$/, "");
  } catch {
    return "";
  }
  return path === ""
    ? ""
    : `The path ${path} in oxitrack.serverUrl may be what is wrong: the daemon's address has none ` +
        "(http://127.0.0.1:3000), unless a proxy serves it under one, whose prefix to write then. Else: ";
}

/**
 * The status bar for this state. Settings of the wrong type (their defaults in use) are said in
 * every window's tooltip, with a marker on the text: the pop-up about them shows in one window only.
 */
export function renderStatus(input: StatusInput): StatusView {
  const view = renderState(input);
  const problems = input.settingProblems ?? [];
  if (problems.length === 0) {
    return view;
  }
  return {
    ...view,
    text: `${view.text} $(warning)`,
    tooltip: `${problems.map((problem) => `Settings error: ${problem}.`).join("\n")}\n${view.tooltip}`,
  };
}

function renderState(input: StatusInput): StatusView {
  if (!input.isEnabled) {
    return {
      text: "$(watch) OxiTrack: off",
      tooltip: "OxiTrack is switched off (setting oxitrack.enabled).\nClick to open the setting to turn it on.",
      action: "openEnabledSetting",
    };
  }
  if (input.settingsProblem !== undefined) {
    return {
      text: "$(watch) OxiTrack: settings error",
      tooltip:
        `${input.settingsProblem}.\n` +
        `${waiting(input, "it is fixed")}\n` +
        "Click to open the setting.",
      action: "openSettings",
    };
  }
  const connection = input.connection;
  if (connection.kind === "slow") {
    return renderSlow(input, connection);
  }
  if (connection.kind !== "online" && connection.kind !== "unknown") {
    const isKeyProblem = connection.kind === "needsApiKey" || connection.kind === "wrongApiKey";
    const isAddressProblem =
      connection.kind === "tls" || connection.kind === "wrongPath" || connection.kind === "needsHttps";
    return {
      text: `OxiTrack: ${labelOf(connection)} (${input.queued} queued)`,
      tooltip:
        `${explainProblem(connection, input.serverUrl)}\n` +
        `${waiting(input, "this is solved")}\n` +
        (isKeyProblem
          ? "Click to set the API key."
          : isAddressProblem
            ? "Click to open the setting."
            : "Click to show the OxiTrack log."),
      action: isKeyProblem ? "setApiKey" : isAddressProblem ? "openSettings" : "showLog",
    };
  }
  if (input.pathRefusal !== undefined && input.project?.kind !== "excluded" && input.project?.kind !== "none") {
    return {
      text: "$(watch) OxiTrack: folder refused",
      tooltip:
        `The OxiTrack daemon at ${input.serverUrl} refuses this folder's path (${input.pathRefusal}), ` +
        "so time spent here is not recorded. A newer daemon may accept it.\n" +
        "Click to show the OxiTrack log.",
      action: "showLog",
    };
  }
  const queuedNote = input.queued > 0 ? `\n${input.queued} beat(s) waiting to be replayed.` : "";
  const today = input.today;
  const totalLine =
    today?.kind === "ok" ? `\nAll projects today: ${formatDuration(today.report.total_seconds)}` : "";
  if (input.project?.kind === "excluded") {
    return {
      text: "$(watch) OxiTrack: excluded",
      tooltip:
        `${input.project.projectPath} matches oxitrack.excludePatterns: nothing is tracked here.` +
        `${totalLine}${queuedNote}\n${CLICK_HINT}`,
      action: "openDashboard",
    };
  }
  if (input.project?.kind === "none") {
    return {
      text: "$(watch) OxiTrack",
      tooltip: `OxiTrack: no folder or file open, nothing to track here.${totalLine}${queuedNote}\n${CLICK_HINT}`,
      action: "openDashboard",
    };
  }
  if (today === undefined || today.kind !== "ok") {
    return {
      text: "$(watch) OxiTrack",
      tooltip: `OxiTrack is tracking. Today's time is not known yet.${queuedNote}\n${CLICK_HINT}`,
      action: "openDashboard",
    };
  }
  const project = findProject(today.report, input.projectPaths);
  if (project === undefined) {
    return {
      text: `$(watch) ${formatDuration(0)}`,
      tooltip: `OxiTrack: no time yet today for this project.${totalLine}${queuedNote}\n${CLICK_HINT}`,
      action: "openDashboard",
    };
  }
  const duration = formatDuration(project.duration_seconds);
  return {
    text: `$(watch) ${duration}`,
    tooltip: `OxiTrack: ${duration} today in ${project.project_name}.${totalLine}${queuedNote}\n${CLICK_HINT}`,
    action: "openDashboard",
  };
}

/**
 * How long a daemon may accept connections and answer nothing before it is called stuck: longer
 * than any checkpoint, lock or load makes it wait (a held database gets a 503 within 5 s).
 */
export const STUCK_AFTER_MS = 10 * 60 * 1000;

/**
 * The daemon is there but slow: today's time as last reported stays, marked, with since when it
 * is slow; "offline" would be false and alarming (people restart things that are only busy). Once
 * it has answered nothing for `STUCK_AFTER_MS`, waiting is no longer the advice: restarting is.
 */
function renderSlow(input: StatusInput, problem: Problem): StatusView {
  const sinceMs = input.connectionSinceMs;
  if (sinceMs !== undefined && input.nowMs !== undefined && input.nowMs - sinceMs >= STUCK_AFTER_MS) {
    return {
      text: `$(warning) OxiTrack: daemon not answering (${input.queued} queued)`,
      tooltip:
        `The OxiTrack daemon at ${input.serverUrl} accepts connections but has answered nothing ` +
        `since ${formatClock(sinceMs)} (${problem.detail}): it may be stuck. Restart it ` +
        "(`systemctl --user restart oxitrack` for the service, or stop and start `oxitrack serve`); " +
        "its log may say why.\n" +
        `${waiting(input, "it answers")}\n` +
        "Click to show the OxiTrack log.",
      action: "showLog",
    };
  }
  const since = sinceMs === undefined ? "" : ` since ${formatClock(sinceMs)}`;
  const today = input.today;
  const isTracked = input.project === undefined || input.project.kind === "tracked";
  const asOf = input.todayAtMs === undefined ? "" : ` as of ${formatClock(input.todayAtMs)}`;
  const shown =
    today?.kind === "ok" && isTracked
      ? formatDuration(findProject(today.report, input.projectPaths)?.duration_seconds ?? 0)
      : undefined;
  return {
    text: shown === undefined ? `$(watch) OxiTrack: daemon slow (${input.queued} queued)` : `$(watch) ${shown} (daemon slow)`,
    tooltip:
      `Slow to answer${since}. ${explainProblem(problem, input.serverUrl)}\n` +
      (shown === undefined ? "" : `${shown} is today's time for this project${asOf}, as last reported.\n`) +
      (input.queued > 0 ? `${waiting(input, "it answers")}\n` : "") +
      "Click to show the OxiTrack log.",
    action: "showLog",
  };
}

/** The report's project this window is on: by its latest folder, or any folder it was worked in. */
function findProject(report: TodayReport, paths: readonly string[]) {
  return report.projects.find(
    (project) => paths.includes(project.project_path) || project.folders.some((folder) => paths.includes(folder)),
  );
}
