/**
 * The extension's HTTP client, outbox and delivery against a real `oxitrack serve` process:
 * nothing is lost while the daemon is down, sessions come out exactly as if it had never been,
 * and two windows on one project do not double count.
 */

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import type { Beat } from "../../src/core/beat";
import { DaemonClient } from "../../src/core/daemonClient";
import { openDashboard } from "../../src/core/dashboard";
import { Delivery } from "../../src/core/delivery";
import { Outbox } from "../../src/core/outbox";
import { Daemon, type SessionRow } from "../support/daemon";

let tmp: string;
const daemons: Daemon[] = [];

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-integration-"));
});

after(async () => {
  await Promise.all(daemons.map((daemon) => daemon.stop("SIGKILL")));
  await fs.rm(tmp, { recursive: true, force: true });
});

async function startDaemon(name: string, ...args: string[]): Promise<Daemon> {
  const daemon = new Daemon(path.join(tmp, `${name}.db`), args);
  daemons.push(daemon);
  return daemon.start();
}

function window(name: string, daemon: Daemon, options: { apiKey?: string; outboxDir?: string } = {}) {
  const logged: string[] = [];
  const outbox = new Outbox({ dir: options.outboxDir ?? path.join(tmp, `${name}-storage`), log: (m) => logged.push(m) });
  const client = new DaemonClient({ serverUrl: daemon.url, apiKey: options.apiKey, timeoutMs: 5_000 });
  const delivery = new Delivery(() => client, outbox, (m) => logged.push(m));
  return { outbox, delivery, logged };
}

/** A working day in two projects: typing bursts, a lunch gap (> 900 s) that splits a session. */
async function workday(): Promise<Beat[]> {
  const app = await fs.mkdtemp(path.join(tmp, "app-"));
  const lib = await fs.mkdtemp(path.join(tmp, "lib-"));
  const start = Math.floor(Date.now() / 1000) - 6 * 3600;
  const beats: Beat[] = [];
  for (let t = 0; t <= 1800; t += 30) {
    beats.push({ project_path: app, timestamp: start + t });
  }
  for (let t = 1800 + 1200; t <= 1800 + 1200 + 600; t += 45) {
    beats.push({ project_path: app, timestamp: start + t });
  }
  for (let t = 100; t <= 700; t += 60) {
    beats.push({ project_path: lib, timestamp: start + t });
  }
  return beats;
}

function shape(rows: readonly SessionRow[]) {
  return rows.map(({ project_path, start_time, last_heartbeat }) => ({ project_path, start_time, last_heartbeat }));
}

