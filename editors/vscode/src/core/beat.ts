/**
 * The beat: the one thing the extension sends. A project path and the time (UTC epoch seconds, client
 * clock) at which the activity happened -- not the time it was sent, so a beat replayed from the
 * outbox an hour later still lands where the work was done. Must not import `vscode`.
 */

export interface Beat {
  readonly project_path: string;
  readonly timestamp: number;
}

/** A beat for activity in `projectPath` at `atMs` (epoch milliseconds). */
export function beatAt(projectPath: string, atMs: number): Beat {
  return { project_path: projectPath, timestamp: Math.floor(atMs / 1000) };
}

/** True for a value that has exactly the shape of a beat (used when reading the outbox back). */
export function isBeat(value: unknown): value is Beat {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return (
    typeof record["project_path"] === "string" &&
    record["project_path"] !== "" &&
    typeof record["timestamp"] === "number" &&
    Number.isSafeInteger(record["timestamp"])
  );
}
