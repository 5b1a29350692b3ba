// The "Projects" card: every project the daemon knows, with its folders and total, to rename,
// merge into another or delete as `oxitrack projects rename|merge|delete` does. Folded until
// opened, as listing every project's total is no small read: asked for then, and after each
// change, when the rest of the page is asked again too (refresh.js), so every card shows the
// change at once.

import { formatDuration } from "./chart.js";
import { cutName, element } from "./elements.js";
import { distinctNames } from "./names.js";
import { askForKey } from "./notices.js";
import {
  foldersIn,
  openForm,
  setUpDialog,
  showDialog,
  showFieldError,
  timeOf,
} from "./projectforms.js";
import { refresh } from "./refresh.js";
import { Busy, Refused, Unauthorized, getJson, postJson } from "./requests.js";

let listSeq = 0; // only the latest listing is drawn
let toDelete = null; // { project, name } while the dialog asks about it
let toMerge = null; // { source, target, form } ({ project, name } each) while its dialog asks
let sending = false; // one change at a time: a second Enter must not send it again
let listUnanswered = false; // the latest listing got no answer (or wanted the key or a wait)
const RESET_HINT = "Empty, or “reset”: the folder's name again.";

export function setUpProjects() {
  const box = document.getElementById("projects-box");
  box.addEventListener("toggle", () => {
    if (box.open) loadProjects();
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

/** The list asked for anew; `focus` ({ id, action, index }) says which button gets the focus. */
async function loadProjects(focus = null) {
  const seq = ++listSeq;
  let answer;
  try {
    answer = await getJson("/api/projects");
  } catch (error) {
    if (seq !== listSeq) return;
    // A refusal of the listing itself is not undone by the page's next answer: not asked again.
    listUnanswered = !(error instanceof Refused);
    say(problemOf(error));
    return;
  }
  if (seq !== listSeq) return;
  listUnanswered = false;
  const { projects } = answer;
  // Told apart as every card tells them: two "api" folders are "api (client-one)" and "…two)".
  const names = distinctNames(
    projects.map((project) => ({ project_name: project.name, project_path: project.latest_path })),
  );
  const named = projects.map((project) => ({ project, name: names.get(project.latest_path) }));
  const list = document.getElementById("projects-list");
  list.replaceChildren(...named.map((each) => projectItem(each, named)));
  list.hidden = projects.length === 0;
  document.getElementById("projects-empty").hidden = projects.length > 0;
  list.dataset.loaded = String(Number(list.dataset.loaded || 0) + 1);
  if (focus !== null) focusIn(focus);
}

/**
 * The daemon answers the page again (refresh.js): an open card whose list it did not give (opened
 * while the daemon was away, or wanted its key) asks for it now, and its "did not answer" goes.
 * The card stayed empty with it after the page recovered, until folded and opened again. Not
 * while a form is open: the list drawn anew would take it, and its change asks again anyway.
 */
export function listAgainIfUnanswered() {
  const box = document.getElementById("projects-box");
  if (!listUnanswered || !box.open || box.querySelector(".row-form") !== null) return;
  say("");
  loadProjects(focusedButton());
}

/** The list's button with the focus, as focusIn takes it: a list drawn anew keeps it there. */
function focusedButton() {
  const button = document.activeElement;
  const item = button?.closest("#projects-list > li");
  if (!item || button.tagName !== "BUTTON") return null;
  return { id: Number(item.dataset.projectId), action: button.classList[0] };
}

/** `{ project, name }`'s item; `all` (each as `{ project, name }`) gives what it may merge into. */
function projectItem({ project, name }, all) {
  const folders = project.paths.map((path) =>
    element("li", { className: "path", dir: "auto" }, path.project_path),
  );
  const others = all.filter((other) => other.project.id !== project.id);
  // The name in each button's own: a screen reader's list of buttons read "Rename" ten times.
  const button = (action, text, label) =>
    element("button", { type: "button", className: action, "aria-label": label }, text);
  const rename = button("rename", "Rename", `Rename ${name.text}`);
  const remove = button("delete", "Delete", `Delete ${name.text}`);
  // Alone in the list, a project has nothing to go into.
  const merge =
    others.length > 0 ? [button("merge", "Merge into…", `Merge ${name.text} into…`)] : [];
  const item = element(
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
  rename.addEventListener("click", () => openRename(item, project, name));
  for (const each of merge) {
    each.addEventListener("click", () => openMerge(item, { project, name }, others));
  }
  remove.addEventListener("click", () => askDelete(project, name));
  return item;
}

// -- rename ------------------------------------------------------------------------------------

/** The name's field in place of the item's buttons, the name filled in and selected. */
function openRename(item, project, name) {
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

async function saveName(form, project, name) {
  if (sending) return;
  const input = form.querySelector("input");
  const wanted = nameTyped(input);
  sending = true;
  let renamed;
  try {
    renamed = (await postJson("/api/projects/rename", { project: project.id, name: wanted }))
      .project;
  } catch (error) {
    showFieldError(form, input, problemOf(error));
    return;
  } finally {
    sending = false;
  }
  say(
    wanted === null
      ? `${name.text} has its folder's name again: ${renamed.name}.`
      : `Renamed ${name.text} to ${renamed.name}.`,
  );
  await loadProjects({ id: project.id, action: "rename" });
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
  const text = (id, value) => {
    document.getElementById(id).textContent = value;
  };
  text("merge-title", `Merge ${source.name.text} into ${target.name.text}?`);
  text("merge-source", source.name.text);
  text("merge-time", timeOf(source.project));
  text("merge-target", target.name.text);
  text("merge-gone", source.name.text);
  text("merge-kept", target.name.text);
  foldersIn("merge-folders", source.project);
  const confirm = document.getElementById("merge-confirm");
  confirm.textContent = "Merge";
  confirm.setAttribute("aria-label", `Merge ${source.name.text} into ${target.name.text}`);
  showDialog("merge");
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
    failed: `${source.name.text} was not merged into ${target.name.text}.`,
    focus: { id: target.project.id, action: "merge" },
    refusedFocus: { id: source.project.id, action: "merge", index: indexOf(source.project) },
  });
}

// -- delete ------------------------------------------------------------------------------------

/** What goes, asked first, as the command line asks: the dialog opens on Cancel. */
function askDelete(project, name) {
  toDelete = { project, name };
  document.getElementById("delete-title").textContent = `Delete ${name.text}?`;
  document.getElementById("delete-name").textContent = name.text;
  document.getElementById("delete-time").textContent = timeOf(project);
  foldersIn("delete-folders", project);
  const confirm = document.getElementById("delete-confirm");
  confirm.textContent = "Delete for good";
  confirm.setAttribute("aria-label", `Delete ${name.text} for good`);
  showDialog("delete");
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
  const focus = { id: project.id, action: "delete", index: indexOf(project) };
  await sendChange("delete", "/api/projects/delete", { project: project.id }, {
    done: `Deleted ${name.text} and its ${formatDuration(project.total_seconds)}.`,
    failed: `${name.text} was not deleted.`,
    focus,
    refusedFocus: focus,
  });
}

// -- shared ------------------------------------------------------------------------------------

/**
 * The change the dialog `name` asked about, sent (`body` to `path`); then `done`, or `failed`
 * and the refusal, said, and the list and the page asked anew, the focus on `focus`
 * (`refusedFocus` after a refusal). `failed` names the projects: the daemon's words name
 * them by ids ("project 7 was deleted"), which the page never shows. The dialog is closed
 * before the refusal is said: a 401's key form takes the focus, which a modal dialog still
 * open kept from it.
 */
async function sendChange(name, path, body, { done, failed, focus, refusedFocus }) {
  sending = true;
  let refusal = null;
  try {
    await postJson(path, body);
  } catch (error) {
    refusal = error;
  } finally {
    sending = false;
  }
  document.getElementById(`${name}-dialog`).close();
  say(refusal === null ? done : `${failed} ${problemOf(refusal)}`);
  await loadProjects(refusal === null ? focus : refusedFocus);
  refresh();
}

/** Where `project` is in the list: after a change, the focus goes to the item then there. */
function indexOf(project) {
  return [...document.getElementById("projects-list").children].findIndex(
    (item) => item.dataset.projectId === String(project.id),
  );
}

/** The daemon's refusal in its own words, or why it gave none. */
function problemOf(error) {
  if (error instanceof Unauthorized) {
    askForKey();
    return "The daemon needs its API key: give it in the form at the top, then try again.";
  }
  if (error instanceof Busy) {
    return `The daemon says: ${error.message}; try again in ${error.retryAfterSeconds} s.`;
  }
  if (error instanceof Refused) return `The daemon refused: ${error.message}`;
  return `The daemon did not answer: ${error.message}`;
}

/** Announced (a live region), and left to read. */
function say(text) {
  document.getElementById("projects-status").textContent = text;
}

/**
 * The focus on `action`'s button of project `id`, else of the item now at `index` (the next
 * one, after a delete), else on the card's summary: never lost to the page's start. An item
 * without that button (Merge, alone in the list) gives its first.
 */
function focusIn({ id, action, index = -1 }) {
  const items = [...document.getElementById("projects-list").children];
  const item =
    items.find((each) => each.dataset.projectId === String(id)) ??
    items[Math.min(index, items.length - 1)];
  const button = item?.querySelector(`button.${action}`) ?? item?.querySelector("button");
  (button ?? document.querySelector("#projects-box summary")).focus();
}
