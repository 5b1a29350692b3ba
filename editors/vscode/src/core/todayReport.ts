/**
 * Today's time per project as the daemon's `GET /today?format=json` reports it, and what became
 * of asking for it: a report, an older daemon without the route, an error about the request, or
 * the problem a beat would meet now. Must not import `vscode`.
 */

import { type Answer, asRecord, isSuccess, problemOf } from "./daemonAnswer";
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
  /** The daemon answers but has no `GET /today` (an older daemon). */
  | { readonly kind: "missing" }
  /** The daemon answers, with an error about this request rather than a report. */
  | { readonly kind: "error"; readonly detail: string }
  /** The same problems a beat would meet now. */
  | { readonly kind: "unavailable"; readonly problem: Problem };

/** The outcome of the daemon's answer to `GET /today`, or of its lack of one. */
export function todayOutcomeOf(answer: Answer): TodayOutcome {
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
