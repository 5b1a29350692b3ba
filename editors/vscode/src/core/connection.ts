/**
 * The connection to the daemon as the beat path sees it: online, or the problem beats meet, and
 * since when. Each change of kind is logged once; a silence between two observations (a machine
 * asleep) starts "since" again. Kept apart from delivery so that the rule for what an answer proves
 * can change without touching how beats are sent or kept.
 * Must not import `vscode`.
 */

import type { Problem } from "./problem";
import { explainProblem } from "./statusText";

/** "unknown" until the first answer (or failure); then "online" or the problem beats meet. */
export type Connection = { readonly kind: "unknown" } | { readonly kind: "online" } | Problem;

/** Problems that an answer from the daemon with our key (a report, a refused beat) disproves. */
const DISPROVED_BY_ANY_ANSWER: ReadonlySet<Connection["kind"]> = new Set([
  "unknown",
  "offline",
  "slow",
  "needsApiKey",
  "wrongApiKey",
  "notDaemon",
  "wrongPath",
  "foreignListener",
  "tls",
  "needsHttps",
]);

/**
 * The status bar asks the daemon every minute. A longer silence between two answers (or failures)
 * means nothing was asked meanwhile, above all a machine asleep: a problem seen before it and again
 * after says nothing of the time between, so "slow since" starts again (a daemon slow for a moment
 * before a night's sleep and a moment after waking was called stuck since the evening).
 */
export const MAX_OBSERVATION_GAP_MS = 3 * 60_000;

export interface ConnectionOptions {
  /** The clock (epoch ms). */
  readonly now: () => number;
  readonly log: (message: string) => void;
  /** The daemon's address as the log may show it (credentials redacted). */
  readonly serverUrl: () => string;
  /** Called after every change of the connection or of its "since". */
  readonly changed: () => void;
}

export class ConnectionTracker {
  private current: Connection = { kind: "unknown" };
  /** When the connection took its current kind (epoch ms): "slow since 12:03". */
  private kindSinceMs: number;
  /** When the connection was last seen (epoch ms): an answer, or a failure to get one. */
  private lastObservedMs: number;

  constructor(private readonly options: ConnectionOptions) {
    this.kindSinceMs = options.now();
    this.lastObservedMs = this.kindSinceMs;
  }

  get connection(): Connection {
    return this.current;
  }

  /** Since when (epoch ms) the connection has been of its current kind (online, slow, offline, …). */
  get sinceMs(): number {
    return this.kindSinceMs;
  }

  /**
   * Nothing known any more: what was seen was another address's (the server URL changed). Its
   * problem is not the new address's, nor its "since"; the next observation is logged as news.
   */
  forget(): void {
    this.current = { kind: "unknown" };
    this.kindSinceMs = this.options.now();
    this.lastObservedMs = this.kindSinceMs;
    this.options.changed();
  }

  /** The daemon answered with our key, but nothing was stored: not proof that writes work. */
  noteAnswered(): void {
    if (DISPROVED_BY_ANY_ANSWER.has(this.current.kind)) {
      this.set({ kind: "online" });
    }
  }

  /** The connection as just seen; its "since" restarts after a silence (MAX_OBSERVATION_GAP_MS). */
  set(next: Connection): void {
    const previous = this.current;
    const nowMs = this.options.now();
    const silentMs = nowMs - this.lastObservedMs;
    this.lastObservedMs = nowMs;
    const isAfterSilence = silentMs > MAX_OBSERVATION_GAP_MS || silentMs < 0;
    if (sameConnection(previous, next) && !isAfterSilence) {
      return;
    }
    this.current = next;
    if (next.kind !== previous.kind) {
      this.logChange(previous, next);
    }
    if (next.kind !== previous.kind || isAfterSilence) {
      this.kindSinceMs = nowMs;
    }
    this.options.changed();
  }

  private logChange(previous: Connection, next: Connection): void {
    const log = this.options.log;
    if (next.kind === "online") {
      if (previous.kind !== "unknown") {
        log("daemon is back: beats are delivered again");
      }
    } else if (next.kind === "offline") {
      log(`daemon unavailable (${next.detail}); beats go to the outbox`);
    } else if (next.kind === "slow") {
      log(`daemon slow to answer (${next.detail}, though it accepts connections); beats wait in the outbox`);
    } else if (next.kind !== "unknown") {
      log(`${explainProblem(next, this.options.serverUrl())} Beats wait in the outbox.`);
    }
  }
}

function sameConnection(a: Connection, b: Connection): boolean {
  return (
    a.kind === b.kind &&
    ("detail" in a ? a.detail : "") === ("detail" in b ? b.detail : "") &&
    ("code" in a ? a.code : "") === ("code" in b ? b.code : "")
  );
}
