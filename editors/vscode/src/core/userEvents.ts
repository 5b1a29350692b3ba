/**
 * Is an editor event the user's doing? VS Code reports every change to an open document alike:
 * typing, but also a log file being appended, a generated file rewritten, or `git pull` reloading
 * a clean file from disk; and such a reload moves a cursor that sat at the changed place (the end
 * of a log) and lengthens the visible range of a short file. Counting those gave a beat every 30 s
 * for as long as a window stayed open. Must not import `vscode`.
 */

export interface DocumentChange {
  /** The change has content (an event with none only reports the dirty flag). */
  readonly hasContent: boolean;
  /** The document is shown in an editor (for a notebook cell: its notebook is). */
  readonly isVisible: boolean;
  /** The window has focus. */
  readonly isFocused: boolean;
  /** The file has unsaved changes after this change (a cell: its notebook has). */
  readonly isDirty: boolean;
  /** The change is an undo or a redo (TextDocumentChangeEvent.reason). */
  readonly isUndoRedo: boolean;
}

/**
 * True for an edit the user made: with content, in a shown document, in the focused window, and
 * not a reload from disk. A reload leaves the document clean; an edit makes it dirty, except an
 * undo back to the saved text, which the reason tells apart. (The first edit of a clean document
 * may still read as clean in some VS Code versions; the cursor move of that keystroke counts
 * anyway.)
 */
export function isUserEdit(change: DocumentChange): boolean {
  return (
    change.hasContent &&
    change.isVisible &&
    change.isFocused &&
    (change.isDirty || change.isUndoRedo)
  );
}

/**
 * True for a switch of the active editor (text or notebook), a save, or a notebook cell selected,
 * that the user made: only in the focused window. Programs do all of these in a window nobody is
 * looking at: a debugger stopping at a breakpoint, an extension or agent revealing a file or a
 * cell, a test runner opening a failure. Each such beat could add up to 15 minutes, since the
 * daemon joins beats less than 900 s apart. (Auto-save when focus leaves the window loses
 * nothing: the edits it saves counted already.)
 */
export function isUserSwitchOrSave(isFocused: boolean): boolean {
  return isFocused;
}

/** What moved the cursor (TextEditorSelectionChangeKind); undefined: the document changed under it. */
export type CursorMoveSource = "keyboard" | "mouse" | "command" | undefined;

/**
 * True for a cursor move or selection the user made, in the focused window (programs reveal and
 * select too). A move with no source follows a change of the document (a reload from disk) or
 * restores an editor's state: not the user; their own edits count as edits.
 */
export function isUserCursorMove(isFocused: boolean, source: CursorMoveSource): boolean {
  return isFocused && source !== undefined;
}

/**
 * True for scrolling by the user in the focused window: the first visible line moved. A file that
 * grows or shrinks under the editor (a log being appended) or a resized editor only moves the
 * last one. `previousFirstLine` is undefined when the editor was just shown, `firstLine` when it
 * shows no line (hidden, collapsed): neither is a scroll.
 */
export function isUserScroll(
  isFocused: boolean,
  previousFirstLine: number | undefined,
  firstLine: number | undefined,
): boolean {
  return (
    isFocused && previousFirstLine !== undefined && firstLine !== undefined && firstLine !== previousFirstLine
  );
}

/** The window's state as VS Code reports it (vscode.WindowState). */
export interface WindowFlags {
  /** The window has focus. */
  readonly focused: boolean;
  /** The window was interacted with recently (VS Code clears it 10-40 s after the last input). */
  readonly active: boolean;
}

/**
 * The first VS Code release whose WindowState.active turns on only for the user's input (a key, a
 * click, a touch) or to extend what input started: before it, any extension showing progress
 * (for 15 s in recent ones, at all in the first) marked the window active (microsoft/vscode#248031).
 */
export const ACTIVE_MEANS_INPUT_SINCE: readonly [number, number] = [1, 101];

/** Whether this VS Code's `active` flag turning on means the user's input (ACTIVE_MEANS_INPUT_SINCE). */
export function isActiveFlagInput(vscodeVersion: string): boolean {
  const match = /^(\d+)\.(\d+)/.exec(vscodeVersion);
  if (match === null) {
    return false;
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [sinceMajor, sinceMinor] = ACTIVE_MEANS_INPUT_SINCE;
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
}

/**
 * True when a window state change is the user coming back: focus gained, or the focused window
 * turning active again (a key or a click after a pause: in the terminal, a side bar) where that
 * flag means input (`activeIsInput`, see isActiveFlagInput). Any other change is not activity:
 * above all the flip to inactive, which VS Code makes while focus stays on, some seconds after
 * the last input; counting it noted a beat and restarted the keep-alive for another 2 minutes of
 * nobody working. Nor is the flip to active where an extension's progress makes it (a background
 * `git fetch`, a language server indexing, pull-request polling): in a window left focused
 * over lunch, or one nobody looked at, each such beat could join the sessions around it across
 * up to 15 minutes.
 */
export function isWindowActivity(previous: WindowFlags, next: WindowFlags, activeIsInput = true): boolean {
  return next.focused && (!previous.focused || (activeIsInput && next.active && !previous.active));
}
