// The projects card's forms and dialogs, shared by rename, merge and delete: a form in place of
// a project's buttons, a modal dialog that asks before a change, either one busy while its
// change is under way, what the card says of it all, and where the focus goes in its list. No
// requests here: projects.js decides what to ask and what to do with the answer.

import { formatDuration } from "./chart.js";
import { element } from "./elements.js";
import { askForKey } from "./notices.js";
import { Busy, Refused, TimedOut, Unauthorized } from "./requests.js";

let saidUntilAnswer = false; // the card's status speaks of no answer: untrue once one comes

/**
 * The dialog `${name}-dialog`: its Cancel closes it, its confirm button runs `confirm`. On
 * Escape, Cancel or a change, `focusBack` puts the focus back in the list, not at the page's
 * start. While its change is under way, Escape does nothing (startSending).
 */
export function setUpDialog(name, confirm, focusBack) {
  const dialog = document.getElementById(`${name}-dialog`);
  document.getElementById(`${name}-cancel`).addEventListener("click", () => dialog.close());
  document.getElementById(`${name}-confirm`).addEventListener("click", confirm);
  // The key's own event first: a dialog asked to close twice in a row, with no click between,
  // closes whatever its "cancel" event says.
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isSending(dialog)) event.preventDefault();
  });
  dialog.addEventListener("cancel", (event) => {
    if (isSending(dialog)) event.preventDefault();
  });
  dialog.addEventListener("close", () => {
    // A close comes as a task of its own: by then a busy page may have opened the dialog again
    // for the next change, whose project it must not forget.
    if (!dialog.open) focusBack();
  });
}

/** `${name}-dialog` over the page, the focus on its Cancel: Enter or Escape changes nothing. */
function showDialog(name) {
  document.getElementById(`${name}-dialog`).showModal();
  document.getElementById(`${name}-cancel`).focus();
}

/** The merge dialog, saying what goes where (`source` and `target` as `{ project, name }`). */
export function showMergeDialog(source, target) {
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

/** The delete dialog, saying what goes for good. */
export function showDeleteDialog(project, name) {
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
 * A form in place of `item`'s buttons, one open at a time: `label` names `field`, `hint` (if
 * any) says more; submitted, it runs `submit`; Cancel or Escape closes it and gives the focus
 * back to the button of `action` that opened it, unless its change is under way.
 */
export function openForm(item, { action, label, field, submitText, hint = null, submit }) {
  for (const open of document.querySelectorAll("#projects-list .row-form")) closeForm(open);
  const { id } = field;
  const hints =
    hint === null ? [] : [element("p", { id: `${id}-hint`, className: "muted hint" }, hint)];
  // Said as it appears; the focus stays in the field, for it to be put right.
  const error = element("p", { id: `${id}-error`, className: "field-error", role: "alert" });
  error.hidden = true;
  field.setAttribute("aria-describedby", [error, ...hints].map((each) => each.id).join(" "));
  const save = element("button", { type: "submit" }, submitText);
  const cancel = element("button", { type: "button" }, "Cancel");
  const form = element(
    "form",
    { className: `row-form ${action}-form`, novalidate: "", "data-action": action },
    element("label", { for: id }, label),
    element("div", { className: "form-row" }, field, save, cancel),
    sendingLine(),
    ...hints,
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(form);
  });
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    if (!isSending(form)) closeForm(form);
  });
  cancel.addEventListener("click", () => closeForm(form));
  item.querySelector(".project-actions").hidden = true;
  item.append(form);
  field.focus();
}

export function closeForm(form) {
  const item = form.closest("li");
  form.remove();
  item.querySelector(".project-actions").hidden = false;
  item.querySelector(`button.${form.dataset.action}`).focus();
}

/** What a form or dialog says while its change is under way: hidden until then. */
function sendingLine() {
  const line = element("p", { className: "sending", tabindex: "-1" });
  line.hidden = true;
  return line;
}

/**
 * `box` (a form or a dialog) while its change is under way: it says `text` (the focus on it, so
 * a screen reader reads it, and none left on a button about to be disabled), is marked busy,
 * and none of its controls starts or cancels anything: a request sent cannot be taken back.
 */
export function startSending(box, text) {
  const line = box.querySelector(".sending");
  line.textContent = text;
  line.hidden = false;
  // A Tab stop meanwhile: in a dialog with every button disabled, Tab left it for the page's
  // body and no key brought the focus back to what was under way.
  line.tabIndex = 0;
  line.focus();
  box.setAttribute("aria-busy", "true");
  for (const button of box.querySelectorAll("button")) button.disabled = true;
  for (const field of box.querySelectorAll("input")) field.readOnly = true;
  listButtons(box).forEach((button) => (button.disabled = true));
}

/** `box` as it was before startSending, for the answer's outcome (or its next change). */
export function endSending(box) {
  box.removeAttribute("aria-busy");
  for (const button of box.querySelectorAll("button")) button.disabled = false;
  for (const field of box.querySelectorAll("input")) field.readOnly = false;
  listButtons(box).forEach((button) => (button.disabled = false));
  const line = box.querySelector(".sending");
  line.hidden = true;
  line.textContent = "";
  line.tabIndex = -1;
}

/**
 * The other projects' buttons, for a form's change (a dialog's covers them): they opened a form
 * that closed the busy one, and a change asked there was not sent (one change at a time).
 */
function listButtons(box) {
  const inList = box.matches("#projects-list .row-form");
  return inList ? document.querySelectorAll("#projects-list .project-actions button") : [];
}

