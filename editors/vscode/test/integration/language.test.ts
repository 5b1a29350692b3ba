/**
 * The language and the editor a beat names, against a real `oxitrack serve`: ten minutes in a
 * Python file then five in a Markdown file, the Markdown part while the daemon is down (so it goes
 * through the outbox), come out of `GET /api/breakdown` as Python and Markdown time of `vscode`.
 * The beats are made as the tracker makes them: VS Code's ids and appName through language.ts and
 * editorName.ts, the throttle deciding when.
 */

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import { type Beat, withEditor } from "../../src/core/beat";
import { DaemonClient } from "../../src/core/daemonClient";
import { Delivery } from "../../src/core/delivery";
import { editorName } from "../../src/core/editorName";
import { languageName } from "../../src/core/language";
import { Outbox } from "../../src/core/outbox";
import { BeatThrottle } from "../../src/core/throttle";
import { DEFAULT_TIMING } from "../../src/core/timing";
import { Daemon } from "../support/daemon";

let tmp: string;
let daemon: Daemon;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-language-"));
  daemon = await new Daemon(path.join(tmp, "oxitrack.db")).start();
});

after(async () => {
  await daemon.stop("SIGKILL");
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The beats for activity every 5 s (a tick each time) from `fromS` to `toS` after `startMs`. */
function work(
  throttle: BeatThrottle,
  project: string,
  languageId: string,
  span: { readonly startMs: number; readonly fromS: number; readonly toS: number },
): Beat[] {
  const beats: Beat[] = [];
  for (let s = span.fromS; s <= span.toS; s += 5) {
    const atMs = span.startMs + s * 1000;
    beats.push(...throttle.onActivity(project, atMs, "normal", languageName(languageId)));
    beats.push(...throttle.onTick(atMs, true));
  }
  return beats;
}

describe("language and editor against a real daemon", () => {
  test("Python then Markdown (replayed from the outbox) come out as their own rows, in vscode", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "app-"));
    const outbox = new Outbox({ dir: path.join(tmp, "storage") });
    const client = new DaemonClient({ serverUrl: daemon.url, apiKey: undefined, timeoutMs: 5_000 });
    const delivery = new Delivery(() => client, outbox, () => undefined);
    const editor = editorName("Visual Studio Code");
    const throttle = new BeatThrottle(DEFAULT_TIMING);
    const startMs = (Math.floor(Date.now() / 1000) - 3600) * 1000;
    const send = async (beats: readonly Beat[]) => {
      for (const beat of beats) {
        await delivery.send(withEditor(beat, editor));
      }
    };

    // The switch falls between two of the throttle's 30 s beats, so only a beat at once marks it.
    await send(work(throttle, project, "python", { startMs, fromS: 0, toS: 605 }));
    await daemon.stop();
    await send(work(throttle, project, "markdown", { startMs, fromS: 610, toS: 900 }));
    await send(throttle.flushHeldBack(startMs + 905_000));
    assert.ok((await outbox.count()) > 0, "the Markdown beats wait in the outbox");
    await daemon.start();
    await delivery.replay();
    assert.equal(await outbox.count(), 0);

    // The move to Markdown beat at once (610 s): Python gets up to it, Markdown up to its last beat.
    assert.deepEqual(await daemon.breakdown("language"), [
      { name: "Python", duration_seconds: 610 },
      { name: "Markdown", duration_seconds: 290 },
    ]);
    assert.deepEqual(await daemon.breakdown("editor"), [{ name: "vscode", duration_seconds: 900 }]);
  });
});
