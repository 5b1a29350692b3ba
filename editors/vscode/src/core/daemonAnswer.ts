/**
 * Reading one answer of the daemon: its one error shape, its refusal of a request itself, what any
 * other answer that is not a success means (a `Problem`, for beats and the today report alike),
 * and its Retry-After. Only the daemon's exact shapes count: its port 3000 is every dev server's
 * default too, so anything else comes from another program. Must not import `vscode`.
 */

import type { Problem } from "./problem";

/** A Retry-After longer than this is taken as this: the outbox must not wait for hours. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** The daemon's one error shape, `{"error", "message", "field"?}`, and nothing else. */
export interface DaemonError {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
}

export type Answer =
  | {
      readonly kind: "answered";
      readonly status: number;
      readonly json: unknown;
      readonly text: string;
      readonly retryAfterMs: number | undefined;
      /** The request carried an API key: a 401 then means that key is wrong, not missing. */
      readonly sentApiKey?: boolean;
    }
  /** Nothing was answered, for this reason: the beat meets this problem. */
  | { readonly kind: "failed"; readonly problem: Problem };

export type Answered = Extract<Answer, { kind: "answered" }>;

/**
 * The daemon's answers for a path it has no route for: every request of this editor goes to a
 * route the daemon has (`/beat`, `/today`), so these mean the server URL's path is not the
 * daemon's address. (A daemon without `GET /today` never shipped.)
 */
const NO_ROUTE: ReadonlyMap<number, string> = new Map([
  [404, "not_found"],
  [405, "method_not_allowed"],
]);

/**
 * The daemon's refusal of this very request, if the answer is one: its error shape with one of
 * `refusals`' status and code pairs (`422 invalid_field` for a beat's field or the report's
 * query), and not a clock ahead of the daemon's, which only waiting fixes. Sending the same
 * request again can never succeed; every other answer that is not a success is `problemOf`'s.
 */
export function refusalOf(answer: Answered, refusals: ReadonlyMap<number, string>): DaemonError | undefined {
  const error = asDaemonError(answer.json);
  const isRefusal = error !== undefined && refusals.get(answer.status) === error.error && !isAheadOfDaemon(error);
  return isRefusal ? error : undefined;
}

/**
 * What an answer that is neither a success nor a refusal of the request means: the one reading
 * of the beat's answers and the today report's alike, so the status bar says the same of both.
 * Anything without the daemon's error shape comes from another program (a dev server, a proxy's
 * error page).
 */
export function problemOf(answer: Answered): Problem {
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
    return { kind: answer.sentApiKey === true ? "wrongApiKey" : "needsApiKey", detail, code };
  }
  if (answer.status >= 500 || answer.status === 429) {
    return { kind: "daemonError", detail, code };
  }
  if (NO_ROUTE.get(answer.status) === code) {
    return { kind: "wrongPath", detail, code };
  }
  return { kind: "misconfigured", detail, code };
}

/**
 * The daemon's refusal of a timestamp more than 10 minutes past its own clock, with the hint it
 * gives for a clock that is wrong (`… s in the future; check the clock`). Its other timestamp
 * refusals can never pass: before 2000, or milliseconds instead of seconds (`send Unix seconds`).
 */
export function isAheadOfDaemon(error: DaemonError): boolean {
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

export function isSuccess(answer: Answered): boolean {
  return answer.status >= 200 && answer.status < 300;
}

export function asDaemonError(json: unknown): DaemonError | undefined {
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

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `HTTP 422: invalid_field (field timestamp): message`, or the start of whatever else came. */
export function describeAnswer(answer: Answered): string {
  const error = asDaemonError(answer.json);
  if (error !== undefined) {
    const field = error.field === undefined ? "" : ` (field ${error.field})`;
    return `HTTP ${answer.status}: ${error.error}${field}: ${error.message}`;
  }
  const text = answer.text.replace(/\s+/g, " ").trim().slice(0, 120);
  return `HTTP ${answer.status}: ${text || "(empty body)"}`;
}
