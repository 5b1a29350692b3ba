import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";

import { localRealPath, projectPaths } from "../../src/core/projectPaths";

let dir: string;

beforeEach(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-paths-")));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("localRealPath", () => {
  test("a folder opened through a symlink resolves to the daemon's spelling", async () => {
    const real = path.join(dir, "real-app");
    const link = path.join(dir, "app");
    await fs.mkdir(real);
    await fs.symlink(real, link, "dir");
    assert.equal(await localRealPath(link), real);
  });

  test("a folder that is no symlink is itself", async () => {
    assert.equal(await localRealPath(dir), dir);
  });

  test("a folder that is gone has no real path", async () => {
    assert.equal(await localRealPath(path.join(dir, "missing")), undefined);
  });
});

describe("projectPaths", () => {
  test("each path once, unknown ones left out", () => {
    assert.deepEqual(projectPaths("/home/dev/app", undefined, "/real/app", "/real/app"), ["/home/dev/app", "/real/app"]);
  });

  // The daemon stores a Windows drive path with a capital letter and backslashes; VS Code's fsPath
  // may give `c:\...`: without the daemon's spelling, today's time showed only after a beat.
  const drivePaths: ReadonlyArray<readonly [string, readonly string[]]> = [
    ["c:\\code\\app", ["c:\\code\\app", "C:\\code\\app"]],
    ["c:/code/app", ["c:/code/app", "C:\\code\\app"]],
    ["C:/code/app", ["C:/code/app", "C:\\code\\app"]],
    ["C:\\code\\app", ["C:\\code\\app"]],
    ["\\\\server\\share\\app", ["\\\\server\\share\\app"]],
    ["/home/dev/c:/app", ["/home/dev/c:/app"]],
    ["c:app", ["c:app"]],
  ];
  for (const [sent, expected] of drivePaths) {
    test(`${sent} is also looked up as the daemon spells it`, () => {
      assert.deepEqual(projectPaths(sent), expected);
    });
  }

  test("the daemon's spelling of a drive path counts once", () => {
    assert.deepEqual(projectPaths("c:\\code\\app", "C:\\code\\app"), ["c:\\code\\app", "C:\\code\\app"]);
  });

  test("nothing known", () => {
    assert.deepEqual(projectPaths(undefined, undefined), []);
  });
});
