import assert from "node:assert/strict";
import { describe, test } from "node:test";

import type { TodayOutcome } from "../../src/core/todayReport";
import { rememberToday } from "../../src/core/todayMemory";

const report: TodayOutcome = { kind: "ok", report: { date: "2026-11-26", total_seconds: 600, projects: [] } };
const slow: TodayOutcome = { kind: "unavailable", problem: { kind: "slow", detail: "no answer within 5000 ms" } };
const offline: TodayOutcome = { kind: "unavailable", problem: { kind: "offline", detail: "ECONNREFUSED" } };

describe("rememberToday", () => {
  test("a report is kept with when it came", () => {
    assert.deepEqual(rememberToday(undefined, report, 1_000), { today: report, reportAtMs: 1_000 });
  });

  test("a slow answer keeps the last report and its time", () => {
    const known = rememberToday(undefined, report, 1_000);
    assert.deepEqual(rememberToday(known, slow, 9_000), { today: report, reportAtMs: 1_000 });
    assert.deepEqual(rememberToday(rememberToday(known, slow, 9_000), slow, 70_000), known);
  });

  test("a slow answer with no report before: slow is what is known", () => {
    assert.deepEqual(rememberToday(undefined, slow, 1_000), { today: slow });
  });

  test("anything other than slow replaces the report (offline, error)", () => {
    const known = rememberToday(undefined, report, 1_000);
    assert.deepEqual(rememberToday(known, offline, 2_000), { today: offline });
    const error: TodayOutcome = { kind: "error", detail: "HTTP 422" };
    assert.deepEqual(rememberToday(known, error, 2_000), { today: error });
  });

  test("past local midnight a slow answer no longer keeps yesterday's report", () => {
    const beforeMidnight = new Date(2026, 10, 25, 23, 58).getTime();
    const afterMidnight = new Date(2026, 10, 26, 0, 1).getTime();
    const known = rememberToday(undefined, report, beforeMidnight);
    assert.deepEqual(rememberToday(known, slow, beforeMidnight + 60_000), known);
    assert.deepEqual(rememberToday(known, slow, afterMidnight), { today: slow });
  });

  test("midnight is the machine's zone's now, not the one the editor started in", () => {
    const beforeTokyoMidnight = Date.UTC(2026, 10, 25, 14, 58);
    const known = rememberToday(undefined, report, beforeTokyoMidnight, "Asia/Tokyo");
    assert.deepEqual(rememberToday(known, slow, beforeTokyoMidnight + 60_000, "Asia/Tokyo"), known);
    assert.deepEqual(rememberToday(known, slow, beforeTokyoMidnight + 180_000, "Asia/Tokyo"), { today: slow });
    assert.deepEqual(rememberToday(known, slow, beforeTokyoMidnight + 180_000, "America/Los_Angeles"), known);
  });

  test("a report after slowness replaces the old one", () => {
    const newer: TodayOutcome = { kind: "ok", report: { date: "2026-11-26", total_seconds: 900, projects: [] } };
    const known = rememberToday(rememberToday(undefined, report, 1_000), slow, 2_000);
    assert.deepEqual(rememberToday(known, newer, 3_000), { today: newer, reportAtMs: 3_000 });
  });
});
