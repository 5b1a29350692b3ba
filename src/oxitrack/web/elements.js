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
 * minute, and rebuilding a year's table took a large share of a second. A row is known by its
 * place (a day's), or by `keyOf(row)` where rows move: the newest sessions', each pushed down
 * one by a session begun, were each drawn anew, known by place.
 */
export function replaceChangedRows(body, rows, keyOf = (_row, index) => index) {
  drawChildren(body, rows, keyOf, (old, row) => {
    if (old.isEqualNode(row)) return old;
    old.replaceWith(row);
    return row;
  });
}

/**
 * `old` made to read as `fresh`, keeping each of its nodes that reads the same: a list drawn
 * anew at each minute's refresh took the focus from the button it was on, to give it back, and
 * a screen reader said that button again. Listeners are not compared: neither node may carry
 * any (one on a parent that stays does their work). The node that now reads as `fresh`.
 */
function keepUnchanged(old, fresh) {
  if (old.isEqualNode(fresh)) return old;
  const oldChildren = [...old.childNodes];
  const freshChildren = [...fresh.childNodes];
  const sameShell = old.cloneNode(false).isEqualNode(fresh.cloneNode(false));
  if (!sameShell || oldChildren.length !== freshChildren.length) {
    old.replaceWith(fresh);
    return fresh;
  }
  for (const [index, child] of freshChildren.entries()) keepUnchanged(oldChildren[index], child);
  return old;
}

/**
 * `items` as `list`'s, drawn anew only where changed: a button kept keeps the focus, unsaid. An
 * item is `keyOf(item)`'s wherever it is: a list reordered (the projects', by latest work) moves
 * its items, where drawn by place it drew anew each one below the first that moved, and took the
 * focus from a button among them.
 */
export function keepUnchangedItems(list, items, keyOf) {
  drawChildren(list, items, keyOf, keepUnchanged);
}

/**
 * `parent`'s children made `fresh`'s: `update(old, node)` (which returns the node kept) where it
 * had one of the same `keyOf(node, index)`, the rest added or removed, then each put in its place.
 */
function drawChildren(parent, fresh, keyOf, update) {
  const old = new Map([...parent.children].map((child, index) => [keyOf(child, index), child]));
  const wanted = new Set(fresh.map(keyOf));
  for (const [key, child] of old) if (!wanted.has(key)) child.remove();
  const nodes = fresh.map((node, index) => {
    const kept = old.get(keyOf(node, index));
    return kept === undefined ? node : update(kept, node);
  });
  arrange(parent, nodes);
}

/**
 * `parent`'s children put in the order of `nodes` (each a child of it or new), moving the fewest
 * a simple walk finds, and never the one holding the focus: a node moved is taken out of the
 * page and put back, and the focus in it is lost. The others move around it.
 */
function arrange(parent, nodes) {
  const focused = document.activeElement;
  const pinned = nodes.find((node) => node.contains(focused) && node.parentNode === parent);
  let at = parent.firstElementChild; // the first child not yet in its place
  for (const node of nodes) {
    if (node === pinned) at = pinned.nextElementSibling;
    else if (node === at) at = at.nextElementSibling;
    else parent.insertBefore(node, at);
  }
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
