"""The dashboard of a daemon with an API key: the key asked for, typed wrong, or newly set under
an open tab. (The key asked for and refused: test_dashboard.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page

pytestmark = pytest.mark.e2e

KEY = "kept-in-the-password-manager-1"


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
