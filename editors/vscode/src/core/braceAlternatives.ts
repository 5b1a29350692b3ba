/**
 * The plain patterns a glob's `{a,b}` groups stand for: `~/{private,clients}/**` is
 * `~/private/**` and `~/clients/**`. An exclude pattern is read one alternative at a time, so
 * that what holds for a whole pattern holds for each alternative too: a leading `~` is the home
 * folder (`{~/a,~/b}`), a pattern with no root matches at any depth, `dir/**` matches `dir`
 * (picomatch gives that to a whole pattern only, not inside a group). Must not import `vscode`.
 */

/** A pattern with more alternatives than this is left whole, as picomatch reads it. */
export const MAX_ALTERNATIVES = 100;

/**
 * The alternatives of `pattern`, in order; `[pattern]` when it has no group, or more than
 * `max` alternatives. A group is a `{` with its `}` and a `,` of its own between them, as
 * picomatch reads one: a `{` without its `}` and a group without a comma (`{a}`, `{1..3}`) are
 * left to picomatch, and a `[...]` class is one character (a `,` or `{` inside it is literal).
 */
export function braceAlternatives(pattern: string, max = MAX_ALTERNATIVES): string[] {
  const expanded = expand(pattern, max);
  return expanded === undefined ? [pattern] : expanded;
}

function expand(pattern: string, max: number): string[] | undefined {
  const group = firstGroup(pattern);
  if (group === undefined) {
    return [pattern];
  }
  const prefix = pattern.slice(0, group.open);
  const suffix = pattern.slice(group.close + 1);
  const result: string[] = [];
  for (const part of group.parts) {
    const more = expand(`${prefix}${part}${suffix}`, max);
    if (more === undefined || result.length + more.length > max) {
      return undefined;
    }
    result.push(...more);
  }
  return result;
}

interface Group {
  /** Where its `{` and its `}` are. */
  readonly open: number;
  readonly close: number;
  /** What stands between them, split at its own commas. */
  readonly parts: readonly string[];
}

/** The first group of `pattern` that has alternatives, if any. */
function firstGroup(pattern: string): Group | undefined {
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "[") {
      index = classEnd(pattern, index);
    } else if (char === "{") {
      const group = groupAt(pattern, index);
      if (group !== undefined) {
        return group;
      }
    }
  }
  return undefined;
}

/** The group opening at `open`, if its `}` comes and it has a comma of its own. */
function groupAt(pattern: string, open: number): Group | undefined {
  let depth = 0;
  const commas: number[] = [];
  for (let index = open + 1; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "[") {
      index = classEnd(pattern, index);
    } else if (char === "{") {
      depth++;
    } else if (char === "}" && depth > 0) {
      depth--;
    } else if (char === "}") {
      if (commas.length === 0) {
        return undefined;
      }
      const bounds = [open, ...commas, index];
      const parts = bounds.slice(1).map((end, i) => pattern.slice((bounds[i] ?? open) + 1, end));
      return { open, close: index, parts };
    } else if (char === "," && depth === 0) {
      commas.push(index);
    }
  }
  return undefined;
}

/** Where the `[...]` class opening at `open` ends: its `]`, or `open` itself if it has none. */
function classEnd(pattern: string, open: number): number {
  const close = pattern.indexOf("]", open + 2); // `[]…]`: a `]` right after `[` is a member
  return close < 0 ? open : close;
}
