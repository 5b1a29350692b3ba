"""Debian's Chromium, headless, driven by Playwright: the one way the e2e tests open a browser;
and what the dashboard's tests share around it: a page that records what went wrong, beats for it
(and WakaTime heartbeats) to show, the contrast of what it draws, and its accessibility tree."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, which this closed network
# refuses many times a second; the tests need none of it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    """A launched Playwright browser; ``extra_args`` go after the usual flags."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./scripts/setup-system chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield launched
        finally:
            launched.close()


class Page:
    """A browser page that records console errors/warnings, page errors and failed requests."""

    def __init__(self, browser: Any, *, clock: bool = False, **options: Any) -> None:
        """``options`` go to ``new_page``: ``viewport``, ``color_scheme``, ``timezone_id``…"""
        self.page = browser.new_page(**{"viewport": {"width": 1200, "height": 900}, **options})
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._failed)
        self.given_up: list[str] = []  # the URLs of the failed requests the page itself aborted
        if clock:
            self.page.clock.install()

    def problems_are_only_the_daemon_away(self) -> bool:
        """Every problem recorded is a request the stopped daemon refused: what a page that
        outlives its daemon must see, and nothing else."""
        return all(
            "ERR_CONNECTION_REFUSED" in problem or problem.startswith("failed:")
            for problem in self.problems
        )

    def only_answered(self, status: int) -> bool:
        """Every problem recorded is the browser's log of an answer ``status`` or a read the
        page gave up (a refused refresh's others): nothing else went wrong."""
        given_up = {f"failed: {url}" for url in self.given_up}
        return all(
            f"status of {status}" in problem or problem in given_up for problem in self.problems
        )

    def only_given_up(self, *urls: str) -> bool:
        """Every problem recorded is a read the page gave up, ``urls`` among them. A refresh
        replaced gives up each of its reads still asked: which of the others (/today, the
        recent sessions) still were is a matter of timing."""
        given_up = {f"failed: {url}" for url in self.given_up}
        named = all(url in self.given_up for url in urls)
        return named and all(problem in given_up for problem in self.problems)

    def _failed(self, request: Any) -> None:
        self.problems.append(f"failed: {request.url}")
        if request.failure == "net::ERR_ABORTED":
            self.given_up.append(request.url)

    def _console(self, message: Any) -> None:
        if message.type in {"error", "warning"}:
            self.problems.append(f"console {message.type}: {message.text}")

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.wait_loaded(1)
        return self.page

    def choose_range(self, days: int) -> None:
        """Press the range button for ``days`` and wait until the page has drawn its data."""
        loaded = self.page.evaluate("() => Number(document.body.dataset.loaded || 0)")
        self.page.click(f".switch button[data-days='{days}']")
        self.wait_loaded(loaded + 1)

    def pick_breakdown(self, by: str) -> None:
        """Press the breakdown card's button for ``by`` and wait until the card shows its rows."""
        self.page.click(f"#breakdown-switch button[data-by='{by}']")
        self.wait_breakdown(by)

    def wait_breakdown(self, by: str) -> None:
        """Wait until the breakdown card shows ``by``'s rows."""
        self.page.wait_for_selector(f"#breakdown[data-by='{by}']", state="attached")

    def wait_loaded(self, times: int) -> None:
        """Wait (with Playwright's deadline, no sleeps) until the page has rendered ``times``."""
        # A function with an argument, not a string: the page's CSP forbids eval, rightly.
        self.page.wait_for_function(
            "(times) => Number(document.body.dataset.loaded || 0) >= times", arg=times
        )


#: The breakdown card's rows as drawn: value, project, seconds, duration and name of each.
BREAKDOWN_ROWS_JS = """() => [...document.querySelectorAll("#breakdown-list tbody tr")].map(
  (tr) => ({
  value: tr.dataset.name,
  project: tr.dataset.projectPath ?? null,
  seconds: Number(tr.dataset.seconds),
  duration: tr.cells[0].innerText,
  name: tr.cells[2].innerText,
  }))"""
#: The breakdown card's heading, pressed button and the address it keeps the pick in.
BREAKDOWN_HEAD_JS = """() => ({
  by: document.getElementById("breakdown").dataset.by,
  title: document.getElementById("breakdown-title").textContent,
  column: document.getElementById("breakdown-column").textContent,
  pressed: [...document.querySelectorAll("#breakdown-switch [aria-pressed=true]")].map(
    (button) => button.dataset.by),
  address: location.search,
})"""


class BusyOnce:
    """A Playwright route handler: the first request answers 503 ``reports_busy`` with
    ``Retry-After: 5``, as a daemon making its most long reports at once does; the later ones
    go to the daemon. ``answered`` lists the statuses given."""

    BODY: ClassVar[dict[str, str]] = {
        "error": "reports_busy",
        "message": "2 reports of more than 92 days are being made",
    }

    def __init__(self) -> None:
        self.answered: list[int] = []

    def __call__(self, route: Any) -> None:
        self.answered.append(503 if not self.answered else 200)
        if self.answered[-1] == 503:
            route.fulfill(status=503, json=self.BODY, headers={"Retry-After": "5"})
        else:
            route.continue_()


def with_text_size(page: Page, pixels: int) -> None:
    """The browser's default text size, as its settings set it (Chrome's Settings, Appearance,
    Font size; 16 px out of the box), as people with low vision turn it up."""
    session = page.page.context.new_cdp_session(page.page)
    session.send("Page.enable")
    session.send("Page.setFontSizes", {"fontSizes": {"standard": pixels, "fixed": 13}})


