/**
 * Whether anything accepts TCP connections at a server URL's host and port. A request that times
 * out is either a daemon that is there but slow to answer (a long checkpoint, another program
 * holding its database, a machine under load) or nothing reachable at all (a host that drops the
 * connection attempt); only a fresh connection tells them apart, since fetch says neither.
 * Must not import `vscode`.
 */

import * as net from "node:net";

/** How long the connection attempt may take: a listening loopback port accepts at once. */
export const PROBE_TIMEOUT_MS = 1_000;

/** True when a TCP connection to the URL's host and port is accepted within `timeoutMs`. */
export function acceptsConnections(serverUrl: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return Promise.resolve(false);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1"); // [::1] -> ::1
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: portOf(url) });
    const done = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The TCP port a URL reaches: its own, else its scheme's (URL leaves a default port out). */
export function portOf(url: URL): number {
  return url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
}
