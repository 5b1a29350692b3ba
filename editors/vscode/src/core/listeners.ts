/**
 * Who listens on the daemon's port, so that the API key never goes to another account's program.
 * While the daemon is down, any account on a shared machine can listen on its port, and the first
 * request would carry the key that is meant to keep that account out. Linux says who owns each
 * listening socket (`/proc/net/tcp` and `/proc/net/tcp6`); elsewhere, or for a daemon on another
 * machine, nothing is checked. The same rule as the CLI's (`daemon_client.py`): the key is withheld
 * when a socket that takes the request belongs to another account.
 * Must not import `vscode`.
 */

import { lookup as dnsLookup } from "node:dns/promises";
import { promises as fs } from "node:fs";
import { endianness } from "node:os";

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
  /** The addresses a host name gives, in the order a connection tries them (default: the system's). */
  readonly resolve?: (hostname: string) => Promise<string[]>;
}

export const SYSTEM_LOOKUP: ListenerLookup = {
  uid: process.getuid?.(),
  readTable: (path) => fs.readFile(path, "latin1"),
  resolve: systemResolve,
};

/** A socket listening on the port: the address it listens on, as `addressText` writes it, and its owner. */
export interface Listener {
  readonly address: string;
  readonly uid: number;
}

/**
 * The sockets listening on TCP `port` in the text of one socket table. Each line after the header
 * is `sl local_address rem_address st … uid …`: the local address in hex, 32-bit words each in the
 * machine's byte order (`0100007F:0BB8` is 127.0.0.1:3000 on x86), the port after the colon.
 * Lines that are not so are skipped.
 */
export function parseListeners(table: string, port: number, littleEndian = endianness() === "LE"): Listener[] {
  const listeners: Listener[] = [];
  for (const line of table.split("\n").slice(1)) {
    const [, local = "", , state, , , , uid] = line.trim().split(/\s+/);
    const [hexAddress = "", portHex = ""] = local.split(":");
    if (state !== LISTEN_STATE || uid === undefined || !/^\d+$/.test(uid) || !/^[0-9A-F]{4}$/i.test(portHex)) {
      continue;
    }
    const address = procAddress(hexAddress, littleEndian);
    if (address !== undefined && Number.parseInt(portHex, 16) === port) {
      listeners.push({ address, uid: Number(uid) });
    }
  }
  return listeners;
}

/** The sockets listening on TCP `port` here, from every table that can be read; undefined when none can (not Linux). */
export async function readListeners(port: number, readTable: ListenerLookup["readTable"]): Promise<Listener[] | undefined> {
  const tables = await Promise.all(SOCKET_TABLES.map((path) => readTable(path).catch(() => undefined)));
  const readable = tables.filter((table): table is string => table !== undefined);
  return readable.length === 0 ? undefined : readable.flatMap((table) => parseListeners(table, port));
}

/** A `/proc/net` address (8 or 32 hex digits) as text; undefined when it is neither. */
function procAddress(hex: string, littleEndian: boolean): string | undefined {
  if (!/^(?:[0-9A-F]{8}|[0-9A-F]{32})$/i.test(hex)) {
    return undefined;
  }
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = [0, 2, 4, 6].map((at) => Number.parseInt(hex.slice(word + at, word + at + 2), 16));
    bytes.push(...(littleEndian ? wordBytes.reverse() : wordBytes));
  }
  if (bytes.length === 4) {
    return bytes.join(".");
  }
  const groups = [0, 2, 4, 6, 8, 10, 12, 14].map((at) => (((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0)).toString(16));
  return addressText(groups.join(":"));
}

/**
 * An IP address as one text whatever its spelling: IPv4 as is, IPv6 compressed (`::1`, `::`),
 * and an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as the IPv4 address it takes connections to.
 */
function addressText(address: string): string {
  if (!address.includes(":")) {
    return address;
  }
  const compressed = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (mapped === null) {
    return compressed;
  }
  const [high, low] = [Number.parseInt(mapped[1] ?? "0", 16), Number.parseInt(mapped[2] ?? "0", 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/**
 * Whether a socket listening on `listening` takes a connection to `target` (both as
 * `addressText` writes them). An IPv6 wildcard takes IPv4 too, unless the socket is IPv6-only,
 * which `/proc` does not tell: it counts as taking it, so a stranger's such socket is never
 * passed over.
 */
function reaches(listening: string, target: string): boolean {
  return listening === target || listening === "::" || (listening === "0.0.0.0" && !target.includes(":"));
}

/** The addresses a connection to `hostname` (as a URL holds it) tries, in order; none when it resolves to none. */
async function addressesOf(hostname: string, resolve: (hostname: string) => Promise<string[]>): Promise<string[]> {
  if (hostname.startsWith("[")) {
    return [addressText(hostname.slice(1, -1))];
  }
  if (/^\d+(\.\d+){3}$/.test(hostname)) {
    return [hostname];
  }
  try {
    return (await resolve(hostname)).map(addressText);
  } catch {
    return [];
  }
}

/** The addresses a host name gives, in the order Node's connections try them. */
async function systemResolve(hostname: string): Promise<string[]> {
  return (await dnsLookup(hostname, { all: true })).map((found) => found.address);
}

const ROOT_UID = 0;

/** Whether a URL's host name is this machine's loopback (`localhost`, 127.0.0.0/8, `[::1]`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host === "localhost." || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The other accounts (sorted uids) whose programs listen where a request to `serverUrl` lands,
 * when the key must therefore not be sent there; undefined when it may: only this account's
 * (or root's) program listens there, or nobody does (the request fails anyway), or the daemon is
 * not on this machine's loopback, or this system does not say who listens. Where it lands is the
 * first of the host's addresses (in the order a connection tries them) a socket takes: a program
 * of this account's on the port at another address (a dev server on `::1`) says nothing of who
 * listens at `127.0.0.1`. The same rule as the command line's (`daemon_client.py`).
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
  const listeners = await readListeners(portOf(url), lookup.readTable);
  if (listeners === undefined) {
    return undefined;
  }
  let owners: number[] = [];
  for (const target of await addressesOf(url.hostname, lookup.resolve ?? systemResolve)) {
    owners = listeners.filter((listener) => reaches(listener.address, target)).map((listener) => listener.uid);
    if (owners.length > 0) {
      break;
    }
  }
  // Root's socket is no stranger's: root can read the key anyway, and it is root's program that
  // listens for a daemon in a container (Docker's port forwarding).
  const strangers = new Set(owners.filter((uid) => uid !== lookup.uid && uid !== ROOT_UID));
  return strangers.size === 0 ? undefined : [...strangers].sort((a, b) => a - b);
}
