import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";

import type { Beat } from "../../src/core/beat";
import {
  DEFAULT_MAX_BEATS,
  LOCK_FILE,
  Outbox,
  OutboxBusyError,
  QUEUE_FILE,
  type ReplayVerdict,
} from "../../src/core/outbox";

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-outbox-"));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const beat = (timestamp: number, project = "/p"): Beat => ({ project_path: project, timestamp });

async function drain(outbox: Outbox, verdict: (beat: Beat) => ReplayVerdict = () => "sent") {
  const delivered: Beat[] = [];
  const result = await outbox.replay(async (b) => {
    const answer = verdict(b);
    if (answer !== "stop") {
      delivered.push(b);
    }
    return answer;
  });
  return { delivered, result };
}

function runChild(...args: string[]): Promise<void> {
  const script = path.join(__dirname, "fixtures", "outboxWriter.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

describe("Outbox", () => {
  test("an empty outbox replays nothing and counts zero", async () => {
    const outbox = new Outbox({ dir: path.join(dir, "not-yet-created") });
    assert.equal(await outbox.count(), 0);
    assert.deepEqual((await drain(outbox)).delivered, []);
  });

  test("beats are kept one JSON object per line and counted", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(1), beat(2)]);
    await outbox.append([beat(3)]);
    assert.equal(await outbox.count(), 3);
    const text = await fs.readFile(path.join(dir, QUEUE_FILE), "utf8");
    assert.equal(text, ['{"project_path":"/p","timestamp":1}', '{"project_path":"/p","timestamp":2}', '{"project_path":"/p","timestamp":3}', ""].join("\n"));
  });

  test("the outbox is this account's only: its folder 0700 (narrowed if VS Code made it wider), its files 0600", { skip: process.platform === "win32" ? "no Unix modes" : false }, async () => {
    // It lists the folders worked in and when: other accounts of a shared machine read it before.
    await fs.chmod(dir, 0o755);
    const outbox = new Outbox({ dir });
    await outbox.append([beat(1)]);
    await outbox.appendBeforeExit([beat(2)]);
    assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
    assert.equal((await fs.stat(path.join(dir, QUEUE_FILE))).mode & 0o777, 0o600);
    const nested = path.join(dir, "new", "storage");
    await new Outbox({ dir: nested }).append([beat(3)]);
    assert.equal((await fs.stat(nested)).mode & 0o777, 0o700);
    assert.equal((await fs.stat(path.join(nested, QUEUE_FILE))).mode & 0o777, 0o600);
  });

  test("replay hands out beats oldest first and empties the outbox", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(30), beat(10)]);
    await outbox.append([beat(20, "/q")]);
    const { delivered, result } = await drain(outbox);
    assert.deepEqual(delivered.map((b) => b.timestamp), [10, 20, 30]);
    assert.deepEqual(result, { sent: 3, dropped: 0, remaining: 0, unreadableLines: 0 });
    assert.equal(await outbox.count(), 0);
    assert.deepEqual((await fs.readdir(dir)).sort(), []);
  });

  test("stop puts the rest back in front of beats queued meanwhile", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(1), beat(2), beat(3)]);
    const result = await outbox.replay(async (b) => {
      if (b.timestamp === 1) {
        await outbox.append([beat(4)]); // another beat arrives while replaying
        return "sent";
      }
      return "stop";
    });
    assert.deepEqual(result, { sent: 1, dropped: 0, remaining: 2, unreadableLines: 0 });
    const text = await fs.readFile(path.join(dir, QUEUE_FILE), "utf8");
    assert.deepEqual(text.trim().split("\n").map((line) => (JSON.parse(line) as Beat).timestamp), [2, 3, 4]);
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [2, 3, 4]);
  });

  test("a replay while the daemon is away tries one beat, the oldest, and writes nothing: the queue stays the same file", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(30), beat(10), beat(20)]);
    await outbox.append(Array.from({ length: 2_000 }, (_, i) => beat(100 + i, "/home/me/code/app")));
    const queue = path.join(dir, QUEUE_FILE);
    const before = await fs.stat(queue);
    const text = await fs.readFile(queue, "utf8");
    const tried: Beat[] = [];
    const result = await outbox.replay(async (b) => {
      tried.push(b);
      return "stop";
    });
    assert.deepEqual(tried, [beat(10)], "the oldest at the head of the queue, and only it");
    assert.deepEqual(result, { sent: 0, dropped: 0, remaining: 0, unreadableLines: 0 });
    const after = await fs.stat(queue);
    assert.equal(after.ino, before.ino, "not rewritten: the claim went back by rename");
    assert.equal(await fs.readFile(queue, "utf8"), text);
    assert.deepEqual(await fs.readdir(dir), [QUEUE_FILE]);
    assert.equal(await outbox.count(), 2_003);
  });

  test("the daemon away, on a disk with no room to rewrite the queue: the replay needs none", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append(Array.from({ length: 2_000 }, (_, i) => beat(i, "/home/me/code/app"))); // ~80 KB
    for (let round = 0; round < 2; round++) {
      assert.equal(await runChildOnFullDisk(16, "offline", dir, "-"), 0, `round ${round}: nothing to write, nothing fails`);
      assert.deepEqual(await fs.readdir(dir), [QUEUE_FILE]);
    }
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), Array.from({ length: 2_000 }, (_, i) => i));
  });

  test("the daemon away, the disk filling while a spill is given back: no part of it is added twice", async () => {
    const outbox = new Outbox({ dir });
    const queued = Array.from({ length: 130 }, (_, i) => beat(1_000 + i, "/home/me/code/app")); // ~7 KB
    await outbox.append(queued);
    const spilled = Array.from({ length: 60 }, (_, i) => beat(2_000 + i, "/home/me/code/app")); // ~3 KB
    await fs.writeFile(path.join(dir, "outbox.spill-4343-abcdef.jsonl"), spilled.map((b) => `${JSON.stringify(b)}\n`).join(""));
    const queueText = await fs.readFile(path.join(dir, QUEUE_FILE), "utf8");
    for (let round = 0; round < 2; round++) {
      // The queue's claim is the larger: the spill is added at its end, and the file limit (8 KiB)
      // is reached midway, as a disk fills.
      assert.equal(await runChildOnFullDisk(16, "offline", dir, "-"), 0, `round ${round}: the spill stays a claim`);
      assert.equal(await fs.readFile(path.join(dir, QUEUE_FILE), "utf8"), queueText, `round ${round}: the queue as it was`);
      assert.equal(await outbox.count(), 190, `round ${round}: a partial copy would count beats twice, towards the bound`);
    }
    const { delivered } = await drain(outbox);
    assert.deepEqual(
      delivered.map((b) => b.timestamp),
      [...queued, ...spilled].map((b) => b.timestamp),
    );
  });

  test("a window killed at any step of a replay loses no beat: the next replays send each", async () => {
    for (const sends of [0, 1]) {
      let step = 1;
      for (; ; step++) {
        await fs.rm(dir, { recursive: true, force: true });
        await fs.mkdir(dir);
        const setup = new Outbox({ dir });
        await setup.append([15, 11, 13].map((t) => beat(t)));
        // A window that stopped an hour ago mid-replay, whatever has its pid now (its beats older
        // than the queue's: given back as a spill), and a spill (added to the queue).
        await fs.writeFile(path.join(dir, "outbox.claim-1-abcdef.jsonl"), [14, 2].map(beatLine).join(""));
        const anHourAgo = new Date(Date.now() - 2 * 60 * 60_000);
        await fs.utimes(path.join(dir, "outbox.claim-1-abcdef.jsonl"), anHourAgo, anHourAgo);
        await fs.writeFile(path.join(dir, "outbox.spill-1-abcdef.jsonl"), [17, 16].map(beatLine).join(""));
        const sentByChild = path.join(os.tmpdir(), `oxitrack-sent-${process.pid}-${sends}-${step}`);
        const exitCode = await runChildForCode("crashing", dir, sentByChild, String(step), String(sends));
        const sentBefore = (await fs.readFile(sentByChild, "utf8").catch(() => ""))
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => (JSON.parse(line) as Beat).timestamp);
        await fs.rm(sentByChild, { force: true });
        const outbox = new Outbox({ dir }); // the next window: the daemon still away, then back
        await outbox.replay(async () => "stop");
        const sentAfter = (await drain(outbox)).delivered.map((b) => b.timestamp);
        const where = `${sends} sent, killed at file operation ${step}`;
        assert.deepEqual([...new Set([...sentBefore, ...sentAfter])].sort((a, b) => a - b), [2, 11, 13, 14, 15, 16, 17], where);
        assert.deepEqual(await fs.readdir(dir), [], `${where}: nothing left behind`);
        if (exitCode === 0) {
          break; // the replay ended before that step: every step was tried
        }
        assert.equal(exitCode, null, `${where}: killed`);
      }
      assert.ok(step > 10, `${sends} sent: ${step} file operations`);
    }
  });

  test("the daemon away: a spill and beats queued meanwhile go back to the queue, a dead window's older claim as a spill, each once", async () => {
    const outbox = new Outbox({ dir, isAlive: (pid) => pid !== 4242 });
    await outbox.append([beat(10), beat(11), beat(12)]);
    await writeClaim(dir, 4242, new Date()); // beat 1, older than the queue's
    await fs.writeFile(path.join(dir, "outbox.spill-4343-abcdef.jsonl"), [20, 21].map(beatLine).join(""));
    const tried: Beat[] = [];
    await outbox.replay(async (b) => {
      tried.push(b);
      await outbox.append([beat(100)]); // another window, while the first try is out
      return "stop";
    });
    assert.deepEqual(tried, [beat(1)], "the oldest at the head of every claimed file");
    const names = await fs.readdir(dir);
    assert.equal(names.length, 2, `${names}`);
    assert.ok(names.includes(QUEUE_FILE));
    const spill = names.find((name) => name !== QUEUE_FILE) ?? "";
    assert.match(spill, /^outbox\.spill-\d+-[0-9a-f]+\.jsonl$/);
    assert.equal(await fs.readFile(path.join(dir, spill), "utf8"), beatLine(1), "renamed, not copied into the queue");
    assert.equal(await outbox.count(), 7);
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [1, 10, 11, 12, 20, 21, 100]);
  });

  test("the daemon away: files that end without a newline are given back with each beat on its own line", async () => {
    for (const isQueuedMeanwhile of [false, true]) {
      await fs.rm(dir, { recursive: true, force: true });
      const outbox = new Outbox({ dir });
      await outbox.append([beat(1), beat(2), beat(3)]);
      // A spill whose last write stopped just before its "\n": the beat is whole.
      await fs.writeFile(path.join(dir, "outbox.spill-4343-abcdef.jsonl"), JSON.stringify(beat(5)));
      await outbox.replay(async () => {
        if (isQueuedMeanwhile) {
          await outbox.append([beat(100)]);
        }
        return "stop";
      });
      await outbox.append([beat(200)]);
      const { delivered, result } = await drain(outbox);
      const expected = isQueuedMeanwhile ? [1, 2, 3, 5, 100, 200] : [1, 2, 3, 5, 200];
      assert.deepEqual(delivered.map((b) => b.timestamp), expected, `queued meanwhile: ${isQueuedMeanwhile}`);
      assert.equal(result.unreadableLines, 0);
    }
  });

  test("the daemon away: a dead window's older beats, given back with a larger queue, are still tried first", async () => {
    const outbox = new Outbox({ dir, isAlive: (pid) => pid !== 4242 });
    await outbox.append(Array.from({ length: 2_000 }, (_, i) => beat(100 + i, "/home/me/code/app"))); // ~100 KB
    await writeClaim(dir, 4242, new Date()); // beat 1, from before the queue
    for (let minute = 0; minute < 3; minute++) {
      const tried: number[] = [];
      await outbox.replay(async (b) => {
        tried.push(b.timestamp);
        return "stop";
      });
      assert.deepEqual(tried, [1], `minute ${minute}: the oldest beat, not one at the head of the queue`);
      assert.equal((await fs.readdir(dir)).length, 2, `minute ${minute}: the queue and that spill, no file more`);
    }
    const { delivered } = await drain(outbox);
    assert.deepEqual(delivered.map((b) => b.timestamp), [1, ...Array.from({ length: 2_000 }, (_, i) => 100 + i)]);
  });

  test("the daemon away and a queue whose head no beat can be read from: the rest is still added to it", async () => {
    const outbox = new Outbox({ dir });
    // A crash left a line longer than the first try reads (zeros, say) at the start of the queue.
    await fs.writeFile(path.join(dir, QUEUE_FILE), `${"x".repeat(100 * 1024)}\n${beatLine(50)}`);
    await fs.writeFile(path.join(dir, "outbox.spill-4343-abcdef.jsonl"), beatLine(1));
    await outbox.replay(async () => "stop");
    assert.deepEqual(await fs.readdir(dir), [QUEUE_FILE], "one file, not a spill left beside it every time");
    const { delivered, result } = await drain(outbox);
    assert.deepEqual(delivered.map((b) => b.timestamp), [1, 50]);
    assert.equal(result.unreadableLines, 1);
  });

  test("once the daemon answers, the beat tried first is not sent again, whatever it said", async () => {
    for (const first of ["sent", "dropped", "kept"] as const) {
      await fs.rm(dir, { recursive: true, force: true });
      const outbox = new Outbox({ dir });
      await outbox.append([beat(3), beat(1), beat(2)]);
      const tries: number[] = [];
      const result = await outbox.replay(async (b) => {
        tries.push(b.timestamp);
        return b.timestamp === 1 ? first : "sent";
      });
      assert.deepEqual(tries, [1, 2, 3], `${first}: each beat once, oldest first`);
      assert.deepEqual(result, {
        sent: first === "sent" ? 3 : 2,
        dropped: first === "dropped" ? 1 : 0,
        remaining: first === "kept" ? 1 : 0,
        unreadableLines: 0,
      });
      assert.equal(await outbox.count(), first === "kept" ? 1 : 0);
    }
  });

  test("a deliver that fails on the first try leaves every beat queued", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(1), beat(2)]);
    await assert.rejects(outbox.replay(async () => Promise.reject(new Error("boom"))), /boom/);
    assert.deepEqual(await fs.readdir(dir), [QUEUE_FILE]);
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [1, 2]);
  });

  test("dropped beats are counted and not put back", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(1), beat(2)]);
    const { result } = await drain(outbox, (b) => (b.timestamp === 1 ? "dropped" : "sent"));
    assert.deepEqual(result, { sent: 1, dropped: 1, remaining: 0, unreadableLines: 0 });
    assert.equal(await outbox.count(), 0);
  });

  test("a failing deliver puts everything not yet delivered back", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(1), beat(2)]);
    await assert.rejects(
      outbox.replay(async (b) => {
        if (b.timestamp === 2) {
          throw new Error("boom");
        }
        return "sent";
      }),
      /boom/,
    );
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [2]);
  });

  test("a write cut short by a crash: the partial line is skipped, later beats survive", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(1)]);
    await fs.appendFile(path.join(dir, QUEUE_FILE), '{"project_path":"/p","timest');
    await outbox.append([beat(2)]);
    const logged: string[] = [];
    const reader = new Outbox({ dir, log: (message) => logged.push(message) });
    const { delivered, result } = await drain(reader);
    assert.deepEqual(delivered.map((b) => b.timestamp), [1, 2]);
    assert.equal(result.unreadableLines, 1);
    assert.match(logged.join("\n"), /skipped 1 unreadable/);
  });

  test("a beat the callback keeps stays queued, and the replay goes on with the next", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([beat(1), beat(2), beat(3)]);
    const offered: number[] = [];
    const result = await outbox.replay(async (b) => {
      offered.push(b.timestamp);
      return b.timestamp === 1 ? "kept" : "sent";
    });
    assert.deepEqual(offered, [1, 2, 3]);
    assert.deepEqual(result, { sent: 2, dropped: 0, remaining: 1, unreadableLines: 0 });
    assert.equal(await outbox.count(), 1);
    assert.deepEqual((await drain(outbox)).delivered, [beat(1)], "the next replay offers it again");
  });

  test("a queue file that cannot be read is kept and logged, and read again by the next replay", async () => {
    const elsewhere = path.join(dir, "elsewhere");
    const box = path.join(dir, "box");
    await fs.mkdir(elsewhere);
    await fs.mkdir(box);
    // The queue is a link to a folder: rename works, reading fails (EISDIR), like a disk error.
    await fs.symlink(elsewhere, path.join(box, QUEUE_FILE));
    const logged: string[] = [];
    const outbox = new Outbox({ dir: box, log: (message) => logged.push(message) });
    await drain(outbox);
    const left = await fs.readdir(box);
    assert.equal(left.length, 1, "the unreadable file is not deleted");
    assert.match(logged.join("\n"), /could not read .*outbox\.claim-.*EISDIR.*left for the next replay/);

    await fs.rm(elsewhere, { recursive: true });
    await fs.writeFile(elsewhere, '{"project_path":"/p","timestamp":7}\n');
    assert.deepEqual((await drain(outbox)).delivered, [beat(7)]);
    assert.deepEqual(await fs.readdir(box), []);
  });

  test("the daemon away and a claim that cannot be read: each minute's replay still puts the queue back", async () => {
    const elsewhere = path.join(dir, "elsewhere");
    const box = path.join(dir, "box");
    await fs.mkdir(elsewhere);
    await fs.mkdir(box);
    // A dead window's claim that cannot be read (a link to a folder: EISDIR, like a disk error).
    await fs.symlink(elsewhere, path.join(box, "outbox.claim-4242-abcdef.jsonl"));
    const logged: string[] = [];
    const outbox = new Outbox({ dir: box, isAlive: (pid) => pid !== 4242, log: (message) => logged.push(message) });
    await outbox.append([beat(1), beat(2)]);
    for (let minute = 0; minute < 3; minute++) {
      const tried: Beat[] = [];
      await outbox.replay(async (b) => {
        tried.push(b);
        return "stop";
      });
      assert.deepEqual(tried, [beat(1)], `minute ${minute}: one beat tried`);
      const names = await fs.readdir(box);
      assert.equal(names.length, 2, `minute ${minute}: the queue and the unreadable claim, no claim more (${names})`);
      assert.ok(names.includes(QUEUE_FILE), `minute ${minute}: the beats are back in the queue`);
      await outbox.append([beat(10 + minute)]);
    }
    assert.match(logged.join("\n"), /could not read .*outbox\.claim-.*EISDIR.*left for the next replay/);
    await fs.rm(elsewhere, { recursive: true });
    await fs.writeFile(elsewhere, `${JSON.stringify(beat(5))}\n`);
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [1, 2, 5, 10, 11, 12]);
    assert.deepEqual(await fs.readdir(box), []);
  });

  test("a queue damaged past what a string holds (zeros after a crash): its beats are replayed", async () => {
    const queue = path.join(dir, QUEUE_FILE);
    await fs.writeFile(queue, `${JSON.stringify(beat(1))}\n`);
    await fs.truncate(queue, 513 * 1024 * 1024); // sparse: no disk used, and past 2^29 characters
    const outbox = new Outbox({ dir });
    await outbox.append([beat(2)]); // appended to the damaged file, on a line of its own
    const { delivered, result } = await drain(outbox);
    assert.deepEqual(delivered.map((b) => b.timestamp), [1, 2]);
    assert.equal(result.unreadableLines, 1, "the zeros are one line, too long to be a beat");
    assert.deepEqual(await fs.readdir(dir), [], "the damaged file is gone, not read again every minute");
  });

  test("lines that are JSON but not beats are skipped", async () => {
    await fs.writeFile(path.join(dir, QUEUE_FILE), '{"project_path":"/p","timestamp":1}\n[]\n{"project_path":"","timestamp":2}\n{"project_path":"/p","timestamp":1.5}\nnull\n{"project_path":["/p"],"timestamp":3}\n');
    const { delivered, result } = await drain(new Outbox({ dir }));
    assert.equal(delivered.length, 1);
    assert.equal(result.unreadableLines, 5);
  });

  test("a beat's language and editor are kept in the outbox and replayed with that beat", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([
      { project_path: "/p", timestamp: 1, language: "Python", editor: "vscode" },
      { project_path: "/p", timestamp: 2, language: "Markdown", editor: "vscode" },
      { project_path: "/p", timestamp: 3 },
    ]);
    const text = await fs.readFile(path.join(dir, QUEUE_FILE), "utf8");
    assert.match(text, /^\{"project_path":"\/p","timestamp":1,"language":"Python","editor":"vscode"\}\n/);
    const { delivered } = await drain(outbox, (b) => (b.timestamp === 2 ? "kept" : "stop"));
    assert.deepEqual(delivered, []);
    assert.deepEqual((await drain(outbox)).delivered, [
      { project_path: "/p", timestamp: 1, language: "Python", editor: "vscode" },
      { project_path: "/p", timestamp: 2, language: "Markdown", editor: "vscode" },
      { project_path: "/p", timestamp: 3 },
    ]);
  });

  test("a beat's category is kept in the outbox and replayed with that beat", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append([
      { project_path: "/p", timestamp: 1, language: "Go", editor: "vscode", category: "debugging" },
      { project_path: "/p", timestamp: 2, language: "Go", editor: "vscode" },
      { project_path: "/p", timestamp: 3, category: "building" },
    ]);
    const text = await fs.readFile(path.join(dir, QUEUE_FILE), "utf8");
    assert.match(text, /^\{"project_path":"\/p","timestamp":1,"language":"Go","editor":"vscode","category":"debugging"\}\n/);
    assert.deepEqual((await drain(outbox)).delivered, [
      { project_path: "/p", timestamp: 1, language: "Go", editor: "vscode", category: "debugging" },
      { project_path: "/p", timestamp: 2, language: "Go", editor: "vscode" },
      { project_path: "/p", timestamp: 3, category: "building" },
    ]);
  });

  test("a line holds the beat's fields and nothing else: no file name reaches the disk", async () => {
    const detailed = { project_path: "/p", timestamp: 1, language: "Python", editor: "vscode" };
    await new Outbox({ dir }).append([{ ...detailed, file: "/p/secret.py" } as typeof detailed]);
    const text = await fs.readFile(path.join(dir, QUEUE_FILE), "utf8");
    assert.equal(text, `${JSON.stringify(detailed)}\n`);
  });

  test("lines of other versions replay: older ones without language or category, newer ones with fields unknown here", async () => {
    await fs.writeFile(
      path.join(dir, QUEUE_FILE),
      [
        '{"project_path":"/p","timestamp":1}',
        '{"project_path":"/p","timestamp":2,"language":"Rust","editor":"cursor","branch":"main"}',
        '{"project_path":"/p","timestamp":3,"language":7,"editor":""}',
        '{"project_path":"/p","timestamp":4,"language":"Go","editor":"vscode"}',
        '{"project_path":"/p","timestamp":5,"language":"Go","category":false}',
        "",
      ].join("\n"),
    );
    const { delivered, result } = await drain(new Outbox({ dir }));
    assert.deepEqual(delivered, [
      { project_path: "/p", timestamp: 1 },
      { project_path: "/p", timestamp: 2, language: "Rust", editor: "cursor" },
      { project_path: "/p", timestamp: 3 },
      { project_path: "/p", timestamp: 4, language: "Go", editor: "vscode" },
      { project_path: "/p", timestamp: 5, language: "Go" },
    ]);
    assert.equal(result.unreadableLines, 0);
  });

  test("the outbox is bounded: beats beyond maxBeats are dropped and the log says so once", async () => {
    const logged: string[] = [];
    const outbox = new Outbox({ dir, maxBeats: 5, log: (message) => logged.push(message) });
    assert.deepEqual(await outbox.append([beat(1), beat(2), beat(3)]), { appended: 3, droppedBecauseFull: 0 });
    assert.deepEqual(logged, [], "not full yet");
    assert.deepEqual(await outbox.append([beat(4), beat(5), beat(6)]), { appended: 2, droppedBecauseFull: 1 });
    assert.deepEqual(await outbox.append([beat(7)]), { appended: 0, droppedBecauseFull: 1 });
    assert.equal(await outbox.count(), 5);
    assert.equal(logged.filter((line) => /outbox is full/.test(line)).length, 1);
    const windowLogged: string[] = [];
    await new Outbox({ dir, maxBeats: 5, log: (message) => windowLogged.push(message) }).append([beat(7)]);
    assert.equal(windowLogged.filter((line) => /outbox is full/.test(line)).length, 1, "a window opened on a full outbox says so too");
    await drain(outbox);
    assert.deepEqual(await outbox.append([beat(8)]), { appended: 1, droppedBecauseFull: 0 });
  });

  test("a full outbox, its beats all in one file, is replayed: every beat, oldest first", async () => {
    // Weeks offline fill the queue file up to the bound; reading it back once overflowed the stack.
    const first = 1_750_000_000;
    const lines = Array.from({ length: DEFAULT_MAX_BEATS }, (_, index) => JSON.stringify(beat(first + index)));
    await fs.writeFile(path.join(dir, QUEUE_FILE), `${lines.join("\n")}\n`);
    const outbox = new Outbox({ dir });
    let next = first;
    let inOrder = true;
    const result = await outbox.replay(async (replayed) => {
      inOrder &&= replayed.timestamp === next++;
      return "sent";
    });
    assert.equal(result.sent, DEFAULT_MAX_BEATS);
    assert.ok(inOrder);
    assert.equal(await outbox.count(), 0);
  });

  test("beats appended while a replay has claimed the queue count the claim: the bound holds", async () => {
    const outbox = new Outbox({ dir, maxBeats: 10 });
    await outbox.append(Array.from({ length: 10 }, (_, i) => beat(i)));
    const appendedDuringReplays: number[] = [];
    for (let round = 1; round <= 3; round++) {
      // The daemon is still down: the replay stops at once while new beats keep coming.
      await outbox.replay(async () => {
        appendedDuringReplays.push((await outbox.append([beat(100 * round), beat(100 * round + 1)])).appended);
        return "stop";
      });
    }
    assert.deepEqual(appendedDuringReplays, [0, 0, 0]);
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), Array.from({ length: 10 }, (_, i) => i));
  });

  test("spill files count towards the bound", async () => {
    const outbox = new Outbox({ dir, maxBeats: 3 });
    await fs.writeFile(path.join(dir, "outbox.spill-4242-abcdef.jsonl"), [1, 2].map((t) => `{"project_path":"/p","timestamp":${t}}\n`).join(""));
    assert.deepEqual(await outbox.append([beat(3), beat(4)]), { appended: 1, droppedBecauseFull: 1 });
    assert.equal(await outbox.count(), 3);
  });

  test("a spill written while the lock is busy keeps within the bound", async () => {
    const outbox = new Outbox({ dir, maxBeats: 3, isAlive: () => true, exitLockWaitMs: 50 });
    await outbox.append([beat(1), beat(2)]);
    await fs.writeFile(path.join(dir, LOCK_FILE), `1 ${Date.now()} abc`); // a live window's lock
    await outbox.appendBeforeExit([beat(3), beat(4)]);
    assert.equal(await outbox.count(), 3);
    await fs.unlink(path.join(dir, LOCK_FILE));
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [1, 2, 3]);
  });

  test("beats put back after a replay keep within the bound, oldest first", async () => {
    const logged: string[] = [];
    const outbox = new Outbox({ dir, maxBeats: 4, log: (message) => logged.push(message) });
    await outbox.append([beat(1), beat(2), beat(3)]);
    await outbox.replay(async () => {
      // Meanwhile a closing window left a spill (written without the lock, so it saw room).
      await fs.writeFile(path.join(dir, "outbox.spill-4242-abcdef.jsonl"), '{"project_path":"/p","timestamp":9}\n{"project_path":"/p","timestamp":8}\n');
      return "stop";
    });
    assert.equal(await outbox.count(), 4);
    assert.match(logged.join("\n"), /outbox is full/);
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [1, 2, 8, 9]);
  });

  test("beats queued during a replay are counted once when the rest is put back: none dropped within the bound", async () => {
    const outbox = new Outbox({ dir, maxBeats: 4 });
    await outbox.append([beat(1), beat(2)]);
    await outbox.replay(async () => {
      await outbox.append([beat(3), beat(4)]);
      return "stop";
    });
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [1, 2, 3, 4]);
  });

  test("a claim left by a window that died is adopted by the next replay", async () => {
    const dead = 999_999;
    const alive = (pid: number) => pid !== dead;
    const dying = new Outbox({ dir, pid: dead, isAlive: alive });
    await dying.append([beat(1), beat(2)]);
    // The dead window claimed the queue and never finished.
    await fs.rename(path.join(dir, QUEUE_FILE), path.join(dir, `outbox.claim-${dead}-abcdef.jsonl`));
    const survivor = new Outbox({ dir, isAlive: alive });
    await survivor.append([beat(3)]);
    assert.equal(await survivor.count(), 3, "claims in flight are counted as queued");
    assert.deepEqual((await drain(survivor)).delivered.map((b) => b.timestamp), [1, 2, 3]);
    assert.deepEqual(await fs.readdir(dir), []);
  });

  test("a claim of a live window is left alone", async () => {
    const other = 424_242;
    await fs.writeFile(path.join(dir, `outbox.claim-${other}-abcdef.jsonl`), '{"project_path":"/p","timestamp":1}\n');
    const outbox = new Outbox({ dir, isAlive: () => true });
    assert.deepEqual((await drain(outbox)).delivered, []);
    assert.equal(await outbox.count(), 1);
  });

  test("a claim older than claimStaleMs is adopted even if its pid now belongs to a live process", async () => {
    const nowMs = 1_750_000_000_000;
    await writeClaim(dir, 1, new Date(nowMs - 2 * 3600_000));
    const outbox = new Outbox({ dir, isAlive: () => true, now: () => nowMs }); // the default: an hour
    assert.deepEqual((await drain(outbox)).delivered.map((b) => b.timestamp), [1]);
    assert.deepEqual(await fs.readdir(dir), []);
  });

  test("a live window's claim younger than claimStaleMs is left alone", async () => {
    const nowMs = 1_750_000_000_000;
    await writeClaim(dir, 424242, new Date(nowMs - 10 * 60_000));
    const outbox = new Outbox({ dir, isAlive: () => true, now: () => nowMs, claimStaleMs: 3600_000 });
    assert.deepEqual((await drain(outbox)).delivered, []);
    assert.equal(await outbox.count(), 1);
  });

  test("a claim is stamped when taken, not with the queue's last append", async () => {
    const nowMs = 1_750_000_000_000;
    const outbox = new Outbox({ dir, now: () => nowMs });
    await outbox.append([beat(1)]);
    const lastAppend = new Date(nowMs - 5 * 86_400_000);
    await fs.utimes(path.join(dir, QUEUE_FILE), lastAppend, lastAppend);
    const stamps: number[] = [];
    await outbox.replay(async () => {
      const claims = (await fs.readdir(dir)).filter((name) => name.startsWith("outbox.claim-"));
      for (const name of claims) {
        stamps.push((await fs.stat(path.join(dir, name))).mtimeMs);
      }
      return "sent";
    });
    assert.deepEqual(stamps, [nowMs]);
  });

  test("a lock left by a process that is gone is broken", async () => {
    await fs.writeFile(path.join(dir, LOCK_FILE), `999999 ${Date.now()} abc`);
    const logged: string[] = [];
    const outbox = new Outbox({ dir, isAlive: (pid) => pid !== 999_999, log: (m) => logged.push(m) });
    await outbox.append([beat(1)]);
    assert.equal(await outbox.count(), 1);
    assert.match(logged.join("\n"), /broke a stale lock .*outbox.lock \(holder exited\)/);
    assert.deepEqual((await fs.readdir(dir)).sort(), [QUEUE_FILE]);
  });

  test("a lock older than lockStaleMs is broken even if its holder lives", async () => {
    const lock = path.join(dir, LOCK_FILE);
    await fs.writeFile(lock, `1 ${Date.now()} abc`);
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(lock, old, old);
    const outbox = new Outbox({ dir, isAlive: () => true, lockStaleMs: 30_000 });
    await outbox.append([beat(1)]);
    assert.equal(await outbox.count(), 1);
  });

  test("a fresh lock held by a live window makes a writer give up after lockWaitMs", async () => {
    await fs.writeFile(path.join(dir, LOCK_FILE), `1 ${Date.now()} abc`);
    const outbox = new Outbox({ dir, isAlive: () => true, lockWaitMs: 100 });
    await assert.rejects(outbox.append([beat(1)]), OutboxBusyError);
  });

  test("two windows appending at once while a third replays: no beat lost", async () => {
    const perWriter = 150;
    const delivered = path.join(dir, "delivered.jsonl");
    const box = path.join(dir, "box");
    await Promise.all([
      runChild("append", box, "/a", String(perWriter)),
      runChild("append", box, "/b", String(perWriter)),
      runChild("replay", box, delivered),
    ]);
    const seen = new Set<string>();
    const record = (text: string) => {
      for (const line of text.split("\n").filter(Boolean)) {
        const b = JSON.parse(line) as Beat;
        seen.add(`${b.project_path}@${b.timestamp}`);
      }
    };
    record(await fs.readFile(delivered, "utf8"));
    const rest = await drain(new Outbox({ dir: box }));
    assert.equal(rest.result.unreadableLines, 0, "no torn lines");
    for (const b of rest.delivered) {
      seen.add(`${b.project_path}@${b.timestamp}`);
    }
    assert.equal(seen.size, 2 * perWriter);
    assert.deepEqual(await fs.readdir(box), []);
  });

  test("windows appending and spilling while two others replay with the daemon away: each beat kept once", async () => {
    const box = path.join(dir, "box");
    await Promise.all([
      runChild("append", box, "/a", "150"),
      runChild("closing", box, "/c", "150"),
      runChild("offline", box, "-", "60"),
      runChild("offline", box, "-", "60"),
    ]);
    const { delivered, result } = await drain(new Outbox({ dir: box }));
    assert.equal(result.unreadableLines, 0, "no torn lines");
    const expected = ["/a", "/c"].flatMap((project) => Array.from({ length: 150 }, (_, i) => `${project}@${1_000_000 + i}`));
    assert.deepEqual(delivered.map((b) => `${b.project_path}@${b.timestamp}`).sort(), expected.sort(), "each once");
    assert.deepEqual(await fs.readdir(box), []);
  });

  test("two Outbox objects in one process replaying at once share the work", async () => {
    const a = new Outbox({ dir });
    const b = new Outbox({ dir });
    await a.append(Array.from({ length: 50 }, (_, i) => beat(i)));
    const [first, second] = await Promise.all([drain(a), drain(b)]);
    const all = [...first.delivered, ...second.delivered].map((x) => x.timestamp).sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => i));
  });

  test("a disk full while replay puts beats back leaves no part-written file, and loses no beat", async () => {
    const outbox = new Outbox({ dir });
    await outbox.append(Array.from({ length: 2_000 }, (_, i) => beat(i, "/home/me/code/app"))); // ~80 KB
    for (let round = 0; round < 2; round++) {
      assert.notEqual(await runChildOnFullDisk(16, "keepFirst", dir, "-"), 0, "the put-back cannot be written");
      const names = await fs.readdir(dir);
      assert.deepEqual(
        names.filter((name) => name.includes(".tmp")),
        [],
        `round ${round}: a part-written file would eat the space the user frees`,
      );
    }
    assert.equal(await outbox.count(), 2_000, "the beats wait in the claim of the window that failed");
    const { delivered } = await drain(new Outbox({ dir, isAlive: () => false }));
    assert.deepEqual(delivered.map((b) => b.timestamp), Array.from({ length: 2_000 }, (_, i) => i));
  });

  test("a window that cannot write its lock (disk full) leaves no lock behind for others to wait on", async () => {
    assert.notEqual(await runChildOnFullDisk(0, "append", dir, "/p", "1"), 0, "nothing can be written");
    assert.deepEqual(await fs.readdir(dir), []);
    const outbox = new Outbox({ dir, isAlive: () => true, lockWaitMs: 500 });
    await outbox.append([beat(1)]);
    assert.equal(await outbox.count(), 1);
  });

  test("files a window was writing when it stopped: a put-back copy is removed, a spill is replayed", async () => {
    const liveWindow = 4242;
    const stoppedWindow = 4343;
    const isAlive = (pid: number) => pid !== stoppedWindow;
    await fs.writeFile(path.join(dir, `outbox.jsonl.tmp-${stoppedWindow}-abcdef`), `${JSON.stringify(beat(1))}\n`);
    await fs.writeFile(path.join(dir, `outbox.spill-${stoppedWindow}-abcdef.jsonl.tmp`), `${JSON.stringify(beat(2))}\n{"proj`);
    const leftAlone = [`outbox.jsonl.tmp-${liveWindow}-abcdef`, `outbox.spill-${liveWindow}-abcdef.jsonl.tmp`];
    for (const name of leftAlone) {
      await fs.writeFile(path.join(dir, name), `${JSON.stringify(beat(3))}\n`);
    }
    const { delivered, result } = await drain(new Outbox({ dir, isAlive }));
    assert.deepEqual(delivered.map((b) => b.timestamp), [2], "the put-back copy's beats are in claims already");
    assert.equal(result.unreadableLines, 1, "the spill's last line was cut short");
    assert.deepEqual((await fs.readdir(dir)).sort(), leftAlone.sort(), "a live window's files are its own");
  });

  test("appendBeforeExit with the lock free appends to the queue", async () => {
    const outbox = new Outbox({ dir });
    await outbox.appendBeforeExit([beat(1), beat(2)]);
    assert.deepEqual(await fs.readdir(dir), [QUEUE_FILE]);
    assert.equal(await outbox.count(), 2);
  });

  test("appendBeforeExit waits at most 1.5 s for a busy lock, then spills to a file replay picks up", async () => {
    await fs.writeFile(path.join(dir, LOCK_FILE), `1 ${Date.now()} abc`); // a live window's lock
    const closing = new Outbox({ dir, isAlive: () => true });
    const startMs = Date.now();
    await closing.appendBeforeExit([beat(2), beat(1)]);
    const tookMs = Date.now() - startMs;
    assert.ok(tookMs < 2_500, `took ${tookMs} ms`);
    const spills = (await fs.readdir(dir)).filter((name) => /^outbox\.spill-\d+-[0-9a-f]+\.jsonl$/.test(name));
    assert.equal(spills.length, 1);
    assert.equal(await closing.count(), 2);

    await fs.unlink(path.join(dir, LOCK_FILE)); // the other window is done
    const other = new Outbox({ dir, pid: 4242, isAlive: () => true });
    await other.append([beat(3)]);
    assert.deepEqual((await drain(other)).delivered.map((b) => b.timestamp), [1, 2, 3]);
    assert.deepEqual(await fs.readdir(dir), []);
  });
});

