"""The dashboard on a phone-sized screen, used with a thumb: every control is a target of at
least 24 by 24 CSS pixels (WCAG 2.2's 2.5.8), wrapped legend rows included."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, send_beats

pytestmark = pytest.mark.e2e

TARGETS_JS = """() => [...document.querySelectorAll("button, summary, a[href], input, select")]
  .filter((node) => node.checkVisibility())
  .map((node) => {
    const box = node.getBoundingClientRect();
    return { name: node.textContent.trim(), width: box.width, height: box.height };
  })"""


def test_every_control_is_a_thumb_sized_target_at_360_px(
    midday_daemon: DaemonProcess, browser: Any
):
    """The legend's keys were 18 px high in rows 22 px apart."""
    now = int(time.time())
    for index in range(12):  # eight keys and "other": the legend wraps over several rows
        start = now - 600 - index * 700
        send_beats(midday_daemon, f"/code/project-{index}", range(start, start + 541, 60))
    page = Page(browser, viewport={"width": 360, "height": 800})
    shown = page.open(midday_daemon.url + "/")
    targets = shown.evaluate(TARGETS_JS)
    # the range buttons and month picker, the legend, the table, the breakdown's fields, the
    # projects card
    assert len(targets) == 4 + 1 + 9 + 1 + 6 + 1, targets
    small = [each for each in targets if each["width"] < 24 or each["height"] < 24]
    assert small == []
    # Opened, the card has a Rename, a Merge into… and a Delete button for each project.
    shown.evaluate("() => { document.getElementById('projects-box').open = true; }")
    shown.wait_for_function("() => document.getElementById('projects-list').dataset.loaded")
    targets = shown.evaluate(TARGETS_JS)
    assert len(targets) == 4 + 1 + 9 + 1 + 6 + 1 + 3 * 12, targets
    small = [each for each in targets if each["width"] < 24 or each["height"] < 24]
    assert small == []
    assert page.problems == []


def _small_targets(shown: Any) -> list[dict[str, Any]]:
    return [each for each in shown.evaluate(TARGETS_JS) if min(each["width"], each["height"]) < 24]


def test_the_key_form_and_the_outage_banner_are_thumb_sized_at_360_px(tmp_path: Path, browser: Any):
    """The key's field and button were 21 px high, the banner's "Try again now" 22 px."""
    keyed = DaemonProcess(tmp_path / "keyed.db", "--api-key", "k3y")
    keyed.start()
    try:
        page = Page(browser, viewport={"width": 360, "height": 800}, clock=True)
        shown = page.page
        shown.goto(keyed.url + "/")
        shown.wait_for_selector("#key-form:not([hidden])")
        assert _small_targets(shown) == []
        shown.fill("#api-key", "k3y")
        shown.keyboard.press("Enter")
        page.wait_loaded(1)
        keyed.stop()
        page.page.clock.run_for(60_000)  # the minute refresh finds no daemon
        shown.wait_for_selector("#offline:not([hidden])")
        assert _small_targets(shown) == []
    finally:
        keyed.kill()
