/**
 * The oxitrack.* settings as the user wrote them, checked. VS Code hands a value over whatever its
 * JSON type (`"oxitrack.serverUrl": 3000`, `"oxitrack.enabled": "false"`, `null`): a value of the
 * wrong type falls back to the default and is named in a problem the user is shown, so it never
 * stops the extension nor is misread (the string "false" is truthy). An exclude pattern written as a
 * regular expression (`^/home/me/private/`, as WakaTime's exclude takes them) is named too: as a
 * glob it would exclude nothing, without a word. Must not import `vscode`.
 */

export const DEFAULT_SERVER_URL = "http://127.0.0.1:3000";

/** The values as settings.json holds them (undefined: not set). */
export interface RawSettings {
  readonly serverUrl: unknown;
  readonly enabled: unknown;
  readonly excludePatterns: unknown;
  /** excludePatterns as the user's own settings hold it, whatever a workspace sets. */
  readonly userExcludePatterns: unknown;
  readonly sendMachineName: unknown;
}

export interface SettingValues {
  readonly serverUrl: string;
  readonly isEnabled: boolean;
  readonly excludePatterns: readonly string[];
  readonly userExcludePatterns: readonly string[];
  readonly sendsMachineName: boolean;
}

export interface SettingProblem {
  /** The setting, e.g. `oxitrack.enabled`. */
  readonly key: string;
  /** What is wrong and what is used instead, for the user. */
  readonly message: string;
}

export function checkSettings(raw: RawSettings): { values: SettingValues; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const wrongType = (key: string, value: unknown, expected: string, used: string): void => {
    problems.push({
      key: `oxitrack.${key}`,
      message: `oxitrack.${key} must be ${expected}, not ${describe(value)}; using ${used} until it is fixed`,
    });
  };

  let serverUrl = DEFAULT_SERVER_URL;
  if (typeof raw.serverUrl === "string") {
    serverUrl = raw.serverUrl.trim() === "" ? DEFAULT_SERVER_URL : raw.serverUrl.trim();
  } else if (raw.serverUrl !== undefined) {
    wrongType("serverUrl", raw.serverUrl, 'an address in quotes, like "http://127.0.0.1:3000"', `the default, ${DEFAULT_SERVER_URL}`);
  }

  let isEnabled = true;
  if (typeof raw.enabled === "boolean") {
    isEnabled = raw.enabled;
  } else if (raw.enabled !== undefined) {
    wrongType("enabled", raw.enabled, "true or false (without quotes)", "the default, true");
  }

  let sendsMachineName = true;
  if (typeof raw.sendMachineName === "boolean") {
    sendsMachineName = raw.sendMachineName;
  } else if (raw.sendMachineName !== undefined) {
    wrongType("sendMachineName", raw.sendMachineName, "true or false (without quotes)", "the default, true");
  }

  const excludePatterns = patternsOf(raw.excludePatterns);
  const patternList = 'a list of patterns in quotes, like ["~/private/**"]';
  if (Array.isArray(raw.excludePatterns)) {
    const others = (raw.excludePatterns as unknown[]).filter((pattern) => typeof pattern !== "string");
    if (others.length > 0) {
      wrongType("excludePatterns", others[0], patternList, "the other patterns");
    }
  } else if (typeof raw.excludePatterns === "string") {
    wrongType("excludePatterns", raw.excludePatterns, patternList, "it as a list of one");
  } else if (raw.excludePatterns !== undefined) {
    wrongType("excludePatterns", raw.excludePatterns, patternList, "none");
  }

  const regex = excludePatterns.find((pattern) => pattern.trim().startsWith("^"));
  if (regex !== undefined) {
    problems.push({
      key: "oxitrack.excludePatterns",
      message:
        `oxitrack.excludePatterns ${JSON.stringify(regex)} is a regular expression (as WakaTime's exclude ` +
        `takes them), not a glob: it excludes no folder; write a glob, like ${JSON.stringify(globFor(regex))}`,
    });
  }

  // Its wrong types are named above, where they are the ones in effect.
  const userExcludePatterns = patternsOf(raw.userExcludePatterns);
  return { values: { serverUrl, isEnabled, excludePatterns, userExcludePatterns, sendsMachineName }, problems };
}

/**
 * The patterns an excludePatterns value holds: its strings, or one pattern written without the
 * list around it (`"oxitrack.excludePatterns": "~/private/**"`), which means that folder as
 * plainly as a list of one: read as none, the folder the user meant to keep private was tracked.
 */
function patternsOf(value: unknown): string[] {
  if (typeof value === "string") {
    return [value];
  }
  return Array.isArray(value) ? (value as unknown[]).filter((pattern): pattern is string => typeof pattern === "string") : [];
}

/** A glob for the folder a WakaTime-style `^/path/` expression names: `/path/**`. */
function globFor(regex: string): string {
  const path = regex.trim().replace(/^\^/, "").replace(/\$$/, "").replace(/(?:\.\*)+$/, "");
  return path.replace(/\/?$/, "/**");
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "text",
  number: "a number",
  boolean: "true or false",
  object: "an object",
};

/** `3000 (a number)`, `"false" (text)`, `null`: the value as written, and its JSON type. */
function describe(value: unknown): string {
  if (value === null) {
    return "null";
  }
  const json = JSON.stringify(value) ?? String(value);
  const shown = json.length > 40 ? `${json.slice(0, 39)}…` : json;
  const type = Array.isArray(value) ? "a list" : (TYPE_NAMES[typeof value] ?? typeof value);
  return `${shown} (${type})`;
}
