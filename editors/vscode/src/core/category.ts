/**
 * The category a beat names: what the time is spent on, in WakaTime's words, decided as WakaTime's
 * VS Code plugin decides it: `debugging` while a debug session runs, else `building` while a build
 * runs, else none, which WakaTime and OxiTrack both count as coding. So `oxitrack report --by
 * category` and the status bars of WakaTime plugins ("48 mins Coding, 15 mins Debugging") split
 * this extension's time as they split WakaTime's.
 *
 * A build is narrower here than in WakaTime's plugin, which takes any task that is not a
 * background one for `building` (tests and scripts too): here it is a task of the Build (or
 * Rebuild) group, the ones Ctrl+Shift+B runs. A watcher never ends, so it is no build even when
 * it is not marked as background (npm puts its `watch` scripts in the Build group).
 * Must not import `vscode`.
 */

export type Category = "debugging" | "building";

/** A running task as VS Code describes it (vscode.Task), reduced to what the rule reads. */
export interface RunningTask {
  /** The id of its group (TaskGroup.id: `build`, `rebuild`, `test`, `clean`); undefined for none. */
  readonly groupId: string | undefined;
  readonly isBackground: boolean;
  readonly name: string;
  /** The task's detail line (npm: the script's command, such as `tsc -watch -p ./`). */
  readonly detail: string | undefined;
}

/** What the window is doing besides editing. */
export interface WindowWork {
  /** A debug session runs (started and not yet terminated). */
  readonly isDebugging: boolean;
  /** The tasks running now (vscode.tasks.taskExecutions). */
  readonly runningTasks: readonly RunningTask[];
}

const BUILD_GROUPS: ReadonlySet<string> = new Set(["build", "rebuild"]);

const WATCH = /watch/i;

/** True for a task that builds and then ends: Build group, not background, not a watcher. */
export function isBuild(task: RunningTask): boolean {
  return (
    task.groupId !== undefined &&
    BUILD_GROUPS.has(task.groupId) &&
    !task.isBackground &&
    !WATCH.test(task.name) &&
    !WATCH.test(task.detail ?? "")
  );
}

/** The category of time spent now: debugging over building (a build before a launch), else none. */
export function categoryOf(work: WindowWork): Category | undefined {
  if (work.isDebugging) {
    return "debugging";
  }
  return work.runningTasks.some(isBuild) ? "building" : undefined;
}
