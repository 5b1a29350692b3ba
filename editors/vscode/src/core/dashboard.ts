/**
 * The *OxiTrack: Open Dashboard* command: opens `<serverUrl>/` in the system's browser, or, for a
 * server URL that cannot work, says what is wrong with a button to the setting, rather than
 * handing the browser `localhost:3000/` (a `localhost:` link) or a `user:password@` for its
 * history. A well-formed URL the daemon already answered as wrong (its path is not the daemon's
 * address, or it speaks https where the URL says http) is said the same way, as the status bar
 * says it: the browser would get a 404 or a failed connection, not the dashboard; so is one
 * where another account's program listens ("not your daemon"). The editor's
 * calls come in as `DashboardUi`, so the wiring is unit tested. Must not import `vscode`.
 */

import type { Connection } from "./connection";
import { isLoopbackHost } from "./listeners";
import { machineZone } from "./machineZone";
import { dashboardUrl } from "./serverUrl";
import { explainProblem } from "./statusText";

/** The command's id, as package.json contributes it and the status bar's click runs it. */
export const OPEN_DASHBOARD_COMMAND = "oxitrack.openDashboard";

/** The button of the error message, which opens the setting. */
export const OPEN_SETTINGS = "Open Settings";

/** What the command does in the editor (extension.ts gives VS Code's calls). */
export interface DashboardUi {
  /** Opens an http(s) URL in the system's browser (`vscode.env.openExternal`). */
  openExternal(url: string): PromiseLike<unknown>;
  /** Shows an error message with buttons; the button clicked, or undefined if dismissed. */
  showError(message: string, ...buttons: string[]): PromiseLike<string | undefined>;
  /** Opens the Settings editor at one setting. */
  openSetting(key: string): PromiseLike<unknown>;
}

/**
 * The connection problems under which the page at `<serverUrl>/` is not the dashboard: the
 * address is wrong (the status bar's click opens the setting for these), or the program at it is
 * another account's, which the API key is withheld from and whose page could ask for it. A daemon
 * offline or busy is not among them: the page says so itself and recovers once it is back.
 */
const NOT_THE_DASHBOARD: ReadonlySet<Connection["kind"]> = new Set(["wrongPath", "needsHttps", "foreignListener"]);

/**
 * Opens the dashboard, or says why there is none to open. `connection` is what the daemon's last
 * answer at this server URL showed (the delivery's state), `unknown` when nothing was asked yet;
 * `zone` is this machine's (machineZone.ts), the one the status bar's day is asked in.
 */
export async function openDashboard(
  serverUrl: string,
  ui: DashboardUi,
  connection: Connection = { kind: "unknown" },
  zone: string | undefined = machineZone(),
): Promise<void> {
  const target = dashboardUrl(serverUrl);
  let problem: string;
  if (!("url" in target)) {
    problem = `no dashboard to open: ${target.problem}.`;
  } else if (connection.kind !== "online" && connection.kind !== "unknown" && NOT_THE_DASHBOARD.has(connection.kind)) {
    problem = `no dashboard to open: ${explainProblem(connection, serverUrl.trim())}`;
  } else {
    await ui.openExternal(inZone(target.url, zone));
    return;
  }
  const answer = await ui.showError(`OxiTrack: ${problem}`, OPEN_SETTINGS);
  if (answer === OPEN_SETTINGS) {
    await ui.openSetting("oxitrack.serverUrl");
  }
}

/**
 * The page asked for the days of `zone` (`?tz=`) when the daemon is on another machine: its page
 * reads days in that machine's zone, so a laptop in Tokyo sending to a desktop in Berlin saw
 * Berlin's today on the dashboard beside Tokyo's in the status bar. A daemon on this machine is
 * in this machine's zone already, and its page follows the zone as it changes.
 */
function inZone(url: string, zone: string | undefined): string {
  if (zone === undefined || isLoopbackHost(new URL(url).hostname)) {
    return url;
  }
  return `${url}?tz=${encodeURIComponent(zone)}`;
}
