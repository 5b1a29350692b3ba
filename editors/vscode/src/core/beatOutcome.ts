/**
 * What became of one beat sent to the daemon: accepted (the daemon's own success shape); rejected
 * (the daemon's own refusal of this very beat, which no resend can fix: log and drop); or
 * unavailable, with the problem that keeps the beat queued. A 200 page or a 404 from another
 * program on the daemon's port must never drain the outbox. Must not import `vscode`.
 */

import { type Answer, asRecord, describeAnswer, isSuccess, problemOf, refusalOf } from "./daemonAnswer";
import type { Problem } from "./problem";

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

/**
 * The daemon's refusals that are about the beat itself (docs/api.md): sending it again can never
 * succeed, so it is dropped. Every other refusal is about the moment or the setup: keep the beat.
 */
const BEAT_REFUSALS: ReadonlyMap<number, string> = new Map([
  [400, "invalid_json"],
  [413, "body_too_large"],
  [422, "invalid_field"],
]);

/** The outcome of the daemon's answer to `POST /beat`, or of its lack of one. */
export function beatOutcomeOf(answer: Answer): BeatOutcome {
  if (answer.kind === "failed") {
    return { kind: "unavailable", problem: answer.problem };
  }
  const accepted = isSuccess(answer) ? asAcceptedBeat(answer.json) : undefined;
  if (accepted !== undefined) {
    return accepted;
  }
  const error = refusalOf(answer, BEAT_REFUSALS);
  if (error !== undefined) {
    const rejected = { kind: "rejected", status: answer.status, detail: describeAnswer(answer) } as const;
    return error.field === undefined ? rejected : { ...rejected, field: error.field };
  }
  return { kind: "unavailable", problem: problemOf(answer) };
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
