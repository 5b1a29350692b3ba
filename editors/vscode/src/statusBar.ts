/**
 * One status bar item: today's time for the current project (total in the tooltip), or what keeps
 * beats from the daemon ("OxiTrack: offline (N queued)", "API key needed", "API key refused", …)
 * with what to do in the tooltip; "excluded" in a folder oxitrack.excludePatterns skips; "folder
 * refused" when the daemon refuses the project's path itself; "not your daemon" when another
 * account's program holds the daemon's port (the API key is not sent to it); "settings error" for
 * a server URL that cannot work; a warning sign for a setting of the wrong type (named in the
 * tooltip). While the daemon is there but slow to answer, today's time as last reported stays,
 * marked "(daemon slow)". Re-reads `GET /today` every minute and when the project or the settings
 * change; re-renders whenever the delivery state changes. A click opens the dashboard, or does
 * what the problem needs (set the API key, show the log, open the setting).
 */

import * as vscode from "vscode";

import { OPEN_DASHBOARD_COMMAND } from "./core/dashboard";
import type { Delivery } from "./core/delivery";
import { DEFAULT_MAX_BEATS } from "./core/outbox";
import { LatestRequest } from "./core/latest";
import { localRealPath, projectPaths } from "./core/projectPaths";
import { redactCredentials } from "./core/redact";
import { renderStatus, type StatusAction } from "./core/statusText";
import { type KnownToday, rememberToday } from "./core/todayMemory";
import type { Settings } from "./settings";
import { every } from "./timers";
import type { Tracker } from "./tracker";

const COMMANDS: Readonly<Record<StatusAction, vscode.Command>> = {
  openDashboard: { title: "Open the dashboard", command: OPEN_DASHBOARD_COMMAND },
  setApiKey: { title: "Set the API key", command: "oxitrack.setApiKey" },
  showLog: { title: "Show the log", command: "oxitrack.showLog" },
  openSettings: {
    title: "Open the setting",
    command: "workbench.action.openSettings",
    arguments: ["oxitrack.serverUrl"],
  },
  openEnabledSetting: {
    title: "Open the setting",
    command: "workbench.action.openSettings",
    arguments: ["oxitrack.enabled"],
  },
};

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private known: KnownToday | undefined;
  /** The server URL `known` came from: another daemon's report is not kept across a slow answer. */
  private knownUrl = "";
  /** Only the newest refresh's report counts (one from a previous server URL may come late). */
  private readonly refreshes = new LatestRequest();
  /** Local project folders' real paths (symlinks resolved), as the daemon stores them. */
  private readonly realPaths = new Map<string, string>();

  constructor(
    private readonly settings: Settings,
    private readonly delivery: Delivery,
    private readonly tracker: Tracker,
  ) {
    this.item = vscode.window.createStatusBarItem("oxitrack.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "OxiTrack";
    this.disposables.push(
      this.item,
      delivery.onDidChangeState(() => this.render()),
      every(settings.timing.statusEveryMs, () => void this.refresh()),
    );
    tracker.onDidChangeProject(() => void this.refresh(), this, this.disposables);
    settings.onDidChange(() => void this.refresh(), this, this.disposables);
    this.render();
    this.item.show();
    void this.refresh();
  }

  /** Re-reads today's report and the outbox size, then renders. Never throws. */
  async refresh(): Promise<void> {
    const ticket = this.refreshes.begin();
    if (this.settings.isEnabled) {
      await this.resolveProjectPath();
      const client = this.settings.client();
      const today = await client.getToday();
      if (!this.refreshes.isLatest(ticket)) {
        return; // a newer refresh is under way and renders its own answer
      }
      // The address asked, which the setting may no longer name: its answer is that address's.
      const url = client.serverUrl;
      this.known = rememberToday(url === this.knownUrl ? this.known : undefined, today, Date.now());
      this.knownUrl = url;
      this.delivery.noteToday(today, url);
      await this.delivery.refreshQueued();
    }
    this.render();
  }

  /** The tracked local folder's real path, once per folder, so a symlinked folder shows its time at once. */
  private async resolveProjectPath(): Promise<void> {
    const project = this.tracker.project;
    if (project.kind !== "tracked" || !project.isLocal || this.realPaths.has(project.projectPath)) {
      return;
    }
    const real = await localRealPath(project.projectPath);
    if (real !== undefined) {
      this.realPaths.set(project.projectPath, real);
    }
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  private render(): void {
    const projectPath = this.tracker.projectPath;
    const isCurrent = this.knownUrl === this.settings.client().serverUrl;
    const view = renderStatus({
      isEnabled: this.settings.isEnabled,
      connection: this.delivery.state.connection,
      queued: this.delivery.state.queued,
      isOutboxFull: this.delivery.state.queued >= DEFAULT_MAX_BEATS,
      // Only the current address's figures: right after the setting changed, they are not yet known.
      today: isCurrent ? this.known?.today : undefined,
      todayAtMs: isCurrent ? this.known?.reportAtMs : undefined,
      connectionSinceMs: this.delivery.connectionSinceMs,
      nowMs: Date.now(),
      projectPaths:
        projectPath === undefined
          ? []
          : projectPaths(projectPath, this.delivery.canonicalPath(projectPath), this.realPaths.get(projectPath)),
      serverUrl: redactCredentials(this.settings.serverUrl),
      project: this.tracker.project,
      settingsProblem: this.settings.serverUrlProblem,
      settingProblems: this.settings.settingProblems.map((problem) => problem.message),
      pathRefusal: projectPath === undefined ? undefined : this.delivery.pathRefusal(projectPath),
    });
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = COMMANDS[view.action];
  }
}
