/**
 * Today's time per project as the daemon's `GET /today?format=json` reports it, and what became
 * of asking for it: a report, the daemon's refusal of the query, or the problem a beat would meet
 * now, read by the same classifier as a beat's answer (daemonAnswer.ts `problemOf`): a server URL
 * with a path the daemon has no route for reads "wrong URL" at once, not only after the first
 * beat. Must not import `vscode`.
 */

import { type Answer, asRecord, describeAnswer, isSuccess, problemOf, refusalOf } from "./daemonAnswer";
import type { Problem } from "./problem";

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
  /** The daemon refuses this request's query (its 422 on `tz` or `format`), not the setup. */
  | { readonly kind: "error"; readonly detail: string }
  /** The same problems a beat would meet now. */
  | { readonly kind: "unavailable"; readonly problem: Problem };

/** The daemon's refusals of the report's query itself: about the request, not the connection. */
const TODAY_REFUSALS: ReadonlyMap<number, string> = new Map([[422, "invalid_field"]]);

/** The outcome of the daemon's answer to `GET /today`, or of its lack of one. */
export function todayOutcomeOf(answer: Answer): TodayOutcome {
  if (answer.kind === "failed") {
    return { kind: "unavailable", problem: answer.problem };
  }
  const report = isSuccess(answer) ? parseToday(answer.json) : undefined;
  if (report !== undefined) {
    return { kind: "ok", report };
  }
  if (refusalOf(answer, TODAY_REFUSALS) !== undefined) {
    return { kind: "error", detail: describeAnswer(answer) };
  }
  return { kind: "unavailable", problem: problemOf(answer) };
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
