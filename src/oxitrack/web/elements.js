// Building the page's elements and rows, and reading the theme's colours from its CSS: shared by
// the today, chart and recent-sessions sections.

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "className") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/**
 * `rows` into `body`, keeping each row on screen that reads the same: most minutes only today's
 * row changes. Replacing every row sent a screen reader reading a table back to its start once a
 * minute, and rebuilding a year's table took a large share of a second.
 */
export function replaceChangedRows(body, rows) {
  drawChildren(body, rows, (old, row) => {
    if (!old.isEqualNode(row)) old.replaceWith(row);
  });
}

/**
 * `old` made to read as `fresh`, keeping each of its nodes that reads the same: a list drawn
 * anew at each minute's refresh took the focus from the button it was on, to give it back, and
 * a screen reader said that button again. Listeners are not compared: neither node may carry
 * any (one on a parent that stays does their work).
 */
function keepUnchanged(old, fresh) {
  if (old.isEqualNode(fresh)) return;
  const oldChildren = [...old.childNodes];
  const freshChildren = [...fresh.childNodes];
  const sameShell = old.cloneNode(false).isEqualNode(fresh.cloneNode(false));
  if (!sameShell || oldChildren.length !== freshChildren.length) {
    old.replaceWith(fresh);
    return;
  }
  for (const [index, child] of freshChildren.entries()) keepUnchanged(oldChildren[index], child);
}

/** `items` as `list`'s, drawn anew only where changed: a button kept keeps the focus, unsaid. */
export function keepUnchangedItems(list, items) {
  drawChildren(list, items, keepUnchanged);
}

/**
 * `parent`'s children made `fresh`'s: `update(old, node)` where it had one, the rest added or
 * removed (a table body's `children` are its rows).
 */
function drawChildren(parent, fresh, update) {
  for (const [index, node] of fresh.entries()) {
    const old = parent.children[index];
    if (old === undefined) parent.append(node);
    else update(old, node);
  }
  while (parent.children.length > fresh.length) parent.lastElementChild.remove();
}

/**
 * A name as one line that a narrow card cuts in its middle: `head` ends in an ellipsis and `tail`
 * (names.js's nameParts), which tells the name from others that begin alike, stays. Split, it is
 * read whole from a hidden copy: from the two drawn parts Chromium made "customer-portal-
 * frontend-v2", a space between. `dir="auto"` isolates its direction as <bdi> does, and puts the
 * head on the right of a right-to-left name.
 */
export function cutName({ text, head, tail }, { className = "", ...attributes } = {}) {
  const parts =
    tail === ""
      ? [element("span", { className: "head" }, head)]
      : [
          element("span", { className: "visually-hidden" }, text),
          element("span", { className: "head", "aria-hidden": "true" }, head),
          element("span", { className: "tail", "aria-hidden": "true" }, tail),
        ];
  const classes = `cut ${className}`.trim();
  return element("span", { className: classes, dir: "auto", ...attributes }, ...parts);
}

export function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
