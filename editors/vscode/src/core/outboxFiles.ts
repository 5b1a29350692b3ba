/**
 * The outbox's files, one beat per line (outbox.ts decides which file is what). They are read in
 * chunks, never whole: a damaged file can be of any size (a crash can leave gigabytes of zeros),
 * and a file read whole as text fails past 512 MiB, which left every beat in it waiting for ever,
 * read again and again by every window. A new file is written whole or not at all.
 * Must not import `vscode`.
 */

import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import { pipeline } from "node:stream/promises";

import { type Beat, beatFrom } from "./beat";
import { describeError, isCode, orIfMissing } from "./lockFile";

/** The longest line read back as text; a beat line is far shorter (the daemon takes 64 KiB bodies). */
export const MAX_LINE_BYTES = 64 * 1024;

const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Calls `onLine` with each line of `file`, without its "\n" (a last line without one included),
 * or with undefined for a line longer than `MAX_LINE_BYTES`, which is skipped unread.
 */
export async function forEachLine(file: string, onLine: (line: string | undefined) => void): Promise<void> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let isTooLong = false;
  const endLine = (last: Buffer): void => {
    onLine(isTooLong || partBytes + last.length > MAX_LINE_BYTES ? undefined : Buffer.concat([...parts, last]).toString("utf8"));
    parts = [];
    partBytes = 0;
    isTooLong = false;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      endLine(chunk.subarray(start, end));
      start = end + 1;
    }
    const rest = chunk.subarray(start);
    if (isTooLong || partBytes + rest.length > MAX_LINE_BYTES) {
      isTooLong = true;
      parts = [];
      partBytes = 0;
    } else if (rest.length > 0) {
      parts.push(rest);
      partBytes += rest.length;
    }
  }
  if (isTooLong || partBytes > 0) {
    endLine(Buffer.alloc(0));
  }
}

/**
 * How many "\n" `file` holds from byte `start` up to byte `end` (not included; default: its end),
 * read in chunks whatever its size.
 */
export async function countNewlines(file: string, start = 0, end = Infinity): Promise<number> {
  if (end <= start) {
    return 0;
  }
  let count = 0;
  const range = { start, end: end - 1 };
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES, ...range }) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) {
      count++;
    }
  }
  return count;
}

/**
 * The outbox's files are this account's only: they list the folders worked in and when, which the
 * other accounts of a shared machine have no business reading (the daemon's database is 0600 too).
 */
export const PRIVATE_FILE_MODE = 0o600;
const PRIVATE_FOLDER_MODE = 0o700;

/** Folders made private by this process: narrowed once, not at every append. */
const narrowedFolders = new Set<string>();

/**
 * Makes `dir` (and any missing parent) for this account only, and narrows it once if it exists
 * wider: VS Code makes an extension's storage folder readable by all, as did older versions.
 */
export async function makePrivateFolder(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (!narrowedFolders.has(dir)) {
    await fs.chmod(dir, PRIVATE_FOLDER_MODE);
    narrowedFolders.add(dir);
  }
}

/**
 * Writes a new file, or leaves none: a write cut short (disk full) would otherwise keep the part
 * it wrote, and a replay failing every minute would fill each bit of space the user frees.
 */
export async function writeWholeOrNothing(file: string, text: string): Promise<void> {
  try {
    await fs.writeFile(file, text, { encoding: "utf8", mode: PRIVATE_FILE_MODE });
  } catch (error) {
    await fs.unlink(file).catch(() => undefined);
    throw error;
  }
}

/** The beats in `files`; a file that cannot be read (a disk error) is logged and named, never lost. */
export async function readBeats(
  files: readonly string[],
  log: (message: string) => void,
): Promise<{ beats: Beat[]; unreadableLines: number; unreadFiles: string[] }> {
  const beats: Beat[] = [];
  const unreadFiles: string[] = [];
  let unreadableLines = 0;
  for (const file of files) {
    const found: Beat[] = [];
    let unreadable = 0;
    try {
      await forEachLine(file, (line) => {
        if (line?.trim() === "") {
          return;
        }
        const beat = line === undefined ? undefined : beatFrom(parseJson(line));
        if (beat !== undefined) {
          found.push(beat);
        } else {
          unreadable++;
        }
      });
    } catch (error) {
      if (!isCode(error, "ENOENT")) {
        log(`could not read ${file} (${describeError(error)}); left for the next replay`);
        unreadFiles.push(file);
      }
      continue;
    }
    // Not push(...found): a file of 130,000 beats or so, weeks offline, passes more arguments than
    // the stack holds, and the full outbox could then never be replayed.
    for (const beat of found) {
      beats.push(beat);
    }
    unreadableLines += unreadable;
  }
  return { beats, unreadableLines, unreadFiles };
}

/**
 * The beats on the first lines of `file`, those that end within its first `maxBytes`; none when it
 * cannot be read (whoever reads it whole says why). Cheap whatever the file's size.
 */
