/**
 * Every timing constant of the extension in one place. The defaults are the product's behaviour;
 * `OXITRACK_TIME_SCALE` (a number in (0, 1]) shrinks them all at once so the end-to-end test can
 * play minutes of editing in seconds. Must not import `vscode`.
 */

export interface Timing {
  /** At most one beat per project per this long while activity continues. */
  readonly throttleMs: number;
  /** While working and focused, a beat at least this often even without new activity. */
  readonly keepaliveMs: number;
  /** "Working" means some activity within this window; after it the window is idle. */
  readonly activeWindowMs: number;
  /** How often the tracker looks for held-back (trailing) and keep-alive beats. */
  readonly tickMs: number;
  /** How often the outbox is replayed while it holds beats. */
  readonly replayEveryMs: number;
  /** How often the status bar re-reads today's time. */
  readonly statusEveryMs: number;
  /**
   * A request to the daemon that takes longer than this is given up: "daemon slow" when its port
   * still accepts connections, "offline" when nothing does (the beat waits in the outbox either way).
   */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_TIMING: Timing = {
  throttleMs: 30_000,
  keepaliveMs: 60_000,
  activeWindowMs: 120_000,
  tickMs: 5_000,
  replayEveryMs: 60_000,
  statusEveryMs: 60_000,
  requestTimeoutMs: 5_000,
};

export const TIME_SCALE_ENV = "OXITRACK_TIME_SCALE";

/**
 * The timing for a scale read from the environment. Anything that is not a number in (0, 1] gives
 * the defaults. The request timeout is never scaled: a slow machine must not look like a dead daemon.
 */
export function timingFromEnv(env: Readonly<Record<string, string | undefined>>): {
  timing: Timing;
  scale: number;
} {
  const raw = env[TIME_SCALE_ENV];
  const scale = raw === undefined ? Number.NaN : Number(raw);
  if (!(scale > 0 && scale <= 1)) {
    return { timing: DEFAULT_TIMING, scale: 1 };
  }
  const scaled = (ms: number): number => Math.max(1, Math.round(ms * scale));
  return {
    scale,
    timing: {
      throttleMs: scaled(DEFAULT_TIMING.throttleMs),
      keepaliveMs: scaled(DEFAULT_TIMING.keepaliveMs),
      activeWindowMs: scaled(DEFAULT_TIMING.activeWindowMs),
      tickMs: scaled(DEFAULT_TIMING.tickMs),
      replayEveryMs: scaled(DEFAULT_TIMING.replayEveryMs),
      statusEveryMs: scaled(DEFAULT_TIMING.statusEveryMs),
      requestTimeoutMs: DEFAULT_TIMING.requestTimeoutMs,
    },
  };
}
