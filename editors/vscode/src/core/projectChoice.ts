/**
 * Which project does a document belong to, and is that project excluded? Works on URI-like
 * locations (scheme, authority and the URI's `/`-separated path), so local and remote (SSH, WSL,
 * containers) documents are handled alike; the caller turns the chosen location into the path it
 * sends. Must not import `vscode`.
 */

import picomatch from "picomatch/posix";

import { braceAlternatives } from "./braceAlternatives";

export interface Location {
  readonly scheme: string;
  readonly authority: string;
  /** The URI path: always `/`-separated, e.g. `/home/me/app` or `/c:/Users/me/app`. */
  readonly path: string;
}

/** Schemes whose documents live in a real file: local files and files of a remote machine. */
const FILE_BACKED_SCHEMES: ReadonlySet<string> = new Set(["file", "vscode-remote"]);

/** The scheme of the text documents of notebook cells (Jupyter and other notebooks). */
export const NOTEBOOK_CELL_SCHEME = "vscode-notebook-cell";

/**
 * The file a document's text is stored in. A notebook cell is stored in its notebook: the open
 * notebook with the cell's authority and path (a cell URI is its notebook's URI with the scheme
 * swapped), or none when that notebook is not open. Any other document is its own file.
 */
export function fileOfDocument(document: Location, notebooks: readonly Location[]): Location | undefined {
  if (document.scheme !== NOTEBOOK_CELL_SCHEME) {
    return document;
  }
  return notebooks.find((notebook) => notebook.authority === document.authority && notebook.path === document.path);
}

/** Only documents with a real path count: not output panels, settings UIs or git scratch buffers. */
export function isFileBacked(location: Location): boolean {
  return FILE_BACKED_SCHEMES.has(location.scheme) && location.path.startsWith("/");
}

/**
 * The project for a document:
 * - in a workspace folder: the deepest folder that holds it (multi-root workspaces);
 * - outside every folder of a window that has folders (Go to Definition into ~/.cargo/registry,
 *   site-packages, /usr/lib): still work on the project the user is in, so the `previous` project
 *   if it is still one of the folders, else the first folder. Such files never become projects of
 *   their own, which would switch projects, beat, and count the same minutes twice;
 * - in a window without folders: the file's own folder;
 * - with no document: the `previous` project if still a folder, else the first folder, else none.
 */
export function chooseProject(
  document: Location | undefined,
  folders: readonly Location[],
  previous?: Location,
): Location | undefined {
  if (document !== undefined) {
    const holder = deepestFolderHolding(document, folders);
    if (holder !== undefined) {
      return holder;
    }
    if (folders.length === 0) {
      return { ...document, path: parentPath(document.path) };
    }
  }
  return folders.find((folder) => previous !== undefined && isSameLocation(folder, previous)) ?? folders[0];
}

function deepestFolderHolding(document: Location, folders: readonly Location[]): Location | undefined {
  let best: Location | undefined;
  for (const folder of folders) {
    if (contains(folder, document) && (best === undefined || folder.path.length > best.path.length)) {
      best = folder;
    }
  }
  return best;
}

function isSameLocation(a: Location, b: Location): boolean {
  return a.scheme === b.scheme && a.authority === b.authority && a.path === b.path;
}

function contains(folder: Location, document: Location): boolean {
  if (folder.scheme !== document.scheme || folder.authority !== document.authority) {
    return false;
  }
  const fold = isDrivePath(folder.path) ? (p: string) => p.toLowerCase() : (p: string) => p;
  const folderPath = fold(trimTrailingSlash(folder.path));
  const documentPath = fold(document.path);
  return documentPath === folderPath || documentPath.startsWith(`${folderPath}/`);
}

/**
 * A remote file's path as that machine writes it, for the daemon: a Windows drive path becomes
 * `C:\Users\me\app` (what docs/api.md asks for, and what a local Windows window sends), any other
 * path stays as it is (`/home/me/app`).
 */
export function remotePath(path: string): string {
  if (!isDrivePath(path)) {
    return path;
  }
  const windows = trimTrailingSlash(path.slice(1)).replaceAll("/", "\\"); // c:\Users\me, or c: alone
  const drive = windows.charAt(0).toUpperCase();
  return windows.length === 2 ? `${drive}:\\` : drive + windows.slice(1);
}

/** `/c:/...`: a Windows drive path, where case does not matter. */
function isDrivePath(path: string): boolean {
  return /^\/[a-zA-Z]:/.test(path);
}

function trimTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