export async function headBeats(file: string, maxBytes: number): Promise<Beat[]> {
  let head: Buffer;
  try {
    const handle = await fs.open(file, "r");
    try {
      const buffer = Buffer.alloc(maxBytes);
      const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
  const lines = head.subarray(0, head.lastIndexOf(NEWLINE) + 1).toString("utf8").split("\n");
  const beats: Beat[] = [];
  for (const line of lines) {
    const beat = beatFrom(parseJson(line));
    if (beat !== undefined) {
      beats.push(beat);
    }
  }
  return beats;
}

/**
 * The oldest beat among the first `maxBytes` of each of `files`, by file; a file with none
 * readable there is left out. That is where a put-back or an append puts the oldest.
 */
export async function oldestAtHeadOf(files: readonly string[], maxBytes: number): Promise<Map<string, Beat>> {
  const oldest = new Map<string, Beat>();
  for (const file of files) {
    const found = oldestOf(await headBeats(file, maxBytes));
    if (found !== undefined) {
      oldest.set(file, found);
    }
  }
  return oldest;
}

export function oldestOf(beats: Iterable<Beat>): Beat | undefined {
  let oldest: Beat | undefined;
  for (const beat of beats) {
    if (oldest === undefined || beat.timestamp < oldest.timestamp) {
      oldest = beat;
    }
  }
  return oldest;
}

/**
 * Adds the lines of `from` at the end of `to`, on a fresh line (a write cut short by a crash may
 * have left `to` without its last "\n"). Streams: `from` can be of any size. Nothing when `from`
 * is gone. All or nothing: a failed append (disk full) cuts `to` back to its size before, or the
 * part written would be a second copy of beats that stay in `from`, counted twice towards the
 * bound, and every later try, each minute, would fill again what space the user frees.
 */
export async function appendFileTo(to: string, from: string): Promise<void> {
  let source: fs.FileHandle;
  try {
    source = await fs.open(from, "r");
  } catch (error) {
    if (isCode(error, "ENOENT")) {
      return;
    }
    throw error;
  }
  try {
    const { size, endsWithNewline } = await tailOf(to);
    try {
      if (!endsWithNewline) {
        await fs.appendFile(to, "\n");
      }
      await pipeline(source.createReadStream({ highWaterMark: CHUNK_BYTES }), createWriteStream(to, { flags: "a" }));
    } catch (error) {
      await fs.truncate(to, size).catch(() => undefined);
      throw error;
    }
  } finally {
    await source.close().catch(() => undefined);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function tailOf(file: string): Promise<{ size: number; endsWithNewline: boolean }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, "r");
  } catch (error) {
    if (isCode(error, "ENOENT")) {
      return { size: 0, endsWithNewline: true };
    }
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) {
      return { size, endsWithNewline: true };
    }
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return { size, endsWithNewline: last[0] === 0x0a };
  } finally {
    await handle.close();
  }
}

export function sizeOf(file: string): Promise<number> {
  return orIfMissing(
    fs.stat(file).then((found) => found.size),
    0,
  );
}

/**
 * Counts the lines of outbox files, each read once: a file seen before (the same device, inode
 * and birth time, whatever its name now: a claim renamed back to the queue is the same file) and
 * no shorter is read from where the last count ended. The outbox never changes a file but by
 * appending to it, or by replacing it whole with a new one. Counting a full outbox (22 MB) from
 * the start every minute in every window was most of what a replay cost while the daemon was down.
 */
export class LineCounter {
  /** By `dev:ino`. */
  private known = new Map<string, CountedFile>();

  /**
   * The lines of all `files` (a missing one counts 0). With `isEveryFile`, the files are all
   * there are: the others are forgotten (their inodes may be reused).
   */
  async count(files: readonly string[], isEveryFile = false): Promise<number> {
    const seen = new Map<string, CountedFile>();
    let total = 0;
    for (const file of files) {
      total += await this.linesIn(file, seen);
    }
    this.known = isEveryFile ? seen : new Map([...this.known, ...seen]);
    return total;
  }

  private async linesIn(file: string, seen: Map<string, CountedFile>): Promise<number> {
    const found = await orIfMissing(fs.stat(file), undefined);
    if (found === undefined) {
      return 0;
    }
    const key = `${found.dev}:${found.ino}`;
    const known = this.known.get(key);
    // Without a birth time (some file systems give 0), an inode reused by a new file would pass.
    const isGrownSince =
      known !== undefined && found.birthtimeMs > 0 && known.birthtimeMs === found.birthtimeMs && known.size <= found.size;
    const start = isGrownSince ? known.size : 0;
    const lines = (isGrownSince ? known.lines : 0) + (await orIfMissing(countNewlines(file, start, found.size), 0));
    seen.set(key, { birthtimeMs: found.birthtimeMs, size: found.size, lines });
    return lines;
  }
}

interface CountedFile {
  readonly birthtimeMs: number;
  /** Bytes counted: lines past them were appended since. */
  readonly size: number;
  readonly lines: number;
}

export function unlinkIfPresent(file: string): Promise<void> {
  return orIfMissing(fs.unlink(file), undefined);
}



