/**
 * The HTTP client for the OxiTrack daemon: `POST /beat` and `GET /today?format=json`. It sorts
 * every answer into what the caller must do: accepted; rejected (a 4xx about this beat: log and
 * drop, never retry); or unavailable (unreachable, timeout, 5xx, or a 401/408/429 that says
 * "not now" rather than "never": keep the beat). It never throws for network trouble. Node
 * clients send no Origin header, which is what the daemon's guard expects. Must not import `vscode`.
 */

import type { Beat } from "./beat";

export type BeatOutcome =
  | {
      readonly kind: "accepted";
      /** The project path as the daemon stores it (canonical: symlinks resolved). */
      readonly projectPath: string;
      readonly sessionId: number;
      readonly durationSeconds: number;
    }
  | { readonly kind: "rejected"; readonly status: number; readonly detail: string }
  | { readonly kind: "unavailable"; readonly detail: string };

export interface TodayProject {
  readonly project_path: string;
  readonly project_name: string;
  readonly duration_seconds: number;
}

export interface TodayReport {
  readonly date: string;
  readonly total_seconds: number;
  readonly projects: readonly TodayProject[];
}

export type TodayOutcome =
  | { readonly kind: "ok"; readonly report: TodayReport }
  /** The daemon answers but has no `GET /today` (an older daemon). */
  | { readonly kind: "missing" }
  /** The daemon answers, but not with a report (an error status or an unexpected body). */
  | { readonly kind: "error"; readonly detail: string }
  /** No answer: unreachable or timed out. */
  | { readonly kind: "unavailable"; readonly detail: string };

/** 4xx answers that are about the moment or the setup, not about the beat: keep the beat. */
const TRANSIENT_CLIENT_ERRORS: ReadonlySet<number> = new Set([401, 408, 429]);

export interface DaemonClientOptions {
  readonly serverUrl: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export class DaemonClient {
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: DaemonClientOptions) {
    this.baseUrl = options.serverUrl.trim().replace(/\/+$/, "");
    this.apiKey = options.apiKey === "" ? undefined : options.apiKey;
    this.timeoutMs = options.timeoutMs;
    this.fetchImpl = options.fetch ?? fetch;
  }

  get serverUrl(): string {
    return this.baseUrl;
  }

  async postBeat(beat: Beat): Promise<BeatOutcome> {
    const body = JSON.stringify({ project_path: beat.project_path, timestamp: beat.timestamp });
    const answer = await this.request("/beat", {
      method: "POST",
      headers: this.headers({ "Content-Type": "application/json" }),
      body,
    });
    if (answer.kind === "failed") {
      return { kind: "unavailable", detail: answer.detail };
    }
    const { status, json, text } = answer;
    if (status >= 200 && status < 300) {
      const record = asRecord(json);
      return {
        kind: "accepted",
        projectPath:
          typeof record["project_path"] === "string" ? record["project_path"] : beat.project_path,
        sessionId: typeof record["session_id"] === "number" ? record["session_id"] : -1,
        durationSeconds:
          typeof record["duration_seconds"] === "number" ? record["duration_seconds"] : 0,
      };
    }
    const detail = `HTTP ${status}: ${describeError(json, text)}`;
    if (status >= 400 && status < 500 && !TRANSIENT_CLIENT_ERRORS.has(status)) {
      return { kind: "rejected", status, detail };
    }
    return { kind: "unavailable", detail };
  }

  async getToday(): Promise<TodayOutcome> {
    const answer = await this.request("/today?format=json", {
      method: "GET",
      headers: this.headers({ Accept: "application/json" }),
    });
    if (answer.kind === "failed") {
      return { kind: "unavailable", detail: answer.detail };
    }
    if (answer.status === 404 || answer.status === 405) {
      return { kind: "missing" };
    }
    const report = answer.status === 200 ? parseToday(answer.json) : undefined;
    if (report === undefined) {
      return {
        kind: "error",
        detail: `HTTP ${answer.status}: ${describeError(answer.json, answer.text)}`,
      };
    }
    return { kind: "ok", report };
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return this.apiKey === undefined ? extra : { ...extra, Authorization: `Bearer ${this.apiKey}` };
  }

  private async request(
    route: string,
    init: RequestInit,
  ): Promise<
    | { kind: "answered"; status: number; json: unknown; text: string }
    | { kind: "failed"; detail: string }
  > {
    try {
      const response = await this.fetchImpl(`${this.baseUrl}${route}`, {
        ...init,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      return { kind: "answered", status: response.status, json: parseJson(text), text };
    } catch (error) {
      return { kind: "failed", detail: describeFailure(error, this.timeoutMs) };
    }
  }
}

function parseToday(json: unknown): TodayReport | undefined {
  const record = asRecord(json);
  if (typeof record["total_seconds"] !== "number" || !Array.isArray(record["projects"])) {
    return undefined;
  }
  const projects: TodayProject[] = [];
  for (const item of record["projects"] as unknown[]) {
    const project = asRecord(item);
    if (
      typeof project["project_path"] === "string" &&
      typeof project["duration_seconds"] === "number"
    ) {
      projects.push({
        project_path: project["project_path"],
        project_name:
          typeof project["project_name"] === "string" ? project["project_name"] : project["project_path"],
        duration_seconds: project["duration_seconds"],
      });
    }
  }
  return {
    date: typeof record["date"] === "string" ? record["date"] : "",
    total_seconds: record["total_seconds"],
    projects,
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The daemon's one error shape is {"error", "message", "field"?}; fall back to the raw text. */
function describeError(json: unknown, text: string): string {
  const record = asRecord(json);
  if (typeof record["error"] === "string") {
    const field = typeof record["field"] === "string" ? ` (field ${record["field"]})` : "";
    const message = typeof record["message"] === "string" ? `: ${record["message"]}` : "";
    return `${record["error"]}${field}${message}`;
  }
  return text.slice(0, 200) || "(empty body)";
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code =
      typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined;
    return typeof code === "string" ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
