// The "Projects" card: every project the daemon knows, with its folders and total, to rename,
// merge into another or delete as `oxitrack projects rename|merge|delete` does. Folded until
// opened, as listing every project's total is no small read: asked for then, after each change,
// when the rest of the page is asked again too (refresh.js), so every card shows the change at
// once, and at the page's minute refresh while it is open, for changes made elsewhere.

import {
  askFate,
  awaitFate,
  fatePending,
  fateUnknown,
  forgetFate,
  goneWhenMade,
  renameTexts,
  renamedWhenMade,
  settleFate,
  unknownProblem,
} from "./changefate.js";
import { formatDuration } from "./chart.js";
import { cutName, element, keepUnchangedItems } from "./elements.js";
import { distinctNames } from "./names.js";
import {
  clearFieldError,
  closeForm,
  endSending,
  focusIn,
  focusInCard,
  focusedButton,
  indexOf,
  isGone,
  openForm,
  problemOf,
  say,
  setUpDialog,
  showDeleteDialog,
  showFieldError,
  showRefusalByField,
  showMergeDialog,
  startSending,
  unsayUnanswered,
  wantsKey,
} from "./projectforms.js";
import { refresh } from "./refresh.js";
import { Refused, getJson, postJson } from "./requests.js";

let listSeq = 0; // only the latest listing is drawn
let toDelete = null; // { project, name } while the dialog asks about it
let toMerge = null; // { source, target, form } ({ project, name } each) while its dialog asks
let sending = false; // one change at a time: a second Enter must not send it again
let listUnanswered = false; // the latest listing got no answer (or wanted the key or a wait)
let listRefused = false; // the latest listing was refused: said once, not asked each minute
let listed = []; // the projects drawn, each as { project, name }, for the buttons to act on
const RESET_HINT = "Empty, or “reset”: the folder's name again.";

export function setUpProjects() {
  const box = document.getElementById("projects-box");
  box.addEventListener("toggle", () => {
    // Folded and opened again with a form open (a name half typed, or a rename under way): the
    // list drawn anew took it; it is listed once the form is closed, at the minute's refresh.
    // So with one opened while the list asked here comes (a slow daemon: up to 15 s).
    if (box.open && !busyWithCard()) loadProjects(null, { unasked: true });
  });
  // One listener for every item's buttons: an item drawn anew only where it changed keeps no
  // listener of its own, nor a stale list of the projects it may merge into.
  document.getElementById("projects-list").addEventListener("click", (event) => {
    const button = event.target.closest(".project-actions button");
    const item = button?.closest("li");
    const chosen = listed.find(({ project }) => String(project.id) === item?.dataset.projectId);
    if (chosen === undefined) return;
    const others = listed.filter((other) => other !== chosen);
    if (button.classList.contains("rename")) openRename(item, chosen);
    else if (button.classList.contains("merge")) openMerge(item, chosen, others);
    else askDelete(chosen);
  });
  setUpDialog("delete", confirmDelete, () => {
    if (toDelete !== null) focusIn({ id: toDelete.project.id, action: "delete" });
    toDelete = null;
  });
  setUpDialog("merge", confirmMerge, () => {
    // Cancelled: back to the choice, to choose another project or to leave it (Escape).
    const select = toMerge?.form.querySelector("select");
    if (select?.isConnected) select.focus();
    else if (toMerge !== null) focusIn({ id: toMerge.source.project.id, action: "merge" });
    toMerge = null;
  });
}

/**
 * The list asked for anew; `focus` ({ id, action, index }) says which button gets the focus,
 * else it stays where it is. `quiet`: asked after a change that failed, whose words stay; the
 * list's own failure is not said. `unasked`: asked by the page, or as the card opens, not for a
 * change, and not drawn if the user opened a form or a dialog of the card meanwhile.
 */
