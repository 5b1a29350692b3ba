"""The open projects card, listed by latest work, when another project becomes the latest: its
items move, each the same element, and the focused button stays focused where it went."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import send_beats
from tests.e2e.test_dashboard_projects import LIST_LOADED_JS
from tests.e2e.test_dashboard_projects_meanwhile import _card_page_on_clock, _minute_refresh

pytestmark = pytest.mark.e2e

ORDER_JS = "() => [...document.querySelectorAll('#projects-list > li .name')].map(n => n.title)"
# The list's items taken out or put in, by name, from here on (a MutationObserver's records).
WATCH_JS = """() => {
  if (window.touched !== undefined) {
    window.touched = [];
    return;
  }
  window.touched = [];
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of [...record.addedNodes, ...record.removedNodes]) {
        window.touched.push(node.querySelector?.(".name")?.title ?? node.nodeName);
      }
    }
  }).observe(document.getElementById("projects-list"), { childList: true });
}"""


def _relisted(page: Any, shown: Any, times: int) -> None:
    """The page's minute refresh, and the card's list drawn for the ``times``th time."""
    _minute_refresh(page)
    shown.wait_for_function(LIST_LOADED_JS, arg=times, timeout=10_000)


def test_a_project_becoming_the_latest_moves_its_item_and_the_focus_stays_on_its_button(
    two_projects: DaemonProcess, browser: Any
):
    """Drawn by place, every item from the first that moved was drawn anew: the focused button
    was a new element, its focus put back, and a screen reader said it again."""
    page, shown = _card_page_on_clock(browser, two_projects)
    assert shown.evaluate(ORDER_JS) == ["alpha", "beta"]

    # The focus on a project that stays where it is, while another moves above it.
    alpha_delete = shown.get_by_role("button", name="Delete alpha").element_handle()
    alpha_delete.focus()
    shown.evaluate(WATCH_JS)
    send_beats(two_projects, "/code/beta", range(int(time.time()), int(time.time()) + 1))
    _relisted(page, shown, 2)
    assert shown.evaluate(ORDER_JS) == ["beta", "alpha"]
    assert shown.evaluate("(button) => button === document.activeElement", alpha_delete)
    assert shown.evaluate("() => window.touched") == ["beta", "beta"], "beta alone moved"

    # The focus on the project that moves up, past the other.
    alpha_rename = shown.get_by_role("button", name="Rename alpha").element_handle()
    alpha_rename.focus()
    shown.evaluate(WATCH_JS)
    send_beats(two_projects, "/code/alpha", range(int(time.time()) + 1, int(time.time()) + 2))
    _relisted(page, shown, 3)
    assert shown.evaluate(ORDER_JS) == ["alpha", "beta"]
    assert shown.evaluate("(button) => button === document.activeElement", alpha_rename)
    assert shown.evaluate("() => window.touched") == ["beta", "beta"], "beta moved below it"
    assert page.problems == []
