/**
 * What the window is doing besides editing, for the category of its beats (core/category.ts
 * decides it): the debug sessions and the tasks running. Tells its owner when a debug session
 * starts (the user's doing: F5, a click) and when the category may have changed on its own (a
 * session or a build ending, a build starting). Owns its listeners.
 */

import * as vscode from "vscode";

import { type Category, categoryOf, type RunningTask } from "./core/category";

export interface WorkEvents {
  /** A debug session started. */
  readonly onDebugStart: () => void;
  /** A debug session ended, or a task started or ended: the category may be another now. */
  readonly onMaybeChanged: () => void;
}

export class WorkWatcher implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * The debug sessions running, by id. Not `vscode.debug.activeDebugSession`: once js-debug has
   * ended a program's session and then its own, that may still name the ended parent session.
   */
  private readonly debugSessions = new Set<string>();

  constructor(events: WorkEvents) {
    const running = vscode.debug.activeDebugSession; // one started before this extension was
    if (running !== undefined) {
      this.debugSessions.add(running.id);
    }
    vscode.debug.onDidStartDebugSession(
      (session) => {
        this.debugSessions.add(session.id);
        events.onDebugStart();
      },
      this,
      this.disposables,
    );
    vscode.debug.onDidTerminateDebugSession(
      (session) => {
        this.debugSessions.delete(session.id);
        events.onMaybeChanged();
      },
      this,
      this.disposables,
    );
    vscode.tasks.onDidStartTask(() => events.onMaybeChanged(), this, this.disposables);
    vscode.tasks.onDidEndTask(() => events.onMaybeChanged(), this, this.disposables);
  }

  /** The category of the time spent in this window now: debugging, building or none (coding). */
  get category(): Category | undefined {
    return categoryOf({
      isDebugging: this.debugSessions.size > 0,
      runningTasks: vscode.tasks.taskExecutions.map(({ task }): RunningTask => ({
        groupId: task.group?.id,
        isBackground: task.isBackground,
        name: task.name,
        detail: task.detail,
      })),
    });
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }
}
