/**
 * The beat: the one thing the extension sends. A project path and the time (UTC epoch seconds, client
 * clock) at which the activity happened -- not the time it was sent, so a beat replayed from the
 * outbox an hour later still lands where the work was done. It may also name the language of the
 * file being worked on (WakaTime's name for it, see language.ts), the editor (editorName.ts) and
 * the category of the time (`debugging`, `building`, see category.ts; none is coding), and the
 * machine and its operating system (machine.ts); never a file name. Daemons older than these
 * fields ignore them.
 * Must not import `vscode`.
 */

export interface Beat {
  readonly project_path: string;
  readonly timestamp: number;
  readonly language?: string;
  readonly editor?: string;
  readonly category?: string;
  readonly machine?: string;
  readonly operating_system?: string;
}

/**
 * A beat for activity in `projectPath` at `atMs` (epoch milliseconds), in `language` and of
 * `category` where known.
 */
export function beatAt(projectPath: string, atMs: number, language?: string, category?: string): Beat {
  return {
    project_path: projectPath,
    timestamp: Math.floor(atMs / 1000),
    ...(language === undefined ? {} : { language }),
    ...(category === undefined ? {} : { category }),
  };
}

/** The beat as sent and as kept in the outbox: exactly its fields, none that is unset. */
export function beatBody(beat: Beat): Beat {
  const body: { -readonly [K in keyof Beat]: Beat[K] } = {
    project_path: beat.project_path,
    timestamp: beat.timestamp,
  };
  if (beat.language !== undefined) {
    body.language = beat.language;
  }
  if (beat.editor !== undefined) {
    body.editor = beat.editor;
  }
  if (beat.category !== undefined) {
    body.category = beat.category;
  }
  if (beat.machine !== undefined) {
    body.machine = beat.machine;
  }
  if (beat.operating_system !== undefined) {
    body.operating_system = beat.operating_system;
  }
  return body;
}

/**
 * The beat a value read back from the outbox holds, or undefined when it is not one. Lines written
 * by older versions (no language, editor, category, machine or system) are beats; a label that is not a non-empty
 * string is left out rather than costing the beat, and fields a newer version may add are
 * ignored, so no version of the extension drops another's beats.
 */
export function beatFrom(value: unknown): Beat | undefined {
  if (typeof value !== "object" || value === null) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const projectPath = record["project_path"];
  const timestamp = record["timestamp"];
  if (typeof projectPath !== "string" || projectPath === "" || !Number.isSafeInteger(timestamp)) {
    return undefined;
  }
  const language = nonEmptyString(record["language"]);
  const editor = nonEmptyString(record["editor"]);
  const category = nonEmptyString(record["category"]);
  const machine = nonEmptyString(record["machine"]);
  const system = nonEmptyString(record["operating_system"]);
  return {
    project_path: projectPath,
    timestamp: timestamp as number,
    ...(language === undefined ? {} : { language }),
    ...(editor === undefined ? {} : { editor }),
    ...(category === undefined ? {} : { category }),
    ...(machine === undefined ? {} : { machine }),
    ...(system === undefined ? {} : { operating_system: system }),
  };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The beat naming `editor` too (unchanged when the editor's name is unknown). */
export function withEditor(beat: Beat, editor: string | undefined): Beat {
  return editor === undefined ? beat : { ...beat, editor };
}
