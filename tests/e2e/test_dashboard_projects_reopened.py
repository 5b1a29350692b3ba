"""The projects card folded and opened again: its items, drawn before, are there at once, and
their buttons work while the list asked as it opens is still coming."""

from __future__ import annotations

from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.test_dashboard_projects import FOCUSED_JS, LIST_LOADED_JS
from tests.e2e.test_dashboard_projects_meanwhile import (
    _card_page_on_clock,
    _hold,
    _minute_refresh,
)

pytestmark = pytest.mark.e2e

# The lists' bodies read by the page, counted (window.listsRead) as each is parsed.
COUNT_LISTS_READ_JS = """() => {
  window.listsRead = 0;
  const json = Response.prototype.json;
  Response.prototype.json = async function () {
    const body = await json.call(this);
    if (this.url.endsWith("/api/projects")) window.listsRead += 1;
    return body;
  };
}"""


def test_a_form_opened_while_the_reopened_cards_list_comes_is_not_drawn_over(
    two_projects: DaemonProcess, browser: Any
):
    """Opened again, the card asks for its list; a rename opened before it came (a slow daemon
    gives it up to 15 s) went with the list drawn over it, the name half typed with it."""
    page, shown = _card_page_on_clock(browser, two_projects)
    shown.click("#projects-box summary")  # folded
    held = _hold(shown, lambda url: url.endswith("/api/projects"))
    shown.click("#projects-box summary")  # and opened again: its list asked, slow to come
    held.wait(shown)
    shown.get_by_role("button", name="Rename alpha").click()
    field = shown.get_by_label("New name for alpha")
    field.fill("Half typ")
    shown.evaluate(COUNT_LISTS_READ_JS)
    held.release()
    # Read, and done with: the microtasks after its body ran before the next task looks.
    shown.wait_for_function("() => window.listsRead === 1", timeout=10_000)
    assert shown.locator("#projects-list form").count() == 1
    assert field.input_value() == "Half typ"
    assert shown.evaluate(FOCUSED_JS) == "rename-1", "the focus still in the field"
    # Closed, the list is drawn at the page's next refresh.
    field.press("Escape")
    _minute_refresh(page)
    shown.wait_for_function(LIST_LOADED_JS, arg=2, timeout=10_000)
    assert page.problems == []