async function loadProjects(focus = null, { quiet = false, unasked = false } = {}) {
  const seq = ++listSeq;
  const list = document.getElementById("projects-list");
  list.dataset.asked = String(seq); // counted, as data-loaded is: tests see it was not asked
  let answer;
  try {
    answer = await getJson("/api/projects");
  } catch (error) {
    if (seq !== listSeq) return;
    // A refusal of the listing itself is not undone by the page's next answer: not asked again.
    listRefused = error instanceof Refused;
    listUnanswered = !listRefused;
    // What the card says of a change whose fate is unknown ("may still be deleted") stays: a
    // list that did not come tells nothing of it, and is asked again at the page's next answer.
    if (!quiet && !fatePending()) say(problemOf(error), { untilAnswer: listUnanswered });
    return;
  }
  if (seq !== listSeq || (unasked && busyWithCard())) return;
  listUnanswered = false;
  listRefused = false;
  const { projects } = answer;
  // Told apart as every card tells them: two "api" folders are "api (client-one)" and "…two)".
  const names = distinctNames(
    projects.map((project) => ({ project_name: project.name, project_path: project.latest_path })),
  );
  listed = projects.map((project) => ({ project, name: names.get(project.latest_path) }));
  const kept = focusedButton();
  const items = listed.map((each) => projectItem(each, listed.length > 1));
  keepUnchangedItems(list, items, (item) => item.dataset.projectId);
  settleFate(projects);
  list.hidden = projects.length === 0;
  document.getElementById("projects-empty").hidden = projects.length > 0;
  list.dataset.loaded = String(Number(list.dataset.loaded || 0) + 1);
  // A list that came late (a daemon slow to answer) leaves the focus where the user took it.
  if (focus !== null && focusInCard()) focusIn(focus);
  // Its button drawn anew (its project's total changed): the focus to the new one, in place.
  else if (kept !== null && !list.contains(document.activeElement)) focusIn(kept, true);
}

/**
 * The daemon answered the page (refresh.js): what the card said of no answer goes (it stayed
 * while a form was open, the banner long gone). The list is asked again if the one shown is not
 * the daemon's, and at the page's own refreshes (`byClock`) for changes made elsewhere (the
 * command line, another tab), or while a change's fate is unknown (changefate.js); never under
 * a form, a dialog or a change under way, nor after a refusal of the list, said once, not each
 * minute.
 */
export function listAgainOnAnswer(byClock) {
  unsayUnanswered();
  if (!document.getElementById("projects-box").open || sending) return;
  if (busyWithCard()) {
    // A change of unknown fate under its form (a rename's, a merge's choice): the list asked
    // only to say what became of it, and drawn over the form only if it was made.
    if (fatePending()) askFate().then((made) => made && loadProjects());
  } else if (listUnanswered || fatePending() || (byClock && !listRefused)) {
    loadProjects(null, { unasked: true });
  }
}

/** A form or a dialog of the card open, or a change of it under way. */
function busyWithCard() {
  const open = "#projects-list .row-form, #delete-dialog[open], #merge-dialog[open]";
  return sending || document.querySelector(open) !== null;
}

/** `{ project, name }`'s item, with a Merge button if it `hasOthers` to merge into. */
function projectItem({ project, name }, hasOthers) {
  const folders = project.paths.map((path) =>
    element("li", { className: "path", dir: "auto" }, path.project_path),
  );
  // The name in each button's own: a screen reader's list of buttons read "Rename" ten times.
  const button = (action, text, label) =>
    element("button", { type: "button", className: action, "aria-label": label }, text);
  const rename = button("rename", "Rename", `Rename ${name.text}`);
  const remove = button("delete", "Delete", `Delete ${name.text}`);
  // Alone in the list, a project has nothing to go into.
  const merge = hasOthers ? [button("merge", "Merge into…", `Merge ${name.text} into…`)] : [];
  return element(
    "li",
    { "data-project-id": String(project.id) },
    element(
      "div",
      { className: "project-head" },
      cutName(name, { className: "name", title: name.text }),
      element("span", { className: "num" }, formatDuration(project.total_seconds)),
    ),
    element("ul", { className: "folders", "aria-label": `Folders of ${name.text}` }, ...folders),
    element("div", { className: "project-actions" }, rename, ...merge, remove),
  );
}

// -- rename ------------------------------------------------------------------------------------

