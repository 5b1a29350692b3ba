"""The dashboard with the browser's text size turned up (Chrome's Settings, Appearance, Font
size), as people with low vision set it: WCAG's 1.4.4 asks for 200 % text without content
cut off or the page scrolling sideways."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, send_beats, with_text_size, worked_lately

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("width", "text_pixels"), [(1280, 32), (900, 24), (600, 32), (360, 24), (360, 32)]
)
def test_large_text_does_not_make_the_page_scroll_sideways(
    midday_daemon: DaemonProcess, browser: Any, width: int, text_pixels: int
):
    """The layouts switched at widths in px: with 200 % text a 1280 px window kept two cards
    side by side, and the sessions table pushed the page 15 px past the window."""
    now = int(time.time())
    for index in range(3):
        start = now - 600 - index * 700
        send_beats(
            midday_daemon, f"/code/project-with-a-name-{index}", range(start, start + 541, 60)
        )
    page = Page(browser, viewport={"width": width, "height": 900})
    with_text_size(page, text_pixels)
    shown = page.open(midday_daemon.url + "/")
    assert shown.evaluate("() => getComputedStyle(document.body).fontSize") == f"{text_pixels}px"
    shown.click("#days-table-box summary")
    sizes = shown.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert sizes[0] <= sizes[1], sizes
    assert page.problems == []


def test_a_table_too_wide_for_a_phone_at_200_percent_scrolls_in_its_card(
    midday_daemon: DaemonProcess, browser: Any
):
    """Four columns of 32 px text cannot fit 360 px: the table scrolls inside its card, and the
    keyboard reaches it to scroll it."""
    worked_lately(midday_daemon, "/code/project-with-a-name", 600)
    page = Page(browser, viewport={"width": 360, "height": 900})
    with_text_size(page, 32)
    shown = page.open(midday_daemon.url + "/")
    box = "#recent .table-scroll"
    assert shown.evaluate(
        "(box) => { const node = document.querySelector(box);"
        " return node.scrollWidth > node.clientWidth; }",
        box,
    )
    for _ in range(20):
        shown.keyboard.press("Tab")
        if shown.evaluate("(box) => document.activeElement === document.querySelector(box)", box):
            break
    else:
        pytest.fail("Tab never reached the scrolling table")
    shown.keyboard.press("ArrowRight")
    shown.wait_for_function("(box) => document.querySelector(box).scrollLeft > 0", arg=box)
    assert page.problems == []
