import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";

import { parseRetryAfter } from "../../src/core/daemonAnswer";
import { DaemonClient, LISTENER_CHECK_MS, tlsFailure } from "../../src/core/daemonClient";
import type { ListenerLookup } from "../../src/core/listeners";
import { machineZone } from "../../src/core/machineZone";
import { redactCredentials } from "../../src/core/redact";
import { SELF_SIGNED_CERTIFICATE, SELF_SIGNED_KEY } from "./fixtures/selfSignedCertificate";

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

  test("sends the language and the editor when the beat has them, and nothing else", async () => {
    seen.length = 0;
    answer = reply(200, { session_id: 7, project_path: "/real/app", duration_seconds: 90 });
    const detailed = { ...beat, language: "Python", editor: "vscode" };
    await client().postBeat({ ...detailed, file: "/real/app/secret.py" } as typeof detailed);
    assert.deepEqual(JSON.parse((seen[0] as Seen).body), detailed);
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

  test("the daemon's 403 forbidden_host, 415 and 404/405 keep the beat: a setup problem, or a wrong path", async () => {
    const refusals: Array<[number, string, string]> = [
      [403, "forbidden_host", "misconfigured"],
      [403, "forbidden_origin", "misconfigured"],
      [404, "not_found", "wrongPath"],
      [405, "method_not_allowed", "wrongPath"],
      [415, "unsupported_media_type", "misconfigured"],
      [400, "bad_request", "misconfigured"],
    ];
    for (const [status, code, kind] of refusals) {
      answer = reply(status, { error: code, message: "see --allow-hosts" });
      const outcome = await client().postBeat(beat);
      assert.deepEqual(
        outcome.kind === "unavailable" && [outcome.problem.kind, outcome.problem.code],
        [kind, code],
        `HTTP ${status} ${code}`,
      );
    }
  });

  test("the daemon's 401 means an API key is needed: keep the beat", async () => {
    answer = reply(401, { error: "unauthorized", message: "send the API key as `Authorization: Bearer KEY`" });
    const outcome = await client().postBeat(beat);
    assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, "needsApiKey");
  });

  test("the daemon's 401 to the key set means that key is wrong, not missing: keep the beat", async () => {
    answer = reply(401, { error: "unauthorized", message: "send the API key as `Authorization: Bearer KEY`" });
    const outcome = await client({ apiKey: "old-key" }).postBeat(beat);
    assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, "wrongApiKey");
    const today = await client({ apiKey: "old-key" }).getToday();
    assert.equal(today.kind === "unavailable" && today.problem.kind, "wrongApiKey");
  });

  test("a key no HTTP header can carry is a wrong key, sent nowhere, not a daemon offline", async () => {
    seen.length = 0;
    answer = reply(200, { session_id: 7, project_path: "/real/app", duration_seconds: 90 });
    for (const key of ["k3y\u200b", "\u201ck3y\u201d", "k3y\n"]) {
      const outcome = await client({ apiKey: key }).postBeat(beat);
      assert.equal(outcome.kind === "unavailable" && outcome.problem.kind, "wrongApiKey", JSON.stringify(key));
      assert.match(outcome.kind === "unavailable" ? outcome.problem.detail : "", /cannot carry/);
      const today = await client({ apiKey: key }).getToday();
      assert.equal(today.kind === "unavailable" && today.problem.kind, "wrongApiKey", JSON.stringify(key));
    }
    assert.equal(seen.length, 0);
    assert.equal((await client({ apiKey: "k\u00e9y k3y" }).postBeat(beat)).kind, "accepted", "Latin-1 and spaces go");
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

  test("no answer within the timeout from a daemon that accepts connections: slow, not offline", async () => {
    answer = () => undefined; // accepts the connection, never answers
    const outcome = await client({ timeoutMs: 200 }).postBeat(beat);
    assert.deepEqual(outcome, { kind: "unavailable", problem: { kind: "slow", detail: "no answer within 200 ms" } });
  });

  test("no answer within the timeout and nothing accepts connections: offline", async () => {
    answer = () => undefined;
    const probed: string[] = [];
    const unreachable = new DaemonClient({
      serverUrl: `${baseUrl}/`,
      timeoutMs: 200,
      acceptsConnections: async (url) => {
        probed.push(url);
        return false; // a host that drops connection attempts
      },
    });
    const outcome = await unreachable.postBeat(beat);
    assert.deepEqual(outcome, {
      kind: "unavailable",
      problem: { kind: "offline", detail: "no answer within 200 ms; nothing accepts connections there" },
    });
    assert.deepEqual(probed, [baseUrl]);
  });

  test("https:// to a daemon that speaks plain http: a TLS problem with the reason, not 'offline'", async () => {
    answer = reply(200, { session_id: 1, project_path: beat.project_path, duration_seconds: 0 });
    const outcome = await client({ serverUrl: baseUrl.replace("http://", "https://") }).postBeat(beat);
    assert.equal(outcome.kind, "unavailable");
    const problem = outcome.kind === "unavailable" ? outcome.problem : undefined;
    assert.equal(String(problem?.kind), "tls");
    assert.equal(problem?.certificate, undefined);
    assert.match(problem?.detail ?? "", /ERR_SSL_WRONG_VERSION_NUMBER/);
  });

  test("https:// to a server whose certificate this machine does not trust: a TLS problem that says 'certificate'", async () => {
    const secure = https.createServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERTIFICATE }, (_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ session_id: 1, project_path: beat.project_path, duration_seconds: 0 }));
    });
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
    try {
      const port = (secure.address() as AddressInfo).port;
      const outcome = await client({ serverUrl: `https://127.0.0.1:${port}/` }).postBeat(beat);
      const problem = outcome.kind === "unavailable" ? outcome.problem : undefined;
      assert.equal(String(problem?.kind), "tls");
      assert.equal(problem?.certificate, true);
      assert.match(problem?.detail ?? "", /SELF_SIGNED/);
    } finally {
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    }
  });

  describe("tlsFailure: which failures of fetch are the TLS handshake's, and which a certificate's", () => {
    const certificate = ["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "CERT_HAS_EXPIRED",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "ERR_TLS_CERT_ALTNAME_INVALID",
      "HOSTNAME_MISMATCH"];
    for (const code of certificate) {
      test(`${code}: certificate`, () => assert.equal(tlsFailure(code), "certificate"));
    }
    for (const code of ["ERR_SSL_WRONG_VERSION_NUMBER", "EPROTO", "ERR_TLS_HANDSHAKE_TIMEOUT"]) {
      test(`${code}: handshake`, () => assert.equal(tlsFailure(code), "handshake"));
    }
    for (const code of ["ECONNREFUSED", "ECONNRESET", "UND_ERR_SOCKET", "ENOTFOUND", "EHOSTUNREACH", "EPROTONOSUPPORT", undefined]) {
      test(`${String(code)} is not`, () => assert.equal(tlsFailure(code), undefined));
    }
  });

  test("a failure whose cause has no code names the cause: the log says why, not only 'fetch failed'", async () => {
    const outcome = await client({ serverUrl: "http://127.0.0.1:6000" }).postBeat(beat); // a port fetch refuses
    assert.equal(outcome.kind, "unavailable");
    assert.equal(outcome.kind === "unavailable" ? outcome.problem.detail : "", "fetch failed (bad port)");
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
    const zone = machineZone() ?? "";
    assert.notEqual(zone, "");
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

  test("the zone is read for each request: a laptop that travelled gets its new day", async () => {
    seen.length = 0;
    answer = reply(200, today);
    let zone = "Europe/Berlin";
    const travelling = new DaemonClient({ serverUrl: baseUrl, timeoutMs: 2_000, timeZone: () => zone });
    await travelling.getToday();
    zone = "Asia/Tokyo";
    await travelling.getToday();
    assert.deepEqual(seen.map((request) => request.url), [
      "/today?format=json&tz=Europe%2FBerlin",
      "/today?format=json&tz=Asia%2FTokyo",
    ]);
  });

  test("a zone the daemon refused is asked for again once the machine is in another zone", async () => {
    seen.length = 0;
    answer = (request, response) =>
      request.url.includes("tz=Mars")
        ? reply(422, { error: "invalid_field", message: "'Mars/Base' is not a known IANA time zone", field: "tz" })(request, response)
        : reply(200, today)(request, response);
    let zone = "Mars/Base";
    const travelling = new DaemonClient({ serverUrl: baseUrl, timeoutMs: 2_000, timeZone: () => zone });
    await travelling.getToday();
    await travelling.getToday();
    zone = "Asia/Tokyo";
    assert.equal((await travelling.getToday()).kind, "ok");
    assert.deepEqual(seen.map((request) => request.url), [
      "/today?format=json&tz=Mars%2FBase",
      "/today?format=json",
      "/today?format=json",
      "/today?format=json&tz=Asia%2FTokyo",
    ]);
  });

  test("a server URL with a path the daemon has no route for: the same 'wrong path' as a beat meets, at once", async () => {
    seen.length = 0;
    answer = (request, response) =>
      reply(404, { error: "not_found", message: `no route ${request.url.split("?")[0]}; see docs/api.md for the endpoints` })(
        request,
        response,
      );
    const wrong = client({ serverUrl: `${baseUrl}/something` });
    const today = await wrong.getToday();
    const beatOutcome = await wrong.postBeat(beat);
    assert.deepEqual(today, {
      kind: "unavailable",
      problem: {
        kind: "wrongPath",
        code: "not_found",
        detail: "HTTP 404: not_found: no route /something/today; see docs/api.md for the endpoints",
      },
    });
    assert.deepEqual(beatOutcome.kind === "unavailable" && [beatOutcome.problem.kind, beatOutcome.problem.code], ["wrongPath", "not_found"]);
    assert.deepEqual(seen.map((request) => request.url.split("?")[0]), ["/something/today", "/something/beat"]);
  });

  test("the daemon's refusal of the report's query is an error about the request, not a connection problem", async () => {
    answer = reply(422, { error: "invalid_field", message: "bad format", field: "format" });
    assert.equal((await client().getToday()).kind, "error");
  });

  test("every other answer reads as it does for a beat: one classifier", async () => {
    const answers: Array<[number, unknown]> = [
      [400, { error: "bad_request", message: "x" }],
      [404, { error: "not_found", message: "no route /x" }],
      [405, { error: "method_not_allowed", message: "GET is not allowed on /x" }],
      [403, { error: "forbidden_origin", message: "x" }],
      [413, "<html>413</html>"],
      [429, { error: "too_many_requests", message: "x" }],
    ];
    for (const [status, body] of answers) {
      answer = reply(status, body);
      const today = await client().getToday();
      const beatOutcome = await client().postBeat(beat);
      assert.equal(today.kind, "unavailable", `HTTP ${status}`);
      assert.deepEqual(today.kind === "unavailable" && today.problem, beatOutcome.kind === "unavailable" && beatOutcome.problem, `HTTP ${status}`);
    }
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

describe("DaemonClient and the account listening on the daemon's port", () => {
  const ME = 4242;
  const OTHER = 65534;

  /** /proc/net/tcp saying who listens on the test server's port now; `reads` counts the lookups. */
  function proc(owner: { uid: number }) {
    const port = Number(new URL(baseUrl).port).toString(16).toUpperCase().padStart(4, "0");
    const lookup: ListenerLookup & { reads: number } = {
      uid: ME,
      reads: 0,
      readTable: async (path) => {
        if (path !== "/proc/net/tcp") {
          throw new Error("ENOENT");
        }
        lookup.reads++;
        return (
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
          `   0: 0100007F:${port} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 ${owner.uid} 0 77 1\n`
        );
      },
    };
    return lookup;
  }

  function keyed(lookup: ListenerLookup, clock = { ms: 1_000_000 }, fetchImpl?: typeof fetch) {
    return new DaemonClient({
      serverUrl: baseUrl,
      apiKey: "s3cret",
      timeoutMs: 2_000,
      timeZone: "Europe/Paris",
      listeners: lookup,
      now: () => clock.ms,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    });
  }

  const withheld = { kind: "unavailable", problem: { kind: "foreignListener", detail: `uid ${OTHER}` } } as const;

  test("another account's program on the port gets no request at all: the beat waits, as if the daemon were down", async () => {
    seen.length = 0;
    answer = reply(200, { session_id: 1, project_path: "/home/dev/app", duration_seconds: 0 });
    const client = keyed(proc({ uid: OTHER }));
    assert.deepEqual(await client.postBeat(beat), withheld);
    assert.deepEqual(await client.getToday(), withheld);
    assert.deepEqual(seen, []);
  });

  test("this account's program on the port gets the key", async () => {
    seen.length = 0;
    answer = reply(200, { session_id: 1, project_path: "/home/dev/app", duration_seconds: 0 });
    assert.equal((await keyed(proc({ uid: ME })).postBeat(beat)).kind, "accepted");
    assert.equal(seen[0]?.headers.authorization, "Bearer s3cret");
  });

  test("without a key there is nothing to withhold: the request goes", async () => {
    seen.length = 0;
    answer = reply(200, { session_id: 1, project_path: "/home/dev/app", duration_seconds: 0 });
    const lookup = proc({ uid: OTHER });
    const client = new DaemonClient({ serverUrl: baseUrl, timeoutMs: 2_000, listeners: lookup });
    assert.equal((await client.postBeat(beat)).kind, "accepted");
    assert.equal(seen[0]?.headers.authorization, undefined);
    assert.equal(lookup.reads, 0);
  });

  test("the answer is kept briefly: a burst of beats reads the tables once", async () => {
    answer = reply(200, { session_id: 1, project_path: "/home/dev/app", duration_seconds: 0 });
    const lookup = proc({ uid: ME });
    const client = keyed(lookup);
    for (let i = 0; i < 5; i++) {
      assert.equal((await client.postBeat(beat)).kind, "accepted");
    }
    assert.equal(lookup.reads, 1);
  });

  test("the daemon restarted under this account is accepted again, by the same client", async () => {
    seen.length = 0;
    answer = reply(200, { session_id: 1, project_path: "/home/dev/app", duration_seconds: 0 });
    const owner = { uid: OTHER };
    const clock = { ms: 1_000_000 };
    const client = keyed(proc(owner), clock);
    assert.deepEqual(await client.postBeat(beat), withheld);
    owner.uid = ME;
    clock.ms += LISTENER_CHECK_MS;
    assert.equal((await client.postBeat(beat)).kind, "accepted");
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.headers.authorization, "Bearer s3cret");
  });

  test("a request that fails forgets who listened: another account taking the port at once is seen", async () => {
    const owner = { uid: ME };
    let isDown = false;
    const fetchImpl: typeof fetch = async (...args) => {
      if (isDown) {
        throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
      }
      return fetch(...args);
    };
    const clock = { ms: 1_000_000 };
    answer = reply(200, { session_id: 1, project_path: "/home/dev/app", duration_seconds: 0 });
    const client = keyed(proc(owner), clock, fetchImpl);
    assert.equal((await client.postBeat(beat)).kind, "accepted");
    isDown = true; // the daemon stops…
    assert.equal((await client.postBeat(beat)).kind, "unavailable");
    owner.uid = OTHER; // …and another account listens on its port, within the same second
    isDown = false;
    seen.length = 0;
    assert.deepEqual(await client.postBeat(beat), withheld);
    assert.deepEqual(seen, []);
  });
});

/** An HTTP server of another account (uid 65534) that prints each request's path and Authorization. */
const SQUATTER = `
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print(self.path, self.headers.get("Authorization"), flush=True)
        self.send_response(503)
        self.end_headers()
    do_POST = do_GET
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print("ready", server.server_address[1], flush=True)
server.serve_forever()
`;

const SYSTEM_PYTHON = "/usr/bin/python3";
const setpriv = (process.env["PATH"] ?? "")
  .split(path.delimiter)
  .filter((dir) => dir !== "")
  .map((dir) => path.join(dir, "setpriv"))
  .find((file) => existsSync(file));
const canActAsAnotherAccount =
  process.getuid?.() === 0 && setpriv !== undefined && existsSync(SYSTEM_PYTHON) && existsSync("/proc/net/tcp");

describe(
  "DaemonClient and a real program of another account on the port",
  { skip: canActAsAnotherAccount ? false : "needs Linux, root, setpriv and the system's python3 to act as another account" },
  () => {
    test("the API key never reaches it; without a key the request goes", async () => {
      const squatter = spawn(
        setpriv ?? "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", SYSTEM_PYTHON, "-c", SQUATTER],
        { cwd: "/", stdio: ["ignore", "pipe", "inherit"] },
      );
      const lines: string[] = [];
      const closed = new Promise((resolve) => squatter.stdout.once("close", resolve));
      const ready = new Promise<string>((resolve, reject) => {
        squatter.once("exit", (code) => reject(new Error(`the squatter exited with ${code}`)));
        createInterface({ input: squatter.stdout }).on("line", (line) => {
          if (line.startsWith("ready ")) {
            resolve(line.slice("ready ".length));
          } else {
            lines.push(line);
          }
        });
      });
      try {
        const url = `http://127.0.0.1:${await ready}`;
        const keyed = new DaemonClient({ serverUrl: url, apiKey: "s3cret-key", timeoutMs: 5_000, timeZone: "UTC" });
        const withheld = { kind: "unavailable", problem: { kind: "foreignListener", detail: "uid 65534" } };
        assert.deepEqual(await keyed.postBeat(beat), withheld);
        assert.deepEqual(await keyed.getToday(), withheld);
        // Without a key there is nothing to keep from it: the request goes, and is not taken.
        const keyless = new DaemonClient({ serverUrl: url, timeoutMs: 5_000 });
        assert.equal((await keyless.postBeat(beat)).kind, "unavailable");
      } finally {
        squatter.kill("SIGKILL");
        await closed;
      }
      assert.deepEqual(lines, ["/beat None"]);
    });
  },
);