/** The name's field in place of the item's buttons, the name filled in and selected. */
function openRename(item, { project, name }) {
  const input = element("input", {
    id: `rename-${project.id}`,
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
  });
  input.value = project.name;
  openForm(item, {
    action: "rename",
    label: `New name for ${name.text}`,
    field: input,
    submitText: "Save",
    hint: RESET_HINT,
    submit: (form) => saveName(form, project, name),
  });
  input.select();
}

/** What the field says as the daemon takes it: empty or "reset" is null, the folder's name. */
function nameTyped(input) {
  const typed = input.value.trim();
  return typed === "" || typed.toLowerCase() === "reset" ? null : typed;
}

/**
 * The name sent; the form says so and does nothing more until the daemon answers: Escape or
 * Cancel closed it, and the name given all the same was then said, and drawn over the next form.
 */
async function saveName(form, project, name) {
  if (sending) return;
  const input = form.querySelector("input");
  const wanted = nameTyped(input);
  const texts = renameTexts(name, wanted);
  say("");
  forgetFate();
  clearFieldError(form);
  sending = true;
  startSending(form, texts.pending);
  let answer;
  try {
    answer = await postJson("/api/projects/rename", { project: project.id, name: wanted });
  } catch (error) {
    endSending(form);
    if (isGone(error)) return renameGone(form, project, name, error);
    if (!fateUnknown(error)) return showRefusalByField(form, input, error);
    awaitFate({ made: renamedWhenMade(project.id, wanted), form, ...texts }, error);
    showFieldError(form, input, unknownProblem(error, texts));
    return;
  } finally {
    sending = false;
  }
  const renamed = answer.project;
  say(
    (wanted === null
      ? `${name.text} has its folder's name again: ${renamed.name}.`
      : `Renamed ${name.text} to ${renamed.name}.`) + namesakesNote(renamed, answer.namesakes),
  );
  await loadProjects({ id: project.id, action: "rename" });
  // Drawn anew, the item has no form; a list that did not come leaves it, done with.
  if (form.isConnected) {
    endSending(form);
    closeForm(form);
  }
  refresh();
}

/**
 * A word on the other projects shown under the name `renamed` now has (the rename's answer
 * names them), if any: a rename to another project's name most likely meant the two to count
 * as one, and a name two projects share names neither where a name is typed
 * (`oxitrack report --project NAME`).
 */
function namesakesNote(renamed, namesakes) {
  if (namesakes.length === 0) return "";
  const who =
    namesakes.length === 1 ? "Another project is" : `${namesakes.length} other projects are`;
  return ` ${who} called ${renamed.name} too: to count them as one project, merge them.`;
}

/**
 * A rename of a project merged or deleted meanwhile (another tab, the command line): said as a
 * delete's is, naming it, and the list and the page drawn anew without it. Said by the field,
 * the daemon's words named it by ids the page never shows, and the project stayed listed.
 */
async function renameGone(form, project, name, error) {
  say(`${name.text} was not renamed. ${problemOf(error)}`);
  const focus = { id: project.id, action: "rename", index: indexOf(project.id) };
  await loadProjects(focus, { quiet: true });
  if (form.isConnected) closeForm(form);
  refresh();
}

// -- merge -------------------------------------------------------------------------------------

/** The other projects to choose from, named as the cards name them; none chosen yet. */
function openMerge(item, source, others) {
  const select = element(
    "select",
    { id: `merge-${source.project.id}` },
    element("option", { value: "" }, "Choose a project"),
    ...others.map(({ project, name }) =>
      element("option", { value: String(project.id), dir: "auto" }, name.text),
    ),
  );
  openForm(item, {
    action: "merge",
    label: `Merge ${source.name.text} into`,
    field: select,
    submitText: "Merge…",
    submit: (form) => askMerge(form, source, others),
  });
}

/** What goes where, asked first, as for a delete: there is no undo either. */
function askMerge(form, source, others) {
  const select = form.querySelector("select");
  const target = others.find(({ project }) => String(project.id) === select.value);
  if (target === undefined) {
    showFieldError(form, select, `Choose the project that ${source.name.text} goes into.`);
    return;
  }
  toMerge = { source, target, form };
  showMergeDialog(source, target);
}

