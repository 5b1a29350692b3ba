/**
 * Who listens on the daemon's port, so that the API key never goes to another account's program.
 * While the daemon is down, any account on a shared machine can listen on its port, and the first
 * request would carry the key that is meant to keep that account out. Linux says who owns each
 * listening socket (`/proc/net/tcp` and `/proc/net/tcp6`); elsewhere, or for a daemon on another
 * machine, nothing is checked. The same rule as the CLI's (`daemon_client.py`): the key is withheld
 * when the port's listening sockets belong only to other accounts.
 * Must not import `vscode`.
 */

import { promises as fs } from "node:fs";

import { portOf } from "./probe";

/** The kernel's tables of TCP sockets (IPv4, IPv6), in the format of `proc_net_tcp(5)`. */
export const SOCKET_TABLES: readonly string[] = ["/proc/net/tcp", "/proc/net/tcp6"];

/** The `st` column of a listening socket (TCP_LISTEN). */
const LISTEN_STATE = "0A";

export interface ListenerLookup {
  /** The account this process runs as; undefined where there are no uids (Windows). */
  readonly uid: number | undefined;
  /** Reads one socket table; rejects where it does not exist (not Linux). */
  readonly readTable: (path: string) => Promise<string>;
}

export const SYSTEM_LOOKUP: ListenerLookup = {
  uid: process.getuid?.(),
  readTable: (path) => fs.readFile(path, "latin1"),
};

/**
 * The uids of the sockets listening on TCP `port` in the text of one socket table. Each line after
 * the header is `sl local_address rem_address st … uid …`, the local port in hex after the last
 * colon of the address (`0100007F:0BB8` is 127.0.0.1:3000); lines that are not so are skipped.
 */
export function parseListenerUids(table: string, port: number): number[] {
  const uids: number[] = [];
  for (const line of table.split("\n").slice(1)) {
    const [, local, , state, , , , uid] = line.trim().split(/\s+/);
    const portHex = local?.slice(local.lastIndexOf(":") + 1) ?? "";
    if (state === LISTEN_STATE && uid !== undefined && /^\d+$/.test(uid) && /^[0-9A-F]{4}$/i.test(portHex)) {
      if (Number.parseInt(portHex, 16) === port) {
        uids.push(Number(uid));
      }
    }
  }
  return uids;
}

/**
 * The accounts whose sockets listen on TCP `port` here, from every table that can be read;
 * undefined when none can (another system than Linux).
 */
export async function listenerUids(port: number, readTable: ListenerLookup["readTable"]): Promise<Set<number> | undefined> {
  const tables = await Promise.all(SOCKET_TABLES.map((path) => readTable(path).catch(() => undefined)));
  const readable = tables.filter((table): table is string => table !== undefined);
  return readable.length === 0 ? undefined : new Set(readable.flatMap((table) => parseListenerUids(table, port)));
}

const ROOT_UID = 0;

/** Whether a URL's host name is this machine's loopback (`localhost`, 127.0.0.0/8, `[::1]`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host === "localhost." || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The other accounts (sorted uids) that alone listen on the port of `serverUrl`, when the key must
 * therefore not be sent there; undefined when it may: the program listening is this account's, or
 * nobody listens (the request fails anyway), or the daemon is not on this machine's loopback, or
 * this system does not say who listens.
 */
export async function foreignListeners(serverUrl: string, lookup: ListenerLookup): Promise<number[] | undefined> {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return undefined; // fetch fails on it before anything is sent
  }
  if (lookup.uid === undefined || !isLoopbackHost(url.hostname)) {
    return undefined;
  }
  const owners = await listenerUids(portOf(url), lookup.readTable);
  // Root's socket is no stranger's: root can read the key anyway, and it is root's program that
  // listens for a daemon in a container (Docker's port forwarding).
  if (owners === undefined || owners.size === 0 || owners.has(lookup.uid) || owners.has(ROOT_UID)) {
    return undefined;
  }
  return [...owners].sort((a, b) => a - b);
}