function isSending(box) {
  return box.getAttribute("aria-busy") === "true";
}

/**
 * `message` by `input`, which gets the `focus` unless another form needs it (the key's);
 * `untilAnswer`: it speaks of no answer, and goes once the daemon answers the page
 * (unsayUnanswered).
 */
export function showFieldError(form, input, message, { untilAnswer = false, focus = true } = {}) {
  const error = form.querySelector(".field-error");
  error.hidden = false;
  error.textContent = message;
  error.toggleAttribute("data-until-answer", untilAnswer);
  input.setAttribute("aria-invalid", "true");
  if (focus) input.focus();
}

/**
 * A refusal said by the field; after a 401, the key's form (problemOf) keeps the focus, and
 * the words go once the key is given.
 */
export function showRefusalByField(form, input, error) {
  const keyWanted = wantsKey(error);
  showFieldError(form, input, problemOf(error), { untilAnswer: keyWanted, focus: !keyWanted });
}

/** What showFieldError said, gone: a new attempt, or the daemon answering, made it untrue. */
export function clearFieldError(form) {
  const error = form.querySelector(".field-error");
  error.hidden = true;
  error.textContent = "";
  error.removeAttribute("data-until-answer");
  form.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
}

/**
 * Announced (a live region), and left to read; `untilAnswer`: it speaks of no answer, and goes
 * once the daemon answers the page (unsayUnanswered).
 */
export function say(text, { untilAnswer = false } = {}) {
  document.getElementById("projects-status").textContent = text;
  saidUntilAnswer = untilAnswer && text !== "";
}

/**
 * The daemon answered the page: what the card said of no answer, in its status or by a field,
 * is no longer true. It stayed, "did not answer" beside figures the page had just been given.
 */
export function unsayUnanswered() {
  if (saidUntilAnswer) say("");
  for (const error of document.querySelectorAll("#projects-list .field-error[data-until-answer]")) {
    clearFieldError(error.closest("form"));
  }
}

/** A refusal for want of the API key: what is said of it goes once the daemon answers with it. */
export function wantsKey(error) {
  return error instanceof Unauthorized;
}

/** The daemon's refusal of a project it no longer has: merged or deleted meanwhile. */
export function isGone(error) {
  return error instanceof Refused && error.code === "not_found";
}

/** The daemon's refusal in its own words, or why it gave none. */
export function problemOf(error) {
  if (error instanceof Unauthorized) {
    askForKey();
    return "The daemon needs its API key: give it in the form at the top, then try again.";
  }
  if (error instanceof Busy) {
    return `The daemon says: ${error.message}; try again in ${error.retryAfterSeconds} s.`;
  }
  if (error instanceof Refused) return `The daemon refused: ${error.message}`;
  if (error instanceof TimedOut) return `The daemon did not answer in ${error.seconds} s.`;
  return `The daemon did not answer: ${error.message}`;
}

/** "1h 20m in 5 sessions": what a dialog says goes. */
function timeOf(project) {
  const sessions = project.session_count;
  const plural = sessions === 1 ? "" : "s";
  return `${formatDuration(project.total_seconds)} in ${sessions} session${plural}`;
}

/** `project`'s folders as the list `id` of a dialog. */
function foldersIn(id, project) {
  const folders = project.paths.map((path) => element("li", { dir: "auto" }, path.project_path));
  document.getElementById(id).replaceChildren(...folders);
}

// -- where the focus goes ------------------------------------------------------------------------

/**
 * The list's button with the focus, as focusIn takes it, or null; the focus in an item's form
 * (a rename's field, a merge's choice) is on the button that opened it: a list that shows the
 * form's change made at last draws the item without it, and the focus went to the page's start.
 */
export function focusedButton() {
  const focused = document.activeElement;
  const item = focused?.closest("#projects-list > li");
  const form = focused?.closest("#projects-list .row-form");
  if (!item || (form === null && focused.tagName !== "BUTTON")) return null;
  const id = Number(item.dataset.projectId);
  return { id, action: form?.dataset.action ?? focused.classList[0], index: indexOf(id) };
}

/** Where the item of project `id` is in the list: after a change, the focus goes there. */
export function indexOf(id) {
  return [...document.getElementById("projects-list").children].findIndex(
    (item) => item.dataset.projectId === String(id),
  );
}

/**
 * The focus on `action`'s button of project `id`, else of the item now at `index` (the next
 * one, after a delete), else on the card's summary: never lost to the page's start. An item with
 * a form open gives its field; one without that button (Merge, alone), its first.
 */
export function focusIn({ id, action, index = -1 }, preventScroll = false) {
  const items = [...document.getElementById("projects-list").children];
  const item =
    items.find((each) => each.dataset.projectId === String(id)) ??
    items[Math.min(index, items.length - 1)];
  const button =
    item?.querySelector(".row-form select, .row-form input") ??
    item?.querySelector(`button.${action}`) ??
    item?.querySelector("button");
  (button ?? document.querySelector("#projects-box summary")).focus({ preventScroll });
}

/**
 * The focus in the card, or nowhere (its button gone with the list): a list that comes after a
 * change may put it on the change's project. One that came late took it from wherever the user
 * had gone meanwhile, and scrolled the page back down to the card.
 */
export function focusInCard() {
  const focused = document.activeElement;
  return (
    focused === null ||
    focused === document.body ||
    document.getElementById("projects-box").contains(focused)
  );
}
