/**
 * VS Code events -> activity -> beats. Listens to edits, saves, editor switches, cursor moves,
 * scrolling and window focus, in text editors and notebooks (a cell counts for its notebook file),
 * and the start of a debug session, and keeps only what the user did in the focused window (see
 * core/userEvents.ts); keeps only documents with a real path; picks the project; names the
 * category of the time (debugging, building: workWatcher.ts); lets the throttle decide; hands
 * beats to delivery. Owns every listener and timer it creates.
 */

import * as os from "node:os";

import * as vscode from "vscode";

import { type Beat, withEditor } from "./core/beat";
import type { Delivery } from "./core/delivery";
import { editorName } from "./core/editorName";
import { handOverOnExit } from "./core/exit";
import { ActivityState } from "./core/idle";
import { languageName } from "./core/language";
import { machineOf, withMachine } from "./core/machine";
import { chooseProject, ignoresCase, isExcluded, isFileBacked, type Location } from "./core/projectChoice";
import { BeatThrottle, type Urgency } from "./core/throttle";
import {
  type CursorMoveSource,
  isUserCursorMove,
  isUserEdit,
  isUserScroll,
  isActiveFlagInput,
  isUserSwitchOrSave,
  isWindowActivity,
  type WindowFlags,
} from "./core/userEvents";
import {
  activeDocument,
  fileOf,
  isDirty,
  isNotebookVisible,
  isVisible,
  notebookLanguageId,
  pathOf,
  selectedCellLanguageId,
  toLocation,
} from "./documents";
import type { Settings } from "./settings";
import { every } from "./timers";
import { WorkWatcher } from "./workWatcher";

/**
 * The project this window is on, for the status bar: one being tracked, one in a folder that
 * oxitrack.excludePatterns skips, or none (tracking off, or nothing open that has a path).
 */
export type ProjectState =
  | {
      readonly kind: "tracked";
      readonly projectPath: string;
      /** A folder on this machine (not a remote one): its real path can be resolved here. */
      readonly isLocal: boolean;
    }
  | { readonly kind: "excluded"; readonly projectPath: string }
  | { readonly kind: "none" };

const NO_PROJECT: ProjectState = { kind: "none" };