/**
 * Runs the outboxWriter fixture as a window whose writes stop at `limitKiB` KiB per file, as on a
 * full disk (`ulimit -f`: the write fails with EFBIG after writing what fits). Resolves with the
 * exit code: the fixture fails when the outbox does.
 */
function runChildOnFullDisk(limitKiB: number, ...args: string[]): Promise<number | null> {
  const script = path.join(__dirname, "fixtures", "outboxWriter.js");
  // `ulimit -f` counts 1024-byte blocks in bash, 512-byte ones in some shells: limits given here
  // are far from the sizes that matter either way.
  const command = `ulimit -f ${limitKiB} && exec "$0" "$@"`;
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command, process.execPath, script, ...args], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", resolve);
  });
}

/** Runs the outboxWriter fixture; resolves with its exit code, null when it was killed. */
function runChildForCode(...args: string[]): Promise<number | null> {
  const script = path.join(__dirname, "fixtures", "outboxWriter.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", resolve);
  });
}

function beatLine(timestamp: number): string {
  return `${JSON.stringify(beat(timestamp))}\n`;
}

/** A claim file of window `pid` holding one beat, taken at `takenAt`. */
async function writeClaim(dir: string, pid: number, takenAt: Date): Promise<void> {
  const claim = path.join(dir, `outbox.claim-${pid}-abcdef.jsonl`);
  await fs.writeFile(claim, '{"project_path":"/p","timestamp":1}\n');
  await fs.utimes(claim, takenAt, takenAt);
}
