import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import { DaemonClient } from "../../src/core/daemonClient";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A scripted stand-in for the daemon on a free loopback port; records what it was sent. */
let server: http.Server;
let baseUrl: string;
const seen: Seen[] = [];
let answer: (request: Seen, response: http.ServerResponse) => void = () => undefined;

before(async () => {
  server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const record = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body };
      seen.push(record);
      answer(record, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function reply(status: number, body: unknown) {
  return (_request: Seen, response: http.ServerResponse) => {
    response.writeHead(status, { "Content-Type": "application/json" });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  };
}

const beat = { project_path: "/home/dev/app", timestamp: 1_750_000_000 };

function client(options: { apiKey?: string; timeoutMs?: number; serverUrl?: string } = {}) {
  return new DaemonClient({
    serverUrl: options.serverUrl ?? `${baseUrl}/`,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? 2_000,
  });
}

describe("DaemonClient.postBeat", () => {
  test("sends the beat as JSON to /beat, with no Origin and no Authorization by default", async () => {
    seen.length = 0;
    answer = reply(200, { session_id: 7, project_path: "/real/app", duration_seconds: 90 });
    const outcome = await client().postBeat(beat);
    assert.deepEqual(outcome, { kind: "accepted", projectPath: "/real/app", sessionId: 7, durationSeconds: 90 });
    const request = seen[0] as Seen;
    assert.equal(request.method, "POST");
    assert.equal(request.url, "/beat");
    assert.equal(request.headers["content-type"], "application/json");
    assert.equal(request.headers.origin, undefined);
    assert.equal(request.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(request.body), beat);
  });

  test("sends the API key as a bearer token", async () => {
    seen.length = 0;
    answer = reply(200, { session_id: 1, project_path: "/home/dev/app", duration_seconds: 0 });
    await client({ apiKey: "s3cret" }).postBeat(beat);
    assert.equal(seen[0]?.headers.authorization, "Bearer s3cret");
  });

  test("a 422 is a rejection naming the field: drop, never retry", async () => {
    answer = reply(422, { error: "invalid_field", message: "too far in the future", field: "timestamp" });
    assert.deepEqual(await client().postBeat(beat), {
      kind: "rejected",
      status: 422,
      detail: "HTTP 422: invalid_field (field timestamp): too far in the future",
    });
  });

  test("400, 403, 404, 413 and 415 are rejections too", async () => {
    for (const status of [400, 403, 404, 413, 415]) {
      answer = reply(status, { error: "x", message: "y" });
      assert.equal((await client().postBeat(beat)).kind, "rejected", `HTTP ${status}`);
    }
  });

  test("5xx means unavailable: keep the beat", async () => {
    for (const status of [500, 502, 503]) {
      answer = reply(status, "oops");
      assert.deepEqual(await client().postBeat(beat), { kind: "unavailable", detail: `HTTP ${status}: oops` });
    }
  });

  test("401, 408 and 429 say 'not now': keep the beat", async () => {
    for (const status of [401, 408, 429]) {
      answer = reply(status, { error: "unauthorized", message: "no key" });
      assert.equal((await client().postBeat(beat)).kind, "unavailable", `HTTP ${status}`);
    }
  });

  test("no answer within the timeout means unavailable", async () => {
    answer = () => undefined; // never answers
    const outcome = await client({ timeoutMs: 200 }).postBeat(beat);
    assert.deepEqual(outcome, { kind: "unavailable", detail: "no answer within 200 ms" });
  });

  test("nothing listening means unavailable, with the reason", async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const outcome = await client({ serverUrl: `http://127.0.0.1:${port}` }).postBeat(beat);
    assert.equal(outcome.kind, "unavailable");
    assert.match(outcome.kind === "unavailable" ? outcome.detail : "", /ECONNREFUSED/);
  });
});

describe("DaemonClient.getToday", () => {
  const today = {
    date: "2026-11-25",
    timezone: "Europe/Paris",
    total_seconds: 4000,
    projects: [
      {
        project_path: "/home/dev/app",
        project_name: "app",
        duration_seconds: 4000,
        session_count: 2,
        first_beat: 1,
        last_beat: 2,
        is_active: true,
      },
    ],
  };

  test("asks for JSON and parses the report", async () => {
    seen.length = 0;
    answer = reply(200, today);
    const outcome = await client().getToday();
    assert.deepEqual(outcome, {
      kind: "ok",
      report: {
        date: "2026-11-25",
        total_seconds: 4000,
        projects: [{ project_path: "/home/dev/app", project_name: "app", duration_seconds: 4000 }],
      },
    });
    assert.equal(seen[0]?.url, "/today?format=json");
    assert.equal(seen[0]?.headers.accept, "application/json");
  });

  test("a daemon without the route is 'missing'", async () => {
    answer = reply(404, { error: "not_found", message: "no route" });
    assert.deepEqual(await client().getToday(), { kind: "missing" });
  });

  test("an answer that is not a report is an error, not 'offline'", async () => {
    answer = reply(200, "plain text today");
    assert.equal((await client().getToday()).kind, "error");
    answer = reply(500, "broken");
    assert.equal((await client().getToday()).kind, "error");
  });

  test("no answer is 'unavailable'", async () => {
    answer = () => undefined;
    assert.equal((await client({ timeoutMs: 100 }).getToday()).kind, "unavailable");
  });
});
