/**
 * The typed view of OxiTrack's settings: the only module that reads `oxitrack.*` configuration,
 * the API key in VS Code's secret storage, and the timing (OXITRACK_TIME_SCALE, for tests only).
 * Fires `onDidChange` when any of them changes.
 */

import * as vscode from "vscode";

import { DaemonClient } from "./core/daemonClient";
import { type Timing, timingFromEnv } from "./core/timing";

const SECTION = "oxitrack";
const API_KEY_SECRET = "oxitrack.apiKey";
export const DEFAULT_SERVER_URL = "http://127.0.0.1:3000";

export class Settings implements vscode.Disposable {
  readonly timing: Timing;
  readonly timeScale: number;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private values = readValues();
  private apiKey: string | undefined;
  private cachedClient: DaemonClient | undefined;

  private constructor(private readonly secrets: vscode.SecretStorage) {
    const { timing, scale } = timingFromEnv(process.env);
    this.timing = timing;
    this.timeScale = scale;
    vscode.workspace.onDidChangeConfiguration(
      (event) => {
        if (event.affectsConfiguration(SECTION)) {
          this.values = readValues();
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

  static async load(context: vscode.ExtensionContext): Promise<Settings> {
    const settings = new Settings(context.secrets);
    settings.apiKey = await context.secrets.get(API_KEY_SECRET);
    return settings;
  }

  get serverUrl(): string {
    return this.values.serverUrl;
  }

  get isEnabled(): boolean {
    return this.values.isEnabled;
  }

  get excludePatterns(): readonly string[] {
    return this.values.excludePatterns;
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

  private fireChange(): void {
    this.cachedClient = undefined;
    this.changed.fire();
  }
}

interface Values {
  readonly serverUrl: string;
  readonly isEnabled: boolean;
  readonly excludePatterns: readonly string[];
}

function readValues(): Values {
  const config = vscode.workspace.getConfiguration(SECTION);
  const serverUrl = config.get<string>("serverUrl", DEFAULT_SERVER_URL).trim();
  const patterns = config.get<unknown>("excludePatterns", []);
  return {
    serverUrl: serverUrl === "" ? DEFAULT_SERVER_URL : serverUrl,
    isEnabled: config.get<boolean>("enabled", true),
    excludePatterns: Array.isArray(patterns)
      ? patterns.filter((pattern): pattern is string => typeof pattern === "string")
      : [],
  };
}
