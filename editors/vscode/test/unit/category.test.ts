import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categoryOf, isBuild, type RunningTask } from "../../src/core/category";

/** `npm: build` as VS Code's npm support detects it: Build group, in the foreground. */
const BUILD: RunningTask = { groupId: "build", isBackground: false, name: "build", detail: "tsc -p ./" };

describe("isBuild", () => {
  test("a foreground task of the Build or Rebuild group is a build", () => {
    assert.equal(isBuild(BUILD), true);
    assert.equal(isBuild({ ...BUILD, groupId: "rebuild", name: "rebuild all" }), true);
    assert.equal(isBuild({ ...BUILD, detail: undefined }), true);
  });

  test("tasks of another group, or of none, are not: tests, cleaning, scripts", () => {
    for (const groupId of ["test", "clean", undefined, "Build", "builder"]) {
      assert.equal(isBuild({ ...BUILD, groupId }), false, String(groupId));
    }
  });

  test("a background task never ends, so it is no build", () => {
    assert.equal(isBuild({ ...BUILD, name: "tsc: build - tsconfig.json", isBackground: true }), false);
  });

  test("a watcher in the Build group is no build, by its name or its command", () => {
    assert.equal(isBuild({ ...BUILD, name: "watch" }), false);
    assert.equal(isBuild({ ...BUILD, name: "dev", detail: "webpack --Watch" }), false);
    assert.equal(isBuild({ ...BUILD, name: "compile", detail: "tsc -watch -p ./" }), false);
  });
});

describe("categoryOf", () => {
  const cases: Array<{ id: string; isDebugging: boolean; runningTasks: RunningTask[]; expected: string | undefined }> = [
    { id: "nothing running: coding, named by no category", isDebugging: false, runningTasks: [], expected: undefined },
    { id: "a debug session", isDebugging: true, runningTasks: [], expected: "debugging" },
    { id: "a build", isDebugging: false, runningTasks: [BUILD], expected: "building" },
    { id: "debugging wins over a build (a preLaunchTask)", isDebugging: true, runningTasks: [BUILD], expected: "debugging" },
    {
      id: "a build among other tasks",
      isDebugging: false,
      runningTasks: [{ ...BUILD, groupId: "test" }, BUILD],
      expected: "building",
    },
    {
      id: "only tasks that are no build: coding",
      isDebugging: false,
      runningTasks: [{ ...BUILD, groupId: "test" }, { ...BUILD, name: "watch" }],
      expected: undefined,
    },
  ];
  for (const { id, isDebugging, runningTasks, expected } of cases) {
    test(id, () => {
      assert.equal(categoryOf({ isDebugging, runningTasks }), expected);
    });
  }
});
