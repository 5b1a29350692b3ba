/**
 * The HTTP client for the OxiTrack daemon: `POST /beat` and `GET /today?format=json&tz=<zone>`
 * (the editor machine's zone, so "today" is the user's day even when the daemon runs as a service
 * or in a container with another zone). It sorts
 * every answer into what the caller must do: accepted (the daemon's own success shape); rejected
 * (the daemon's own refusal of this very beat, which no resend can fix: log and drop); or
 * unavailable, with the problem that keeps the beat queued. Only the daemon's exact shapes count:
 * its port 3000 is every dev server's default too, and a 200 page or a 404 from one of them must
 * never drain the outbox. It never throws for network trouble and never follows a redirect (beats
 * go to the server URL only). Node clients send no Origin header, which is what the daemon's guard
 * expects. It never sends the API key to another account's program on the daemon's port
 * (listeners.ts). Must not import `vscode`.
 */

import type { Beat } from "./beat";
import { foreignListeners, type ListenerLookup, SYSTEM_LOOKUP } from "./listeners";
import { acceptsConnections } from "./probe";

/** Why beats cannot be delivered now; each kind tells the user something different to do. */
export type ProblemKind =
  /** Nothing answers: connection refused (nothing listens), or unreachable. */
  | "offline"
  /**
   * The daemon accepts connections but did not answer within the timeout: it is there, only
   * slow (a long checkpoint, another program holding its database, a machine under load).
   */
  | "slow"
  /** The daemon's 401: it runs with --api-key and ours is missing or wrong. */
  | "needsApiKey"
  /** The daemon refuses this editor's requests: Host/Origin not allowed, wrong path in the URL. */
  | "misconfigured"
  /** The daemon cannot serve right now (503 store_unavailable: disk full, database gone). */
  | "daemonError"
  /** Something that is not the OxiTrack daemon answers at the server URL. */
  | "notDaemon"
  /**
   * The program listening at the server URL (on this machine) belongs to another account, not to
   * the user: the API key is not sent to it, so nothing is. The detail names its uid(s).
   */
  | "foreignListener"
  /**
   * The daemon refuses a beat as too far in the future: this machine's clock is ahead of the
   * daemon's (a VM or WSL whose clock drifted). The beat becomes acceptable as the daemon's clock
   * catches up, so it waits.
   */
  | "clockAhead";

export interface Problem {
  readonly kind: ProblemKind;
  /** What was seen, for the log and the tooltip. */
  readonly detail: string;
  /** The daemon's error code (`store_unavailable`, `forbidden_host`, …) when it sent one. */
  readonly code?: string;
  /** How long the answer asked us to wait before sending again (Retry-After, capped). */
  readonly retryAfterMs?: number;
}

export type BeatOutcome =
  | {
      readonly kind: "accepted";
      /** The project path as the daemon stores it (canonical: symlinks resolved). */
      readonly projectPath: string;
      readonly sessionId: number;
      readonly durationSeconds: number;
    }
  | {
      readonly kind: "rejected";
      readonly status: number;
      readonly detail: string;
      /** The field the daemon names (`project_path`: it refuses this folder's path itself). */
      readonly field?: string;
    }
  | { readonly kind: "unavailable"; readonly problem: Problem };

export interface TodayProject {
  /** The project's latest folder. */
  readonly project_path: string;
  readonly project_name: string;
  readonly duration_seconds: number;
  /** Every folder its time today was spent in (a moved or merged project has several). */
  readonly folders: readonly string[];
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
  /** The daemon answers, with an error about this request rather than a report. */
  | { readonly kind: "error"; readonly detail: string }
  /** The same problems a beat would meet now. */
  | { readonly kind: "unavailable"; readonly problem: Problem };

/**
 * The daemon's refusals that are about the beat itself (docs/api.md): sending it again can never
 * succeed, so it is dropped. Every other refusal is about the moment or the setup: keep the beat.
 */
const BEAT_REFUSALS: ReadonlyMap<number, string> = new Map([
  [400, "invalid_json"],
  [413, "body_too_large"],
  [422, "invalid_field"],
]);

/** A Retry-After longer than this is taken as this: the outbox must not wait for hours. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * How long who listens on the daemon's port is taken as known: a replay sends many beats in a row,
 * and the socket tables of a busy machine are large. A failed request forgets it at once.
 */
export const LISTENER_CHECK_MS = 1_000;

export interface DaemonClientOptions {
  readonly serverUrl: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  /** The IANA zone whose day `getToday` reports; default: this machine's. */
  readonly timeZone?: string | undefined;
  readonly fetch?: typeof fetch;
  /** Who this process is and who listens on ports: this system's by default (tests replace it). */
  readonly listeners?: ListenerLookup | undefined;
  /** The clock (epoch ms) for LISTENER_CHECK_MS. */
  readonly now?: (() => number) | undefined;
  /** Whether something accepts connections at the server URL (probe.ts; tests replace it). */
  readonly acceptsConnections?: ((serverUrl: string) => Promise<boolean>) | undefined;
}

/** The daemon's one error shape, `{"error", "message", "field"?}`, and nothing else. */
interface DaemonError {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
}

type Answer =
  | {
      readonly kind: "answered";
      readonly status: number;
      readonly json: unknown;
      readonly text: string;
      readonly retryAfterMs: number | undefined;
    }
  /** Nothing was answered, for this reason: the beat meets this problem. */
  | { readonly kind: "failed"; readonly problem: Problem };

type Answered = Extract<Answer, { kind: "answered" }>;

export class DaemonClient {
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly listeners: ListenerLookup;
  private readonly now: () => number;
  private readonly acceptsConnections: (serverUrl: string) => Promise<boolean>;
  /** The latest answer of foreignListeners for the server URL, and when it was asked. */
  private listenerCheck: { readonly atMs: number; readonly owners: Promise<number[] | undefined> } | undefined;
  /** undefined once the daemon said it does not know the zone: then its own day is the answer. */
  private timeZone: string | undefined;

