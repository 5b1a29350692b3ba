/**
 * The HTTP client for the OxiTrack daemon: `POST /beat` and `GET /today?format=json&tz=<zone>`
 * (the editor machine's zone, read again for each request (machineZone.ts), so "today" is the
 * user's day even when the daemon runs as a service or in a container with another zone, and after
 * the laptop moved to another zone while the editor stayed open). It sorts every answer into what
 * the caller must do (beatOutcome.ts, todayReport.ts; daemonAnswer.ts reads the daemon's shapes).
 * It never throws for network trouble and never follows a redirect (beats go to the server URL
 * only). Where a failure says too little, a fresh connection asks (probe.ts): whether anything is
 * there after a timeout, whether https is spoken there after a plain http request got no HTTP
 * answer. Node clients send no Origin header, which is what the daemon's guard expects. It never
 * sends the API key to another account's program on the daemon's port (listeners.ts). Must not
 * import `vscode`.
 */

import { apiKeyProblem } from "./apiKey";
import { type Beat, beatBody } from "./beat";
import { type BeatOutcome, beatOutcomeOf } from "./beatOutcome";
import { type Answer, asDaemonError, describeAnswer, parseJson, parseRetryAfter } from "./daemonAnswer";
import { foreignListeners, type ListenerLookup, SYSTEM_LOOKUP } from "./listeners";
import { machineZone } from "./machineZone";
import { acceptsConnections, speaksTls } from "./probe";
import { redactCredentials } from "./redact";
import { type TodayOutcome, todayOutcomeOf } from "./todayReport";

/**
 * How long who listens on the daemon's port is taken as known: a replay sends many beats in a row,
 * and the socket tables of a busy machine are large. A failed request forgets it at once.
 */
export const LISTENER_CHECK_MS = 1_000;

export interface DaemonClientOptions {
  readonly serverUrl: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  /** The IANA zone whose day `getToday` reports, or how to read it for each request; default:
   * this machine's at the time (machineZone.ts). "" sends none: the daemon's day. */
  readonly timeZone?: string | (() => string | undefined) | undefined;
  readonly fetch?: typeof fetch;
  /** Who this process is and who listens on ports: this system's by default (tests replace it). */
  readonly listeners?: ListenerLookup | undefined;
  /** The clock (epoch ms) for LISTENER_CHECK_MS. */
  readonly now?: (() => number) | undefined;
  /** Whether something accepts connections at the server URL (probe.ts; tests replace it). */
  readonly acceptsConnections?: ((serverUrl: string) => Promise<boolean>) | undefined;
  /** Whether a TLS handshake succeeds at the server URL's port (probe.ts; tests replace it). */
  readonly speaksTls?: ((serverUrl: string) => Promise<boolean>) | undefined;
}

export class DaemonClient {
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly listeners: ListenerLookup;
  private readonly now: () => number;
  private readonly acceptsConnections: (serverUrl: string) => Promise<boolean>;
  private readonly speaksTls: (serverUrl: string) => Promise<boolean>;
  /** The latest answer of foreignListeners for the server URL, and when it was asked. */
  private listenerCheck: { readonly atMs: number; readonly owners: Promise<number[] | undefined> } | undefined;
  private readonly timeZone: () => string | undefined;
  /** A zone the daemon said it does not know: its own day is asked while this machine is in it. */
  private refusedZone: string | undefined;

  constructor(options: DaemonClientOptions) {
    this.baseUrl = options.serverUrl.trim().replace(/\/+$/, "");
    this.apiKey = options.apiKey === "" ? undefined : options.apiKey;
    this.timeoutMs = options.timeoutMs;
    const zone = options.timeZone ?? (() => machineZone());
    this.timeZone = typeof zone === "string" ? () => zone || undefined : zone;
    this.fetchImpl = options.fetch ?? fetch;
    this.listeners = options.listeners ?? SYSTEM_LOOKUP;
    this.now = options.now ?? Date.now;
    this.acceptsConnections = options.acceptsConnections ?? ((serverUrl) => acceptsConnections(serverUrl));
    this.speaksTls = options.speaksTls ?? ((serverUrl) => speaksTls(serverUrl));
  }

  get serverUrl(): string {
    return this.baseUrl;
  }

  async postBeat(beat: Beat): Promise<BeatOutcome> {
    const body = JSON.stringify(beatBody(beat));
    const answer = await this.request("/beat", {
      method: "POST",
      headers: this.headers({ "Content-Type": "application/json" }),
      body,
    });
    return beatOutcomeOf(answer);
  }

