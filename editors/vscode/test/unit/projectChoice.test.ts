import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  chooseProject,
  fileOfDocument,
  ignoresCase,
  isExcluded,
  isExcludedPath,
  isFileBacked,
  type Location,
  remotePath,
} from "../../src/core/projectChoice";

const file = (path: string): Location => ({ scheme: "file", authority: "", path });
const remote = (path: string, authority = "ssh-remote+box"): Location => ({
  scheme: "vscode-remote",
  authority,
  path,
});

describe("isFileBacked", () => {
  const cases: Array<[string, Location, boolean]> = [
    ["local file", file("/home/me/a.ts"), true],
    ["remote file", remote("/srv/app/a.py"), true],
    ["untitled buffer", { scheme: "untitled", authority: "", path: "Untitled-1" }, false],
    ["output panel", { scheme: "output", authority: "", path: "extension-output-#1" }, false],
    ["git scratch buffer", { scheme: "git", authority: "", path: "/home/me/a.ts" }, false],
    ["settings UI", { scheme: "vscode-userdata", authority: "", path: "/u/settings.json" }, false],
  ];
  for (const [name, location, expected] of cases) {
    test(name, () => assert.equal(isFileBacked(location), expected));
  }
});

describe("fileOfDocument", () => {
  const cell = (path: string, authority = ""): Location => ({ scheme: "vscode-notebook-cell", authority, path });
  const notebooks = [file("/home/me/app/analysis.ipynb"), remote("/srv/app/model.ipynb")];
  const cases: Array<[string, Location, Location | undefined]> = [
    ["a text file is its own file", file("/home/me/app/a.py"), file("/home/me/app/a.py")],
    ["a notebook cell: its notebook", cell("/home/me/app/analysis.ipynb"), file("/home/me/app/analysis.ipynb")],
    ["a cell of a remote notebook: the remote notebook", cell("/srv/app/model.ipynb", "ssh-remote+box"), remote("/srv/app/model.ipynb")],
    ["a cell whose notebook is not open: none", cell("/home/me/app/other.ipynb"), undefined],
    ["same path on another machine is another notebook", cell("/srv/app/model.ipynb"), undefined],
  ];
  for (const [name, document, expected] of cases) {
    test(name, () => assert.deepEqual(fileOfDocument(document, notebooks), expected));
  }

  test("a notebook cell counts once mapped, and not before", () => {
    const document = cell("/home/me/app/analysis.ipynb");
    assert.equal(isFileBacked(document), false);
    assert.equal(isFileBacked(fileOfDocument(document, notebooks) as Location), true);
  });
});

describe("chooseProject", () => {
  const folders = [file("/home/dev/app"), file("/home/dev/lib"), file("/home/dev/app/packages/ui")];
  const lib = file("/home/dev/lib");
  const cases: Array<[string, Location | undefined, readonly Location[], Location | undefined, Location | undefined]> = [
    ["document in a folder", file("/home/dev/lib/src/x.ts"), folders, undefined, lib],
    ["a folder's document wins over the previous project", file("/home/dev/app/x.ts"), folders, lib, file("/home/dev/app")],
    ["nested folders: the deepest wins", file("/home/dev/app/packages/ui/b.tsx"), folders, undefined, file("/home/dev/app/packages/ui")],
    // Go to Definition into a library is still work on the project the user was in.
    ["outside every folder: the previous project", file("/home/dev/.cargo/registry/src/x.rs"), folders, lib, lib],
    ["outside every folder, no previous project: the first folder", file("/usr/lib/python3/os.py"), folders, undefined, file("/home/dev/app")],
    ["outside every folder, previous project no longer a folder: the first", file("/tmp/a.txt"), folders, file("/tmp"), file("/home/dev/app")],
    ["a sibling with a common prefix is not inside", file("/home/dev/application/x.ts"), folders, lib, lib],
    ["no folders: the file's folder", file("/tmp/a.txt"), [], undefined, file("/tmp")],
    ["no folders: the file's folder, whatever came before", file("/tmp/a.txt"), [], file("/srv"), file("/tmp")],
    ["file at the root", file("/a.txt"), [], undefined, file("/")],
    ["no document: the previous project", undefined, folders, lib, lib],
    ["no document: the first folder", undefined, folders, undefined, file("/home/dev/app")],
    ["nothing at all", undefined, [], undefined, undefined],
    ["remote document in a remote folder", remote("/srv/app/x.py"), [remote("/srv/app")], undefined, remote("/srv/app")],
    ["same path on another remote is not inside", remote("/srv/app/x.py", "wsl+Ubuntu"), [remote("/srv/app"), remote("/srv/other")], undefined, remote("/srv/app")],
    ["folder with a trailing slash", file("/home/dev/app/x.ts"), [file("/home/dev/app/")], undefined, file("/home/dev/app/")],
    ["windows drive letters ignore case", file("/C:/Code/App/x.ts"), [file("/c:/code/app")], undefined, file("/c:/code/app")],
  ];
  for (const [name, document, workspaceFolders, previous, expected] of cases) {
    test(name, () => assert.deepEqual(chooseProject(document, workspaceFolders, previous), expected));
  }
});

