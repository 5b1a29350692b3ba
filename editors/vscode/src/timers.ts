/** Timers as Disposables, so whoever creates one also owns stopping it. */

import * as vscode from "vscode";

/** Calls `callback` every `intervalMs` until disposed. */
export function every(intervalMs: number, callback: () => void): vscode.Disposable {
  const handle = setInterval(callback, intervalMs);
  return new vscode.Disposable(() => clearInterval(handle));
}
