/**
 * The typed view of OxiTrack's settings: the only module that reads `oxitrack.*` configuration,
 * the API key in VS Code's secret storage, and the timing (OXITRACK_TIME_SCALE, for tests only).
 * Fires `onDidChange` when any of them changes. Tells the user when a setting has the wrong JSON
 * type (an error; the default is used) or the server URL is malformed (an error), in one window
 * only however many are open (sharedNotices.ts), while every window's status bar says it; and when
 * the server URL sends in clear text across the network (a warning, once per URL, remembered
 * across windows).
 */

import * as vscode from "vscode";

import { DaemonClient } from "./core/daemonClient";
import { checkServerUrl, type ServerUrlCheck } from "./core/serverUrl";
import { checkSettings, type SettingProblem, type SettingValues } from "./core/settingValues";
import { SharedNotices } from "./core/sharedNotices";
import { type Timing, timingFromEnv } from "./core/timing";

const SECTION = "oxitrack";
const API_KEY_SECRET = "oxitrack.apiKey";
/** globalState key: the last clear-text server URL the user was warned about. */
const WARNED_URL_KEY = "oxitrack.warnedClearTextUrl";

export class Settings implements vscode.Disposable {
  readonly timing: Timing;
  readonly timeScale: number;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private values: SettingValues = {
    serverUrl: "",
    isEnabled: true,
    excludePatterns: [],
    userExcludePatterns: [],
    sendsMachineName: true,
  };
  /** The settings of the wrong type now, each shown when it appears (in one window of all). */
  private problems: readonly SettingProblem[] = [];
  private apiKey: string | undefined;
  private cachedClient: DaemonClient | undefined;
  private urlCheck: ServerUrlCheck = {};

  private constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly globalState: vscode.Memento,
    private readonly notices: SharedNotices,
  ) {
    const { timing, scale } = timingFromEnv(process.env);
    this.timing = timing;
    this.timeScale = scale;
    vscode.workspace.onDidChangeConfiguration(
      (event) => {
        if (event.affectsConfiguration(SECTION)) {
          const previousUrl = this.values.serverUrl;
          this.readValues();
          if (this.values.serverUrl !== previousUrl) {
            this.checkServerUrl();
          }
          this.fireChange();
        }
      },
      this,
      this.disposables,
    );
    secrets.onDidChange(
      async (event) => {
        if (event.key === API_KEY_SECRET) {
          this.apiKey = await secrets.get(API_KEY_SECRET);
          this.fireChange();
        }
      },
      this,
      this.disposables,
    );
  }

  static async load(context: vscode.ExtensionContext, log: (message: string) => void): Promise<Settings> {
    const notices = new SharedNotices({ dir: context.globalStorageUri.fsPath, log });
    const settings = new Settings(context.secrets, context.globalState, notices);
    settings.readValues();
    settings.apiKey = await context.secrets.get(API_KEY_SECRET);
    settings.checkServerUrl();
    return settings;
  }

  get serverUrl(): string {
    return this.values.serverUrl;
  }

  /** Why `serverUrl` cannot work (for the status bar), or undefined when it is well formed. */
  get serverUrlProblem(): string | undefined {
    return this.urlCheck.problem;
  }

  /** The settings of the wrong type (their defaults are in use), for the status bar. */
  get settingProblems(): readonly SettingProblem[] {
    return this.problems;
  }

  get isEnabled(): boolean {
    return this.values.isEnabled;
  }

  get excludePatterns(): readonly string[] {
    return this.values.excludePatterns;
  }

  /** The patterns of the user's own settings, which speak for every window's beats. */
  get userExcludePatterns(): readonly string[] {
    return this.values.userExcludePatterns;
  }

  /** Whether beats name this machine's host name (oxitrack.sendMachineName). */
  get sendsMachineName(): boolean {
    return this.values.sendsMachineName;
  }

  get hasApiKey(): boolean {
    return this.apiKey !== undefined && this.apiKey !== "";
  }

  /** A client for the current server URL and API key (rebuilt when either changes). */
  client(): DaemonClient {
    this.cachedClient ??= new DaemonClient({
      serverUrl: this.values.serverUrl,
      apiKey: this.apiKey,
      timeoutMs: this.timing.requestTimeoutMs,
    });
    return this.cachedClient;
  }

  /** Stores the API key in secret storage; an empty key removes it. */
  async setApiKey(key: string): Promise<void> {
    if (key === "") {
      await this.secrets.delete(API_KEY_SECRET);
    } else {
      await this.secrets.store(API_KEY_SECRET, key);
    }
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  /**
   * Reads the settings; a setting of the wrong type (its default is used) is shown when it
   * appears, by one window of all those open; once fixed, the same mistake is shown again.
   */
  private readValues(): void {
    const config = vscode.workspace.getConfiguration(SECTION);
    const { values, problems } = checkSettings({
      serverUrl: config.get<unknown>("serverUrl"),
      enabled: config.get<unknown>("enabled"),
      excludePatterns: config.get<unknown>("excludePatterns"),
      userExcludePatterns: config.inspect<unknown>("excludePatterns")?.globalValue,
      sendMachineName: config.get<unknown>("sendMachineName"),
    });
    this.values = values;
    const before = new Set(this.problems.map((problem) => problem.message));
    const now = new Set(problems.map((problem) => problem.message));
    this.problems = problems;
    for (const { key, message } of problems) {
      if (!before.has(message)) {
        void this.showErrorOnce(message, key);
      }
    }
    for (const message of before) {
      if (!now.has(message)) {
        void this.notices.release(message);
      }
    }
  }

  /** Shows a malformed server URL as an error, a clear-text one as a warning (once per URL). */
  private checkServerUrl(): void {
    const url = this.values.serverUrl;
    const previous = this.urlCheck;
    this.urlCheck = checkServerUrl(url);
    const { problem, warning } = this.urlCheck;
    for (const shown of [previous.problem, previous.warning]) {
      if (shown !== undefined && shown !== problem && shown !== warning) {
        void this.notices.release(shown);
      }
    }
    if (problem !== undefined) {
      void this.showErrorOnce(problem, URL_KEY);
    } else if (warning !== undefined && this.globalState.get<string>(WARNED_URL_KEY) !== url) {
      void this.warnOnce(url, warning);
    }
  }

  /**
   * Warns about a clear-text URL in one window: all windows see the new URL at the same moment,
   * before any of them has recorded in the shared state that the user was warned.
   */
  private async warnOnce(url: string, warning: string): Promise<void> {
    if (await this.notices.claim(warning)) {
      void this.globalState.update(WARNED_URL_KEY, url);
      await offerSettings(vscode.window.showWarningMessage(`OxiTrack: ${warning}.`, OPEN_SETTINGS), URL_KEY);
    }
  }

  /** Shows a settings error unless another open window has shown the same one. */
  private async showErrorOnce(message: string, key: string): Promise<void> {
    if (await this.notices.claim(message)) {
      await offerSettings(vscode.window.showErrorMessage(`OxiTrack: ${message}.`, OPEN_SETTINGS), key);
    }
  }

  private fireChange(): void {
    this.cachedClient = undefined;
    this.changed.fire();
  }
}

const OPEN_SETTINGS = "Open Settings";
const URL_KEY = `${SECTION}.serverUrl`;

async function offerSettings(answer: Thenable<string | undefined>, key: string): Promise<void> {
  if ((await answer) === OPEN_SETTINGS) {
    await vscode.commands.executeCommand("workbench.action.openSettings", key);
  }
}
