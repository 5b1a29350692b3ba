import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import { DaemonClient, parseRetryAfter, redactCredentials } from "../../src/core/daemonClient";

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

function client(options: { apiKey?: string; timeoutMs?: number; serverUrl?: string; timeZone?: string } = {}) {
  return new DaemonClient({
    serverUrl: options.serverUrl ?? `${baseUrl}/`,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? 2_000,
    timeZone: options.timeZone ?? "Europe/Paris",
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

  test("an answer without the daemon's beat shape is not an acceptance", async () => {
    for (const body of ["<!doctype html><html>dev server</html>", { ok: true }, { session_id: "7", project_path: "/p" }]) {
      answer = reply(200, body);
      const outcome = await client().postBeat(beat);
      assert.equal(outcome.kind, "unavailable", JSON.stringify(body));
      assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, "notDaemon");
    }
  });

  test("a 422 invalid_field is a rejection naming the field: drop, never retry", async () => {
    answer = reply(422, { error: "invalid_field", message: "must be a string, not number", field: "project_path" });
    assert.deepEqual(await client().postBeat(beat), {
      kind: "rejected",
      status: 422,
      detail: "HTTP 422: invalid_field (field project_path): must be a string, not number",
      field: "project_path",
    });
  });

  test("a timestamp ahead of the daemon's clock keeps the beat: it passes once that clock catches up", async () => {
    const message = "1750000700 is more than 600 s in the future; check the clock";
    answer = reply(422, { error: "invalid_field", message, field: "timestamp" });
    assert.deepEqual(await client().postBeat(beat), {
      kind: "unavailable",
      problem: {
        kind: "clockAhead",
        detail: `HTTP 422: invalid_field (field timestamp): ${message}`,
        code: "invalid_field",
      },
    });
  });

  const hopeless: Array<[string, string]> = [
    ["before 2000", "12 is before 2000-01-01; send Unix seconds"],
    ["milliseconds", "1750000000000 is more than 600 s in the future; send Unix seconds, not milliseconds"],
    ["not a number", "must be a number of Unix seconds, not string"],
  ];
  for (const [name, message] of hopeless) {
    test(`a timestamp that can never be stored (${name}) is dropped`, async () => {
      answer = reply(422, { error: "invalid_field", message, field: "timestamp" });
      assert.equal((await client().postBeat(beat)).kind, "rejected");
    });
  }

  test("only the daemon's own refusals of the beat itself drop it: 400 invalid_json, 413 body_too_large", async () => {
    answer = reply(400, { error: "invalid_json", message: "not JSON", field: "body" });
    assert.equal((await client().postBeat(beat)).kind, "rejected");
    answer = reply(413, { error: "body_too_large", message: "over 64 KiB", field: "body" });
    assert.equal((await client().postBeat(beat)).kind, "rejected");
  });

  const foreign: Array<[string, number, unknown]> = [
    ["Express's 404", 404, "<pre>Cannot POST /beat</pre>"],
    ["a JSON 404 of another server", 404, { error: "Not Found" }],
    ["Spring's error body", 422, { timestamp: 1, status: 422, error: "invalid_field", message: "x", path: "/beat" }],
    ["a proxy's 413 page", 413, "<html>413 Request Entity Too Large</html>"],
    ["a 400 of another server", 400, { error: "invalid_json", message: "x", extra: 1 }],
    ["plain text 500", 500, "oops"],
  ];
  for (const [name, status, body] of foreign) {
    test(`${name} keeps the beat: something else answers on this port`, async () => {
      answer = reply(status, body);
      const outcome = await client().postBeat(beat);
      assert.equal(outcome.kind, "unavailable");
      assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, "notDaemon");
    });
  }

  test("the daemon's 403 forbidden_host and 404/405/415 keep the beat: a setup problem", async () => {
    const refusals: Array<[number, string]> = [
      [403, "forbidden_host"],
      [403, "forbidden_origin"],
      [404, "not_found"],
      [405, "method_not_allowed"],
      [415, "unsupported_media_type"],
      [400, "bad_request"],
    ];
    for (const [status, code] of refusals) {
      answer = reply(status, { error: code, message: "see --allow-hosts" });
      const outcome = await client().postBeat(beat);
      assert.deepEqual(
        outcome.kind === "unavailable" && [outcome.problem.kind, outcome.problem.code],
        ["misconfigured", code],
        `HTTP ${status} ${code}`,
      );
    }
  });

  test("the daemon's 401 means an API key is needed: keep the beat", async () => {
    answer = reply(401, { error: "unauthorized", message: "send the API key as `Authorization: Bearer KEY`" });
    const outcome = await client().postBeat(beat);
    assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, "needsApiKey");
  });

  test("the daemon's 503 store_unavailable is a daemon error with its message", async () => {
    answer = reply(503, { error: "store_unavailable", message: "database or disk is full" });
    assert.deepEqual(await client().postBeat(beat), {
      kind: "unavailable",
      problem: {
        kind: "daemonError",
        code: "store_unavailable",
        detail: "HTTP 503: store_unavailable: database or disk is full",
      },
    });
  });

  test("Retry-After on a 503 or 429 says how long to wait before sending again", async () => {
    for (const status of [503, 429]) {
      answer = (_request, response) => {
        response.writeHead(status, { "Content-Type": "application/json", "Retry-After": "5" });
        response.end(JSON.stringify({ error: "store_unavailable", message: "database or disk is full" }));
      };
      const outcome = await client().postBeat(beat);
      assert.equal(outcome.kind === "unavailable" && outcome.problem.retryAfterMs, 5_000, `HTTP ${status}`);
    }
  });

  test("a redirect is not followed: the beat goes only to the server URL", async () => {
    seen.length = 0;
    answer = (request, response) => {
      if (request.url === "/beat") {
        response.writeHead(307, { Location: "/elsewhere" });
        response.end();
      } else {
        reply(200, { session_id: 1, project_path: "/p", duration_seconds: 0 })(request, response);
      }
    };
    const outcome = await client().postBeat(beat);
    assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, "notDaemon");
    assert.deepEqual(seen.map((request) => request.url), ["/beat"]);
  });

  test("no answer within the timeout means unavailable", async () => {
    answer = () => undefined; // never answers
    const outcome = await client({ timeoutMs: 200 }).postBeat(beat);
    assert.deepEqual(outcome, { kind: "unavailable", problem: { kind: "offline", detail: "no answer within 200 ms" } });
  });

  test("nothing listening means unavailable, with the reason", async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const outcome = await client({ serverUrl: `http://127.0.0.1:${port}` }).postBeat(beat);
    assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, "offline");
    assert.match(outcome.kind === "unavailable" ? outcome.problem.detail : "", /ECONNREFUSED/);
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

  test("asks for JSON in the editor's time zone and parses the report", async () => {
    seen.length = 0;
    answer = reply(200, today);
    const outcome = await client().getToday();
    assert.deepEqual(outcome, {
      kind: "ok",
      report: {
        date: "2026-11-25",
        total_seconds: 4000,
        projects: [
          { project_path: "/home/dev/app", project_name: "app", duration_seconds: 4000, folders: ["/home/dev/app"] },
        ],
      },
    });
    assert.equal(seen[0]?.url, "/today?format=json&tz=Europe%2FParis");
    assert.equal(seen[0]?.headers.accept, "application/json");
  });

  test("keeps every folder a project's time was spent in", async () => {
    const project = { ...today.projects[0], folders: ["/home/dev/app", "/home/dev/old-app", 7] };
    answer = reply(200, { ...today, projects: [project] });
    const outcome = await client().getToday();
    assert.equal(outcome.kind, "ok");
    if (outcome.kind === "ok") {
      assert.deepEqual(outcome.report.projects[0]?.folders, ["/home/dev/app", "/home/dev/old-app"]);
    }
  });

  test("by default the time zone is this machine's", async () => {
    seen.length = 0;
    answer = reply(200, today);
    await new DaemonClient({ serverUrl: baseUrl, timeoutMs: 2_000 }).getToday();
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    assert.equal(seen[0]?.url, `/today?format=json&tz=${encodeURIComponent(zone)}`);
  });

  test("a daemon that does not know the zone is asked again for its own day", async () => {
    seen.length = 0;
    answer = (request, response) =>
      request.url.includes("tz=")
        ? reply(422, { error: "invalid_field", message: "'Mars/Base' is not a known IANA time zone", field: "tz" })(request, response)
        : reply(200, today)(request, response);
    const tzClient = client({ timeZone: "Mars/Base" });
    assert.equal((await tzClient.getToday()).kind, "ok");
    assert.equal((await tzClient.getToday()).kind, "ok");
    assert.deepEqual(seen.map((request) => request.url), [
      "/today?format=json&tz=Mars%2FBase",
      "/today?format=json",
      "/today?format=json",
    ]);
  });

  test("a daemon without the route is 'missing'", async () => {
    answer = reply(404, { error: "not_found", message: "no route /today" });
    assert.deepEqual(await client().getToday(), { kind: "missing" });
  });

  test("the daemon's other errors about the request are errors, not a connection problem", async () => {
    answer = reply(422, { error: "invalid_field", message: "bad format", field: "format" });
    assert.equal((await client().getToday()).kind, "error");
  });

  test("answers that say beats would fail too are the same problems as for beats", async () => {
    const cases: Array<[number, unknown, string]> = [
      [401, { error: "unauthorized", message: "send the API key" }, "needsApiKey"],
      [403, { error: "forbidden_host", message: "see --allow-hosts" }, "misconfigured"],
      [200, "<html>a dev server</html>", "notDaemon"],
      [200, { hello: "world" }, "notDaemon"],
      [404, "Cannot GET /today", "notDaemon"],
      [500, "broken", "notDaemon"],
      [503, { error: "store_unavailable", message: "disk full" }, "daemonError"],
    ];
    for (const [status, body, kind] of cases) {
      answer = reply(status, body);
      const outcome = await client().getToday();
      assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, kind, `HTTP ${status} ${JSON.stringify(body)}`);
    }
  });

  test("no answer is 'unavailable'", async () => {
    answer = () => undefined;
    assert.equal((await client({ timeoutMs: 100 }).getToday()).kind, "unavailable");
  });
});

