"""The dashboard as a screen reader gets it: Chromium's own accessibility tree (CDP), where every
control, table and the chart must have a name, and the headings go in order."""

from __future__ import annotations

import time
from itertools import pairwise
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, accessibility_tree, send_beats

pytestmark = pytest.mark.e2e

NAMED_ROLES = {"button", "textbox", "DisclosureTriangle", "table", "image", "list", "link"}


def test_every_control_table_and_the_chart_has_a_name(worked_daemon: DaemonProcess, browser: Any):
    """The three tables had none: a screen reader's table list read "table, table, table"."""
    page = Page(browser)
    shown = page.open(worked_daemon.url + "/")
    shown.click("#days-table-box summary")
    tree = accessibility_tree(shown)
    named = [node for node in tree if node["role"] in NAMED_ROLES]
    assert {node["role"] for node in named} == NAMED_ROLES - {"textbox", "link"}
    assert [node for node in named if not node["name"].strip()] == []
    tables = sorted(node["name"] for node in tree if node["role"] == "table")
    assert tables == sorted(
        [shown.inner_text("#today-title"), "Daily time per project", "Recent sessions"]
    )
    (chart,) = (node for node in tree if node["role"] == "image")
    assert chart["name"] == shown.get_attribute("#days-chart", "aria-label")
    assert page.problems == []


def test_headings_go_in_order_and_the_page_says_its_language(daemon: DaemonProcess, browser: Any):
    page = Page(browser)
    shown = page.open(daemon.url + "/")
    levels = [
        node["properties"]["level"]
        for node in accessibility_tree(shown)
        if node["role"] == "heading"
    ]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels))
    assert shown.evaluate("() => document.documentElement.lang") == "en"
    assert page.problems == []


def test_the_active_dot_is_drawn_not_read(worked_daemon: DaemonProcess, browser: Any):
    """The dot before "active" is CSS content, which screen readers read: "black circle active"
    on every project being worked on."""
    page = Page(browser)
    shown = page.open(worked_daemon.url + "/")
    cells = [node["name"] for node in accessibility_tree(shown) if node["role"] == "cell"]
    assert "active" in cells
    assert [name for name in cells if "\u25cf" in name] == []
    assert shown.evaluate(
        """() => getComputedStyle(document.querySelector(".active"), "::before").content"""
    ).startswith('"\u25cf"'), "still drawn"
    assert page.problems == []


def test_todays_share_cells_say_each_projects_part_of_the_day(
    worked_daemon: DaemonProcess, browser: Any
):
    """The "Share" column held only a coloured bar: a screen reader read each of its cells as
    blank."""
    now = int(time.time())
    send_beats(worked_daemon, "/code/beta", range(now - 3000, now - 2399, 60))
    today = httpx.get(f"{worked_daemon.url}/today", params={"format": "json"}).json()
    page = Page(browser, locale="en-US")
    shown = page.open(worked_daemon.url + "/")
    shares = shown.evaluate(
        """() => [...document.querySelectorAll("#today-projects tbody tr")].map(
          (row) => row.cells[1].textContent)"""
    )
    assert shares == [
        f"{int(100 * project['duration_seconds'] / today['total_seconds'] + 0.5)}%"
        for project in today["projects"]
    ]
    assert len(shares) == 2
    cells = [node["name"] for node in accessibility_tree(shown) if node["role"] == "cell"]
    assert all(share in cells for share in shares), cells
    assert page.problems == []