describe("against a real daemon", () => {
  test("daemon down: beats buffered; daemon up: all replayed, sessions as if never down", async () => {
    const beats = await workday();

    const reference = await startDaemon("reference");
    const direct = window("direct", reference);
    for (const beat of beats) {
      await direct.delivery.send(beat);
    }
    const expected = shape(await reference.sessions());
    assert.equal(expected.length, 3, "two sessions in app (lunch gap), one in lib");

    const daemon = await startDaemon("restarted");
    const { outbox, delivery, logged } = window("restarted", daemon);
    const half = Math.floor(beats.length / 2);
    for (const beat of beats.slice(0, 5)) {
      await delivery.send(beat);
    }
    await daemon.stop();
    for (const beat of beats.slice(5, half)) {
      await delivery.send(beat);
    }
    assert.equal(await outbox.count(), half - 5, "every beat sent while down is in the outbox");
    assert.equal(delivery.state.connection.kind, "offline");
    assert.equal(delivery.state.queued, half - 5);

    await daemon.start();
    // The first live beat that gets through starts the replay (the timer would too).
    for (const beat of beats.slice(half)) {
      await delivery.send(beat);
    }
    await delivery.replay();
    assert.equal(await outbox.count(), 0);
    assert.deepEqual(delivery.state, { connection: { kind: "online" }, queued: 0 });
    assert.deepEqual(shape(await daemon.sessions()), expected);
    assert.match(logged.join("\n"), /daemon unavailable .*ECONNREFUSED/);
    assert.match(logged.join("\n"), new RegExp(`replayed ${half - 5} beat`));
  });

  test("a daemon killed mid-stream and restarted: the periodic replay alone catches up", async () => {
    const beats = await workday();
    const daemon = await startDaemon("killed");
    const { outbox, delivery } = window("killed", daemon);
    await delivery.send(beats[0] as Beat);
    await daemon.stop("SIGKILL");
    for (const beat of beats.slice(1)) {
      await delivery.send(beat);
    }
    assert.equal(await outbox.count(), beats.length - 1);
    await daemon.start();
    await delivery.replay(); // what the 60 s timer does when no new beat comes
    assert.equal(await outbox.count(), 0);

    const reference = await startDaemon("killed-reference");
    const direct = window("killed-direct", reference);
    for (const beat of beats) {
      await direct.delivery.send(beat);
    }
    assert.deepEqual(shape(await daemon.sessions()), shape(await reference.sessions()));
  });

  test("down for long: each minute's replay tries one beat and rewrites nothing; back up: each beat once, oldest first", async () => {
    const beats = await workday();
    const daemon = await startDaemon("long-down", "--verbose");
    const { outbox, delivery } = window("long-down", daemon);
    await daemon.stop();
    for (const beat of beats) {
      await delivery.send(beat);
    }
    const queue = path.join(tmp, "long-down-storage", "outbox.jsonl");
    const before = await fs.stat(queue);
    const text = await fs.readFile(queue, "utf8");
    for (let minute = 0; minute < 3; minute++) {
      await delivery.replay(); // what the 60 s timer does while the daemon is down
      assert.equal(delivery.state.connection.kind, "offline");
      assert.equal((await fs.stat(queue)).ino, before.ino, `minute ${minute}: the queue is the same file`);
      assert.equal(await fs.readFile(queue, "utf8"), text, `minute ${minute}: byte for byte`);
    }
    assert.equal(delivery.state.queued, beats.length);

    await daemon.start();
    await delivery.replay();
    assert.equal(await outbox.count(), 0);
    const received = [...daemon.log.matchAll(/beat (\S+) at (\d+) ->/g)].map((match) => Number(match[2]));
    const oldestFirst = beats.map((beat) => beat.timestamp).sort((a, b) => a - b);
    assert.deepEqual(received, oldestFirst, "each beat once, the one tried first included, oldest first");
  });

  test("two windows on one project do not double count", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "shared-"));
    const daemon = await startDaemon("two-windows");
    const sharedStorage = path.join(tmp, "two-windows-storage");
    const left = window("left", daemon, { outboxDir: sharedStorage });
    const right = window("right", daemon, { outboxDir: sharedStorage });
    const start = Math.floor(Date.now() / 1000) - 3600;
    // Both windows are open on the same project and both beat, interleaved, for 10 minutes.
    const sends: Array<Promise<void>> = [];
    for (let t = 0; t <= 600; t += 30) {
      sends.push(left.delivery.send({ project_path: project, timestamp: start + t }));
      sends.push(right.delivery.send({ project_path: project, timestamp: start + t + 15 }));
    }
    await Promise.all(sends);
    const sessions = await daemon.sessions();
    assert.equal(sessions.length, 1);
    assert.equal((sessions[0] as SessionRow).last_heartbeat - (sessions[0] as SessionRow).start_time, 615);
  });

  test("two windows replaying one shared outbox at once: every beat arrives, one session", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "replay-"));
    const daemon = await startDaemon("two-replays");
    const sharedStorage = path.join(tmp, "two-replays-storage");
    const left = window("left2", daemon, { outboxDir: sharedStorage });
    const right = window("right2", daemon, { outboxDir: sharedStorage });
    const start = Math.floor(Date.now() / 1000) - 3600;
    await daemon.stop();
    for (let t = 0; t <= 1200; t += 20) {
      await (t % 40 === 0 ? left : right).delivery.send({ project_path: project, timestamp: start + t });
    }
    assert.equal(await left.outbox.count(), 61);
    await daemon.start();
    await Promise.all([left.delivery.replay(), right.delivery.replay()]);
    assert.equal(await left.outbox.count(), 0);
    const sessions = await daemon.sessions();
    assert.deepEqual(shape(sessions), [{ project_path: sessions[0]?.project_path, start_time: start, last_heartbeat: start + 1200 }]);
  });

  test("a beat the daemon refuses (4xx) is logged and dropped, not queued", async () => {
    const daemon = await startDaemon("refuses");
    const { outbox, delivery, logged } = window("refuses", daemon);
    const now = Math.floor(Date.now() / 1000);
    await delivery.send({ project_path: "/tmp/x", timestamp: 12 });
    await delivery.send({ project_path: "relative/path", timestamp: now });
    assert.equal(await outbox.count(), 0);
    assert.deepEqual(await daemon.sessions(), []);
    assert.match(logged.join("\n"), /HTTP 422: invalid_field \(field timestamp\)/);
    assert.match(logged.join("\n"), /HTTP 422: invalid_field \(field project_path\)/);
  });

  test("a beat ahead of the daemon's clock (editor clock fast) is kept for later, not dropped", async () => {
    const daemon = await startDaemon("skewed");
    const project = await fs.mkdtemp(path.join(tmp, "skewed-"));
    const { outbox, delivery, logged } = window("skewed", daemon);
    await delivery.send({ project_path: project, timestamp: Math.floor(Date.now() / 1000) + 11 * 60 });
    assert.equal(await outbox.count(), 1);
    assert.equal(delivery.state.connection.kind, "clockAhead");
    assert.doesNotMatch(logged.join("\n"), /dropped/);
  });

  test("https:// to the daemon (it speaks plain http): 'https failed', kept, never 'offline'; http:// delivers it", async () => {
    const daemon = await startDaemon("plain-http");
    const project = await fs.mkdtemp(path.join(tmp, "plain-http-"));
    const logged: string[] = [];
    const outbox = new Outbox({ dir: path.join(tmp, "plain-http-storage"), log: (m) => logged.push(m) });
    let serverUrl = daemon.url.replace("http://", "https://");
    const delivery = new Delivery(() => new DaemonClient({ serverUrl, timeoutMs: 5_000 }), outbox, (m) => logged.push(m));
    await delivery.send({ project_path: project, timestamp: Math.floor(Date.now() / 1000) });
    assert.equal(String(delivery.state.connection.kind), "tls", logged.join("\n"));
    assert.match(logged.join("\n"), /speaks plain http/);
    assert.equal(await outbox.count(), 1);
    serverUrl = daemon.url; // the user writes http://
    await delivery.replay();
    assert.equal(await outbox.count(), 0);
    assert.equal((await daemon.sessions()).filter((row) => row.project_path === project).length, 1);
  });

  test("a server URL with a path the daemon has none at: 'wrongPath' from today's first read, the beat kept; the address alone delivers it", async () => {
    const daemon = await startDaemon("wrong-path");
    const project = await fs.mkdtemp(path.join(tmp, "wrong-path-"));
    const logged: string[] = [];
    const outbox = new Outbox({ dir: path.join(tmp, "wrong-path-storage"), log: (m) => logged.push(m) });
    let serverUrl = `${daemon.url}/something`;
    const client = () => new DaemonClient({ serverUrl, timeoutMs: 5_000 });
    const delivery = new Delivery(client, outbox, (m) => logged.push(m));
    const today = await client().getToday();
    assert.deepEqual(today.kind === "unavailable" && [today.problem.kind, today.problem.code], ["wrongPath", "not_found"]);
    delivery.noteToday(today);
    assert.equal(delivery.state.connection.kind, "wrongPath", logged.join("\n"));
    assert.match(logged.join("\n"), /no route \/something\/today.*daemon's address alone in oxitrack\.serverUrl/);
    await delivery.send({ project_path: project, timestamp: Math.floor(Date.now() / 1000) });
    assert.equal(delivery.state.connection.kind, "wrongPath");
    assert.equal(await outbox.count(), 1);
    serverUrl = daemon.url; // the user writes the address alone
    // Nothing asked at the corrected address yet: its old "wrong URL" is not this one's, and Open
    // Dashboard opens the page at once rather than refusing it until the next read.
    assert.equal(delivery.state.connection.kind as string, "unknown"); // "as": not narrowed for what follows
    const opened: string[] = [];
    const ui = { openExternal: async (url: string) => opened.push(url), showError: async () => undefined, openSetting: async () => undefined };
    await openDashboard(serverUrl, ui, delivery.state.connection);
    assert.deepEqual(opened, [`${daemon.url}/`]);
    delivery.noteToday(await client().getToday());
    await delivery.replay();
    assert.equal(delivery.state.connection.kind, "online");
    assert.equal(await outbox.count(), 0);
    assert.equal((await daemon.sessions()).filter((row) => row.project_path === project).length, 1);
  });

  test("a folder path the daemon refuses: dropped, but said once, not lost without a trace", async () => {
    const daemon = await startDaemon("refused-path");
    const { outbox, delivery, logged } = window("refused-path", daemon);
    const refused = "relative/app"; // a path the daemon can never store
    const now = Math.floor(Date.now() / 1000);
    await delivery.send({ project_path: refused, timestamp: now - 60 });
    await delivery.send({ project_path: refused, timestamp: now });
    assert.equal(await outbox.count(), 0);
    assert.match(delivery.pathRefusal(refused) ?? "", /^HTTP 422: invalid_field \(field project_path\)/);
    assert.equal(logged.filter((line) => line.includes(refused)).length, 1, logged.join("\n"));
    assert.deepEqual(await daemon.sessions(), []);
  });

  test("with an API key: a window without it keeps its beats until the key is set", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "keyed-"));
    const daemon = await startDaemon("keyed", "--api-key", "k3y");
    const storage = path.join(tmp, "keyed-storage");
    const keyless = window("keyless", daemon, { outboxDir: storage });
    const now = Math.floor(Date.now() / 1000);
    await keyless.delivery.send({ project_path: project, timestamp: now - 120 });
    assert.equal(await keyless.outbox.count(), 1, "401 is 'not now', not 'never'");
    const keyed = window("keyed", daemon, { apiKey: "k3y", outboxDir: storage });
    await keyed.delivery.send({ project_path: project, timestamp: now - 60 });
    await keyed.delivery.replay();
    assert.equal(await keyed.outbox.count(), 0);
    const sessions = await daemon.sessions();
    assert.equal(sessions.length, 1);
    assert.equal((sessions[0] as SessionRow).last_heartbeat - (sessions[0] as SessionRow).start_time, 60);
  });

  test("without the key: 'needs API key' from beats and today alike, logged once; with it, replayed", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "keyless-"));
    const daemon = await startDaemon("keyless-state", "--api-key", "k3y");
    const logged: string[] = [];
    let client = new DaemonClient({ serverUrl: daemon.url, timeoutMs: 5_000 });
    const outbox = new Outbox({ dir: path.join(tmp, "keyless-state-storage") });
    const delivery = new Delivery(() => client, outbox, (m) => logged.push(m));
    const now = Math.floor(Date.now() / 1000);
    for (let minute = 0; minute < 3; minute++) {
      await delivery.send({ project_path: project, timestamp: now - 300 + minute * 60 });
      delivery.noteToday(await client.getToday()); // the status bar, every minute
      await delivery.replay(); // the replay timer
    }
    assert.equal(delivery.state.connection.kind, "needsApiKey");
    assert.equal(await outbox.count(), 3);
    assert.equal(logged.length, 1, logged.join("\n"));
    assert.match(logged[0] ?? "", /wants an API key .*"OxiTrack: Set API Key"/);

    client = new DaemonClient({ serverUrl: daemon.url, apiKey: "k3y", timeoutMs: 5_000 });
    const today = await client.getToday();
    assert.equal(today.kind, "ok");
    delivery.noteToday(today); // the key works: back online, and the queue is replayed
    await delivery.replay();
    assert.deepEqual(delivery.state, { connection: { kind: "online" }, queued: 0 });
    assert.equal((await daemon.sessions()).length, 1);
  });

  test("with a wrong key: 'API key refused' from beats and today alike, logged once; the right key replays", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "wrong-key-"));
    const daemon = await startDaemon("wrong-key", "--api-key", "k3y");
    const logged: string[] = [];
    let client = new DaemonClient({ serverUrl: daemon.url, apiKey: "old-k3y", timeoutMs: 5_000 });
    const outbox = new Outbox({ dir: path.join(tmp, "wrong-key-storage") });
    const delivery = new Delivery(() => client, outbox, (m) => logged.push(m));
    const now = Math.floor(Date.now() / 1000);
    for (let minute = 0; minute < 2; minute++) {
      await delivery.send({ project_path: project, timestamp: now - 300 + minute * 60 });
      delivery.noteToday(await client.getToday());
    }
    assert.equal(delivery.state.connection.kind, "wrongApiKey");
    assert.equal(await outbox.count(), 2);
    assert.equal(logged.length, 1, logged.join("\n"));
    assert.match(logged[0] ?? "", /API key set in VS Code does not work .*"OxiTrack: Set API Key"/);

    client = new DaemonClient({ serverUrl: daemon.url, apiKey: "k3y", timeoutMs: 5_000 });
    delivery.noteToday(await client.getToday());
    await delivery.replay();
    assert.deepEqual(delivery.state, { connection: { kind: "online" }, queued: 0 });
    assert.equal((await daemon.sessions()).length, 1);
  });

  test("today is the editor's day: the zone goes with GET /today", async () => {
    const daemon = await startDaemon("zones");
    const dateIn = (zone: string) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());
    // UTC+14 and UTC-11 are 25 hours apart: their dates always differ.
    for (const zone of ["Pacific/Kiritimati", "Pacific/Pago_Pago"]) {
      const before = dateIn(zone);
      const today = await new DaemonClient({ serverUrl: daemon.url, timeoutMs: 5_000, timeZone: zone }).getToday();
      const after = dateIn(zone);
      assert.equal(today.kind, "ok");
      assert.ok(today.kind === "ok" && [before, after].includes(today.report.date), `${zone}: ${JSON.stringify(today)}`);
    }
  });
});