describe("isExcluded", () => {
  const home = "/home/me";
  const cases: Array<[string, string, string[], boolean]> = [
    ["no patterns", "/home/me/secret", [], false],
    ["exact path", "/home/me/secret", ["/home/me/secret"], true],
    ["home shorthand with /**", "/home/me/private/diary", ["~/private/**"], true],
    ["dir/** also excludes dir itself", "/home/me/private", ["~/private/**"], true],
    ["a parent folder matches", "/home/me/private/a/b", ["~/private"], true],
    ["**/name anywhere", "/home/dev/x/scratch", ["**/scratch"], true],
    ["* stays within a segment", "/home/dev/a/b", ["/home/dev/*"], true],
    ["* does not match a sibling prefix", "/home/devshop/a", ["/home/dev/*"], false],
    ["? matches one character", "/tmp/t1", ["/tmp/t?"], true],
    ["regex characters are literal", "/home/dev/a+b", ["/home/dev/a+b"], true],
    ["regex characters do not widen the match", "/home/dev/aab", ["/home/dev/a+b"], false],
    ["windows paths with backslashes", "C:\\Users\\me\\secret\\app", ["C:/Users/me/secret/**"], true],
    ["unrelated pattern", "/home/dev/app", ["~/private/**", "**/scratch"], false],
    ["empty pattern ignored", "/home/dev/app", [""], false],
    // VS Code's own globs (files.exclude, search.exclude) have {a,b}: a user writes them here too.
    ["{a,b} is either name", "/home/me/secret/app", ["~/{private,secret}/**"], true],
    ["{a,b}: the other name too", "/home/me/private", ["~/{private,secret}/**"], true],
    ["{a,b}: only those names", "/home/me/public/app", ["~/{private,secret}/**"], false],
    ["{a,b} with globs inside", "/work/client-acme/site", ["/work/{client-*,tmp}"], true],
    ["{a,b} across segments with **", "/srv/a/b/scratch", ["/srv/{**/scratch,other}"], true],
    ["{a,{b,c}} nested", "/home/me/c", ["~/{a,{b,c}}"], true],
    ["a { without its } is a literal character", "/home/me/odd{name", ["~/odd{name"], true],
    ["a literal { does not widen the match", "/home/me/oddname", ["~/odd{name"], false],
    ["[...] is one of its characters", "/home/me/tmp2/app", ["~/tmp[0-9]"], true],
    ["[...]: only its characters", "/home/me/tmpx", ["~/tmp[0-9]"], false],
    ["** crosses dot folders", "/home/me/.local/share/scratch", ["~/**/scratch"], true],
    ["* matches a dot folder's name", "/home/me/.private", ["~/*"], true],
    // WakaTime's exclude matches anywhere in the path, and VS Code's files.exclude is relative to
    // the folder: a pattern with no root (no /, ~ or drive) never matched an absolute path here.
    ["a bare name matches that folder anywhere", "/home/dev/scratch/app", ["scratch"], true],
    ["a bare name is a whole folder name, not a part", "/home/dev/scratches", ["scratch"], false],
    ["a relative path matches at any depth", "/home/dev/clients/acme/site", ["clients/acme"], true],
    ["a relative glob with **", "/home/dev/clients/acme", ["clients/**"], true],
    ["a relative pattern still only what it says", "/home/dev/app", ["clients/**", "scratch"], false],
    // Each {a,b} alternative is read as a pattern of its own: `~` starts any of them.
    ["~ in each alternative is the home folder", "/home/me/b/x", ["{~/a/**,~/b/**}"], true],
    ["~ in each alternative: dir/** is dir itself too", "/home/me/a", ["{~/a/**,~/b/**}"], true],
    ["~ in each alternative: only those folders", "/home/me/c", ["{~/a/**,~/b/**}"], false],
    ["~ alone as an alternative", "/home/me", ["{~,/srv/shared}"], true],
    ["~ in a nested group", "/home/me/c/x", ["{/srv/a,{~/b,~/c}/**}"], true],
    ["~ beside a relative alternative, which matches at any depth", "/data/scratch", ["{~/private,scratch}"], true],
    ["~ beside a relative alternative: ~ is still home", "/home/me/private", ["{~/private,scratch}"], true],
    ["a ~ inside a path stays a literal ~", "/x/home/me", ["/x/{~,y}"], false],
    ["a ~ inside a path: the folder named ~", "/x/~", ["/x/{~,y}"], true],
  ];
  for (const [name, path, patterns, expected] of cases) {
    test(name, () => assert.equal(isExcluded(path, patterns, { homeDir: home, ignoreCase: false }), expected));
  }

  describe("on a case-insensitive file system (Windows, macOS)", () => {
    // Uri.fsPath lowercases the drive letter; os.homedir() does not.
    const windows = { homeDir: "C:\\Users\\me", ignoreCase: true };
    const mac = { homeDir: "/Users/me", ignoreCase: true };
    const ignoringCase: Array<[string, string, string[], { homeDir: string; ignoreCase: boolean }, boolean]> = [
      ["windows: ~ against a lowercased drive letter", "c:\\Users\\me\\private\\app", ["~/private/**"], windows, true],
      ["windows: folder names in another case", "c:\\users\\ME\\Private", ["~/private"], windows, true],
      ["windows: ~ followed by a backslash", "c:\\Users\\me\\private\\app", ["~\\private\\**"], windows, true],
      ["windows: ~\\ is still only the home folder", "c:\\Users\\me\\public", ["~\\private\\**"], windows, false],
      ["windows: ~\\ in each alternative", "c:\\Users\\me\\b", ["{~\\a\\**,~\\b\\**}"], windows, true],
      ["windows: a drive pattern with backslashes", "c:\\Work\\Secret\\x", ["C:\\work\\secret\\**"], windows, true],
      ["windows: **/name in another case", "c:\\code\\Scratch", ["**/scratch"], windows, true],
      ["windows: still only what the pattern says", "c:\\Users\\me\\public", ["~/private/**"], windows, false],
      ["windows: a bare name matches that folder anywhere", "c:\\code\\Scratch\\app", ["scratch"], windows, true],
      ["windows: a drive pattern is not relative", "d:\\c\\secret", ["c:\\secret"], windows, false],
      ["macOS: /Users/Me/Private", "/Users/Me/Private/app", ["~/private/**"], mac, true],
      ["case-sensitive (Linux): another case is another folder", "/home/me/Private", ["~/private/**"], { homeDir: home, ignoreCase: false }, false],
    ];
    for (const [name, path, patterns, options, expected] of ignoringCase) {
      test(name, () => assert.equal(isExcluded(path, patterns, options), expected));
    }
  });
});

