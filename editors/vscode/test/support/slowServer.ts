/**
 * Real local HTTP servers that are there but slow: one that accepts connections and answers after
 * a delay longer than the client's timeout, and a proxy in front of a real daemon that can pass a
 * request on at once but hold its answer back (the beat lands, the client times out), or swallow
 * the request (nothing lands). Also a loopback port where nothing listens.
 */

import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Running {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A server answering every request with `body()` after `delayMs()` (read at each request). */
export function slowServer(delayMs: () => number, body: () => unknown): Promise<Running> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      const timer = setTimeout(() => {
        if (!response.destroyed) {
          response.writeHead(200, { "Content-Type": "application/json" });
          response.end(JSON.stringify(body()));
        }
      }, delayMs());
      response.on("close", () => clearTimeout(timer));
    });
  });
  return listen(server);
}

/** A loopback URL where nothing listens: a port just bound and closed again. */
export async function closedPortUrl(): Promise<string> {
  const running = await listen(http.createServer());
  await running.close();
  return running.url;
}

/** What the proxy does with the next requests. */
export type ProxyMode =
  /** Pass the request on and its answer back. */
  | "pass"
  /** Pass the request on at once (it lands), never hand the answer back: the client times out. */
  | "holdAnswer"
  /** Keep the request from the daemon (nothing lands) and never answer. */
  | "swallow";

export interface Proxy extends Running {
  mode: ProxyMode;
  /** Resolves once every request passed on so far has been answered by the daemon. */
  settled(): Promise<void>;
}

/** A proxy to `targetUrl` whose behaviour the test switches. */
export async function delayingProxy(targetUrl: string): Promise<Proxy> {
  const target = new URL(targetUrl);
  const passedOn: Array<Promise<void>> = [];
  const proxy = { mode: "pass" as ProxyMode };
  const server = http.createServer((request, response) => {
    const mode = proxy.mode;
    if (mode === "swallow") {
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      passedOn.push(
        new Promise<void>((resolve, reject) => {
          const upstream = http.request(
            { host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers },
            (answer) => {
              const body: Buffer[] = [];
              answer.on("data", (chunk: Buffer) => body.push(chunk));
              answer.on("end", () => {
                if (mode === "pass" && !response.destroyed) {
                  response.writeHead(answer.statusCode ?? 502, answer.headers);
                  response.end(Buffer.concat(body));
                }
                resolve();
              });
            },
          );
          upstream.on("error", reject);
          upstream.end(Buffer.concat(chunks));
        }),
      );
    });
  });
  const running = await listen(server);
  return Object.assign(proxy, {
    url: running.url,
    close: running.close,
    settled: async () => {
      await Promise.all(passedOn);
    },
  });
}
