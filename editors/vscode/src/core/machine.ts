/**
 * The machine a beat names and its operating system, as WakaTime's tools name them, so that the
 * daemon's `report --by machine` and `--by operating_system` count this extension's time in the
 * same rows as WakaTime plugins' on the same computer: the host name (`os.hostname()`, what
 * wakatime-cli sends as `X-Machine-Name`) unless `oxitrack.sendMachineName` is off, and the
 * system as wakatime-cli's User-Agent gives it (Go's `GOOS`: `linux`, `darwin`, `windows`) from
 * Node's `process.platform`. Must not import `vscode`.
 */

import type { Beat } from "./beat";

/** What a beat names of where it was made: each field absent when not sent. */
export interface Machine {
  readonly machine?: string;
  readonly operating_system?: string;
}

/** Node's `process.platform` words that Go (and so wakatime-cli) spells otherwise. */
const GO_SYSTEMS: ReadonlyMap<string, string> = new Map([
  ["win32", "windows"],
  ["cygwin", "windows"],
  ["sunos", "solaris"],
]);

/** The operating system as wakatime-cli names it, for Node's `platform` (`win32` -> `windows`). */
export function systemName(platform: string): string | undefined {
  const word = platform.trim().toLowerCase();
  return word === "" ? undefined : (GO_SYSTEMS.get(word) ?? word);
}

/**
 * The machine and system a beat names, for the host name `readHostName` gives (`os.hostname()`)
 * and `platform` (`process.platform`); no machine when `sendsName` is false (the name is then not
 * even read), the name is blank, or reading it fails: a detail, never a reason to lose the beat.
 */
export function machineOf(readHostName: () => string, platform: string, sendsName: boolean): Machine {
  const name = sendsName ? hostNameOrBlank(readHostName) : "";
  const system = systemName(platform);
  return {
    ...(name !== "" ? { machine: name } : {}),
    ...(system === undefined ? {} : { operating_system: system }),
  };
}

/**
 * The beat without its host name, for a queued beat sent once `oxitrack.sendMachineName` is off:
 * it was made while the setting was on, and off means no beat names the computer from then on.
 */
export function withoutMachine(beat: Beat): Beat {
  if (beat.machine === undefined) return beat;
  const rest: { -readonly [K in keyof Beat]: Beat[K] } = { ...beat };
  delete rest.machine;
  return rest;
}

function hostNameOrBlank(readHostName: () => string): string {
  try {
    return readHostName().trim();
  } catch {
    return ""; // libuv's gethostname can fail (a sandbox without the call): no machine named
  }
}

/** The beat naming `machine`'s fields too; fields it does not name are left as they were. */
export function withMachine(beat: Beat, machine: Machine): Beat {
  return {
    ...beat,
    ...(machine.machine === undefined ? {} : { machine: machine.machine }),
    ...(machine.operating_system === undefined ? {} : { operating_system: machine.operating_system }),
  };
}
