/**
 * Numbers overlapping requests of one kind so that only the answer to the newest counts: a slow
 * answer (say, from the daemon at the previous server URL) must not overwrite a newer one.
 * Must not import `vscode`.
 */

export class LatestRequest {
  private issued = 0;

  /** A new request starts; returns its ticket. */
  begin(): number {
    this.issued += 1;
    return this.issued;
  }

  /** The answer to `ticket` is still wanted: no request started after it. */
  isLatest(ticket: number): boolean {
    return ticket === this.issued;
  }
}