/**
 * By the projects' ids, as the dialog showed them: a project merged or deleted meanwhile
 * (another tab, the command line) answers 404 and nothing changes: that is said, in the
 * daemon's words, and the list drawn anew.
 */
async function confirmMerge() {
  if (sending || toMerge === null) return;
  const { source, target } = toMerge;
  toMerge = null; // its form goes with the list: the focus goes where the list says
  const ids = { source: source.project.id, target: target.project.id };
  await sendChange("merge", "/api/projects/merge", ids, {
    done: `Merged ${source.name.text} into ${target.name.text}.`,
    pending: `Merging ${source.name.text} into ${target.name.text}…`,
    failed: `${source.name.text} was not merged into ${target.name.text}.`,
    maybe: `${source.name.text} may still be merged into ${target.name.text}.`,
    unsure: `${source.name.text} may or may not be merged into ${target.name.text}.`,
    focus: { id: target.project.id, action: "merge" },
    gone: source.project.id,
    refusedFocus: { id: source.project.id, action: "merge", index: indexOf(source.project.id) },
  });
}

// -- delete ------------------------------------------------------------------------------------

/** What goes, asked first, as the command line asks: the dialog opens on Cancel. */
function askDelete({ project, name }) {
  toDelete = { project, name };
  showDeleteDialog(project, name);
}

/**
 * By the project's id, as the dialog showed it: a name may since name another project. An id
 * deleted meanwhile (another tab, the command line) answers 404 and changes nothing: that is
 * said, and the list drawn anew without it.
 */
async function confirmDelete() {
  if (sending || toDelete === null) return;
  const { project, name } = toDelete;
  toDelete = null; // its button may be gone: the focus goes where the list says
  const focus = { id: project.id, action: "delete", index: indexOf(project.id) };
  await sendChange("delete", "/api/projects/delete", { project: project.id }, {
    done: `Deleted ${name.text} and its ${formatDuration(project.total_seconds)}.`,
    pending: `Deleting ${name.text}…`,
    failed: `${name.text} was not deleted.`,
    maybe: `${name.text} may still be deleted.`,
    unsure: `${name.text} may or may not be deleted.`,
    focus,
    refusedFocus: focus,
    gone: project.id,
  });
}

// -- shared ------------------------------------------------------------------------------------

/**
 * The change the dialog `name` asked about, sent (`body` to `path`). The dialog stays open,
 * saying `pending`, until the daemon answers: a request sent cannot be taken back, and a Cancel
 * that closed it let the change land after all. Then it closes, `outcome` is said, and the list
 * and the page are asked anew, the focus on `focus` (`refusedFocus` after a refusal); `gone`
 * is the project that the change, made, takes from the list. The dialog is closed before a
 * refusal is said: a 401's key form takes the focus, which a modal dialog still open kept from it.
 */
async function sendChange(name, path, body, { focus, refusedFocus, gone, ...texts }) {
  const dialog = document.getElementById(`${name}-dialog`);
  say("");
  forgetFate();
  sending = true;
  startSending(dialog, texts.pending);
  let refusal = null;
  try {
    await postJson(path, body);
  } catch (error) {
    refusal = error;
  } finally {
    sending = false;
  }
  dialog.close(); // first, with the focus still in it: the dialog gives it back as it closes
  endSending(dialog);
  // Not answered, its fate unknown: said until a list tells (changefate.js), not only until the
  // daemon answers, which a daemon whose disk hung on writes did at once, reads served: "may
  // still be deleted" was gone before it could be read.
  if (fateUnknown(refusal)) awaitFate({ made: goneWhenMade(gone), ...texts }, refusal);
  say(outcome(texts, refusal), { untilAnswer: wantsKey(refusal) });
  const quiet = refusal !== null; // what was said of the change stays, whatever the list's fate
  await loadProjects(refusal === null ? focus : refusedFocus, { quiet });
  refresh();
}

/** What became of a change: `done`, or `failed` and why, naming the projects (not by ids). */
function outcome(texts, refusal) {
  if (refusal === null) return texts.done;
  if (fateUnknown(refusal)) return unknownProblem(refusal, texts);
  return `${texts.failed} ${problemOf(refusal)}`;
}
