import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, test } from "node:test";

import { acceptsConnections } from "../../src/core/probe";

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