describe("isExcludedPath (a beat's path, no location)", () => {
  const cases: Array<[string, string, string[], string, boolean]> = [
    ["a Linux path on Linux: case counts", "/home/me/Private", ["~/private"], "linux", false],
    ["a Linux path on Linux: same case", "/home/me/private/app", ["~/private/**"], "linux", true],
    ["a path on macOS ignores case", "/Users/me/Private", ["/Users/me/private"], "darwin", true],
    ["a Windows drive path ignores case, even from a Linux UI", "C:\\Work\\Secret", ["c:/work/secret"], "linux", true],
    ["a UNC path ignores case", "\\\\Server\\Share\\App", ["//server/share/**"], "linux", true],
    ["no pattern: never", "/home/me/app", [], "linux", false],
  ];
  for (const [name, path, patterns, platform, expected] of cases) {
    test(name, () => assert.equal(isExcludedPath(path, patterns, { homeDir: "/home/me", platform }), expected));
  }
});

describe("ignoresCase", () => {
  const cases: Array<[string, Location, string, boolean]> = [
    ["local file on Windows", file("/c:/Users/me/app"), "win32", true],
    ["local file on macOS", file("/Users/me/app"), "darwin", true],
    ["local file on Linux", file("/home/me/app"), "linux", false],
    ["remote Linux folder from a Windows UI", remote("/home/me/app"), "win32", false],
    ["remote Windows folder from a Linux UI", remote("/c:/Users/me/app"), "linux", true],
  ];
  for (const [name, location, platform, expected] of cases) {
    test(name, () => assert.equal(ignoresCase(location, platform), expected));
  }
});

describe("remotePath", () => {
  test("a remote Windows folder is sent as Windows writes it", () => {
    assert.equal(remotePath("/c:/Users/me/app"), "C:\\Users\\me\\app");
    assert.equal(remotePath("/d:/work/app/"), "D:\\work\\app");
    assert.equal(remotePath("/c:/"), "C:\\");
  });

  test("a remote Linux or macOS folder is sent as it is", () => {
    assert.equal(remotePath("/home/me/app"), "/home/me/app");
    assert.equal(remotePath("/workspaces/x"), "/workspaces/x");
  });
});