def send_beats(daemon: DaemonProcess, project_path: str, timestamps: range, **labels: str) -> None:
    """One ``POST /beat`` per timestamp, as an editor sends them; ``labels`` (``language``,
    ``editor``) in each, as the VS Code extension names them."""
    for timestamp in timestamps:
        answer = httpx.post(
            f"{daemon.url}/beat",
            json={"project_path": project_path, "timestamp": timestamp, **labels},
        )
        answer.raise_for_status()


def send_heartbeats(
    daemon: DaemonProcess, root: str, *times_and_languages: tuple[int, str]
) -> None:
    """WakaTime heartbeats in ``root``, one per ``(timestamp, language)``, as the ``wakatime``
    command of an editor's plugin sends them."""
    send_labelled_heartbeats(
        daemon,
        root,
        *({"time": time, "language": language} for time, language in times_and_languages),
    )


def send_labelled_heartbeats(daemon: DaemonProcess, root: str, *heartbeats: dict[str, Any]) -> None:
    """WakaTime heartbeats in ``root``, each the Go CLI's with the fields given (``time``, and any
    of ``language``, ``category``, ``branch``, ``user_agent``, which names the editor)."""
    body = [go_cli_heartbeat(root, **heartbeat) for heartbeat in heartbeats]
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
        content=json.dumps(body),
        headers=GO_CLI_HEADERS,
    )
    assert answer.status_code == 201, answer.text


def worked_lately(daemon: DaemonProcess, project_path: str, seconds: int) -> None:
    """A beat a minute over the last ``seconds``, up to a minute ago: one recent session of
    ``project_path`` for the page to show."""
    now = int(time.time())
    send_beats(daemon, project_path, range(now - seconds, now - 59, 60))


# Each element of `selector` as it is drawn and read (drawn_names): `shown`, the characters
# drawn inside every box that clips them, with "…" where a box ends in an ellipsis (Chromium
# draws it after the last character that fits beside it); `spoken`, its text less what is hidden
# from screen readers; `title`, its tooltip; `natural`, the width of its text drawn uncut, and
# `width`, the room it has; `split`, whether a name drawn in parts is parted between characters.
_DRAWN_NAMES_JS = """(selector) => {
  const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const textWidth = (text, like) => {
    const probe = document.createElement("span");
    probe.style.font = getComputedStyle(like).font;
    probe.style.whiteSpace = "pre";
    probe.textContent = text;
    document.body.append(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return width;
  };
  const clipsOf = (text, node, clips) => {
    const boxes = [];
    for (let at = text.parentElement; at; at = at.parentElement) {
      const style = getComputedStyle(at);
      if (style.overflowX !== "visible") {
        if (!clips.has(at)) {
          const rect = at.getBoundingClientRect();
          const cut = style.textOverflow === "ellipsis" && at.scrollWidth > at.clientWidth;
          const right = rect.right - (cut ? textWidth("…", at) : 0);
          clips.set(at, { left: rect.left, right, cut, marked: false });
        }
        boxes.push(clips.get(at));
      }
      if (at === node) break;
    }
    return boxes;
  };
  const drawn = (node) => {
    const clips = new Map();
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    let shown = "";
    while (walker.nextNode()) {
      const text = walker.currentNode;
      const boxes = clipsOf(text, node, clips);
      for (const { segment, index } of graphemes.segment(text.data)) {
        const range = document.createRange();
        range.setStart(text, index);
        range.setEnd(text, index + segment.length);
        const rect = range.getBoundingClientRect();
        const hider = boxes.find((b) => rect.left < b.left - 0.5 || rect.right > b.right + 0.5);
        if (hider === undefined) shown += segment;
        else if (hider.cut && !hider.marked) {
          hider.marked = true;
          shown += "…";
        }
      }
    }
    return shown;
  };
  const spoken = (node) => {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    let text = "";
    while (walker.nextNode()) {
      const hidden = walker.currentNode.parentElement.closest("[aria-hidden='true']");
      if (hidden === null || !node.contains(hidden)) text += walker.currentNode.data;
    }
    return text;
  };
  const parts = (node) => [...node.querySelectorAll(".head, .tail")];
  const split = (node) => {
    const [head, tail] = parts(node).map((part) => part.textContent);
    if (tail === undefined) return true;
    return [...graphemes.segment(head + tail)].some(({ index }) => index === head.length);
  };
  return [...document.querySelectorAll(selector)].map((node) => {
    const drawnText = parts(node).map((part) => part.textContent).join("") || node.textContent;
    const shown = drawn(node);
    return {
      shown,
      wellFormed: shown.isWellFormed(),
      spoken: spoken(node),
      title: node.closest("[title]")?.title ?? null,
      natural: textWidth(drawnText, parts(node)[0] ?? node),
      width: node.getBoundingClientRect().width,
      split: split(node),
    };
  });
}"""


def drawn_names(page: Any, selector: str) -> list[dict[str, Any]]:
    """The names in the elements ``selector`` finds on ``page``, each as drawn (``shown``, where
    it may be cut) and as a screen reader reads it (``spoken``), with its tooltip (``title``)."""
    names: list[dict[str, Any]] = page.evaluate(_DRAWN_NAMES_JS, selector)
    return names


def _luminance(css: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two CSS ``rgb(…)`` colours, 1 to 21."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def accessibility_tree(page: Any) -> list[dict[str, Any]]:
    """The page as a screen reader gets it: Chromium's own accessibility tree (CDP), each node
    not ignored as its role, name and properties."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    return [
        {
            "role": node.get("role", {}).get("value"),
            "name": node.get("name", {}).get("value", ""),
            "properties": {p["name"]: p["value"].get("value") for p in node.get("properties", [])},
        }
        for node in nodes
        if not node.get("ignored")
    ]
