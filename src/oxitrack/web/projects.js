// The "Projects" card: every project the daemon knows, with its folders and total, to rename or
// delete as `oxitrack projects rename|delete` does. Folded until opened, as listing every
// project's total is no small read: asked for then, and after each change, when the rest of the
// page is asked again too (refresh.js), so every card shows the change at once.

import { formatDuration } from "./chart.js";
import { cutName, element } from "./elements.js";
import { distinctNames } from "./names.js";
import { askForKey } from "./notices.js";
import { refresh } from "./refresh.js";
import { Busy, Refused, Unauthorized, getJson, postJson } from "./requests.js";

let listSeq = 0; // only the latest listing is drawn
let toDelete = null; // { project, name } while the dialog asks about it
let sending = false; // one change at a time: a second Enter must not send it again
const RESET_HINT = "Empty, or “reset”: the folder's name again.";

export function setUpProjects() {
  const box = document.getElementById("projects-box");
  box.addEventListener("toggle", () => {
    if (box.open) loadProjects();
  });
  const dialog = document.getElementById("delete-dialog");
  document.getElementById("delete-cancel").addEventListener("click", () => dialog.close());
  document.getElementById("delete-confirm").addEventListener("click", confirmDelete);
  // Escape, Cancel or a delete: the focus goes back to the list, not to the page's start.
  dialog.addEventListener("close", () => {
    // A close comes as a task of its own: by then a busy page may have opened the dialog again
    // for the next delete, whose project it must not forget.
    if (dialog.open) return;
    if (toDelete !== null) focusIn({ id: toDelete.project.id, action: "delete" });
    toDelete = null;
  });
}

/** The list asked for anew; `focus` ({ id, action, index }) says which button gets the focus. */
async function loadProjects(focus = null) {
  const seq = ++listSeq;
  let answer;
  try {
    answer = await getJson("/api/projects");
  } catch (error) {
    if (seq === listSeq) say(problemOf(error));
    return;
  }
  if (seq !== listSeq) return;
  const { projects } = answer;
  // Told apart as every card tells them: two "api" folders are "api (client-one)" and "…two)".
  const names = distinctNames(
    projects.map((project) => ({ project_name: project.name, project_path: project.latest_path })),
  );
  const list = document.getElementById("projects-list");
  list.replaceChildren(...projects.map((p) => projectItem(p, names.get(p.latest_path))));
  list.hidden = projects.length === 0;
  document.getElementById("projects-empty").hidden = projects.length > 0;
  list.dataset.loaded = String(Number(list.dataset.loaded || 0) + 1);
  if (focus !== null) focusIn(focus);
}

function projectItem(project, name) {
  const folders = project.paths.map((path) =>
    element("li", { className: "path", dir: "auto" }, path.project_path),
  );
  const rename = element("button", { type: "button", className: "rename" }, "Rename");
  const remove = element("button", { type: "button", className: "delete" }, "Delete");
  // The name in each button's own: a screen reader's list of buttons read "Rename" ten times.
  rename.setAttribute("aria-label", `Rename ${name.text}`);
  remove.setAttribute("aria-label", `Delete ${name.text}`);
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
    element("div", { className: "project-actions" }, rename, remove),
  );
  rename.addEventListener("click", () => openRename(item, project, name));
  remove.addEventListener("click", () => askDelete(project, name));
  return item;
}

// -- rename ------------------------------------------------------------------------------------

/** The inline form in place of the item's buttons; one open at a time. */
function openRename(item, project, name) {
  for (const open of document.querySelectorAll("#projects-list .rename-form")) closeRename(open);
  const id = `rename-${project.id}`;
  const input = element("input", {
    id,
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": `${id}-error ${id}-hint`,
  });
  input.value = project.name;
  // Said as it appears; the focus stays in the field, for the name to be put right.
  const error = element("p", { id: `${id}-error`, className: "field-error", role: "alert" });
  error.hidden = true;
  const save = element("button", { type: "submit" }, "Save");
  const cancel = element("button", { type: "button" }, "Cancel");
  const form = element(
    "form",
    { className: "rename-form", novalidate: "" },
    element("label", { for: id }, `New name for ${name.text}`),
    element("div", { className: "rename-row" }, input, save, cancel),
    element("p", { id: `${id}-hint`, className: "muted hint" }, RESET_HINT),
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveName(form, project, name);
  });
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    closeRename(form);
  });
  cancel.addEventListener("click", () => closeRename(form));
  item.querySelector(".project-actions").hidden = true;
  item.append(form);
  input.focus();
  input.select();
}

function closeRename(form) {
  const item = form.closest("li");
  form.remove();
  item.querySelector(".project-actions").hidden = false;
  item.querySelector("button.rename").focus();
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

function showFieldError(form, input, message) {
  const error = form.querySelector(".field-error");
  error.hidden = false;
  error.textContent = message;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

// -- delete ------------------------------------------------------------------------------------

/** What goes, asked first, as the command line asks: the dialog opens on Cancel. */
function askDelete(project, name) {
  toDelete = { project, name };
  const sessions = project.session_count;
  document.getElementById("delete-title").textContent = `Delete ${name.text}?`;
  document.getElementById("delete-name").textContent = name.text;
  document.getElementById("delete-time").textContent =
    `${formatDuration(project.total_seconds)} in ${sessions} session${sessions === 1 ? "" : "s"}`;
  document
    .getElementById("delete-folders")
    .replaceChildren(
      ...project.paths.map((path) => element("li", { dir: "auto" }, path.project_path)),
    );
  const confirm = document.getElementById("delete-confirm");
  confirm.textContent = "Delete for good";
  confirm.setAttribute("aria-label", `Delete ${name.text} for good`);
  document.getElementById("delete-dialog").showModal();
  document.getElementById("delete-cancel").focus();
}

/**
 * By the project's id, as the dialog showed it: a name may since name another project. An id
 * deleted meanwhile (another tab, the command line) answers 404 and changes nothing: that is
 * said, and the list drawn anew without it.
 */
async function confirmDelete() {
  if (sending || toDelete === null) return;
  const { project, name } = toDelete;
  const index = [...document.getElementById("projects-list").children].findIndex(
    (item) => item.dataset.projectId === String(project.id),
  );
  sending = true;
  try {
    await postJson("/api/projects/delete", { project: project.id });
    say(`Deleted ${name.text} and its ${formatDuration(project.total_seconds)}.`);
  } catch (error) {
    say(problemOf(error));
  } finally {
    sending = false;
  }
  toDelete = null; // its button may be gone: the focus goes where the list says
  document.getElementById("delete-dialog").close();
  await loadProjects({ id: project.id, action: "delete", index });
  refresh();
}

// -- shared ------------------------------------------------------------------------------------

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
 * one, after a delete), else on the card's summary: never lost to the page's start.
 */
function focusIn({ id, action, index = -1 }) {
  const items = [...document.getElementById("projects-list").children];
  const item =
    items.find((each) => each.dataset.projectId === String(id)) ??
    items[Math.min(index, items.length - 1)];
  const button = item?.querySelector(`button.${action}`);
  (button ?? document.querySelector("#projects-box summary")).focus();
}
