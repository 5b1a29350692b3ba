import assert from "node:assert/strict";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { describe, test } from "node:test";

import { acceptsConnections, speaksTls } from "../../src/core/probe";
import { SELF_SIGNED_CERTIFICATE, SELF_SIGNED_KEY } from "./fixtures/selfSignedCertificate";

async function listening(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("acceptsConnections", () => {
  test("a port something listens on accepts", async () => {
    const server = await listening();
    try {
      assert.equal(await acceptsConnections(`http://127.0.0.1:${server.port}/`), true);
      assert.equal(await acceptsConnections(`http://user:secret@localhost:${server.port}`), true);
    } finally {
      await server.close();
    }
  });

  test("a port nothing listens on (connection refused) does not", async () => {
    const server = await listening();
    await server.close();
    assert.equal(await acceptsConnections(`http://127.0.0.1:${server.port}`), false);
  });

  test("a URL that cannot be parsed does not", async () => {
    assert.equal(await acceptsConnections("localhost:3000"), false);
    assert.equal(await acceptsConnections("not a url"), false);
  });
});

describe("speaksTls", () => {
  async function on(server: net.Server, ask: (port: number) => Promise<boolean>): Promise<boolean> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      return await ask((server.address() as net.AddressInfo).port);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  test("an https server does, whatever its certificate and the URL's scheme", async () => {
    const secure = https.createServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERTIFICATE });
    assert.equal(await on(secure, (port) => speaksTls(`http://127.0.0.1:${port}`)), true);
    const again = https.createServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERTIFICATE });
    assert.equal(await on(again, (port) => speaksTls(`https://localhost:${port}/`)), true);
  });

  test("a plain http server does not", async () => {
    assert.equal(await on(http.createServer(), (port) => speaksTls(`http://127.0.0.1:${port}`)), false);
  });

  test("a server that says nothing within the time does not", async () => {
    const silent = net.createServer(() => undefined);
    const sockets: net.Socket[] = [];
    silent.on("connection", (socket) => sockets.push(socket));
    const answer = await on(silent, async (port) => {
      const result = await speaksTls(`http://127.0.0.1:${port}`, 200);
      sockets.forEach((socket) => socket.destroy());
      return result;
    });
    assert.equal(answer, false);
  });

  test("a port nothing listens on, or a URL that cannot be parsed, does not", async () => {
    const server = await listening();
    await server.close();
    assert.equal(await speaksTls(`http://127.0.0.1:${server.port}`), false);
    assert.equal(await speaksTls("localhost:3000"), false);
  });
});
