/**
 * Why beats cannot be delivered now: the problem the daemon client reports with every beat it
 * keeps queued, and that the status bar and the log explain to the user. Must not import `vscode`.
 */

/** Why beats cannot be delivered now; each kind tells the user something different to do. */
export type ProblemKind =
  /** Nothing answers: connection refused (nothing listens), or unreachable. */
  | "offline"
  /**
   * The daemon accepts connections but did not answer within the timeout: it is there, only
   * slow (a long checkpoint, another program holding its database, a machine under load).
   */
  | "slow"
  /** The daemon's 401 to a request without a key: it runs with an API key and none is set. */
  | "needsApiKey"
  /** The daemon's 401 to a request with the key set in VS Code: that key is not the daemon's. */
  | "wrongApiKey"
  /** The daemon refuses this editor's requests: Host/Origin not allowed, a body it cannot read. */
  | "misconfigured"
  /**
   * The daemon answers, but has no such route (its 404 `not_found`, 405 `method_not_allowed`):
   * the server URL has a path where the daemon has none (`http://127.0.0.1:3000/something`), or
   * a proxy does not strip its prefix. Not a refusal of this editor: the address is the fix.
   */
  | "wrongPath"
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
  | "clockAhead"
  /**
   * Something answers, but https fails at its handshake: an https:// address for a daemon that
   * speaks plain http (`oxitrack serve` does), or a certificate this machine does not trust.
   * Not "offline": starting the daemon is not the fix, the address or the certificate is.
   */
  | "tls"
  /**
   * An http:// address where the server speaks https (a proxy in front of the daemon): the plain
   * request got no HTTP answer, or a 400 page, and a TLS handshake there succeeds. Not
   * "offline": the address is the fix (https://).
   */
  | "needsHttps";

export interface Problem {
  readonly kind: ProblemKind;
  /** What was seen, for the log and the tooltip. */
  readonly detail: string;
  /** The daemon's error code (`store_unavailable`, `forbidden_host`, …) when it sent one. */
  readonly code?: string;
  /** How long the answer asked us to wait before sending again (Retry-After, capped). */
  readonly retryAfterMs?: number;
  /**
   * `tls` only: the certificate was refused (self-signed, expired, for another name), not the
   * handshake itself (plain http where https was asked for). Each has its own fix.
   */
  readonly certificate?: boolean;
}
