/**
 * The category a beat names, against a real `oxitrack serve`: fifteen minutes in one Go file with
 * two short debug sessions (a quick run to check a value), the later part while the daemon is
 * down (so it goes through the outbox), come out of `GET /api/breakdown?by=category` as
 * `debugging` time and `coding` (the daemon's name for time of no category). The beats are made
 * as the tracker makes them: category.ts deciding the category from the debug session, the
 * throttle deciding when.
 * The first session's end is marked by the next activity, the second's by the tick (the user was
 * only reading): both within 30 s of a coding beat, so only a beat at once marks them.
 */

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import { type Beat, withEditor } from "../../src/core/beat";
import { categoryOf } from "../../src/core/category";
import { DaemonClient } from "../../src/core/daemonClient";
import { Delivery } from "../../src/core/delivery";
import { Outbox } from "../../src/core/outbox";
import { BeatThrottle } from "../../src/core/throttle";
import { DEFAULT_TIMING } from "../../src/core/timing";
import { Daemon } from "../support/daemon";

let tmp: string;
let daemon: Daemon;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-category-"));
  daemon = await new Daemon(path.join(tmp, "oxitrack.db")).start();
});

after(async () => {
  await daemon.stop("SIGKILL");
  await fs.rm(tmp, { recursive: true, force: true });
});

describe("category against a real daemon", () => {
  test("two short debug sessions amid coding (partly replayed from the outbox) are their own row", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "app-"));
    const outbox = new Outbox({ dir: path.join(tmp, "storage") });
    const client = new DaemonClient({ serverUrl: daemon.url, apiKey: undefined, timeoutMs: 5_000 });
    const delivery = new Delivery(() => client, outbox, () => undefined);
    const throttle = new BeatThrottle(DEFAULT_TIMING);
    const startMs = (Math.floor(Date.now() / 1000) - 3600) * 1000;
    const send = async (beats: readonly Beat[]) => {
      for (const beat of beats) {
        await delivery.send(withEditor(beat, "vscode"));
      }
    };
    const isDebugging = (s: number) => (s >= 302 && s < 322) || (s >= 402 && s < 412);

    // Activity every 5 s and a tick each time, as the tracker gets them.
    for (let s = 0; s <= 900; s += 5) {
      if (s === 450) {
        await daemon.stop();
      }
      const atMs = startMs + s * 1000;
      const category = categoryOf({ isDebugging: isDebugging(s), runningTasks: [] });
      if (s !== 415) {
        // At 415 s the second session has just ended and the user only reads: the tick marks it.
        await send(throttle.onActivity(project, atMs, "normal", "Go", category));
      }
      await send(throttle.onTick(atMs, true, category));
    }
    await send(throttle.flushHeldBack(startMs + 905_000));
    assert.ok((await outbox.count()) > 0, "the beats from 450 s on wait in the outbox");
    await daemon.start();
    await delivery.replay();
    assert.equal(await outbox.count(), 0);

    // Debugging from 305 s to the activity after the first session (325 s), and from 405 s to
    // the tick after the second (415 s); coding the rest.
    assert.deepEqual(await daemon.breakdown("category"), [
      { name: "coding", duration_seconds: 870 },
      { name: "debugging", duration_seconds: 30 },
    ]);
    assert.deepEqual(await daemon.breakdown("language"), [{ name: "Go", duration_seconds: 900 }]);
  });
});
