/**
 * What VS Code shows and where its documents are stored, as the tracker asks it: whether a
 * document or notebook is on screen, unsaved, its language, its file and that file's path. A
 * notebook cell has no file of its own: it counts for its notebook.
 */

import * as vscode from "vscode";

import { fileOfDocument, type Location, NOTEBOOK_CELL_SCHEME, remotePath } from "./core/projectChoice";

/**
 * Edits and saves count only in documents shown in an editor: the editor itself (settings and
 * state files it keeps open in the background), other extensions and file watchers also change
 * and save documents, and that is not the user working. A cell counts when its notebook is shown.
 */
export function isVisible(document: vscode.TextDocument): boolean {
  return (
    vscode.window.visibleTextEditors.some((editor) => editor.document === document) ||
    vscode.window.visibleNotebookEditors.some((editor) =>
      editor.notebook.getCells().some((cell) => cell.document === document),
    )
  );
}

/** Unsaved changes in the document's file. A cell has no file of its own: its notebook's. */
export function isDirty(document: vscode.TextDocument): boolean {
  if (document.uri.scheme !== NOTEBOOK_CELL_SCHEME) {
    return document.isDirty;
  }
  const notebook = vscode.workspace.notebookDocuments.find((candidate) =>
    candidate.getCells().some((cell) => cell.document === document),
  );
  return document.isDirty || notebook?.isDirty === true;
}

export function isNotebookVisible(notebook: vscode.NotebookDocument): boolean {
  return vscode.window.visibleNotebookEditors.some((editor) => editor.notebook === notebook);
}

/** The text editor's document, else the notebook shown (no cell being edited), else none. */
export function activeDocument(): { readonly uri: vscode.Uri; readonly languageId: string | undefined } | undefined {
  const text = vscode.window.activeTextEditor?.document;
  if (text !== undefined) {
    return { uri: text.uri, languageId: text.languageId };
  }
  const notebook = vscode.window.activeNotebookEditor;
  if (notebook === undefined) {
    return undefined;
  }
  return { uri: notebook.notebook.uri, languageId: selectedCellLanguageId(notebook) };
}

/** The language of the cell selected in a notebook editor (a notebook has none of its own). */
export function selectedCellLanguageId(editor: vscode.NotebookEditor): string | undefined {
  const index = editor.selection.start;
  return index < editor.notebook.cellCount ? editor.notebook.cellAt(index).document.languageId : undefined;
}

/** The language of the selected cell of a notebook shown in an editor. */
export function notebookLanguageId(notebook: vscode.NotebookDocument): string | undefined {
  const editor = vscode.window.visibleNotebookEditors.find((candidate) => candidate.notebook === notebook);
  return editor === undefined ? undefined : selectedCellLanguageId(editor);
}

/** Where the document at `uri` is stored (a notebook cell: its notebook), as a location. */
export function fileOf(uri: vscode.Uri): Location | undefined {
  const notebooks = vscode.workspace.notebookDocuments.map((notebook) => toLocation(notebook.uri));
  return fileOfDocument(toLocation(uri), notebooks);
}

/** Local files: the OS path. Remote files: the path on the remote machine, as it writes it. */
export function pathOf(project: Location): string {
  return project.scheme === "file" ? vscode.Uri.from(project).fsPath : remotePath(project.path);
}

export function toLocation(uri: vscode.Uri): Location {
  return { scheme: uri.scheme, authority: uri.authority, path: uri.path };
}