export class Tracker implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle: BeatThrottle;
  private readonly activity: ActivityState;
  private readonly projectChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeProject = this.projectChanged.event;
  private state: ProjectState = NO_PROJECT;
  /** Per editor, the first line it showed, to tell scrolling from a file growing under it. */
  private readonly firstVisibleLines = new WeakMap<vscode.TextEditor, number>();
  /** The last project chosen, tracked or excluded: files outside every folder count for it. */
  private lastProject: Location | undefined;
  /** This editor's name as WakaTime's plugin gives it (editorName.ts), carried by every beat. */
  private readonly editor = editorName(vscode.env.appName);
  /** The debug sessions and tasks running, for the category of the time. */
  private readonly work: WorkWatcher;

  constructor(
    private readonly settings: Settings,
    private readonly delivery: Delivery,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const timing = settings.timing;
    this.throttle = new BeatThrottle(timing);
    this.activity = new ActivityState(timing.activeWindowMs, vscode.window.state.focused);
    this.disposables.push(this.projectChanged);

    vscode.workspace.onDidChangeTextDocument(
      (event) => {
        const change = {
          hasContent: event.contentChanges.length > 0,
          isVisible: isVisible(event.document),
          isFocused: this.activity.isFocused,
          isDirty: isDirty(event.document),
          isUndoRedo: event.reason !== undefined,
        };
        if (isUserEdit(change)) {
          this.note(event.document.uri, event.document.languageId);
        }
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidSaveTextDocument(
      (document) => isVisible(document) && this.noteIfFocused(document.uri, document.languageId, "save"),
      this,
      this.disposables,
    );
    vscode.workspace.onDidSaveNotebookDocument(
      (notebook) =>
        isNotebookVisible(notebook) && this.noteIfFocused(notebook.uri, notebookLanguageId(notebook), "save"),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeActiveTextEditor(
      (editor) => editor && this.noteIfFocused(editor.document.uri, editor.document.languageId),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeActiveNotebookEditor(
      (editor) => editor && this.noteIfFocused(editor.notebook.uri, selectedCellLanguageId(editor)),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeTextEditorSelection(
      (event) => {
        if (isUserCursorMove(this.activity.isFocused, sourceOf(event.kind))) {
          this.note(event.textEditor.document.uri, event.textEditor.document.languageId);
        }
      },
      this,
      this.disposables,
    );
    vscode.window.onDidChangeTextEditorVisibleRanges(
      (event) => {
        const firstLine = event.visibleRanges[0]?.start.line;
        const previousFirstLine = this.firstVisibleLines.get(event.textEditor);
        if (firstLine !== undefined) {
          this.firstVisibleLines.set(event.textEditor, firstLine);
        }
        if (isUserScroll(this.activity.isFocused, previousFirstLine, firstLine)) {
          this.note(event.textEditor.document.uri, event.textEditor.document.languageId);
        }
      },
      this,
      this.disposables,
    );
    vscode.window.onDidChangeNotebookEditorSelection(
      (event) => this.noteIfFocused(event.notebookEditor.notebook.uri, selectedCellLanguageId(event.notebookEditor)),
      this,
      this.disposables,
    );
    let windowFlags: WindowFlags = { focused: vscode.window.state.focused, active: vscode.window.state.active };
    const activeIsInput = isActiveFlagInput(vscode.version);
    vscode.window.onDidChangeWindowState(
      (state) => {
        const previous = windowFlags;
        windowFlags = { focused: state.focused, active: state.active };
        this.activity.setFocused(state.focused);
        const active = activeDocument();
        if (isWindowActivity(previous, windowFlags, activeIsInput) && active !== undefined) {
          this.note(active.uri, active.languageId);
        }
      },
      this,
      this.disposables,
    );
    // Starting a debug session is the user's doing: activity, as in WakaTime's plugin, in the
    // focused window. Its end, or a build starting or ending, happen on their own (a program
    // exits, a build finishes): they only change the category, which the next activity, or while
    // working the tick run now, marks at once. Breakpoint changes are not activity either: VS
    // Code reports every existing breakpoint as added when the listener is made, and each one a
    // debugger verifies as changed.
    this.work = new WorkWatcher({
      onDebugStart: () => this.noteActiveDocumentIfFocused(),
      onMaybeChanged: () => this.tick(),
    });
    this.disposables.push(this.work);
    settings.onDidChange(
      () => {
        if (!settings.isEnabled) {
          this.throttle.reset();
        } else {
          void this.delivery.replay(); // beats kept while tracking was off wait no longer
        }
        this.chooseWithoutActivity();
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidChangeWorkspaceFolders(() => this.chooseWithoutActivity(), this, this.disposables);
    this.disposables.push(
      every(timing.tickMs, () => this.tick()),
      every(timing.replayEveryMs, () => void this.delivery.replay()),
    );
    this.chooseWithoutActivity();
  }

  /** The path of the project tracked now (as sent to the daemon); undefined when none is. */
  get projectPath(): string | undefined {
    return this.state.kind === "tracked" ? this.state.projectPath : undefined;
  }

  /** The project this window is on, tracked or excluded; fires onDidChangeProject on change. */
  get project(): ProjectState {
    return this.state;
  }

  /**
   * The window is closing: what the throttle still holds back goes to the outbox without network
   * (see core/exit.ts), or is sent at once by a delivery that cannot do that.
   */
  async flushForExit(): Promise<void> {
    const beats = this.throttle.flushHeldBack(Date.now()).map((beat) => this.labelled(beat));
    await handOverOnExit(beats, this.delivery);
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  /** An editor switch, a save or a cell selection: programs make them too (see userEvents.ts). */
  private noteIfFocused(uri: vscode.Uri, languageId: string | undefined, urgency: Urgency = "normal"): void {
    if (isUserSwitchOrSave(this.activity.isFocused)) {
      this.note(uri, languageId, urgency);
    }
  }

  /** Activity in whatever document is in front (see activeDocument), if the window has focus. */
  private noteActiveDocumentIfFocused(): void {
    const active = activeDocument();
    if (active !== undefined) {
      this.noteIfFocused(active.uri, active.languageId);
    }
  }

  /**
   * Activity in the document at `uri` (a notebook cell's counts for its notebook), whose language
   * is `languageId` (VS Code's id; a notebook's is its selected cell's).
   */
  private note(uri: vscode.Uri, languageId: string | undefined, urgency: Urgency = "normal"): void {
    if (!this.settings.isEnabled) {
      return;
    }
    const location = fileOf(uri);
    if (location === undefined || !isFileBacked(location)) {
      return;
    }
    const nowMs = Date.now();
    this.activity.noteActivity(nowMs);
    const state = this.stateFor(this.projectFor(location));
    this.setState(state);
    if (state.kind === "tracked") {
      this.sendAll(
        this.throttle.onActivity(state.projectPath, nowMs, urgency, languageName(languageId), this.work.category),
      );
    } else {
      this.throttle.onUntrackedActivity();
    }
  }

  /**
   * Chooses the project with no activity (no beat): at start-up, so the status bar shows the
   * project's time at once rather than "0m" until the first keystroke, and whenever the folders
   * or the settings change.
   */
  private chooseWithoutActivity(): void {
    const active = activeDocument();
    const location = active === undefined ? undefined : fileOf(active.uri);
    const document = location !== undefined && isFileBacked(location) ? location : undefined;
    const state = this.settings.isEnabled ? this.stateFor(this.projectFor(document)) : NO_PROJECT;
    this.setState(state);
    if (state.kind !== "tracked" || state.projectPath !== this.throttle.project) {
      this.throttle.onUntrackedActivity(); // no keep-alive for a project left without activity
    }
  }

  private stateFor(project: Location | undefined): ProjectState {
    if (project === undefined) {
      return NO_PROJECT;
    }
    const projectPath = pathOf(project);
    return this.isExcluded(project)
      ? { kind: "excluded", projectPath }
      : { kind: "tracked", projectPath, isLocal: project.scheme === "file" };
  }

  private tick(): void {
    if (!this.settings.isEnabled) {
      return;
    }
    const nowMs = Date.now();
    this.sendAll(this.throttle.onTick(nowMs, this.activity.isWorking(nowMs), this.work.category));
  }

  private sendAll(beats: readonly Beat[]): void {
    for (const beat of beats) {
      this.log.trace(
        `beat ${beat.project_path} @ ${beat.timestamp} ${beat.language ?? "(no language)"} ${beat.category ?? "(coding)"}`,
      );
      void this.delivery.send(this.labelled(beat));
    }
  }

  /** The beat naming this editor, machine and system, as every beat sent or queued does. */
  private labelled(beat: Beat): Beat {
    const machine = machineOf(os.hostname, process.platform, this.settings.sendsMachineName);
    return withMachine(withEditor(beat, this.editor), machine);
  }

  private isExcluded(project: Location): boolean {
    return isExcluded(pathOf(project), this.settings.excludePatterns, {
      homeDir: os.homedir(),
      ignoreCase: ignoresCase(project, process.platform),
    });
  }

  /** The project for a document (see chooseProject); remembered for files outside every folder. */
  private projectFor(document: Location | undefined): Location | undefined {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => toLocation(folder.uri));
    this.lastProject = chooseProject(document, folders, this.lastProject);
    return this.lastProject;
  }

  private setState(state: ProjectState): void {
    if (isSameState(this.state, state)) {
      return;
    }
    this.state = state;
    if (state.kind === "tracked") {
      this.log.info(`tracking ${state.projectPath}`);
    } else if (state.kind === "excluded") {
      this.log.info(`not tracking ${state.projectPath}: it matches oxitrack.excludePatterns`);
    } else {
      this.log.info(this.settings.isEnabled ? "not tracking: no folder or file open" : "not tracking: oxitrack.enabled is off");
    }
    this.projectChanged.fire();
  }
}

function sourceOf(kind: vscode.TextEditorSelectionChangeKind | undefined): CursorMoveSource {
  switch (kind) {
    case vscode.TextEditorSelectionChangeKind.Keyboard:
      return "keyboard";
    case vscode.TextEditorSelectionChangeKind.Mouse:
      return "mouse";
    case vscode.TextEditorSelectionChangeKind.Command:
      return "command";
    default:
      return undefined;
  }
}

function isSameState(a: ProjectState, b: ProjectState): boolean {
  const pathIn = (state: ProjectState) => (state.kind === "none" ? undefined : state.projectPath);
  return a.kind === b.kind && pathIn(a) === pathIn(b);
}
