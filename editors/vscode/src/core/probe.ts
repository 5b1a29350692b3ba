/**
 * What a fresh connection to a server URL's host and port says where a request's failure says
 * too little. Whether anything accepts TCP connections: a request that times out is either a
 * daemon that is there but slow to answer (a long checkpoint, another program holding its
 * database, a machine under load) or nothing reachable at all (a host that drops the connection
 * attempt). Whether a TLS handshake succeeds there: a plain http:// request to an https server
 * or proxy gets its connection closed, TLS bytes, or a 400 page, none of which says "https"
 * for certain; a completed handshake does. Neither sends anything but a connection attempt or a
 * TLS hello. Must not import `vscode`.
 */

import * as net from "node:net";
import * as tls from "node:tls";

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

/**
 * True when a TLS handshake with the URL's host and port completes within `timeoutMs`, whatever
 * the scheme (an http:// URL's port is asked whether it speaks https) and whatever the
 * certificate: the question is which protocol is spoken there, not whether to trust it, and
 * nothing is sent once the handshake is done.
 */
export function speaksTls(serverUrl: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return Promise.resolve(false);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port: portOf(url),
      // SNI names a host, never an address (RFC 6066): a proxy picks its site by it.
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
    });
    const done = (completed: boolean): void => {
      socket.destroy();
      resolve(completed);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("secureConnect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The TCP port a URL reaches: its own, else its scheme's (URL leaves a default port out). */
export function portOf(url: URL): number {
  return url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
}
