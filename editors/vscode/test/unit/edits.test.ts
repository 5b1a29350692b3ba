import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { type DocumentChange, isUserEdit } from "../../src/core/edits";

const typing: DocumentChange = {
  hasContent: true,
  isVisible: true,
  isFocused: true,
  isDirty: true,
  isUndoRedo: false,
};

describe("isUserEdit", () => {
  const cases: Array<[string, Partial<DocumentChange>, boolean]> = [
    ["typing in the focused window", {}, true],
    ["undo back to the saved text (clean again)", { isDirty: false, isUndoRedo: true }, true],
    ["redo", { isUndoRedo: true }, true],
    ["a log file appended while the window has no focus", { isFocused: false, isDirty: false }, false],
    ["an edit while the window has no focus (another program, a collaborator)", { isFocused: false }, false],
    ["a clean file reloaded from disk (git pull, a generator) in the focused window", { isDirty: false }, false],
    ["a document no editor shows", { isVisible: false }, false],
    ["only the dirty flag changed", { hasContent: false }, false],
  ];
  for (const [name, change, expected] of cases) {
    test(name, () => assert.equal(isUserEdit({ ...typing, ...change }), expected));
  }
});
