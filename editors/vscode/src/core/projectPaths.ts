/**
 * The paths the daemon's today report may list this window's project under. The daemon stores a
 * local project by its real path (symlinks resolved), so a folder opened through a symlink is
 * found by resolving it here, before any beat has been accepted and told the daemon's spelling.
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

/** The project as sent, as the daemon answered it and as resolved here; each once. */
export function projectPaths(...candidates: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(candidates.filter((path): path is string => path !== undefined))];
}
