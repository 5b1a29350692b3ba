/**
 * Reads the outbox's files line by line, in chunks, never whole: a damaged file can be of any size
 * (a crash can leave gigabytes of zeros), and a file read whole as text fails past 512 MiB, which
 * left every beat in it waiting for ever, read again and again by every window.
 * Must not import `vscode`.
 */

import { createReadStream } from "node:fs";

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
