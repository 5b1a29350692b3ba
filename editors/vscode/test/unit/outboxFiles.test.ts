import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";

import { countNewlines, forEachLine, LineCounter, MAX_LINE_BYTES } from "../../src/core/outboxFiles";

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-outbox-files-"));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function linesOf(text: string | Buffer): Promise<Array<string | undefined>> {
  const file = path.join(dir, "f");
  await fs.writeFile(file, text);
  const lines: Array<string | undefined> = [];
  await forEachLine(file, (line) => lines.push(line));
  return lines;
}

describe("forEachLine", () => {
  test("gives each line without its newline, and a last line without one", async () => {
    assert.deepEqual(await linesOf("a\n\nbc\nd"), ["a", "", "bc", "d"]);
    assert.deepEqual(await linesOf("a\n"), ["a"]);
    assert.deepEqual(await linesOf(""), []);
  });

  test("a line across the reader's 1 MiB chunks comes whole, multi-byte characters too", async () => {
    const long = "é".repeat(MAX_LINE_BYTES / 2 - 1); // just within the limit, in bytes
    const before = "x".repeat(1024 * 1024 - 10); // puts `long` across the first chunk's end
    const lines = await linesOf(`${before}\n${long}\nz\n`);
    assert.equal(lines.length, 3);
    assert.equal(lines[0], undefined, "1 MiB of x is too long to be a line");
    assert.equal(lines[1], long);
    assert.equal(lines[2], "z");
  });

  test("a line longer than MAX_LINE_BYTES is undefined, and the lines after it are read", async () => {
    const tooLong = "z".repeat(MAX_LINE_BYTES + 1);
    assert.deepEqual(await linesOf(`a\n${tooLong}\nb\n${tooLong}`), ["a", undefined, "b", undefined]);
    assert.deepEqual(await linesOf(`${"z".repeat(MAX_LINE_BYTES)}\n`), ["z".repeat(MAX_LINE_BYTES)]);
  });

  test("a missing file rejects with ENOENT", async () => {
    await assert.rejects(forEachLine(path.join(dir, "missing"), () => undefined), { code: "ENOENT" });
  });
});

describe("countNewlines", () => {
  test("counts every newline, across chunks", async () => {
    const file = path.join(dir, "f");
    await fs.writeFile(file, `${"x".repeat(1024 * 1024 - 1)}\n\n${"y".repeat(2 * 1024 * 1024)}\nz`);
    assert.equal(await countNewlines(file), 3);
  });
});

describe("LineCounter", () => {
  test("counts again only what was appended since, under any name the file has now", async (t) => {
    const file = path.join(dir, "queue");
    await fs.writeFile(file, "a\nb\n");
    if ((await fs.stat(file)).birthtimeMs === 0) {
      t.skip("no birth time on this file system: every count reads the whole file");
      return;
    }
    const counter = new LineCounter();
    assert.equal(await counter.count([file]), 2);
    const handle = await fs.open(file, "r+");
    await handle.write("x", 1); // the first "\n", changed in place: a count from the start would see it
    await handle.close();
    await fs.appendFile(file, "c\nd\n");
    const renamed = path.join(dir, "claim");
    await fs.rename(file, renamed);
    assert.equal(await counter.count([renamed]), 4, "the 2 lines known plus the 2 appended, the rest not read again");
  });

  test("a file replaced by another is counted from the start, even when no shorter", async () => {
    const file = path.join(dir, "queue");
    await fs.writeFile(file, "a\nb\n");
    const counter = new LineCounter();
    assert.equal(await counter.count([file]), 2);
    const replacement = path.join(dir, "queue.tmp");
    await fs.writeFile(replacement, "abc\n\n\n\n");
    await fs.rename(replacement, file);
    assert.equal(await counter.count([file]), 4);
    await fs.unlink(file);
    assert.equal(await counter.count([file]), 0);
    // Longer than the files before it, and most file systems give it one of their inodes again,
    // with lines elsewhere: only the birth time tells it from them.
    await fs.writeFile(file, "abcdefgh\nij\n");
    assert.equal(await counter.count([file]), 2, "a new file, whatever inode it got");
  });
});
