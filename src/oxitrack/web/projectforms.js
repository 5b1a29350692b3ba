// The projects card's forms and dialogs, shared by rename, merge and delete: a form in place of
// a project's buttons, a modal dialog that asks before a change, and what each says. No
// requests here: projects.js decides what to ask and what to do with the answer.

import { formatDuration } from "./chart.js";
import { element } from "./elements.js";

/**
 * The dialog `${name}-dialog`: its Cancel closes it, its confirm button runs `confirm`. On
 * Escape, Cancel or a change, `focusBack` puts the focus back in the list, not at the page's
 * start.
 */
export function setUpDialog(name, confirm, focusBack) {
  const dialog = document.getElementById(`${name}-dialog`);
  document.getElementById(`${name}-cancel`).addEventListener("click", () => dialog.close());
  document.getElementById(`${name}-confirm`).addEventListener("click", confirm);
  dialog.addEventListener("close", () => {
    // A close comes as a task of its own: by then a busy page may have opened the dialog again
    // for the next change, whose project it must not forget.
    if (!dialog.open) focusBack();
  });
}

/** `${name}-dialog` over the page, the focus on its Cancel: Enter or Escape changes nothing. */
export function showDialog(name) {
  document.getElementById(`${name}-dialog`).showModal();
  document.getElementById(`${name}-cancel`).focus();
}

/**
 * A form in place of `item`'s buttons, one open at a time: `label` names `field`, `hint` (if
 * any) says more; submitted, it runs `submit`; Cancel or Escape closes it and gives the focus
 * back to the button of `action` that opened it.
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
    closeForm(form);
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

export function showFieldError(form, input, message) {
  const error = form.querySelector(".field-error");
  error.hidden = false;
  error.textContent = message;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

/** "1h 20m in 5 sessions": what a dialog says goes. */
export function timeOf(project) {
  const sessions = project.session_count;
  const plural = sessions === 1 ? "" : "s";
  return `${formatDuration(project.total_seconds)} in ${sessions} session${plural}`;
}

/** `project`'s folders as the list `id` of a dialog. */
export function foldersIn(id, project) {
  const folders = project.paths.map((path) => element("li", { dir: "auto" }, path.project_path));
  document.getElementById(id).replaceChildren(...folders);
}
