// Project names as every card shows them: told apart where two folders share one, and split
// where a narrow card should cut them (keeping the end that tells apart names that begin
// alike). Pure functions of the daemon's JSON, as chart.js's are.

/**
 * Each project of `projects` named as every card shows it: a Map from its path to `{ text, head,
 * tail }` (nameParts'). A name shared by two folders is told apart by the end of each one's
 * folder, "api (client-one)" and "api (client-two)": two clients' `api` folders were two legend
 * keys, table entries and sessions all reading "api". The page makes it once per answer, of all
 * the projects its cards show (refresh.js), so a project reads alike in each; nameOf gives a
 * project it has not seen its own name. A project's other `folders` (a moved or merged one's)
 * are named as the project.
 */
export function distinctNames(projects) {
  const owners = folderOwners(projects);
  const pathsByName = new Map();
  for (const { project_name: name, project_path: folder } of projects) {
    const path = owners.get(folder) ?? folder;
    pathsByName.set(name, (pathsByName.get(name) ?? new Set()).add(path));
  }
  const texts = new Map();
  for (const [name, paths] of pathsByName) {
    const places = folderPlaces(name, [...paths]);
    for (const path of paths) texts.set(path, paths.size > 1 ? `${name} (${places.get(path)})` : name);
  }
  for (const [folder, path] of owners) if (texts.has(path)) texts.set(folder, texts.get(path));
  const parts = nameParts([...texts.values()]);
  return new Map([...texts].map(([path, text]) => [path, parts.get(text)]));
}

/**
 * Each folder of an entry that lists its `folders` (the reports' do) to that entry's path. A
 * recent session in a merged project's other folder is that project's: told apart from it by
 * folder, "app (old)" and "app (code)", one project read as two in every card.
 */
function folderOwners(projects) {
  const owners = new Map();
  for (const { project_path: path, folders = [] } of projects) {
    for (const folder of folders) owners.set(folder, path);
  }
  return owners;
}

/**
 * A recent session as distinctNames takes a project: its project's latest folder, with the
 * session's own folder among the project's. A session in a moved or merged project's older
 * folder reads as the project even when that folder has no time in the chart's range.
 */
export function sessionProject(session) {
  return {
    project_name: session.project_name,
    project_path: session.project_latest_path,
    folders: [session.project_path],
  };
}

/** A name no other was compared with: cut at its end, as any text. */
export function plainName(text) {
  return { text, head: text, tail: "" };
}

// Texts that part within their first few characters read apart cut at their end, as any text is.
const SHARED_MIN = 4;
// What a cut keeps of a name's end can start a few characters before the one that parts it from
// another, at the start of that word: "…alpine" reads better than "…ine". No further, or a
// narrow card would cut the kept end before it reaches that character.
const WORD_BACK = 6;
const WORD_BREAK = /[\s\-_./\\()]/;
// Missing before Firefox 125: there, code points (an emoji's two UTF-16 units stay together).
const graphemes = Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/** `text` as the characters a reader sees: an emoji of several code points is one. */
function characters(text) {
  if (graphemes === null) return Array.from(text);
  return Array.from(graphemes.segment(text), ({ segment }) => segment);
}

/**
 * Each of `texts` as `{ text, head, tail }`, split where it parts from the text most like it, so
 * that a card too narrow for it cuts `head` (with an ellipsis) and keeps `tail`: cut at their
 * end, "customer-portal-frontend-v2" and "customer-portal-backend-services" both read
 * "customer-por…" on a phone. `tail` is "" for a text no other begins as it does (for more than
 * a few characters), or that another only goes on from. Never splits a character.
 */
export function nameParts(texts) {
  const sorted = [...new Set(texts)].sort();
  return new Map(
    sorted.map((text, index) => {
      // Of sorted texts, the one sharing the longest beginning with a text is next to it.
      const shared = Math.max(sharedStart(text, sorted[index - 1]), sharedStart(text, sorted[index + 1]));
      const own = characters(text);
      const split = wordStart(own, charactersWithin(own, shared));
      return [text, { text, head: own.slice(0, split).join(""), tail: own.slice(split).join("") }];
    }),
  );
}

/** How many UTF-16 units `a` and `b` begin with alike (0 when there is no `b`). */
function sharedStart(a, b) {
  if (b === undefined) return 0;
  let length = 0;
  while (length < a.length && a[length] === b[length]) length++;
  return length;
}

/** How many characters of `own` lie whole within its first `units` UTF-16 units. */
function charactersWithin(own, units) {
  let count = 0;
  for (let used = 0; count < own.length && used + own[count].length <= units; count++) {
    used += own[count].length;
  }
  return count;
}

/**
 * Where the kept end of `own` begins, for a text that parts from another at character `at`: at
 * the start of that word if it is near, else at `at`; its whole length (nothing kept) for one
 * that shares no more than a few first characters, or that another only goes on from.
 */
function wordStart(own, at) {
  if (at < SHARED_MIN || at >= own.length) return own.length;
  for (let start = at; start > 0 && at - start <= WORD_BACK; start--) {
    if (WORD_BREAK.test(own[start - 1])) return start;
  }
  return at;
}

/**
 * For folders of one project name, the fewest last parts of each path that no other shares,
 * leaving out a last part that is the name itself (already said): "client-one", "client-two".
 */
function folderPlaces(name, paths) {
  const parts = new Map(
    paths.map((path) => {
      const each = path.split(/[\\/]/).filter(Boolean);
      return [path, each.at(-1) === name ? each.slice(0, -1) : each];
    }),
  );
  const longest = Math.max(...[...parts.values()].map((each) => each.length));
  for (let depth = 1; depth <= longest; depth++) {
    // A folder at the root has no parent to name: its path instead.
    const tail = (path) => parts.get(path).slice(-depth).join("/") || path;
    const tails = new Map(paths.map((path) => [path, tail(path)]));
    if (new Set(tails.values()).size === paths.length) return tails;
  }
  return new Map(paths.map((path) => [path, path]));
}

/** A project's name in `names`, or its own where `names` has not seen it (plainName). */
export function nameOf(names, { project_name: name, project_path: path }) {
  return names.get(path) ?? plainName(name);
}

const LABEL_CHARS = 30;
// Of a name cut for the tooltip, at least this many of its first characters stay.
const LABEL_HEAD = 6;

/**
 * A project's name (nameParts') shortened for the tooltip and isolated (FSI…PDI) from the text
 * around it: after an Arabic or Hebrew name, "0h 30m" would otherwise join the name's
 * right-to-left run and be drawn as "0 <name>h 30m".
 */
export function tooltipName(name) {
  return `\u2068${shortened(name, LABEL_CHARS)}\u2069`;
}

/**
 * `name` in `limit` characters at most: cut in its head, so the tail that tells it from names
 * that begin alike stays (itself cut at its end only if it alone leaves too little room). Cut by
 * the characters a reader sees: a cut through a UTF-16 pair drew a broken glyph after an emoji.
 */
function shortened({ text, head, tail }, limit) {
  const start = characters(head);
  let end = characters(tail);
  if (start.length + end.length <= limit) return text;
  if (end.length > limit - 1 - LABEL_HEAD) end = [...end.slice(0, limit - 2 - LABEL_HEAD), "…"];
  return `${start.slice(0, limit - 1 - end.length).join("")}…${end.join("")}`;
}
