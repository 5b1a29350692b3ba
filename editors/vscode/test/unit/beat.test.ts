import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { beatAt, beatBody, beatFrom, withEditor } from "../../src/core/beat";

const BEAT = { project_path: "/p", timestamp: 1_750_000_000 };

describe("beatAt", () => {
  test("a beat with no language has no language field at all, not an undefined one", () => {
    assert.deepEqual(Object.keys(beatAt("/p", 1_750_000_000_999)), ["project_path", "timestamp"]);
    assert.deepEqual(beatAt("/p", 1_750_000_000_999, "Go"), { ...BEAT, language: "Go" });
  });

  test("a beat of a category names it; coding (none) has no category field", () => {
    assert.deepEqual(beatAt("/p", 1_750_000_000_999, "Go", "debugging"), { ...BEAT, language: "Go", category: "debugging" });
    assert.deepEqual(beatAt("/p", 1_750_000_000_999, undefined, "building"), { ...BEAT, category: "building" });
    assert.deepEqual(Object.keys(beatAt("/p", 1_750_000_000_999, "Go", undefined)), ["project_path", "timestamp", "language"]);
  });
});

describe("withEditor", () => {
  test("names the editor on the beat, keeping its other fields", () => {
    const beat = { ...BEAT, language: "Go" };
    assert.deepEqual(withEditor(beat, "vscode"), { ...beat, editor: "vscode" });
  });

  test("an editor of unknown name leaves the beat as it was, with no editor field", () => {
    const beat = withEditor(BEAT, undefined);
    assert.deepEqual(Object.keys(beat), ["project_path", "timestamp"]);
  });
});

describe("beatBody", () => {
  test("exactly the beat's fields, in the order they are sent", () => {
    const beat = { ...BEAT, language: "Go", editor: "vscode", category: "debugging" };
    const extra = { ...beat, file: "/p/secret.go" };
    assert.deepEqual(beatBody(extra), beat);
    assert.deepEqual(Object.keys(beatBody(extra)), ["project_path", "timestamp", "language", "editor", "category"]);
    assert.deepEqual(beatBody(BEAT), BEAT);
  });
});

describe("beatFrom", () => {
  test("a line of this version or an older one is a beat", () => {
    assert.deepEqual(beatFrom({ ...BEAT }), BEAT);
    const full = { ...BEAT, language: "Go", editor: "vscode", category: "debugging" };
    assert.deepEqual(beatFrom({ ...full }), full);
  });

  test("a category that is not a non-empty string is left out, the beat and its other labels kept", () => {
    for (const bad of ["", 7, null, ["debugging"], { name: "debugging" }]) {
      assert.deepEqual(beatFrom({ ...BEAT, language: "Go", category: bad }), { ...BEAT, language: "Go" }, JSON.stringify(bad));
    }
  });

  test("a language or editor that is not a non-empty string is left out, the beat kept", () => {
    for (const bad of ["", 7, null, ["Go"], { name: "Go" }]) {
      assert.deepEqual(beatFrom({ ...BEAT, language: bad, editor: bad }), BEAT, JSON.stringify(bad));
    }
    assert.deepEqual(beatFrom({ ...BEAT, language: "Go", editor: 1 }), { ...BEAT, language: "Go" });
    assert.deepEqual(beatFrom({ ...BEAT, language: 1, editor: "vscode" }), { ...BEAT, editor: "vscode" });
  });

  test("fields a newer version may add are ignored", () => {
    assert.deepEqual(beatFrom({ ...BEAT, branch: "main" }), BEAT);
  });

  test("no project or no whole-second timestamp: not a beat", () => {
    for (const bad of [
      null,
      "beat",
      42,
      { timestamp: 1 },
      { ...BEAT, project_path: "" },
      { ...BEAT, project_path: 7 },
      { project_path: "/p" },
      { ...BEAT, timestamp: "1" },
      { ...BEAT, timestamp: 1.5 },
      { ...BEAT, timestamp: 2 ** 53 },
    ]) {
      assert.equal(beatFrom(bad), undefined, JSON.stringify(bad));
    }
  });
});