  constructor(options: DaemonClientOptions) {
    this.baseUrl = options.serverUrl.trim().replace(/\/+$/, "");
    this.apiKey = options.apiKey === "" ? undefined : options.apiKey;
    this.timeoutMs = options.timeoutMs;
    this.timeZone = (options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone) || undefined;
    this.fetchImpl = options.fetch ?? fetch;
    this.listeners = options.listeners ?? SYSTEM_LOOKUP;
    this.now = options.now ?? Date.now;
    this.acceptsConnections = options.acceptsConnections ?? ((serverUrl) => acceptsConnections(serverUrl));
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
      return { kind: "unavailable", problem: answer.problem };
    }
    const accepted = isSuccess(answer) ? asAcceptedBeat(answer.json) : undefined;
    if (accepted !== undefined) {
      return accepted;
    }
    const error = asDaemonError(answer.json);
    if (error !== undefined && BEAT_REFUSALS.get(answer.status) === error.error && !isAheadOfDaemon(error)) {
      const rejected = { kind: "rejected", status: answer.status, detail: describeAnswer(answer) } as const;
      return error.field === undefined ? rejected : { ...rejected, field: error.field };
    }
    return { kind: "unavailable", problem: problemOf(answer) };
  }

  async getToday(): Promise<TodayOutcome> {
    const zone = this.timeZone;
    const query = zone === undefined ? "" : `&tz=${encodeURIComponent(zone)}`;
    const answer = await this.request(`/today?format=json${query}`, {
      method: "GET",
      headers: this.headers({ Accept: "application/json" }),
    });
    if (zone !== undefined && answer.kind === "answered" && asDaemonError(answer.json)?.field === "tz") {
      // A daemon without this zone's rules (no tzdata in its container): its own day, then.
      this.timeZone = undefined;
      return this.getToday();
    }
    if (answer.kind === "failed") {
      return { kind: "unavailable", problem: answer.problem };
    }
    const report = isSuccess(answer) ? parseToday(answer.json) : undefined;
    if (report !== undefined) {
      return { kind: "ok", report };
    }
    const problem = problemOf(answer);
    if (problem.kind === "misconfigured" && answer.status !== 403) {
      // The daemon's own 404/405 is an older daemon without the route; a 422 is about the query.
      return answer.status === 404 || answer.status === 405
        ? { kind: "missing" }
        : { kind: "error", detail: problem.detail };
    }
    return { kind: "unavailable", problem };
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return this.apiKey === undefined ? extra : { ...extra, Authorization: `Bearer ${this.apiKey}` };
  }