describe("parseRetryAfter", () => {
  const nowMs = Date.parse("2026-11-25T10:00:00Z");
  const cases: Array<[string | null, number | undefined]> = [
    ["5", 5_000],
    ["0", 0],
    [" 120 ", 120_000],
    ["86400", 600_000], // capped at 10 minutes
    ["Wed, 25 Nov 2026 10:01:30 GMT", 90_000],
    ["Wed, 25 Nov 2026 09:00:00 GMT", 0], // already past
    ["soon", undefined],
    ["-3", undefined],
    [null, undefined],
  ];
  for (const [value, expected] of cases) {
    test(`${JSON.stringify(value)} is ${String(expected)} ms`, () => assert.equal(parseRetryAfter(value, nowMs), expected));
  }
});

describe("redactCredentials", () => {
  const cases: Array<[string, string]> = [
    ["http://127.0.0.1:3000", "http://127.0.0.1:3000"],
    ["http://me:s3cret@127.0.0.1:3000/", "http://***@127.0.0.1:3000/"],
    ["https://token@box.lan", "https://***@box.lan"],
    ["http://me:p@ss@host:3000", "http://***@host:3000"],
    ["fetch failed: http://me:pw@host/beat (ECONNREFUSED)", "fetch failed: http://***@host/beat (ECONNREFUSED)"],
    ["mailto-like text me@host with no scheme", "mailto-like text me@host with no scheme"],
  ];
  for (const [text, expected] of cases) {
    test(`${text} -> ${expected}`, () => assert.equal(redactCredentials(text), expected));
  }

  test("a server URL with credentials never shows them in what the client reports", async () => {
    const outcome = await client({ serverUrl: baseUrl.replace("//", "//me:s3cret@") }).postBeat(beat);
    assert.equal(outcome.kind, "unavailable");
    assert.doesNotMatch(JSON.stringify(outcome), /s3cret/);
  });
});
