// A change of the projects card sent but never answered (no answer in time, or the connection
// dropped), whose fate the page cannot know: what the card says of it, and when a list of the
// daemon's says at last whether it was made.

import { clearFieldError, problemOf, say } from "./projectforms.js";
import { Busy, Refused, TimedOut, Unauthorized, getJson } from "./requests.js";

// { made, done, failed, settled, form }: `made(projects)` tells from a list whether it was.
let awaited = null;

/**
 * A change sent whose fate the page cannot know: no answer in time, or the connection dropped
 * (fetch's TypeError), which a daemon stopped after its write gives as one stopped before it.
 */
export function fateUnknown(error) {
  return !(
    error === null ||
    error instanceof Refused ||
    error instanceof Busy ||
    error instanceof Unauthorized
  );
}

/** What is said of it: `maybe` ("alpha may still be deleted") or `unsure` (may or may not). */
export function unknownProblem(error, { maybe, unsure }) {
  if (error instanceof TimedOut) return `The daemon did not answer in ${error.seconds} s: ${maybe}`;
  return `${problemOf(error)}. ${unsure}`;
}

/**
 * `change` ({ made, done, failed, form }) waited for, sent and given up as `error`. A dropped
 * connection is `settled` by the daemon's next answer: a daemon that answers again has no write
 * of it under way (one restarted, none at all), so its list says made or not. No answer in time
 * is not: a hung disk may land the write late, and reads are served meanwhile, so a list still
 * without it says nothing; until one shows it made, or a new change replaces it, "may still".
 */
export function awaitFate(change, error) {
  awaited = { ...change, settled: !(error instanceof TimedOut) };
}

/** A new change sent: what was said of the last one's fate gives way. */
export function forgetFate() {
  awaited = null;
}

export function fatePending() {
  return awaited !== null;
}

/** What the daemon's list `projects` tells of the change awaited, said; true if it was made. */
export function settleFate(projects) {
  if (awaited === null) return false;
  const made = awaited.made(projects);
  if (!made && !awaited.settled) return false;
  if (awaited.form?.isConnected) clearFieldError(awaited.form);
  say(made ? awaited.done : awaited.failed);
  awaited = null;
  return made;
}

/**
 * The daemon's list asked only to settle the change awaited, its form open (the list is not
 * drawn over it); true if it was made. A change sent meanwhile forgot it: nothing is said.
 */
export async function askFate() {
  try {
    return settleFate((await getJson("/api/projects")).projects);
  } catch {
    return false; // the daemon's next answer asks again
  }
}

// -- what a list shows of a change made ----------------------------------------------------------

/** A delete or a merge made: project `id` (deleted, merged away) is not listed. */
export function goneWhenMade(id) {
  return (projects) => !projects.some((project) => project.id === id);
}

/** A rename made: project `id` listed with `wanted` for its own name (null: none, the folder's). */
export function renamedWhenMade(id, wanted) {
  return (projects) =>
    projects.some((project) => project.id === id && project.custom_name === wanted);
}

/**
 * What is said of a rename to `wanted` (null: the folder's name again) of `name`: under way,
 * made or not.
 */
export function renameTexts(name, wanted) {
  const renamed = wanted === null ? "given its folder's name again" : `renamed to ${wanted}`;
  return {
    pending:
      wanted === null
        ? `Giving ${name.text} its folder's name again…`
        : `Renaming ${name.text} to ${wanted}…`,
    done:
      wanted === null
        ? `${name.text} has its folder's name again.`
        : `Renamed ${name.text} to ${wanted}.`,
    failed: `${name.text} was not ${renamed}.`,
    maybe: `${name.text} may still be ${renamed}.`,
    unsure: `${name.text} may or may not be ${renamed}.`,
  };
}
