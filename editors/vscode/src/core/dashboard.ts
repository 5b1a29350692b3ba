/**
 * The *OxiTrack: Open Dashboard* command: opens `<serverUrl>/` in the system's browser, or, for a
 * server URL that cannot work, says what is wrong with a button to the setting, rather than
 * handing the browser `localhost:3000/` (a `localhost:` link) or a `user:password@` for its
 * history. The editor's calls come in as `DashboardUi`, so the wiring is unit tested.
 * Must not import `vscode`.
 */

import { dashboardUrl } from "./serverUrl";

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

export async function openDashboard(serverUrl: string, ui: DashboardUi): Promise<void> {
  const target = dashboardUrl(serverUrl);
  if ("url" in target) {
    await ui.openExternal(target.url);
    return;
  }
  const answer = await ui.showError(`OxiTrack: no dashboard to open: ${target.problem}.`, OPEN_SETTINGS);
  if (answer === OPEN_SETTINGS) {
    await ui.openSetting("oxitrack.serverUrl");
  }
}
