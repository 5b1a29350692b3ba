/**
 * A daemon that is there but slow is told apart from no daemon, with real servers: a local HTTP
 * server that accepts the connection and answers `GET /today` only after the client's timeout, a
 * loopback port where nothing listens, and a proxy in front of a real `oxitrack serve` that holds
 * back answers. Beats that time out are kept and replayed, and one whose first attempt did land is
 * not counted twice (the daemon's session rule makes a repeated beat a no-op).
 */

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import type { Beat } from "../../src/core/beat";
import { DaemonClient } from "../../src/core/daemonClient";
import { Delivery } from "../../src/core/delivery";
import { Outbox } from "../../src/core/outbox";
import { renderStatus } from "../../src/core/statusText";
import { type KnownToday, rememberToday } from "../../src/core/todayMemory";
import type { TodayOutcome } from "../../src/core/todayReport";
import { Daemon, type SessionRow } from "../support/daemon";
import { closedPortUrl, delayingProxy, slowServer } from "../support/slowServer";

/** Short enough to keep the test quick, long enough for a loaded machine's prompt answers. */
const TIMEOUT_MS = 2_000;
let tmp: string;
const daemons: Daemon[] = [];

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-slow-"));
});

after(async () => {
  await Promise.all(daemons.map((daemon) => daemon.stop("SIGKILL")));
  await fs.rm(tmp, { recursive: true, force: true });
});

async function startDaemon(name: string): Promise<Daemon> {
  const daemon = new Daemon(path.join(tmp, `${name}.db`));
  daemons.push(daemon);
  return daemon.start();
}

function shape(rows: readonly SessionRow[]) {
  return rows.map(({ project_path, start_time, last_heartbeat }) => ({ project_path, start_time, last_heartbeat }));
}

describe("a slow daemon is not an absent one", () => {
  test("GET /today answered after the timeout: slow, last time kept; nothing listening: offline", async () => {
    const report = {
      date: "2026-11-26",
      timezone: "UTC",
      total_seconds: 1500,
      projects: [{ project_path: "/home/dev/app", project_name: "app", duration_seconds: 1500 }],
    };
    let delayMs = 0;
    const server = await slowServer(() => delayMs, () => report);
    try {
      const client = new DaemonClient({ serverUrl: server.url, timeoutMs: TIMEOUT_MS, timeZone: "UTC" });
      const delivery = new Delivery(() => client, new Outbox({ dir: path.join(tmp, "today-storage") }), () => undefined);
      let known: KnownToday | undefined;
      const refresh = async (): Promise<TodayOutcome> => {
        const today = await client.getToday(); // what the status bar does every minute
        known = rememberToday(known, today, Date.now());
        delivery.noteToday(today);
        return today;
      };
      const render = () =>
        renderStatus({
          isEnabled: true,
          connection: delivery.state.connection,
          queued: delivery.state.queued,
          today: known?.today,
          todayAtMs: known?.reportAtMs,
          connectionSinceMs: delivery.connectionSinceMs,
          projectPaths: ["/home/dev/app"],
          serverUrl: server.url,
        });

      assert.equal((await refresh()).kind, "ok");
      assert.equal(render().text, "$(watch) 25m");

      delayMs = TIMEOUT_MS * 3; // a long checkpoint: the answer comes, but late
      const startedMs = Date.now();
      const late = await refresh();
      assert.ok(Date.now() - startedMs >= TIMEOUT_MS, "the client waited its timeout");
      assert.deepEqual(late, {
        kind: "unavailable",
        problem: { kind: "slow", detail: `no answer within ${TIMEOUT_MS} ms` },
      });
      assert.equal(delivery.state.connection.kind, "slow");
      const view = render();
      assert.equal(view.text, "$(watch) 25m (daemon slow)");
      assert.match(view.tooltip, /^Slow to answer since \d\d:\d\d\. .* is running but slow to answer/);
      assert.doesNotMatch(view.text + view.tooltip, /offline/);

      delayMs = 0;
      assert.equal((await refresh()).kind, "ok");
      assert.equal(delivery.state.connection.kind, "online");
    } finally {
      await server.close();
    }

    const nobody = new DaemonClient({ serverUrl: await closedPortUrl(), timeoutMs: TIMEOUT_MS, timeZone: "UTC" });
    const refused = await nobody.getToday();
    assert.equal(refused.kind === "unavailable" && refused.problem.kind, "offline");
    assert.match(refused.kind === "unavailable" ? refused.problem.detail : "", /ECONNREFUSED/);
  });

  test("beats timing out at a slow daemon: kept, replayed, and not counted twice when they landed", async () => {
    const project = await fs.mkdtemp(path.join(tmp, "app-"));
    const start = Math.floor(Date.now() / 1000) - 3600;
    const beats: Beat[] = [0, 30, 60, 90, 120].map((t) => ({ project_path: project, timestamp: start + t }));

    const reference = await startDaemon("slow-reference");
    const direct = new DaemonClient({ serverUrl: reference.url, timeoutMs: 5_000 });
    for (const beat of beats) {
      assert.equal((await direct.postBeat(beat)).kind, "accepted");
    }

    const daemon = await startDaemon("slow");
    const proxy = await delayingProxy(daemon.url);
    try {
      const outbox = new Outbox({ dir: path.join(tmp, "slow-storage") });
      const client = new DaemonClient({ serverUrl: proxy.url, timeoutMs: TIMEOUT_MS });
      const delivery = new Delivery(() => client, outbox, () => undefined);
      const [first, landed, lateLanded, swallowed, last] = beats as [Beat, Beat, Beat, Beat, Beat];

      await delivery.send(first);
      proxy.mode = "holdAnswer"; // the daemon stores these, the editor never hears so
      await delivery.send(landed);
      await delivery.send(lateLanded);
      await proxy.settled();
      proxy.mode = "swallow"; // this one never reaches the daemon
      await delivery.send(swallowed);

      assert.equal(delivery.state.connection.kind, "slow");
      assert.equal(await outbox.count(), 3, "every beat that timed out is kept");
      const meanwhile = shape(await daemon.sessions());
      assert.deepEqual(meanwhile, [{ project_path: meanwhile[0]?.project_path, start_time: start, last_heartbeat: start + 60 }]);

      await delivery.replay(); // still slow: nothing replayed, nothing lost
      assert.equal(await outbox.count(), 3);

      proxy.mode = "pass";
      await delivery.send(last); // gets through and starts the replay
      await delivery.replay();
      assert.equal(await outbox.count(), 0);
      assert.deepEqual(delivery.state, { connection: { kind: "online" }, queued: 0 });
      assert.deepEqual(shape(await daemon.sessions()), shape(await reference.sessions()));
      const [session] = await daemon.sessions();
      assert.equal((session as SessionRow).last_heartbeat - (session as SessionRow).start_time, 120);
    } finally {
      await proxy.close();
    }
  });
});
