import assert from "node:assert/strict";
import * as https from "node:https";
import * as net from "node:net";
import { describe, test } from "node:test";

import { DaemonClient } from "../../src/core/daemonClient";
import type { Problem } from "../../src/core/problem";
import { SELF_SIGNED_CERTIFICATE, SELF_SIGNED_KEY } from "./fixtures/selfSignedCertificate";

/** An http:// server URL whose port speaks https, or something else: which does the client say? */

const beat = { project_path: "/home/dev/app", timestamp: 1_750_000_000 };
const ACCEPTED = JSON.stringify({ session_id: 1, project_path: beat.project_path, duration_seconds: 0 });

function httpsServer(): https.Server {
  return https.createServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERTIFICATE }, (_request, response) => {
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(ACCEPTED);
  });
}

/**
 * An https port as nginx keeps one: a TLS hello gets TLS, plain http gets its 400 page ("The plain
 * HTTP request was sent to HTTPS port"); Go's servers (Caddy, Traefik) and Apache do alike.
 */
function nginxLikeServer(): net.Server {
  const secure = httpsServer();
  const page = "<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>";
  return net.createServer((socket) => {
    socket.once("data", (first: Buffer) => {
      if (first[0] === 0x16) {
        socket.pause();
        socket.unshift(first);
        secure.emit("connection", socket);
        return;
      }
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\n` +
          `Connection: close\r\n\r\n${page}`,
      );
    });
  });
}

/** Runs `work` with `server` listening on a free loopback port, then closes it. */
async function withServer<T>(server: net.Server, work: (port: number) => Promise<T>): Promise<T> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await work((server.address() as net.AddressInfo).port);
  } finally {
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve));
  }
}

async function problems(port: number): Promise<Array<Problem | undefined>> {
  const client = new DaemonClient({ serverUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000, timeZone: "UTC" });
  const beatOutcome = await client.postBeat(beat);
  const today = await client.getToday();
  return [
    beatOutcome.kind === "unavailable" ? beatOutcome.problem : undefined,
    today.kind === "unavailable" ? today.problem : undefined,
  ];
}

describe("http:// to a port that speaks https", () => {
  test("a server that closes a plain request (Node's https): 'needsHttps' for beats and today, not 'offline'", async () => {
    const seen = await withServer(httpsServer(), problems);
    for (const problem of seen) {
      assert.equal(problem?.kind, "needsHttps");
      assert.match(problem?.detail ?? "", /UND_ERR_SOCKET|ECONNRESET/);
      assert.match(problem?.detail ?? "", /a TLS handshake there succeeds/);
    }
  });

  test("a proxy that answers plain http with its 400 page (nginx, Caddy): 'needsHttps', with the page", async () => {
    const seen = await withServer(nginxLikeServer(), problems);
    for (const problem of seen) {
      assert.equal(problem?.kind, "needsHttps");
      assert.match(problem?.detail ?? "", /HTTP 400: .*plain HTTP request was sent to HTTPS port.*; a TLS handshake there succeeds/);
    }
  });
});

describe("http:// to a port that answers no HTTP and speaks no TLS either: never guessed to be https", () => {
  const strangers: Array<[string, (socket: net.Socket) => void, string]> = [
    ["closes the connection", (socket) => socket.once("data", () => socket.end()), "offline"],
    ["resets the connection", (socket) => socket.once("data", () => socket.resetAndDestroy()), "offline"],
    // The bytes of a TLS alert, from a program that does not do TLS: bytes alone prove nothing.
    ["sends TLS-looking bytes", (socket) => socket.once("data", () => socket.end(Buffer.from([0x15, 3, 3, 0, 2, 2, 0x46]))), "offline"],
    ["sends another protocol's greeting", (socket) => socket.once("data", () => socket.end("SSH-2.0-OpenSSH_9.6\r\n")), "offline"],
    ["answers a 400 page of its own", (socket) => socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad")), "notDaemon"],
  ];
  for (const [name, handle, kind] of strangers) {
    test(`a server that ${name}: ${kind}`, async () => {
      const seen = await withServer(net.createServer(handle), problems);
      assert.deepEqual(seen.map((problem) => problem?.kind), [kind, kind]);
    });
  }

  test("an https:// URL whose server closes the connection is never told to use https://", async () => {
    let probed = 0;
    const closing = net.createServer((socket) => socket.once("data", () => socket.end()));
    const outcome = await withServer(closing, (port) =>
      new DaemonClient({
        serverUrl: `https://127.0.0.1:${port}`,
        timeoutMs: 2_000,
        speaksTls: async () => {
          probed++;
          return true; // as if it did: the scheme alone must rule it out
        },
      }).postBeat(beat),
    );
    assert.equal(outcome.kind, "unavailable");
    assert.notEqual(outcome.kind === "unavailable" && outcome.problem.kind, "needsHttps");
    assert.equal(probed, 0);
  });
});
