/**
 * Notices shown once across windows (noticeRule.ts decides): one marker file per notice in a folder
 * all windows share (the extension's global storage), named by a hash of the notice's text, read
 * and written under a lock file (lockFile.ts, as the outbox does) so two windows noting the same
 * mistake at the same moment cannot both show it. Trouble with the files never hides a notice: a
 * duplicate pop-up is better than a mistake nobody is told about. Must not import `vscode`.
 */

import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { describeError, isCode, isProcessAlive, LockFile, orIfMissing } from "./lockFile";
import { makePrivateFolder, PRIVATE_FILE_MODE } from "./outboxFiles";
import { type NoticeWindow, parseNoticeMarker, shouldForgetNotice, shouldShowNotice } from "./noticeRule";

export const NOTICES_DIR = "notices";

export interface SharedNoticesOptions {
  /** The folder every window shares (global storage); markers go in its `notices/` folder. */
  readonly dir: string;
  readonly log?: (message: string) => void;
  /** For tests: this window's process id, who is alive, and the clock (epoch ms). */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
  readonly now?: () => number;
}

export class SharedNotices {
  readonly dir: string;
  private readonly log: (message: string) => void;
  private readonly pid: number;
  private readonly isAlive: (pid: number) => boolean;
  private readonly now: () => number;
  private readonly lock: LockFile;
  /** This window's claims and releases, one after another, in the order they were asked for. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: SharedNoticesOptions) {
    this.dir = path.join(options.dir, NOTICES_DIR);
    this.log = options.log ?? (() => undefined);
    this.pid = options.pid ?? process.pid;
    this.isAlive = options.isAlive ?? isProcessAlive;
    this.now = options.now ?? Date.now;
    this.lock = new LockFile(path.join(this.dir, "notices.lock"), {
      staleMs: 30_000,
      waitMs: 2_000,
      log: this.log,
      pid: this.pid,
      isAlive: this.isAlive,
    });
  }

  /** True when this window should show the notice `text` (no live window has shown it). Never throws. */
  claim(text: string): Promise<boolean> {
    return this.serially(async () => {
      try {
        await makePrivateFolder(this.dir); // a notice may quote a setting: this account's only
        return await this.lock.with(async () => {
          const file = this.markerPath(text);
          if (!shouldShowNotice(await readMarker(file), this.here())) {
            return false;
          }
          const marker = JSON.stringify({ pid: this.pid, atMs: this.now(), text });
          await fs.writeFile(file, marker, { mode: PRIVATE_FILE_MODE });
          return true;
        });
      } catch (error) {
        this.log(`could not check whether another window showed a notice (${describeError(error)}); showing it`);
        return true;
      }
    });
  }

  /** The mistake behind `text` is fixed: the same mistake made again is shown again. Never throws. */
  release(text: string): Promise<void> {
    return this.serially(async () => {
      try {
        await makePrivateFolder(this.dir); // a notice may quote a setting: this account's only
        await this.lock.with(async () => {
          const file = this.markerPath(text);
          if (shouldForgetNotice(await readMarker(file), this.here())) {
            await fs.unlink(file);
          }
        });
      } catch (error) {
        if (!isCode(error, "ENOENT")) {
          this.log(`could not update the shown notices (${describeError(error)})`);
        }
      }
    });
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private here(): NoticeWindow {
    return { pid: this.pid, nowMs: this.now(), isAlive: this.isAlive };
  }

  private markerPath(text: string): string {
    return path.join(this.dir, `${createHash("sha256").update(text).digest("hex").slice(0, 32)}.json`);
  }
}

function readMarker(file: string) {
  return orIfMissing(fs.readFile(file, "utf8").then(parseNoticeMarker), undefined);
}
