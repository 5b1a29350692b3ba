/**
 * The outbox's files, one beat per line (outbox.ts decides which file is what). They are read in
 * chunks, never whole: a damaged file can be of any size (a crash can leave gigabytes of zeros),
 * and a file read whole as text fails past 512 MiB, which left every beat in it waiting for ever,
 * read again and again by every window. A new file is written whole or not at all.
 * Must not import `vscode`.
 */

import { createReadStream, promises as fs } from "node:fs";

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

/** How many "\n" `file` holds, read in chunks whatever its size. */
export async function countNewlines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) {
      count++;
    }
  }
  return count;
}

/**
 * Writes a new file, or leaves none: a write cut short (disk full) would otherwise keep the part
 * it wrote, and a replay failing every minute would fill each bit of space the user frees.
 */
export async function writeWholeOrNothing(file: string, text: string): Promise<void> {
  try {
    await fs.writeFile(file, text, "utf8");
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

export function countLines(file: string): Promise<number> {
  return orIfMissing(countNewlines(file), 0);
}

export function unlinkIfPresent(file: string): Promise<void> {
  return orIfMissing(fs.unlink(file), undefined);
}



