import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  type CursorMoveSource,
  type DocumentChange,
  isUserCursorMove,
  isUserEdit,
  isUserScroll,
  isUserSwitchOrSave,
  isActiveFlagInput,
  isWindowActivity,
  type WindowFlags,
} from "../../src/core/userEvents";

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

describe("isUserCursorMove", () => {
  const cases: Array<[string, boolean, CursorMoveSource, boolean]> = [
    ["keyboard in the focused window", true, "keyboard", true],
    ["mouse in the focused window", true, "mouse", true],
    ["a command (Go to Definition, Find) in the focused window", true, "command", true],
    ["the file changed under the cursor (a log appended at the cursor)", true, undefined, false],
    ["keyboard while another window has focus (a program's keystrokes)", false, "keyboard", false],
    ["a reveal while another window has focus", false, "command", false],
  ];
  for (const [name, isFocused, source, expected] of cases) {
    test(name, () => assert.equal(isUserCursorMove(isFocused, source), expected));
  }
});

describe("isUserScroll", () => {
  const cases: Array<[string, boolean, number | undefined, number | undefined, boolean]> = [
    ["scrolled down in the focused window", true, 0, 40, true],
    ["scrolled back up", true, 40, 12, true],
    ["a log appended under the editor: only the last visible line moved", true, 0, 0, false],
    ["the editor was just shown", true, undefined, 0, false],
    ["scrolled while another window has focus (a reveal by a program)", false, 0, 40, false],
    ["the editor shows no line any more (hidden)", true, 3, undefined, false],
  ];
  for (const [name, isFocused, previous, first, expected] of cases) {
    test(name, () => assert.equal(isUserScroll(isFocused, previous, first), expected));
  }
});

describe("isWindowActivity", () => {
  const cases: Array<[string, WindowFlags, WindowFlags, boolean]> = [
    ["focus gained", { focused: false, active: false }, { focused: true, active: true }, true],
    ["focus gained, not yet active", { focused: false, active: false }, { focused: true, active: false }, true],
    ["input after the window went inactive (focus kept)", { focused: true, active: false }, { focused: true, active: true }, true],
    ["the flip to inactive some seconds after the last input", { focused: true, active: true }, { focused: true, active: false }, false],
    ["focus lost", { focused: true, active: true }, { focused: false, active: false }, false],
    ["focus lost, still marked active", { focused: true, active: true }, { focused: false, active: true }, false],
    ["the same state reported again", { focused: true, active: true }, { focused: true, active: true }, false],
    [
      "a window without focus turning active (an extension's long progress, in older VS Code)",
      { focused: false, active: false },
      { focused: false, active: true },
      false,
    ],
  ];
  for (const [name, previous, next, expected] of cases) {
    test(name, () => assert.equal(isWindowActivity(previous, next), expected));
  }

  test("where an extension's progress marks the window active, only focus gained counts", () => {
    const wentInactive = { focused: true, active: false };
    assert.equal(isWindowActivity(wentInactive, { focused: true, active: true }, false), false);
    assert.equal(isWindowActivity({ focused: false, active: false }, { focused: true, active: true }, false), true);
  });
});

describe("isActiveFlagInput", () => {
  const cases: Array<[string, boolean]> = [
    ["1.90.0", false],
    ["1.92.2", false],
    ["1.100.3", false],
    ["1.101.0", true],
    ["1.139.1", true],
    ["1.101.0-insider", true],
    ["2.0.0", true],
    ["", false],
  ];
  for (const [version, expected] of cases) {
    test(`VS Code ${version || "(no version)"}: ${expected ? "input" : "maybe an extension's progress"}`, () =>
      assert.equal(isActiveFlagInput(version), expected));
  }
});

describe("isUserSwitchOrSave", () => {
  test("an editor switch or a save in the focused window is the user's", () => {
    assert.equal(isUserSwitchOrSave(true), true);
  });

  test("in a window without focus it is a program's (a debugger stopping, an agent revealing a file)", () => {
    assert.equal(isUserSwitchOrSave(false), false);
  });
});