  async getToday(): Promise<TodayOutcome> {
    const zone = this.timeZone();
    return this.askToday(zone === this.refusedZone ? undefined : zone);
  }

  private async askToday(zone: string | undefined): Promise<TodayOutcome> {
    const query = zone === undefined ? "" : `&tz=${encodeURIComponent(zone)}`;
    const answer = await this.request(`/today?format=json${query}`, {
      method: "GET",
      headers: this.headers({ Accept: "application/json" }),
    });
    if (zone !== undefined && answer.kind === "answered" && asDaemonError(answer.json)?.field === "tz") {
      // A daemon without this zone's rules (no tzdata in its container): its own day, then, until
      // the machine is in another zone.
      this.refusedZone = zone;
      return this.askToday(undefined);
    }
    return todayOutcomeOf(answer);
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return this.apiKey === undefined ? extra : { ...extra, Authorization: `Bearer ${this.apiKey}` };
  }

  private async request(route: string, init: RequestInit): Promise<Answer> {
    const keyProblem = this.apiKey === undefined ? undefined : apiKeyProblem(this.apiKey);
    if (keyProblem !== undefined) {
      return { kind: "failed", problem: { kind: "wrongApiKey", detail: keyProblem } };
    }
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
      const sentApiKey = this.apiKey !== undefined;
      const json = parseJson(text);
      const answer = { kind: "answered", status: response.status, json, text, retryAfterMs, sentApiKey } as const;
      // nginx, Go's servers (Caddy, Traefik) and Apache answer plain http on their https port so.
      const isBadRequestPage = response.status === 400 && asDaemonError(json) === undefined;
      return (isBadRequestPage ? await this.httpsInstead(describeAnswer(answer)) : undefined) ?? answer;
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
      const tls = tlsFailure(causeCode(error));
      if (tls !== undefined) {
        const certificate = tls === "certificate" ? { certificate: true } : {};
        return { kind: "failed", problem: { kind: "tls", detail, ...certificate } };
      }
      const https = isNoHttpAnswer(causeCode(error)) ? await this.httpsInstead(detail) : undefined;
      return https ?? { kind: "failed", problem: { kind: "offline", detail } };
    }
  }

  /**
   * For an http:// server URL whose port answered no HTTP (or a 400 page): the https it speaks
   * instead, once a TLS handshake there has completed; undefined otherwise. Only the handshake
   * counts: a closed connection or TLS-looking bytes alone may be any other program's.
   */
  private async httpsInstead(detail: string): Promise<Answer | undefined> {
    if (!/^http:/i.test(this.baseUrl) || !(await this.speaksTls(this.baseUrl))) {
      return undefined;
    }
    return { kind: "failed", problem: { kind: "needsHttps", detail: `${detail}; a TLS handshake there succeeds` } };
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

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/**
 * Whether fetch connected, then got no HTTP answer: the peer closed (`UND_ERR_SOCKET` "other
 * side closed", `ECONNRESET`, `EPIPE`) or sent bytes that are not HTTP (llhttp's `HPE_*`), as an
 * https server does to a plain http request. Not a refused connection, nor a host not found.
 */
function isNoHttpAnswer(code: string | undefined): boolean {
  return code !== undefined && /^(?:UND_ERR_SOCKET|ECONNRESET|EPIPE|HPE_)/.test(code);
}

/**
 * How fetch failed at the TLS handshake, by its cause's code: a certificate refused
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`, …), or the handshake itself: OpenSSL's `ERR_SSL_*` (plain http
 * where https was asked for), `EPROTO`, Node's other `ERR_TLS_*`. `undefined`: not at TLS.
 */
export function tlsFailure(code: string | undefined): "certificate" | "handshake" | undefined {
  if (code === undefined) {
    return undefined;
  }
  if (/CERT|^UNABLE_TO_|^HOSTNAME_MISMATCH$/.test(code)) {
    return "certificate";
  }
  return /^(?:ERR_SSL_|ERR_TLS_|EPROTO$)/.test(code) ? "handshake" : undefined;
}

/** The code of a fetch failure's cause (`ECONNREFUSED`, `ERR_SSL_WRONG_VERSION_NUMBER`), if any. */
function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    // undici's "fetch failed" says nothing alone: its cause's code (ECONNREFUSED), or else the
    // cause's own words ("bad port", "unknown scheme"), say why.
    const cause = (error as { cause?: unknown }).cause;
    const why = causeCode(error) ?? (cause instanceof Error && cause.message !== "" ? cause.message : undefined);
    return why === undefined ? error.message : `${error.message} (${why})`;
  }
  return String(error);
}
