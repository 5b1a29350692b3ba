/**
 * VS Code events -> activity -> beats. Listens to edits, saves, editor switches, cursor moves,
 * scrolling and window focus, in text editors and notebooks (a cell counts for its notebook file);
 * keeps only documents with a real path; picks the project; lets the throttle decide; hands beats
 * to delivery. Owns every listener and timer it creates.
 */

import * as os from "node:os";

import * as vscode from "vscode";

import type { Beat } from "./core/beat";
import type { Delivery } from "./core/delivery";
import { isUserEdit } from "./core/edits";
import { ActivityState } from "./core/idle";
import {
  chooseProject,
  fileOfDocument,
  ignoresCase,
  isExcluded,
  isFileBacked,
  type Location,
  NOTEBOOK_CELL_SCHEME,
} from "./core/projectChoice";
import { BeatThrottle, type Urgency } from "./core/throttle";
import type { Settings } from "./settings";
import { every } from "./timers";

export class Tracker implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle: BeatThrottle;
  private readonly activity: ActivityState;
  private readonly projectChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeProject = this.projectChanged.event;
  private current: string | undefined;
  /** The last project chosen, tracked or excluded: files outside every folder count for it. */
  private lastProject: Location | undefined;

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
          this.note(event.document.uri);
        }
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidSaveTextDocument(
      (document) => isVisible(document) && this.note(document.uri, "save"),
      this,
      this.disposables,
    );
    vscode.workspace.onDidSaveNotebookDocument(
      (notebook) => isNotebookVisible(notebook) && this.note(notebook.uri, "save"),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeActiveTextEditor(
      (editor) => editor && this.note(editor.document.uri),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeActiveNotebookEditor(
      (editor) => editor && this.note(editor.notebook.uri),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeTextEditorSelection(
      (event) => this.noteIfFocused(event.textEditor.document.uri),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeTextEditorVisibleRanges(
      (event) => this.noteIfFocused(event.textEditor.document.uri),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeNotebookEditorSelection(
      (event) => this.noteIfFocused(event.notebookEditor.notebook.uri),
      this,
      this.disposables,
    );
    vscode.window.onDidChangeWindowState(
      (state) => {
        this.activity.setFocused(state.focused);
        const active = activeUri();
        if (state.focused && active !== undefined) {
          this.note(active);
        }
      },
      this,
      this.disposables,
    );
    settings.onDidChange(
      () => {
        if (!settings.isEnabled) {
          this.throttle.reset();
          this.setCurrent(undefined);
        }
      },
      this,
      this.disposables,
    );
    this.disposables.push(
      every(timing.tickMs, () => this.tick()),
      every(timing.replayEveryMs, () => void this.delivery.replay()),
    );
  }

  /** The path of the project the user last worked in (as sent to the daemon). */
  get projectPath(): string | undefined {
    return this.current;
  }

  /** Sends what the throttle still holds back; called when the window closes. */
  async flush(): Promise<void> {
    await Promise.all(this.throttle.flushHeldBack(Date.now()).map((beat) => this.delivery.send(beat)));
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  private noteIfFocused(uri: vscode.Uri): void {
    // Cursor and scroll events also come from programs (reveal, layout); count them only while
    // the user is looking at this window.
    if (this.activity.isFocused) {
      this.note(uri);
    }
  }

  /** Activity in the document at `uri` (a notebook cell's counts for its notebook). */
  private note(uri: vscode.Uri, urgency: Urgency = "normal"): void {
    if (!this.settings.isEnabled) {
      return;
    }
    const location = fileOf(uri);
    if (location === undefined || !isFileBacked(location)) {
      return;
    }
    const nowMs = Date.now();
    this.activity.noteActivity(nowMs);
    const project = this.projectFor(location);
    if (project === undefined || this.isExcluded(project)) {
      this.throttle.onUntrackedActivity();
      this.setCurrent(undefined);
      return;
    }
    const projectPath = pathOf(project);
    this.setCurrent(projectPath);
    this.sendAll(this.throttle.onActivity(projectPath, nowMs, urgency));
  }

  private tick(): void {
    if (!this.settings.isEnabled) {
      return;
    }
    const nowMs = Date.now();
    this.sendAll(this.throttle.onTick(nowMs, this.activity.isWorking(nowMs)));
  }

  private sendAll(beats: readonly Beat[]): void {
    for (const beat of beats) {
      this.log.trace(`beat ${beat.project_path} @ ${beat.timestamp}`);
      void this.delivery.send(beat);
    }
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

  private setCurrent(projectPath: string | undefined): void {
    if (this.current !== projectPath) {
      this.current = projectPath;
      this.log.info(projectPath === undefined ? "not tracking (excluded folder or tracking off)" : `tracking ${projectPath}`);
      this.projectChanged.fire();
    }
  }
}

/**
 * Edits and saves count only in documents shown in an editor: the editor itself (settings and
 * state files it keeps open in the background), other extensions and file watchers also change
 * and save documents, and that is not the user working. A cell counts when its notebook is shown.
 */
function isVisible(document: vscode.TextDocument): boolean {
  return (
    vscode.window.visibleTextEditors.some((editor) => editor.document === document) ||
    vscode.window.visibleNotebookEditors.some((editor) =>
      editor.notebook.getCells().some((cell) => cell.document === document),
    )
  );
}

/** Unsaved changes in the document's file. A cell has no file of its own: its notebook's. */
function isDirty(document: vscode.TextDocument): boolean {
  if (document.isDirty || document.uri.scheme !== NOTEBOOK_CELL_SCHEME) {
    return document.isDirty;
  }
  const notebook = vscode.workspace.notebookDocuments.find((candidate) =>
    candidate.getCells().some((cell) => cell.document === document),
  );
  return notebook?.isDirty ?? false;
}

function isNotebookVisible(notebook: vscode.NotebookDocument): boolean {
  return vscode.window.visibleNotebookEditors.some((editor) => editor.notebook === notebook);
}

/** The text editor's document, else the notebook shown (no cell being edited), else none. */
function activeUri(): vscode.Uri | undefined {
  return vscode.window.activeTextEditor?.document.uri ?? vscode.window.activeNotebookEditor?.notebook.uri;
}

/** Where the document at `uri` is stored (a notebook cell: its notebook), as a location. */
function fileOf(uri: vscode.Uri): Location | undefined {
  const notebooks = vscode.workspace.notebookDocuments.map((notebook) => toLocation(notebook.uri));
  return fileOfDocument(toLocation(uri), notebooks);
}

/** Local files: the OS path. Remote files: the path on the remote machine, as it is there. */
function pathOf(project: Location): string {
  return project.scheme === "file" ? vscode.Uri.from(project).fsPath : project.path;
}

function toLocation(uri: vscode.Uri): Location {
  return { scheme: uri.scheme, authority: uri.authority, path: uri.path };
}
