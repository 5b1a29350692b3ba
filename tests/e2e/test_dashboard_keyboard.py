"""The dashboard from the keyboard alone: every control is a Tab stop, shows where the focus is
in both themes, and works with Enter or Space."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, contrast, send_beats

pytestmark = pytest.mark.e2e

CONTROLS_JS = """() => [...document.querySelectorAll("button, summary, input, select, a[href]")]
  .filter((node) => node.checkVisibility())
  .map((node) => node.dataset.key || node.textContent.trim())"""
FOCUSED_JS = """() => {
  const node = document.activeElement;
  if (node === document.body) return null;
  const ring = getComputedStyle(node);
  return {
    name: node.dataset.key || node.textContent.trim(),
    style: ring.outlineStyle,
    width: parseFloat(ring.outlineWidth),
    offset: parseFloat(ring.outlineOffset),
    color: ring.outlineColor,
    card: getComputedStyle(node.closest("section")).backgroundColor,
  };
}"""


@pytest.fixture
def two_projects(worked_daemon: DaemonProcess) -> DaemonProcess:
    now = int(time.time())
    send_beats(worked_daemon, "/code/beta", range(now - 3 * 86400, now - 3 * 86400 + 601, 60))
    return worked_daemon


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_control_is_a_tab_stop_with_a_ring_seen_on_its_card(
    two_projects: DaemonProcess, browser: Any, scheme: str
):
    """The browser's own 1 px ring was lost on the pressed range button's blue."""
    page = Page(browser, color_scheme=scheme)
    shown = page.open(two_projects.url + "/")
    # The projects card open (without moving the focus): its Rename, Merge and Delete buttons…
    shown.evaluate("() => { document.getElementById('projects-box').open = true; }")
    shown.wait_for_function("() => document.getElementById('projects-list').dataset.loaded")
    # …and alpha's merge form open, its choice and buttons in place of alpha's; the walk starts
    # from the page's title, as from the page's start.
    shown.evaluate("() => document.querySelector('#projects-list button.merge').click()")
    shown.click("h1")
    controls = shown.evaluate(CONTROLS_JS)
    actions = ("Rename", "Merge into…", "Delete", "Merge…", "Cancel")
    assert [controls.count(action) for action in actions] == [1, 1, 1, 1, 1], controls
    assert shown.evaluate("() => document.querySelectorAll('#projects-list select').length") == 1
    assert "range-month" in shown.evaluate(
        "() => [...document.querySelectorAll('select')].map((node) => node.id)"
    ), "the month picker is walked too"
    reached = []
    for _ in range(len(controls) + 1):
        shown.keyboard.press("Tab")
        focused = shown.evaluate(FOCUSED_JS)
        if focused is None:
            break
        reached.append(focused)
    assert [each["name"] for each in reached] == controls
    for each in reached:
        assert each["style"] == "solid" and each["width"] >= 2, each
        assert each["offset"] >= 1, "drawn on the card, not on the button's own colour"
        assert contrast(each["color"], each["card"]) >= 3, each
    assert page.problems == []


def test_range_legend_and_table_work_with_enter_and_space(
    two_projects: DaemonProcess, browser: Any
):
    page = Page(browser)
    shown = page.open(two_projects.url + "/")
    shown.focus(".switch button[data-days='30']")
    shown.keyboard.press("Enter")
    page.wait_loaded(2)
    assert shown.get_attribute(".switch button[data-days='30']", "aria-pressed") == "true"
    assert shown.evaluate("() => Chart.getChart('days-chart').data.labels.length") == 30

    alpha = "#days-legend button[data-key='/code/alpha']"
    shown.focus(alpha)
    shown.keyboard.press("Space")
    assert shown.get_attribute(alpha, "aria-pressed") == "false"
    assert shown.evaluate("() => document.activeElement.dataset.key") == "/code/alpha"

    shown.focus("#days-table-box summary")
    shown.keyboard.press("Enter")
    assert shown.is_visible("#days-table tbody")
    assert page.problems == []
