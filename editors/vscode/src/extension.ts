/**
 * Entry point: wiring only. Every listener, timer, command and UI element created here ends up in
 * `context.subscriptions`; the logic lives in src/core (no `vscode` import, unit tested).
 */

import * as os from "node:os";

import * as vscode from "vscode";

import { apiKeyProblem } from "./core/apiKey";
import { type DashboardUi, OPEN_DASHBOARD_COMMAND, openDashboard } from "./core/dashboard";
import { Delivery } from "./core/delivery";
import { Outbox } from "./core/outbox";
import { isExcludedPath } from "./core/projectChoice";
import { redactCredentials } from "./core/redact";
import { Settings } from "./settings";
import { StatusBar } from "./statusBar";
import { Tracker } from "./tracker";

let tracker: Tracker | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("OxiTrack", { log: true });
  context.subscriptions.push(log);
  const settings = await Settings.load(context, (message) => log.warn(message));
  context.subscriptions.push(settings);

  const here = { homeDir: os.homedir(), platform: process.platform };
  const outbox = new Outbox({ dir: context.globalStorageUri.fsPath, log: (message) => log.warn(message) });
  const activeDelivery = new Delivery(() => settings.client(), outbox, (message) => log.info(message), {
    isEnabled: () => settings.isEnabled,
    isExcluded: (projectPath) => isExcludedPath(projectPath, settings.excludePatterns, here),
    isExcludedEverywhere: (projectPath) => isExcludedPath(projectPath, settings.userExcludePatterns, here),
    namesMachine: () => settings.sendsMachineName,
  });
  const activeTracker = new Tracker(settings, activeDelivery, log);
  tracker = activeTracker;
  context.subscriptions.push(
    activeTracker,
    new StatusBar(settings, activeDelivery, activeTracker),
    vscode.commands.registerCommand("oxitrack.setApiKey", () => promptForApiKey(settings)),
    vscode.commands.registerCommand("oxitrack.clearApiKey", () => storeApiKey(settings, "")),
    vscode.commands.registerCommand(OPEN_DASHBOARD_COMMAND, () =>
      openDashboard(settings.serverUrl, DASHBOARD_UI, activeDelivery.state.connection),
    ),
    vscode.commands.registerCommand("oxitrack.showLog", () => log.show()),
  );

  const scale = settings.timeScale === 1 ? "" : ` (time scale ${settings.timeScale}, for tests)`;
  log.info(`tracking to ${redactCredentials(settings.serverUrl)}; outbox in ${outbox.dir}${scale}`);
  void activeDelivery.replay();
}

/**
 * The window is closing and VS Code allows about 5 s: beats not delivered yet go to the outbox,
 * with no network, and the next window replays them.
 */
export async function deactivate(): Promise<void> {
  const closing = tracker;
  tracker = undefined;
  await closing?.flushForExit();
}

async function promptForApiKey(settings: Settings): Promise<void> {
  const key = await vscode.window.showInputBox({
    title: "OxiTrack API key",
    prompt: "The key the daemon was started with (--api-key). Leave empty to remove the stored key.",
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => apiKeyProblem(value.trim()),
  });
  if (key !== undefined) {
    await storeApiKey(settings, key.trim());
  }
}

/** Stores the key (an empty one removes it) and says so: a palette command that does nothing visible looks broken. */
async function storeApiKey(settings: Settings, key: string): Promise<void> {
  const hadKey = settings.hasApiKey;
  await settings.setApiKey(key);
  let done = "API key saved; beats carry it from now on";
  if (key === "") {
    done = hadKey ? "API key removed; beats go without one" : "no API key was set";
  }
  void vscode.window.showInformationMessage(`OxiTrack: ${done}.`);
}

/** What *OxiTrack: Open Dashboard* does in VS Code (core/dashboard.ts decides which). */
const DASHBOARD_UI: DashboardUi = {
  openExternal: (url) => vscode.env.openExternal(vscode.Uri.parse(url, true)),
  showError: (message, ...buttons) => vscode.window.showErrorMessage(message, ...buttons),
  openSetting: (key) => vscode.commands.executeCommand("workbench.action.openSettings", key),
};