function parentPath(path: string): string {
  const trimmed = trimTrailingSlash(path);
  const slash = trimmed.lastIndexOf("/");
  return slash <= 0 ? "/" : trimmed.slice(0, slash);
}

/**
 * Does the file system holding `location` ignore case? Local files: as the platform's default file
 * system does (Windows, macOS). Remote files: Windows drive paths do, others are taken as Linux.
 */
export function ignoresCase(location: Location, platform: string): boolean {
  if (location.scheme === "file") {
    return platform === "win32" || platform === "darwin";
  }
  return isDrivePath(location.path);
}

export interface ExcludeOptions {
  /** What a leading `~` in a pattern, or in one of its `{a,b}` alternatives, stands for. */
  readonly homeDir: string;
  /** Compare ignoring case (see ignoresCase): `c:\Users\me` must match `~` = `C:\Users\me`. */
  readonly ignoreCase: boolean;
}

/**
 * True when `projectPath` or any folder above it matches one of the glob `patterns`.
 * `*` matches within one path segment, `**` across segments, `?` one character; a leading `~`
 * stands for the home folder. A pattern with `{a,b}` groups is read as each of its alternatives
 * (braceAlternatives.ts), so `{~/a/**,~/b/**}` is `~/a/**` or `~/b/**`. Backslashes count as
 * `/` on both sides, so Windows paths work too.
 */
export function isExcluded(
  projectPath: string,
  patterns: readonly string[],
  options: ExcludeOptions,
): boolean {
  if (patterns.length === 0) {
    return false;
  }
  const candidates = withAncestors(toSlashes(projectPath));
  return patterns.some((pattern) =>
    braceAlternatives(toSlashes(pattern.trim())).some((alternative) => {
      const matches = globMatcher(rooted(expandHome(alternative, options.homeDir)), options.ignoreCase);
      return matches !== undefined && candidates.some((candidate) => matches(candidate));
    }),
  );
}

/**
 * isExcluded for a path as a beat carries it, with no location to tell which file system holds
 * it (a beat waiting in the outbox): a Windows path (`C:\`, `\\server`) ignores case, any
 * other path as the local platform does.
 */
export function isExcludedPath(
  projectPath: string,
  patterns: readonly string[],
  options: { readonly homeDir: string; readonly platform: string },
): boolean {
  const isWindowsPath = /^(?:[a-zA-Z]:|\\\\)/.test(projectPath);
  const ignoreCase = isWindowsPath || options.platform === "win32" || options.platform === "darwin";
  return isExcluded(projectPath, patterns, { homeDir: options.homeDir, ignoreCase });
}

function toSlashes(path: string): string {
  return path.replace(/\\/g, "/");
}

/** A leading `~` (alone, or before a `/`: backslashes are slashes by now) is the home folder. */
function expandHome(pattern: string, homeDir: string): string {
  if (pattern === "~" || pattern.startsWith("~/")) {
    return toSlashes(homeDir).replace(/\/$/, "") + pattern.slice(1);
  }
  return pattern;
}

function withAncestors(path: string): string[] {
  const result: string[] = [];
  let current = trimTrailingSlash(path);
  for (;;) {
    result.push(current);
    const slash = current.lastIndexOf("/");
    if (slash < 0) {
      return result;
    }
    const parent = slash === 0 ? "/" : current.slice(0, slash);
    if (parent === current) {
      return result;
    }
    current = parent;
  }
}

/**
 * A pattern with no root (no leading `/`, `~`, `**` or drive letter: `scratch`, `clients/acme`)
 * matches at any depth, as if it began with `**` and a slash: WakaTime's exclude matches anywhere in the path and
 * VS Code's files.exclude is relative to the folder, so such patterns are what users write, and
 * taken from the root they could never match a project's absolute path.
 */
function rooted(pattern: string): string {
  const isRooted = pattern === "" || pattern.startsWith("/") || pattern.startsWith("**") || /^[a-zA-Z]:/.test(pattern);
  return isRooted ? pattern : `**/${pattern}`;
}

/**
 * The matcher of one glob, as VS Code's own globs (files.exclude) read them: `**`, `*`, `?`,
 * `{a,b}`, `[abc]`, with dot folders matched like any other (`**` crosses `~/.local`). A trailing
 * `/` is dropped, since the paths it is matched against have none; `dir/**` matches `dir` itself.
 */
function globMatcher(pattern: string, ignoreCase: boolean): ((path: string) => boolean) | undefined {
  if (pattern === "") {
    return undefined;
  }
  return picomatch(trimTrailingSlash(pattern), { dot: true, nocase: ignoreCase });
}
