/**
 * The machine and operating system a beat names, against a real `oxitrack serve`: ten minutes
 * sent at once, five more while the daemon is down (so they go through the outbox, beside a
 * line an older version queued, which names neither), come out of `GET /api/breakdown` as this
 * computer's time (`os.hostname()`), on its system as WakaTime's summaries name it. The beats are made
 * as the tracker makes them: machine.ts on the throttle's beats.
 */

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import { type Beat, withEditor } from "../../src/core/beat";
import { DaemonClient } from "../../src/core/daemonClient";
import { Delivery } from "../../src/core/delivery";
import { machineOf, systemName, withMachine } from "../../src/core/machine";
import { Outbox, QUEUE_FILE } from "../../src/core/outbox";
import { BeatThrottle } from "../../src/core/throttle";
import { DEFAULT_TIMING } from "../../src/core/timing";
import { Daemon } from "../support/daemon";

let tmp: string;
let daemon: Daemon;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-machine-"));
  daemon = await new Daemon(path.join(tmp, "oxitrack.db")).start();
});

after(async () => {
  await daemon.stop("SIGKILL");
  await fs.rm(tmp, { recursive: true, force: true });
});

describe("machine and system against a real daemon", () => {
  test("sent and replayed beats count for this computer; an older queued line for none", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "app-"));
    const storage = path.join(tmp, "storage");
    const outbox = new Outbox({ dir: storage });
    const client = new DaemonClient({ serverUrl: daemon.url, apiKey: undefined, timeoutMs: 5_000 });
    const delivery = new Delivery(() => client, outbox, () => undefined);
    const machine = machineOf(os.hostname, process.platform, true);
    const throttle = new BeatThrottle(DEFAULT_TIMING);
    const startS = Math.floor(Date.now() / 1000) - 3600;
    const send = async (beats: readonly Beat[]) => {
      for (const beat of beats) {
        await delivery.send(withMachine(withEditor(beat, "vscode"), machine));
      }
    };
    const work = (fromS: number, toS: number): Beat[] => {
      const beats: Beat[] = [];
      for (let s = fromS; s <= toS; s += 5) {
        beats.push(...throttle.onActivity(project, (startS + s) * 1000, "normal"));
        beats.push(...throttle.onTick((startS + s) * 1000, true));
      }
      return beats;
    };

    await send(work(0, 600));
    await daemon.stop();
    await send(work(605, 900));
    await send(throttle.flushHeldBack((startS + 900) * 1000));
    // What an older version queued, a minute before: it names no machine or system, so the
    // minute up to the next beat is no machine's.
    await fs.mkdir(storage, { recursive: true });
    const older = { project_path: project, timestamp: startS - 60, editor: "vscode" };
    await fs.appendFile(path.join(storage, QUEUE_FILE), `${JSON.stringify(older)}\n`);
    assert.ok((await outbox.count()) > 1, "the later beats wait in the outbox");
    await daemon.start();
    await delivery.replay();
    assert.equal(await outbox.count(), 0);

    const hostname = machine.machine ?? assert.fail("this computer has a host name");
    assert.deepEqual(await daemon.breakdown("machine"), [
      { name: hostname, duration_seconds: 900 },
      { name: null, duration_seconds: 60 },
    ]);
    assert.deepEqual(await daemon.breakdown("operating_system"), [
      { name: shownSystem(systemName(process.platform) ?? ""), duration_seconds: 900 },
      { name: null, duration_seconds: 60 },
    ]);
  });
});

/** A system as the daemon's breakdown shows it: as WakaTime's summaries name it (`darwin`: `Mac`). */
function shownSystem(word: string): string {
  const names: Record<string, string> = { linux: "Linux", darwin: "Mac", windows: "Windows" };
  return names[word] ?? word.charAt(0).toUpperCase() + word.slice(1);
}