  private async request(route: string, init: RequestInit): Promise<Answer> {
    if (this.apiKey !== undefined) {
      const owners = await this.foreignListeners();
      if (owners !== undefined) {
        const detail = `uid ${owners.join(", ")}`;
        return { kind: "failed", problem: { kind: "foreignListener", detail } };
      }
    }
    try {
      const response = await this.fetchImpl(`${this.baseUrl}${route}`, {
        ...init,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      const retryAfterMs =
        response.status === 429 || response.status === 503
          ? parseRetryAfter(response.headers.get("retry-after"), Date.now())
          : undefined;
      return { kind: "answered", status: response.status, json: parseJson(text), text, retryAfterMs };
    } catch (error) {
      this.listenerCheck = undefined; // whoever listened is gone, or soon will be: look again
      // fetch refuses a URL with user:password@ and quotes it in the message.
      const detail = redactCredentials(describeFailure(error, this.timeoutMs));
      if (isTimeout(error)) {
        // Slow, or nothing there? Only a connection the daemon's port accepts says it is there.
        const isThere = await this.acceptsConnections(this.baseUrl);
        return isThere
          ? { kind: "failed", problem: { kind: "slow", detail } }
          : { kind: "failed", problem: { kind: "offline", detail: `${detail}; nothing accepts connections there` } };
      }
      return { kind: "failed", problem: { kind: "offline", detail } };
    }
  }

  /** The other accounts that alone listen on the daemon's port (listeners.ts), briefly cached. */
  private foreignListeners(): Promise<number[] | undefined> {
    const nowMs = this.now();
    let check = this.listenerCheck;
    if (check === undefined || nowMs - check.atMs >= LISTENER_CHECK_MS || nowMs < check.atMs) {
      check = { atMs: nowMs, owners: foreignListeners(this.baseUrl, this.listeners) };
      this.listenerCheck = check;
    }
    return check.owners;
  }
}

/**
 * What an answer that is neither a success nor a refusal of the beat means. Anything without the
 * daemon's error shape comes from another program (a dev server, a proxy's error page).
 */
function problemOf(answer: Answered): Problem {
  const problem = classify(answer);
  return answer.retryAfterMs === undefined ? problem : { ...problem, retryAfterMs: answer.retryAfterMs };
}

function classify(answer: Answered): Problem {
  const detail = describeAnswer(answer);
  const error = asDaemonError(answer.json);
  if (error === undefined || isSuccess(answer)) {
    return { kind: "notDaemon", detail };
  }
  const code = error.error;
  if (answer.status === 422 && isAheadOfDaemon(error)) {
    return { kind: "clockAhead", detail, code };
  }
  if (answer.status === 401) {
    return { kind: "needsApiKey", detail, code };
  }
  if (answer.status >= 500 || answer.status === 429) {
    return { kind: "daemonError", detail, code };
  }
  return { kind: "misconfigured", detail, code };
}

/**
 * The daemon's refusal of a timestamp more than 10 minutes past its own clock, with the hint it
 * gives for a clock that is wrong (`… s in the future; check the clock`). Its other timestamp
 * refusals can never pass: before 2000, or milliseconds instead of seconds (`send Unix seconds`).
 */
function isAheadOfDaemon(error: DaemonError): boolean {
  return (
    error.error === "invalid_field" &&
    error.field === "timestamp" &&
    /\bs in the future; check the clock\b/.test(error.message)
  );
}

/** Retry-After (seconds, or an HTTP date) in milliseconds from `nowMs`, capped; undefined if unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim() ?? "";
  let waitMs: number;
  if (/^\d+$/.test(text)) {
    waitMs = Number(text) * 1000;
  } else {
    const atMs = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(atMs)) {
      return undefined;
    }
    waitMs = Math.max(0, atMs - nowMs);
  }
  return Math.min(waitMs, MAX_RETRY_AFTER_MS);
}

function isSuccess(answer: Answered): boolean {
  return answer.status >= 200 && answer.status < 300;
}

function asAcceptedBeat(json: unknown): BeatOutcome | undefined {
  const record = asRecord(json);
  if (typeof record["session_id"] !== "number" || typeof record["project_path"] !== "string") {
    return undefined;
  }
  return {
    kind: "accepted",
    projectPath: record["project_path"],
    sessionId: record["session_id"],
    durationSeconds: typeof record["duration_seconds"] === "number" ? record["duration_seconds"] : 0,
  };
}

function asDaemonError(json: unknown): DaemonError | undefined {
  const record = asRecord(json);
  const keys = Object.keys(record);
  const isShape =
    typeof record["error"] === "string" &&
    /^[a-z_]+$/.test(record["error"]) &&
    typeof record["message"] === "string" &&
    (record["field"] === undefined || typeof record["field"] === "string") &&
    keys.every((key) => key === "error" || key === "message" || key === "field");
  return isShape ? (record as unknown as DaemonError) : undefined;
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
        // An older daemon sends no folders: the latest one is all there is to match.
        folders: Array.isArray(project["folders"])
          ? (project["folders"] as unknown[]).filter((folder): folder is string => typeof folder === "string")
          : [project["project_path"]],
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
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `HTTP 422: invalid_field (field timestamp): message`, or the start of whatever else came. */
function describeAnswer(answer: Answered): string {
  const error = asDaemonError(answer.json);
  if (error !== undefined) {
    const field = error.field === undefined ? "" : ` (field ${error.field})`;
    return `HTTP ${answer.status}: ${error.error}${field}: ${error.message}`;
  }
  const text = answer.text.replace(/\s+/g, " ").trim().slice(0, 120);
  return `HTTP ${answer.status}: ${text || "(empty body)"}`;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) {
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

/** The text with the `user:password@` of any URL in it masked: logs and tooltips never show them. */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/)[^/\s?#]*@/g, "$1***@");
}
