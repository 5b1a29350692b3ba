import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";

import type { Beat } from "../../src/core/beat";
import type { BeatOutcome } from "../../src/core/beatOutcome";
import { DaemonClient } from "../../src/core/daemonClient";
import { Delivery, type DeliveryState } from "../../src/core/delivery";
import { LOCK_FILE, Outbox } from "../../src/core/outbox";
import { renderStatus } from "../../src/core/statusText";
import type { TodayOutcome } from "../../src/core/todayReport";

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-delivery-"));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A daemon stand-in whose answer the test switches; records every beat it accepted. */
class FakeDaemon {
  /** The address the client is for: the setting changed, it is another. */
  serverUrl = "http://127.0.0.1:3000";
  mode: "up" | "down" | "slow" | "storeError" | "fault" | "refuse" | "refusePath" | "unauthorized" = "up";
  /** Folders on a share that does not answer: their beats get the daemon's 503 whatever the mode. */
  notAnswering = new Set<string>();
  accepted: Beat[] = [];
  /** Beats (by timestamp) the daemon fails on with a 500 whatever the mode, as a bug would. */
  faultsOn = new Set<number>();
  posted = 0;

  async postBeat(beat: Beat): Promise<BeatOutcome> {
    this.posted++;
    if (this.faultsOn.has(beat.timestamp)) {
      return this.fault();
    }
    if (this.notAnswering.has(beat.project_path)) {
      const detail = `HTTP 503: folder_not_answering: ${beat.project_path} did not answer`;
      return { kind: "unavailable", problem: { kind: "daemonError", detail, code: "folder_not_answering" } };
    }
    switch (this.mode) {
      case "up":
        this.accepted.push(beat);
        return { kind: "accepted", projectPath: `/canonical${beat.project_path}`, sessionId: 1, durationSeconds: 0 };
      case "down":
        return { kind: "unavailable", problem: { kind: "offline", detail: "connect ECONNREFUSED" } };
      case "storeError":
        return { kind: "unavailable", problem: { kind: "daemonError", detail: "HTTP 503", code: "store_unavailable" } };
      case "fault":
        return this.fault();
      case "slow":
        return { kind: "unavailable", problem: { kind: "slow", detail: "no answer within 5000 ms" } };
      case "refuse":
        return { kind: "rejected", status: 422, detail: "HTTP 422: invalid_field" };
      case "refusePath":
        return { kind: "rejected", status: 422, detail: "HTTP 422: must be an absolute path", field: "project_path" };
      case "unauthorized":
        return { kind: "unavailable", problem: { kind: "needsApiKey", detail: "HTTP 401: unauthorized", code: "unauthorized" } };
    }
  }

  private fault(): BeatOutcome {
    return { kind: "unavailable", problem: { kind: "daemonError", detail: "HTTP 500", code: "internal_error" } };
  }
}

function setup(
  isEnabled: () => boolean = () => true,
  isExcluded: (projectPath: string) => boolean = () => false,
  isExcludedEverywhere: (projectPath: string) => boolean = () => false,
) {
  const daemon = new FakeDaemon();
  const logged: string[] = [];
  const outbox = new Outbox({ dir });
  const delivery = new Delivery(() => daemon as unknown as DaemonClient, outbox, (m) => logged.push(m), {
    isEnabled,
    isExcluded,
    isExcludedEverywhere,
  });
  const states: DeliveryState[] = [];
  delivery.onDidChangeState((state) => states.push(state));
  return { daemon, logged, outbox, delivery, states };
}

const beat = (timestamp: number): Beat => ({ project_path: "/p", timestamp });

/** Beats 1..count sent while the daemon is down, so they wait in the outbox; posts counted anew. */
async function queueWhileDown(daemon: FakeDaemon, delivery: Delivery, count: number): Promise<void> {
  daemon.mode = "down";
  for (let timestamp = 1; timestamp <= count; timestamp++) {
    await delivery.send(beat(timestamp));
  }
  daemon.posted = 0;
}
const todayOk: TodayOutcome = { kind: "ok", report: { date: "2026-01-02", total_seconds: 0, projects: [] } };

/** A real HTTP server on a free loopback port answering every request with `status` and `body`. */
async function serverAnswering(status: number, body: string, contentType = "text/html") {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(status, { "Content-Type": contentType });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { url, close };
}

