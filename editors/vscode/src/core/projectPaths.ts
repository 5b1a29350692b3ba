/**
 * The paths the daemon's today report may list this window's project under. The daemon stores a
 * local project by its real path (symlinks resolved), so a folder opened through a symlink is
 * found by resolving it here, before any beat has been accepted and told the daemon's spelling.
 * Likewise it stores a Windows drive letter in capitals and with backslashes (`c:\code` and
 * `c:/code` as `C:\code`), while VS Code may give the letter in lower case.
 * Must not import `vscode`.
 */

import { promises as fs } from "node:fs";

/**
 * The real path of a folder on this machine, or undefined when it cannot be resolved (gone, no
 * permission). Only for local folders: a remote machine's path means nothing here.
 */
export async function localRealPath(
  folder: string,
  realpath: (path: string) => Promise<string> = (path) => fs.realpath(path),
): Promise<string | undefined> {
  try {
    return await realpath(folder);
  } catch {
    return undefined;
  }
}

/**
 * The project as sent, as the daemon answered it and as resolved here, each followed by the
 * daemon's spelling of a Windows drive path (`c:\\app` or `c:/app` → `C:\\app`); each once.
 */
export function projectPaths(...candidates: ReadonlyArray<string | undefined>): string[] {
  const known = candidates.filter((path): path is string => path !== undefined);
  return [...new Set(known.flatMap((path) => [path, asDaemonStoresDrivePath(path)]))];
}

/**
 * A Windows drive path as the daemon stores it: drive letter in capitals, backslashes (its
 * `canonical_project_path`). Other paths as they are.
 */
function asDaemonStoresDrivePath(path: string): string {
  return /^[a-z]:[\\/]/i.test(path) ? path.charAt(0).toUpperCase() + path.slice(1).replaceAll("/", "\\") : path;
}
