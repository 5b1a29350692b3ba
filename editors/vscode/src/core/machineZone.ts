/**
 * This machine's time zone *now*, by IANA name, for the day `GET /today` reports.
 *
 * Node reads the system's zone once, when the process starts: `Intl` and `Date` in an editor left
 * open keep the zone it started in after the laptop's clock moves to another (a flight from Berlin
 * to Tokyo), and the status bar showed Berlin's day while `oxitrack today` showed Tokyo's. The
 * `/etc/localtime` link (Linux, macOS) is what the system changes; it is read again on each call.
 * Where there is none (Windows, a copied file), or `TZ` is set (Node follows it, and a running
 * process's `TZ` does not change), the zone Node started with is the answer. Must not import
 * `vscode`.
 */

import { readlinkSync } from "node:fs";

export interface ZoneSources {
  /** `TZ` of this process, read when asked. */
  readonly tzVariable: () => string | undefined;
  /** Where `/etc/localtime` links to, or undefined (no link, not readable). */
  readonly localtimeTarget: () => string | undefined;
  /** The zone Node started with. */
  readonly startZone: () => string | undefined;
}

export const SYSTEM_ZONE_SOURCES: ZoneSources = {
  tzVariable: () => process.env["TZ"],
  localtimeTarget: () => {
    try {
      return readlinkSync("/etc/localtime");
    } catch {
      return undefined;
    }
  },
  startZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone,
};

/** The IANA name of this machine's zone now; undefined when nothing names one. */
export function machineZone(sources: ZoneSources = SYSTEM_ZONE_SOURCES): string | undefined {
  const tz = sources.tzVariable();
  if (tz === undefined || tz === "" || tz === ":/etc/localtime") {
    const linked = zoneOfLink(sources.localtimeTarget());
    if (linked !== undefined) {
      return linked;
    }
  }
  return sources.startZone() || undefined;
}

/**
 * The zone a `/etc/localtime` link target names: `/usr/share/zoneinfo/Asia/Tokyo` (Linux),
 * `/var/db/timezone/zoneinfo/Asia/Tokyo` (macOS); the `posix/` and `right/` copies are that zone.
 * Undefined for a target that names no zone this Node knows.
 */
export function zoneOfLink(target: string | undefined): string | undefined {
  const at = target?.lastIndexOf("zoneinfo/") ?? -1;
  if (target === undefined || at < 0) {
    return undefined;
  }
  const name = target.slice(at + "zoneinfo/".length).replace(/^(posix|right)\//, "");
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
  } catch {
    return undefined;
  }
  return name;
}

/**
 * A date formatter in `zone` (this machine's now, machineZone), or in the zone Node started in
 * when `zone` is one this Node does not know: a time said in the old zone beats none at all.
 */
export function formatterIn(
  zone: string | undefined,
  locale: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
  } catch {
    return new Intl.DateTimeFormat(locale, options);
  }
}
