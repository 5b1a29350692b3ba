/**
 * Is `oxitrack.serverUrl` usable, and is it safe? A malformed value (no scheme, as in
 * `localhost:3000`; a user:password@ part) is a settings error to show, not a daemon that "does
 * not answer" forever. A plain http:// address that is not this machine sends project paths and the
 * API key across the network in clear text: allowed, with a warning. Must not import `vscode`.
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
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    return {
      warning:
        `${SETTING} sends your beats and API key to ${url.host} unencrypted (http://), readable ` +
        "by anyone on the network in between; use https:// or a daemon on this machine",
    };
  }
  return {};
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
