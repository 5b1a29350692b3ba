"""A dashboard tab left open for hours: its minute refresh must not take the keyboard's place
away, and a laptop that slept must not wake up to old numbers under "Today"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page

pytestmark = pytest.mark.e2e

FOCUSED_KEY_JS = "() => document.activeElement?.dataset.key ?? document.activeElement?.tagName"


def test_the_minute_refresh_leaves_the_focus_on_the_legend_key_it_was_on(
    worked_daemon: DaemonProcess, browser: Any
):
    """The legend is drawn anew each minute: the focused key went with it, and a keyboard user
    was sent back to the top of the page (a screen reader lost its place) once a minute."""
    page = Page(browser, clock=True)
    shown = page.open(worked_daemon.url + "/")
    shown.focus(".switch button[data-days='30']")
    shown.keyboard.press("Tab")
    assert shown.evaluate(FOCUSED_KEY_JS) == "/code/alpha"

    page.page.clock.run_for(60_000)
    page.wait_loaded(2)
    assert shown.evaluate(FOCUSED_KEY_JS) == "/code/alpha"
    # Still the key on screen, not a detached copy: Space switches the project off.
    shown.keyboard.press("Space")
    pressed = "#days-legend button[data-key='/code/alpha']"
    shown.wait_for_selector(f"{pressed}[aria-pressed='false']")
    assert shown.evaluate(FOCUSED_KEY_JS) == "/code/alpha"
    assert page.problems == []
