import assert from "node:assert/strict";
import { describe, test } from "node:test";

import type { TodayOutcome } from "../../src/core/daemonClient";
import { formatDuration, renderStatus, type StatusInput } from "../../src/core/statusText";

const report: TodayOutcome = {
  kind: "ok",
  report: {
    date: "2026-11-25",
    total_seconds: 3 * 3600 + 5 * 60,
    projects: [
      { project_path: "/real/app", project_name: "app", duration_seconds: 3900 },
      { project_path: "/home/dev/lib", project_name: "lib", duration_seconds: 1500 },
    ],
  },
};

const base: StatusInput = {
  isEnabled: true,
  isOnline: true,
  queued: 0,
  today: report,
  projectPaths: ["/home/dev/lib"],
};

describe("formatDuration", () => {
  const cases: Array<[number, string]> = [
    [0, "0m"],
    [59, "0m"],
    [60, "1m"],
    [45 * 60 + 30, "45m"],
    [3600, "1h 00m"],
    [3900, "1h 05m"],
    [26 * 3600, "26h 00m"],
    [-5, "0m"],
  ];
  for (const [seconds, expected] of cases) {
    test(`${seconds} s is ${expected}`, () => assert.equal(formatDuration(seconds), expected));
  }
});

describe("renderStatus", () => {
  test("today's time for the current project, total in the tooltip", () => {
    const view = renderStatus(base);
    assert.equal(view.text, "$(watch) 25m");
    assert.match(view.tooltip, /25m today in lib/);
    assert.match(view.tooltip, /All projects today: 3h 05m/);
    assert.match(view.tooltip, /dashboard/);
  });

  test("the project is found under the daemon's canonical path too", () => {
    const view = renderStatus({ ...base, projectPaths: ["/link/app", "/real/app"] });
    assert.equal(view.text, "$(watch) 1h 05m");
  });

  test("a project with no time yet today shows 0m", () => {
    assert.equal(renderStatus({ ...base, projectPaths: ["/new"] }).text, "$(watch) 0m");
  });

  test("offline shows how many beats are queued", () => {
    const view = renderStatus({ ...base, isOnline: false, queued: 7 });
    assert.equal(view.text, "OxiTrack: offline (7 queued)");
    assert.match(view.tooltip, /nothing is lost/);
  });

  test("online with beats still waiting mentions them in the tooltip", () => {
    assert.match(renderStatus({ ...base, queued: 3 }).tooltip, /3 beat\(s\) waiting/);
  });

  test("a daemon without GET /today still shows that tracking works", () => {
    const view = renderStatus({ ...base, today: { kind: "missing" } });
    assert.equal(view.text, "$(watch) OxiTrack");
    assert.match(view.tooltip, /no today report/);
  });

  test("before the first answer", () => {
    assert.equal(renderStatus({ ...base, isOnline: undefined, today: undefined }).text, "$(watch) OxiTrack");
  });

  test("switched off", () => {
    assert.equal(renderStatus({ ...base, isEnabled: false, isOnline: false }).text, "$(watch) OxiTrack: off");
  });
});