describe("Delivery", () => {
  test("a beat the daemon takes is not buffered, and its canonical path is remembered", async () => {
    const { daemon, outbox, delivery, logged } = setup();
    assert.deepEqual(delivery.state.connection, { kind: "unknown" });
    await delivery.send(beat(1));
    assert.deepEqual(logged, [], "a first answer is no change to log: the daemon was never away");
    assert.deepEqual(daemon.accepted, [beat(1)]);
    assert.equal(await outbox.count(), 0);
    assert.equal(delivery.canonicalPath("/p"), "/canonical/p");
    assert.deepEqual(delivery.state.connection, { kind: "online" });
    await delivery.saveForLater([]);
    assert.equal(await outbox.count(), 0, "a delivered beat is not saved again when the window closes");
  });

  test("daemon down: beats go to the outbox, state says offline with the count", async () => {
    const { daemon, outbox, delivery, states, logged } = setup();
    daemon.mode = "down";
    await delivery.send(beat(1));
    await delivery.send(beat(2));
    assert.equal(await outbox.count(), 2);
    const offline = { kind: "offline", detail: "connect ECONNREFUSED" };
    assert.deepEqual(delivery.state, { connection: offline, queued: 2 });
    assert.deepEqual(states.at(-1), { connection: offline, queued: 2 });
    assert.equal(logged.filter((line) => /daemon unavailable/.test(line)).length, 1, "logged once, not per beat");
  });

  test("tracking off: the outbox is not replayed, nothing is sent; on again: it is", async () => {
    let enabled = false;
    const { daemon, outbox, delivery } = setup(() => enabled);
    await outbox.append([beat(1), beat(2)]);
    await delivery.replay();
    assert.equal(daemon.accepted.length, 0);
    assert.equal(await outbox.count(), 2);
    enabled = true;
    await delivery.replay();
    assert.deepEqual(daemon.accepted.map((b) => b.timestamp), [1, 2]);
  });

  test("oxitrack.sendMachineName off: queued beats go without the host name, with the system", async () => {
    let namesMachine = true;
    const daemon = new FakeDaemon();
    const outbox = new Outbox({ dir });
    const delivery = new Delivery(() => daemon as unknown as DaemonClient, outbox, () => undefined, {
      namesMachine: () => namesMachine,
    });
    const named: Beat = { ...beat(1), editor: "vscode", machine: "laptop", operating_system: "linux" };
    daemon.mode = "down";
    await delivery.send(named); // made while the setting was on: queued with the host name
    assert.equal(await outbox.count(), 1);
    namesMachine = false;
    daemon.mode = "up";
    await delivery.replay();
    assert.deepEqual(daemon.accepted, [{ ...beat(1), editor: "vscode", operating_system: "linux" }]);
    namesMachine = true; // on again: a queued beat keeps the name it was made with
    await outbox.append([{ ...named, timestamp: 2 }]);
    await delivery.replay();
    assert.equal(daemon.accepted[1]?.machine, "laptop");
  });

  test("tracking switched off during a replay: the rest of the outbox stays queued", async () => {
    let enabled = true;
    const { daemon, outbox, delivery } = setup(() => enabled);
    await outbox.append([beat(1), beat(2), beat(3)]);
    const postBeat = daemon.postBeat.bind(daemon);
    daemon.postBeat = async (sent: Beat) => {
      enabled = false; // the user switches tracking off while the first beat is on its way
      return postBeat(sent);
    };
    await delivery.replay();
    assert.deepEqual(daemon.accepted.map((b) => b.timestamp), [1]);
    assert.equal(await outbox.count(), 2);
  });

  test("the next beat that gets through triggers the replay, oldest first", { timeout: 5_000 }, async () => {
    const { daemon, outbox, delivery, logged } = setup();
    daemon.mode = "down";
    await delivery.send(beat(1));
    await delivery.send(beat(2));
    daemon.mode = "up";
    const drained = new Promise<void>((resolve) =>
      delivery.onDidChangeState((state) => state.queued === 0 && resolve()),
    );
    await delivery.send(beat(3));
    await drained; // nothing else starts a replay here: the beat that got through must
    assert.deepEqual(daemon.accepted.map((b) => b.timestamp), [3, 1, 2]);
    assert.equal(await outbox.count(), 0);
    assert.deepEqual(delivery.state, { connection: { kind: "online" }, queued: 0 });
    assert.match(logged.join("\n"), /daemon is back/);
    assert.match(logged.join("\n"), /replayed 2 beat/);
  });

  test("a replay while the daemon is still down keeps every beat", async () => {
    const { daemon, outbox, delivery } = setup();
    daemon.mode = "down";
    await delivery.send(beat(1));
    await delivery.replay();
    assert.equal(await outbox.count(), 1);
    assert.deepEqual(daemon.accepted, []);
  });

  test("a beat the daemon fails on (500) stays queued; the beats behind it are delivered", async () => {
    const { daemon, outbox, delivery } = setup();
    await queueWhileDown(daemon, delivery, 4);
    daemon.mode = "up";
    daemon.faultsOn.add(2);
    await delivery.replay();
    assert.deepEqual(daemon.accepted, [beat(1), beat(3), beat(4)]);
    assert.equal(await outbox.count(), 1, "kept for a later replay, not dropped");
  });

  test("a folder on a share that does not answer keeps its beats; the other folders' are delivered", async () => {
    const { daemon, outbox, delivery } = setup();
    daemon.mode = "down";
    const onShare = (timestamp: number): Beat => ({ project_path: "/mnt/share/app", timestamp });
    for (const queued of [onShare(1), beat(2), onShare(3), onShare(4), beat(5)]) {
      await delivery.send(queued);
    }
    daemon.posted = 0;
    daemon.mode = "up";
    daemon.notAnswering.add("/mnt/share/app");
    await delivery.replay();
    assert.deepEqual(daemon.accepted, [beat(2), beat(5)]);
    assert.equal(daemon.posted, 3, "one try for the share's folder, not one per beat");
    assert.equal(await outbox.count(), 3, "the share's beats kept for a later replay");
  });

  test("500s for three beats in a row: the daemon itself is failing, the replay stops", async () => {
    const { daemon, outbox, delivery } = setup();
    await queueWhileDown(daemon, delivery, 6);
    daemon.mode = "fault";
    await delivery.replay();
    assert.equal(daemon.posted, 3);
    assert.equal(await outbox.count(), 6);
  });

  test("a 503 (the database held, say) stops the replay at the first beat", async () => {
    const { daemon, outbox, delivery } = setup();
    await queueWhileDown(daemon, delivery, 3);
    daemon.mode = "storeError";
    await delivery.replay();
    assert.equal(daemon.posted, 1);
    assert.equal(await outbox.count(), 3);
  });

  test("daemon down, slow or failing to store (503): a replay sends one beat and leaves the outbox file as it was", async () => {
    for (const mode of ["down", "slow", "storeError"] as const) {
      await fs.rm(dir, { recursive: true, force: true });
      const { daemon, outbox, delivery, logged } = setup();
      await queueWhileDown(daemon, delivery, 50);
      const queue = path.join(dir, "outbox.jsonl");
      const before = await fs.stat(queue);
      daemon.mode = mode;
      await delivery.replay();
      assert.equal(daemon.posted, 1, `${mode}: the oldest beat only`);
      assert.equal((await fs.stat(queue)).ino, before.ino, `${mode}: not rewritten`);
      assert.equal(await outbox.count(), 50, `${mode}: every beat kept`);
      assert.equal(delivery.state.queued, 50);
      assert.doesNotMatch(logged.join("\n"), /replay failed/);
      daemon.mode = "up";
      await delivery.replay();
      assert.deepEqual(daemon.accepted, Array.from({ length: 50 }, (_, i) => beat(i + 1)), `${mode}: then each once, oldest first`);
    }
  });

  test("the beat a replay tries first, refused for now (401, a 500, a folder not answering): kept, then sent once", async () => {
    for (const answer of ["unauthorized", "fault", "folderNotAnswering"] as const) {
      await fs.rm(dir, { recursive: true, force: true });
      const { daemon, outbox, delivery } = setup();
      await queueWhileDown(daemon, delivery, 5);
      if (answer === "folderNotAnswering") {
        daemon.mode = "up";
        daemon.notAnswering.add("/p");
      } else {
        daemon.mode = answer;
      }
      await delivery.replay();
      assert.equal(await outbox.count(), 5, `${answer}: every beat kept`);
      daemon.mode = "up";
      daemon.notAnswering.clear();
      await delivery.replay();
      assert.deepEqual(daemon.accepted, [1, 2, 3, 4, 5].map(beat), `${answer}: then each once, oldest first`);
      assert.equal(await outbox.count(), 0);
    }
  });

  test("beats queued by another window are replayed too", async () => {
    const { daemon, outbox, delivery } = setup();
    await new Outbox({ dir }).append([beat(5)]);
    await delivery.replay();
    assert.deepEqual(daemon.accepted, [beat(5)]);
    assert.equal(await outbox.count(), 0);
  });

  test("a refused beat is logged and dropped, not queued", async () => {
    const { daemon, outbox, delivery, logged } = setup();
    daemon.mode = "refuse";
    await delivery.send(beat(1));
    assert.equal(await outbox.count(), 0);
    assert.match(logged.join("\n"), /refused the beat for \/p at 1 \(HTTP 422: invalid_field\); dropped/);
  });

  describe("a folder excluded after its beats were made", () => {
    const secret = (timestamp: number): Beat => ({ project_path: "/code/secret", timestamp });
    const isSecret = (projectPath: string) => projectPath === "/code/secret";

    test("a beat the throttle held back is not sent, nor queued", async () => {
      const { daemon, outbox, delivery } = setup(() => true, isSecret);
      await delivery.send(secret(1));
      await delivery.send(beat(2));
      assert.deepEqual(daemon.accepted, [beat(2)]);
      assert.equal(await outbox.count(), 0);
    });

    test("its beats waiting in the outbox are dropped on replay, the others sent", async () => {
      let excluded = false;
      const isNowSecret = (projectPath: string) => excluded && isSecret(projectPath);
      const { daemon, outbox, delivery, logged } = setup(() => true, isNowSecret, isNowSecret);
      daemon.mode = "down";
      await delivery.send(secret(1));
      await delivery.send(beat(2));
      await delivery.send(secret(3));
      excluded = true; // the user adds the folder to oxitrack.excludePatterns
      daemon.mode = "up";
      await delivery.replay();
      assert.deepEqual(daemon.accepted, [beat(2)]);
      assert.equal(await outbox.count(), 0);
      assert.match(logged.join("\n"), /replayed 1 beat\(s\) from the outbox, dropped 2 of folders in oxitrack\.excludePatterns/);
      assert.doesNotMatch(logged.join("\n"), /the daemon refused/);
    });

    test("a workspace's own pattern does not drop the beats other windows queued", async () => {
      // The outbox is shared: a pattern in one workspace's settings speaks for that workspace only.
      const { daemon, delivery } = setup(() => true, () => false, () => false);
      daemon.mode = "down";
      await delivery.send(secret(1));
      const window = setup(() => true, isSecret, () => false); // the same outbox folder
      window.daemon.mode = "up";
      await window.delivery.replay();
      assert.deepEqual(window.daemon.accepted, [secret(1)]);
    });

    test("a window closing does not save its beats for later", async () => {
      const { outbox, delivery } = setup(() => true, isSecret);
      await delivery.saveForLater([secret(1), beat(2)]);
      assert.deepEqual((await outbox.replay(async () => "sent")).sent, 1);
    });
  });

  test("a folder whose path the daemon refuses is logged once and shown, until a beat gets through", async () => {
    const { daemon, outbox, delivery, logged, states } = setup();
    daemon.mode = "refusePath";
    await delivery.send(beat(1));
    await delivery.send(beat(2));
    assert.equal(await outbox.count(), 0, "dropped, as the daemon says it can never be stored");
    assert.equal(delivery.pathRefusal("/p"), "HTTP 422: must be an absolute path");
    assert.equal(delivery.pathRefusal("/other"), undefined);
    const lines = logged.filter((line) => line.includes("/p"));
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0] ?? "", /the daemon refuses the folder \/p \(HTTP 422: must be an absolute path\): time spent there is not recorded/);
    assert.ok(states.length > 0, "the status bar is told");
    daemon.mode = "up";
    const shown = states.length;
    await delivery.send(beat(3));
    assert.equal(delivery.pathRefusal("/p"), undefined);
    assert.ok(states.length > shown, "the status bar is told the folder is taken again");
  });

  test("one replay at a time per window", async () => {
    const { delivery } = setup();
    assert.equal(delivery.replay(), delivery.replay());
  });

  test("when the outbox cannot be written, beats wait in memory and reach it later", async () => {
    const { daemon } = setup();
    const blocker = path.join(dir, "file-not-folder");
    await fs.writeFile(blocker, "");
    const broken = new Outbox({ dir: blocker });
    const logged: string[] = [];
    let excluded = false;
    const delivery = new Delivery(() => daemon as unknown as DaemonClient, broken, (m) => logged.push(m), {
      isExcluded: (projectPath) => excluded && projectPath === "/code/secret",
    });
    const secret = (timestamp: number): Beat => ({ project_path: "/code/secret", timestamp });
    daemon.mode = "down";
    await delivery.send(beat(1));
    await delivery.send(secret(2));
    assert.equal(delivery.state.queued, 2);
    assert.match(logged.join("\n"), /held in memory/);
    excluded = true; // the user excludes the folder before the outbox can be written again
    await fs.unlink(blocker);
    daemon.mode = "up";
    await delivery.replay();
    assert.deepEqual(daemon.accepted, [beat(1)], "the excluded folder's beat is dropped, not sent");
    assert.deepEqual(delivery.state.queued, 0);
    assert.equal(await broken.count(), 0);
  });

  test("an outbox that cannot be written is logged once, not at every beat and replay, until it works again", async () => {
    const { daemon } = setup();
    const blocker = path.join(dir, "file-not-folder");
    await fs.writeFile(blocker, "");
    const logged: string[] = [];
    const delivery = new Delivery(() => daemon as unknown as DaemonClient, new Outbox({ dir: blocker }), (m) => logged.push(m));
    daemon.mode = "down";
    for (let timestamp = 1; timestamp <= 5; timestamp++) {
      await delivery.send(beat(timestamp)); // every 30 s
      await delivery.replay(); // every minute
    }
    assert.equal(delivery.state.queued, 5);
    const failures = logged.filter((line) => /could not write the outbox|outbox replay failed/.test(line));
    assert.ok(failures.length >= 1 && failures.length <= 2, logged.join("\n")); // writing, and replaying
    assert.match(failures[0] ?? "", /held in memory/);

    await fs.unlink(blocker);
    await delivery.replay();
    assert.equal(logged.filter((line) => line === "the outbox works again").length, 1, logged.join("\n"));
    await fs.rm(blocker, { recursive: true });
    await fs.writeFile(blocker, ""); // broken again: said again
    await delivery.send(beat(6));
    assert.match(logged.at(-1) ?? "", /could not write the outbox/);
  });

  test("beats held in memory are bounded: an outbox that never comes back cannot fill the memory", async () => {
    const { daemon } = setup();
    const blocker = path.join(dir, "file-not-folder");
    await fs.writeFile(blocker, "");
    const delivery = new Delivery(() => daemon as unknown as DaemonClient, new Outbox({ dir: blocker }), () => undefined);
    daemon.mode = "down";
    await Promise.all(Array.from({ length: 10_001 }, (_, index) => delivery.send(beat(index))));
    assert.equal(delivery.state.queued, 10_000);
  });

  test("today's answer from the status bar flips offline to online and back", () => {
    const { delivery, states } = setup();
    delivery.noteToday({ kind: "unavailable", problem: { kind: "offline", detail: "timeout" } });
    delivery.noteToday(todayOk);
    assert.deepEqual(states.map((s) => s.connection.kind), ["offline", "online"]);
  });

  test("a beat that times out at a slow daemon is kept, and replayed once it answers", async () => {
    const { daemon, outbox, delivery, logged } = setup();
    daemon.mode = "slow";
    await delivery.send(beat(1));
    await delivery.replay(); // the timer while still slow: the beat stays
    assert.equal(await outbox.count(), 1);
    assert.equal(delivery.state.connection.kind, "slow");
    assert.match(logged.join("\n"), /daemon slow to answer \(no answer within 5000 ms, though it accepts connections\)/);
    daemon.mode = "up";
    await delivery.replay();
    assert.deepEqual(daemon.accepted, [beat(1)]);
    assert.equal(await outbox.count(), 0);
    assert.equal(delivery.state.connection.kind, "online");
  });

  test("slow since: when the connection turned slow, kept while it stays slow", () => {
    let nowMs = 1_000;
    const delivery = new Delivery(() => new FakeDaemon() as unknown as DaemonClient, new Outbox({ dir }), () => undefined, {
      now: () => nowMs,
    });
    const slow: TodayOutcome = { kind: "unavailable", problem: { kind: "slow", detail: "no answer within 5000 ms" } };
    nowMs = 5_000;
    delivery.noteToday(slow);
    nowMs = 65_000;
    delivery.noteToday({ kind: "unavailable", problem: { kind: "slow", detail: "no answer within 5000 ms (body)" } });
    assert.equal(delivery.state.connection.kind, "slow");
    assert.equal(delivery.connectionSinceMs, 5_000, "slow in other words is still slow since the first look");
    nowMs = 70_000;
    delivery.noteToday(todayOk);
    assert.equal(delivery.state.connection.kind, "online");
    assert.equal(delivery.connectionSinceMs, 70_000);
  });

  test("slow before the machine slept and again on waking: slow since waking, not stuck", () => {
    let nowMs = new Date(2026, 10, 26, 18, 0).getTime();
    const delivery = new Delivery(() => new FakeDaemon() as unknown as DaemonClient, new Outbox({ dir }), () => undefined, {
      now: () => nowMs,
    });
    const slow: TodayOutcome = { kind: "unavailable", problem: { kind: "slow", detail: "no answer within 5000 ms" } };
    delivery.noteToday(slow); // 18:00, then the lid is closed: nothing is asked for 14 hours
    nowMs += 14 * 3_600_000;
    delivery.noteToday(slow); // 08:00, the daemon is slow for a moment after waking
    assert.equal(delivery.connectionSinceMs, nowMs);
    const view = renderStatus({
      isEnabled: true,
      connection: delivery.state.connection,
      queued: 0,
      today: undefined,
      projectPaths: [],
      serverUrl: "http://127.0.0.1:3000",
      connectionSinceMs: delivery.connectionSinceMs,
      nowMs,
    });
    assert.match(view.text, /daemon slow/);
    assert.doesNotMatch(view.text, /not answering/);
  });

  test("slow at every look for ten minutes, a minute apart: stuck since the first", () => {
    let nowMs = 1_000_000;
    const delivery = new Delivery(() => new FakeDaemon() as unknown as DaemonClient, new Outbox({ dir }), () => undefined, {
      now: () => nowMs,
    });
    const slow: TodayOutcome = { kind: "unavailable", problem: { kind: "slow", detail: "no answer within 5000 ms" } };
    const firstMs = nowMs;
    for (let minute = 0; minute <= 10; minute++) {
      delivery.noteToday(slow);
      nowMs += 66_000; // each look waits out its timeout and the probe
    }
    assert.equal(delivery.connectionSinceMs, firstMs);
  });

  test("today's report takes over what beats would meet too, never a daemon error", async () => {
    const { daemon, delivery } = setup();
    await delivery.send(beat(1));
    const storeError = { kind: "daemonError", detail: "HTTP 503", code: "store_unavailable" } as const;
    delivery.noteToday({ kind: "unavailable", problem: storeError });
    assert.equal(delivery.state.connection.kind, "online", "only a write can tell that writes fail");
    daemon.mode = "storeError";
    await delivery.send(beat(2));
    delivery.noteToday({ kind: "unavailable", problem: { kind: "offline", detail: "connect ECONNREFUSED" } });
    assert.equal(delivery.state.connection.kind, "offline", "a daemon that is gone cannot be said to fail writes");
  });

  test("a daemon error that changes shows as it is now", async () => {
    const { daemon, delivery } = setup();
    const problems = [
      { kind: "daemonError", detail: "HTTP 503: disk full", code: "store_unavailable" },
      { kind: "daemonError", detail: "HTTP 503: database locked", code: "store_unavailable" },
      { kind: "daemonError", detail: "HTTP 503: database locked", code: "too_many_connections" },
    ] as const;
    for (const [index, problem] of problems.entries()) {
      daemon.postBeat = async () => ({ kind: "unavailable", problem });
      await delivery.send(beat(index));
      assert.deepEqual(delivery.state.connection, problem, "the status bar's text and tooltip come from it");
    }
  });

  test("a slow report does not hide a daemon that cannot store beats", async () => {
    const { daemon, delivery } = setup();
    daemon.mode = "storeError";
    await delivery.send(beat(1));
    delivery.noteToday({ kind: "unavailable", problem: { kind: "slow", detail: "no answer within 5000 ms" } });
    assert.equal(delivery.state.connection.kind, "daemonError");
  });

  test("today's report, read with the key, ends 'not your daemon'", () => {
    const { delivery, states } = setup();
    delivery.noteToday({ kind: "unavailable", problem: { kind: "foreignListener", detail: "uid 65534" } });
    delivery.noteToday(todayOk);
    assert.deepEqual(states.map((s) => s.connection.kind), ["foreignListener", "online"]);
  });

  test("a report from the address fixed ends 'wrong URL' and 'server speaks https' alike", () => {
    const { delivery, states } = setup();
    delivery.noteToday({ kind: "unavailable", problem: { kind: "wrongPath", detail: "HTTP 404", code: "not_found" } });
    delivery.noteToday(todayOk);
    delivery.noteToday({ kind: "unavailable", problem: { kind: "needsHttps", detail: "fetch failed (UND_ERR_SOCKET)" } });
    delivery.noteToday(todayOk);
    assert.deepEqual(states.map((s) => s.connection.kind), ["wrongPath", "online", "needsHttps", "online"]);
  });

  test("a state seen at the old server URL is not the corrected one's, nor its 'since'", async () => {
    const daemon = new FakeDaemon();
    const logged: string[] = [];
    const clock = { ms: 1_000_000 };
    const delivery = new Delivery(() => daemon as unknown as DaemonClient, new Outbox({ dir }), (m) => logged.push(m), {
      now: () => clock.ms,
    });
    const kind = () => delivery.state.connection.kind; // read anew each time (not narrowed)
    delivery.noteToday({ kind: "unavailable", problem: { kind: "wrongPath", detail: "HTTP 404", code: "not_found" } });
    assert.equal(kind(), "wrongPath");
    daemon.serverUrl = "http://127.0.0.1:3001"; // the setting corrected; nothing asked there yet
    assert.equal(kind(), "unknown");
    // An answer of the old address's, come late, says nothing of the new one.
    delivery.noteToday(
      { kind: "unavailable", problem: { kind: "wrongPath", detail: "HTTP 404", code: "not_found" } },
      "http://127.0.0.1:3000",
    );
    assert.equal(kind(), "unknown");
    clock.ms += 60_000;
    daemon.mode = "down";
    await delivery.send(beat(1)); // the new address, seen: offline since now, not since the old problem
    assert.equal(kind(), "offline");
    assert.equal(delivery.connectionSinceMs, clock.ms);
    daemon.serverUrl = "http://127.0.0.1:3000"; // and back: what was seen at 3001 is not 3000's
    assert.equal(kind(), "unknown");
    await delivery.send(beat(2));
    assert.equal(kind(), "offline");
    assert.equal(logged.filter((line) => line.startsWith("daemon unavailable")).length, 2, logged.join("\n"));
  });

  test("a beat's answer from the old server URL, come after the setting changed, is the old one's", async () => {
    // The settings make a new client for the new address: the one a beat was posted with keeps
    // the old address, whose answer says nothing of the new one.
    const old = new FakeDaemon();
    const corrected = new FakeDaemon();
    corrected.serverUrl = "http://127.0.0.1:3001";
    let current = old;
    const delivery = new Delivery(() => current as unknown as DaemonClient, new Outbox({ dir }), () => {}, {});
    const kind = () => delivery.state.connection.kind; // read anew each time (not narrowed)
    old.mode = "down";
    const postedAtOld = old.postBeat.bind(old);
    let answer: () => void = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    old.postBeat = async (sent: Beat) => {
      await answered; // the setting changes while the beat is on its way
      return postedAtOld(sent);
    };
    const sending = delivery.send(beat(1));
    current = corrected;
    answer();
    await sending;
    assert.equal(kind(), "unknown");
    await delivery.send(beat(2)); // the new address, seen
    assert.equal(kind(), "online");
    // A replay's answer as well: the outbox's beat posted at the old address, answered after.
    old.postBeat = async (sent: Beat) => {
      current = corrected;
      return postedAtOld(sent);
    };
    current = old;
    await delivery.send(beat(3)); // down at the old address: queued, and its replay waits
    current = old;
    await delivery.replay();
    assert.equal(kind(), "unknown");
  });

  test("the daemon seen back by another request starts the replay at once", { timeout: 5_000 }, async () => {
    const { daemon, outbox, delivery } = setup();
    daemon.mode = "down";
    await delivery.send(beat(1));
    daemon.mode = "up";
    const drained = new Promise<void>((resolve) =>
      delivery.onDidChangeState((state) => state.queued === 0 && resolve()),
    );
    delivery.noteToday(todayOk);
    await drained;
    assert.deepEqual(daemon.accepted, [beat(1)]);
    assert.equal(await outbox.count(), 0);
  });

  const strangers: Array<[string, number, string, string]> = [
    ["Express's 404", 404, "<pre>Cannot POST /beat</pre>", "text/html"],
    ["a Next.js page", 200, "<!DOCTYPE html><html><body>Next</body></html>", "text/html"],
    ["the daemon's 403 forbidden_host", 403, '{"error":"forbidden_host","message":"see --allow-hosts"}', "application/json"],
  ];
  for (const [name, status, body, contentType] of strangers) {
    test(`${name} on the port: every beat stays queued and a replay keeps them all`, async () => {
      const server = await serverAnswering(status, body, contentType);
      try {
        const outbox = new Outbox({ dir });
        const client = new DaemonClient({ serverUrl: server.url, timeoutMs: 2_000 });
        const delivery = new Delivery(() => client, outbox, () => undefined);
        await outbox.append([beat(1), beat(2)]);
        await delivery.send(beat(3));
        await delivery.replay();
        assert.equal(await outbox.count(), 3);
      } finally {
        await server.close();
      }
    });
  }

  test("a server URL with a path the daemon lacks: the status bar's first read says 'wrong URL', no beat needed", async () => {
    // The daemon's routes at its root; anything else is its 404 JSON, as server.py answers it.
    const server = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const route = (request.url ?? "").split("?")[0];
        const known = route === "/today" || route === "/beat";
        response.writeHead(known ? 200 : 404, { "Content-Type": "application/json" });
        response.end(
          route === "/today"
            ? '{"date":"2026-01-02","total_seconds":60,"projects":[]}'
            : known
              ? '{"session_id":1,"project_path":"/p","duration_seconds":0}'
              : JSON.stringify({ error: "not_found", message: `no route ${route}; see docs/api.md for the endpoints` }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      let client = new DaemonClient({ serverUrl: `${root}/something`, timeoutMs: 2_000 });
      const logged: string[] = [];
      const delivery = new Delivery(() => client, new Outbox({ dir }), (m) => logged.push(m));
      delivery.noteToday(await client.getToday());
      const view = renderStatus({
        isEnabled: true,
        connection: delivery.state.connection,
        queued: delivery.state.queued,
        today: undefined,
        projectPaths: [],
        serverUrl: client.serverUrl,
      });
      assert.equal(view.text, "OxiTrack: wrong URL (0 queued)");
      assert.match(view.tooltip, /no route \/something\/today/);
      assert.match(view.tooltip, /oxitrack\.serverUrl/);
      assert.equal(view.action, "openSettings");
      assert.equal(logged.length, 1, logged.join("\n"));
      client = new DaemonClient({ serverUrl: root, timeoutMs: 2_000 }); // the setting fixed
      delivery.noteToday(await client.getToday());
      assert.equal(delivery.state.connection.kind, "online");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("no API key: beats and today both say so, the state stays put and is logged once", async () => {
    const body = '{"error":"unauthorized","message":"send the API key as `Authorization: Bearer KEY`"}';
    const server = await serverAnswering(401, body, "application/json");
    try {
      const logged: string[] = [];
      const outbox = new Outbox({ dir });
      const client = new DaemonClient({ serverUrl: server.url, timeoutMs: 2_000 });
      const delivery = new Delivery(() => client, outbox, (m) => logged.push(m));
      for (let minute = 0; minute < 3; minute++) {
        await delivery.send(beat(minute));
        delivery.noteToday(await client.getToday());
        await delivery.replay();
      }
      assert.equal(delivery.state.connection.kind, "needsApiKey");
      assert.equal(await outbox.count(), 3);
      assert.equal(logged.length, 1, logged.join("\n"));
      assert.match(logged[0] ?? "", /API key.*OxiTrack: Set API Key/);
    } finally {
      await server.close();
    }
  });

  test("a database error stays a daemon error while today's report still reads fine", async () => {
    const server = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const isBeat = request.url === "/beat";
        response.writeHead(isBeat ? 503 : 200, { "Content-Type": "application/json" });
        response.end(
          isBeat
            ? '{"error":"store_unavailable","message":"database or disk is full"}'
            : '{"date":"2026-01-02","total_seconds":60,"projects":[]}',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const logged: string[] = [];
      const client = new DaemonClient({ serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 2_000 });
      const delivery = new Delivery(() => client, new Outbox({ dir }), (m) => logged.push(m));
      await delivery.send(beat(1));
      const today = await client.getToday();
      assert.equal(today.kind, "ok");
      delivery.noteToday(today);
      await delivery.send(beat(2));
      delivery.noteToday(today);
      await delivery.replay(); // joins the replay today's answer started: its first beat decides
      assert.deepEqual(delivery.state.connection, {
        kind: "daemonError",
        code: "store_unavailable",
        detail: "HTTP 503: store_unavailable: database or disk is full",
      });
      assert.equal(logged.length, 1, logged.join("\n"));
      assert.match(logged[0] ?? "", /database or disk is full/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("with the key set, today's answer ends 'needs API key' and starts the replay", { timeout: 5_000 }, async () => {
    const { daemon, outbox, delivery } = setup();
    daemon.mode = "unauthorized";
    await delivery.send(beat(1));
    assert.equal(delivery.state.connection.kind, "needsApiKey");
    daemon.mode = "up";
    const drained = new Promise<void>((resolve) =>
      delivery.onDidChangeState((state) => state.queued === 0 && resolve()),
    );
    delivery.noteToday(todayOk);
    await drained;
    assert.equal(await outbox.count(), 0);
    assert.deepEqual(daemon.accepted, [beat(1)]);
  });

  test("another account on the daemon's port: beats and today both say so, every beat stays queued, logged once", async () => {
    const server = await serverAnswering(200, '{"session_id":1,"project_path":"/p","duration_seconds":0}', "application/json");
    try {
      const logged: string[] = [];
      const outbox = new Outbox({ dir });
      const port = Number(new URL(server.url).port).toString(16).toUpperCase().padStart(4, "0");
      const owner = { uid: 65534 };
      const listeners = {
        uid: 1000,
        readTable: async () =>
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
          `   0: 0100007F:${port} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 ${owner.uid} 0 77 1\n`,
      };
      const clock = { ms: 1_000_000 };
      const client = new DaemonClient({ serverUrl: server.url, apiKey: "k", timeoutMs: 2_000, listeners, now: () => clock.ms });
      const delivery = new Delivery(() => client, outbox, (m) => logged.push(m));
      await outbox.append([beat(1)]);
      for (let minute = 2; minute < 5; minute++) {
        await delivery.send(beat(minute));
        delivery.noteToday(await client.getToday());
        await delivery.replay();
        clock.ms += 60_000;
      }
      assert.deepEqual(delivery.state.connection, { kind: "foreignListener", detail: "uid 65534" });
      assert.equal(await outbox.count(), 4);
      assert.equal(logged.length, 1, logged.join("\n"));
      assert.match(logged[0] ?? "", /belongs to another account \(uid 65534\).*the API key is not sent to it/);
      owner.uid = 1000; // the daemon, restarted under this account
      await delivery.send(beat(5));
      await delivery.replay();
      assert.equal(delivery.state.connection.kind, "online");
      assert.equal(await outbox.count(), 0);
    } finally {
      await server.close();
    }
  });

  test("each change of state is logged once, however many beats meet it", async () => {
    const { daemon, delivery, logged } = setup();
    daemon.mode = "down";
    for (let i = 0; i < 5; i++) {
      await delivery.send(beat(i));
      delivery.noteToday({ kind: "unavailable", problem: { kind: "offline", detail: `try ${i}` } });
    }
    daemon.mode = "up";
    await delivery.send(beat(9));
    await delivery.replay();
    assert.deepEqual(
      logged.filter((line) => !/^replayed/.test(line)).map((line) => line.split(" ")[0]),
      ["daemon", "daemon"],
      logged.join("\n"),
    );
  });

  test("saveForLater writes the beats straight to the outbox, with no request", async () => {
    let requests = 0;
    const server = http.createServer((request, response) => {
      requests++;
      request.resume();
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const outbox = new Outbox({ dir });
      const client = new DaemonClient({ serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5_000 });
      const delivery = new Delivery(() => client, outbox, () => undefined);
      await delivery.saveForLater([beat(1), beat(2)]);
      assert.equal(await outbox.count(), 2);
      assert.equal(requests, 0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("saveForLater also saves a beat whose request is still under way", async () => {
    const server = http.createServer((request) => request.resume()); // never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const outbox = new Outbox({ dir });
      const client = new DaemonClient({ serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5_000 });
      const delivery = new Delivery(() => client, outbox, () => undefined);
      const sending = delivery.send(beat(1));
      const startMs = Date.now();
      await delivery.saveForLater([beat(2)]);
      assert.ok(Date.now() - startMs < 1_000, "no waiting for the request");
      assert.equal(await outbox.count(), 2);
      server.closeAllConnections();
      await sending; // fails and queues beat 1 a second time: harmless, the daemon ignores repeats
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("saveForLater saves the beats held in memory, spilling past a busy lock", async () => {
    const { daemon } = setup();
    await fs.writeFile(path.join(dir, LOCK_FILE), `1 ${Date.now()} abc`); // another window's lock
    const outbox = new Outbox({ dir, isAlive: () => true, lockWaitMs: 50, exitLockWaitMs: 50 });
    const delivery = new Delivery(() => daemon as unknown as DaemonClient, outbox, () => undefined);
    daemon.mode = "down";
    await delivery.send(beat(1)); // the outbox is busy: held in memory
    assert.equal(delivery.state.queued, 1);
    await delivery.saveForLater([beat(2)]);
    await fs.unlink(path.join(dir, LOCK_FILE));
    assert.equal(await outbox.count(), 2);
  });

  test("Retry-After holds the next replay back, for at most 10 minutes", async () => {
    let requests = 0;
    let retryAfter = "120";
    const server = http.createServer((request, response) => {
      requests++;
      request.resume();
      response.writeHead(503, { "Content-Type": "application/json", "Retry-After": retryAfter });
      response.end('{"error":"store_unavailable","message":"database is locked"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      let nowMs = 1_000_000;
      const outbox = new Outbox({ dir });
      const client = new DaemonClient({ serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 2_000 });
      const delivery = new Delivery(() => client, outbox, () => undefined, { now: () => nowMs });
      await delivery.send(beat(1));
      assert.equal(requests, 1);
      nowMs += 60_000;
      await delivery.replay();
      assert.equal(requests, 1, "the daemon asked for 120 s");
      nowMs += 61_000;
      retryAfter = "86400";
      await delivery.replay();
      assert.equal(requests, 2);
      nowMs += 599_000;
      await delivery.replay();
      assert.equal(requests, 2, "a day is capped to 10 minutes, not yet over");
      nowMs += 2_000;
      await delivery.replay();
      assert.equal(requests, 3);
      assert.equal(await outbox.count(), 1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
