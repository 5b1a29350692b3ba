"""The dashboard of a daemon with an API key: the key asked for, typed wrong, or newly set under
an open tab. (The key asked for and refused: test_dashboard.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page

pytestmark = pytest.mark.e2e

KEY = "kept-in-the-password-manager-1"
# Counts the daemon's answers as the page gets them: what the page does with one is done by the
# time a later task (Playwright's polling) looks.
ANSWERS_COUNTED_JS = """() => {
  window.answers = 0;
  const fetchOnce = window.fetch;
  window.fetch = async (...args) => {
    const answer = await fetchOnce(...args);
    window.answers += 1;
    return answer;
  };
}"""


def test_a_key_with_a_character_no_header_carries_is_refused_at_its_field(
    tmp_path: Path, browser: Any
):
    """A key pasted with a zero-width space: the browser cannot send it. The page said the daemon
    did not answer, retried for good with the key form gone, and after a reload did so again."""
    keyed = DaemonProcess(tmp_path / "keyed.db", "--api-key", KEY).start()
    try:
        page = Page(browser, clock=True)
        shown = page.page
        shown.goto(keyed.url + "/")
        shown.wait_for_selector("#key-form:not([hidden])")
        shown.fill("#api-key", "wrong")
        shown.keyboard.press("Enter")
        shown.wait_for_selector("#key-error:not([hidden])")
        shown.fill("#api-key", f"{KEY}\u200b")
        shown.keyboard.press("Enter")
        shown.wait_for_selector("#key-error:not([hidden])")
        assert "U+200B" in shown.inner_text("#key-error")
        assert shown.is_visible("#key-form") and shown.is_hidden("#offline")
        assert shown.get_attribute("#api-key", "aria-invalid") == "true"
        assert shown.evaluate("document.activeElement.id") == "api-key"
        assert shown.evaluate("() => sessionStorage.getItem('oxitrack.apiKey')") is None
        # The minute refresh, still refused, leaves the words about the key typed where they are.
        shown.evaluate(ANSWERS_COUNTED_JS)
        page.page.clock.run_for(60_000)
        shown.wait_for_function("() => window.answers > 0")
        assert "U+200B" in shown.inner_text("#key-error")
        assert shown.is_visible("#key-error")

        shown.fill("#api-key", KEY)
        shown.keyboard.press("Enter")
        page.wait_loaded(1)
        assert shown.is_hidden("#key-form") and shown.is_hidden("#key-error")
        assert page.problems
        assert page.only_answered(401), page.problems
    finally:
        keyed.kill()


def test_a_daemon_restarted_with_a_key_is_not_said_to_be_away(
    worked_daemon: DaemonProcess, browser: Any
):
    """The daemon stopped, then started again with a key: the page asked for the key, and kept
    the banner that the daemon "does not answer" and that it was "trying again" beside it."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    worked_daemon.stop()
    page.page.clock.run_for(60_000)  # the minute refresh finds no daemon
    shown.wait_for_selector("#offline:not([hidden])")
    assert worked_daemon.db_path is not None
    keyed = DaemonProcess(worked_daemon.db_path, "--api-key", KEY)
    keyed.start(port=worked_daemon.port)
    try:
        shown.click("#retry-now")
        shown.wait_for_selector("#key-form:not([hidden])")
        assert shown.is_hidden("#offline")
        assert shown.inner_text("#status") == "an API key is needed"

        shown.fill("#api-key", KEY)
        shown.keyboard.press("Enter")
        page.wait_loaded(2)
        assert shown.is_hidden("#key-form") and shown.is_hidden("#offline")
        assert shown.evaluate("() => document.body.dataset.stale") is None
    finally:
        keyed.kill()
