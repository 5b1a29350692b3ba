/**
 * Is `oxitrack.serverUrl` usable, and is it safe? A malformed value (no scheme, as in
 * `localhost:3000`; a user:password@ part) is a settings error to show, not a daemon that "does
 * not answer" forever; so is a port no request can reach (0, or one fetch refuses to connect to),
 * and a path naming one of the daemon's routes (`/api/v1`, WakaTime's api_url). A plain http://
 * address that is not this machine sends project paths and the API key across the network in
 * clear text: allowed, with a warning. Must not import `vscode`.
 */

import { redactCredentials } from "./redact";

export interface ServerUrlCheck {
  /** Why the value cannot work, for a settings error. */
  readonly problem?: string;
  /** Why the value works but is unsafe, for a warning. */
  readonly warning?: string;
}

const SETTING = "oxitrack.serverUrl";

export function checkServerUrl(raw: string): ServerUrlCheck {
  // Shown in a pop-up and the status bar: never with a password in it, scheme or not.
  const shown = redactCredentials(raw).replace(/^[^/\s@]*@/, "***@");
  const named = `${SETTING} "${shown}"`;
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
  if (!hasScheme) {
    return { problem: `${named} has no http:// or https:// in front; write http://${shown}` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `${named} is not a URL; write it like http://127.0.0.1:3000` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { problem: `${named} must start with http:// or https://` };
  }
  if (url.username !== "" || url.password !== "") {
    return {
      problem: `${SETTING} must not hold a user name or password (user:password@); for a daemon started with --api-key, run OxiTrack: Set API Key`,
    };
  }
  if (url.search !== "" || url.hash !== "" || raw.includes("?") || raw.includes("#")) {
    return { problem: `${named} must not have a ?query or #fragment` };
  }
  const routeProblem = problemWithRoute(url);
  if (routeProblem !== undefined) {
    return { problem: `${named} ${routeProblem}` };
  }
  const portProblem = problemWithPort(url.port);
  if (portProblem !== undefined) {
    return { problem: `${named} ${portProblem}` };
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    return {
      warning:
        `${SETTING} sends your beats and API key to ${url.host} unencrypted (http://), readable ` +
        "by anyone on the network in between; use https:// or a daemon on this machine",
    };
  }
  return {};
}

/**
 * The dashboard's address, `<serverUrl>/`, or why there is none to open: a server URL that cannot
 * work (`localhost:3000` opened as a `localhost:` link, a `user:password@` put in the browser's
 * history) is said, not handed to the system's browser.
 */
export function dashboardUrl(serverUrl: string): { readonly url: string } | { readonly problem: string } {
  const url = serverUrl.trim();
  const { problem } = checkServerUrl(url);
  return problem === undefined ? { url: `${url.replace(/\/+$/, "")}/` } : { problem };
}

/**
 * A path ending in one of the daemon's own routes: `/api/v1` (WakaTime's api_url for the daemon,
 * which a WakaTime user pastes here) or an endpoint from a curl example (`/beat`, `/today`,
 * `/health`). Requests would go to `…/api/v1/beat`, which no daemon has; the base is what comes
 * before (a proxy's prefix, such as `/oxitrack`, stays; `/api` alone may be one, so it is not
 * taken for a route).
 */
const ROUTE_SUFFIX = /(?:\/api\/v1|\/beat|\/today|\/health)\/*$/;

function problemWithRoute(url: URL): string | undefined {
  const match = ROUTE_SUFFIX.exec(url.pathname);
  if (match === null) {
    return undefined;
  }
  const base = `${url.origin}${url.pathname.slice(0, match.index)}`;
  return `ends in ${match[0].replace(/\/+$/, "")}, one of the daemon's own routes (beats go to <serverUrl>/beat); write the daemon's address alone: ${base}`;
}

/**
 * The ports fetch refuses before connecting ("bad port", the Fetch standard's list; Node's fetch
 * and VS Code's keep it): a daemon there is never reached, and the failure reads like a daemon
 * that is down.
 */
const BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103,
  104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513,
  514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720,
  1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Why the URL's port (`""` for the scheme's default) cannot be reached, if it cannot. */
function problemWithPort(port: string): string | undefined {
  if (port === "0") {
    // `oxitrack serve --port 0` picks a free port and prints it; 0 itself is never listened on.
    return "has port 0, where no daemon listens; write the port `oxitrack serve` printed (listening on http://127.0.0.1:PORT)";
  }
  const number = Number(port);
  if (port !== "" && BLOCKED_PORTS.has(number)) {
    return (
      `has port ${number}: port ${number} is one VS Code refuses to connect to (a "bad port" for ` +
      "fetch, kept for other protocols); run the daemon on another port (`oxitrack serve --port 3001`) " +
      "and set oxitrack.serverUrl to match"
    );
  }
  return undefined;
}

/** This machine: localhost (and *.localhost), 127.0.0.0/8, ::1. URL has normalized the host. */
function isLoopback(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname.endsWith(".localhost") ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
    hostname === "[::1]"
  );
}
