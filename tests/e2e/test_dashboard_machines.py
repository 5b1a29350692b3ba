"""The dashboard's breakdown card split by machine and by operating system, in a real browser
against a real daemon: wakatime-cli's heartbeats name both (``X-Machine-Name``, the
User-Agent), the VS Code extension's beats too, an older extension's neither."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import (
    BREAKDOWN_HEAD_JS,
    BREAKDOWN_ROWS_JS,
    Page,
    send_beats,
    with_text_size,
)
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

pytestmark = pytest.mark.e2e


def _worked_on_two_machines(daemon: DaemonProcess, now: int) -> None:
    """In the last hour of the midday daemon: wakatime-cli on ``devbox`` (Linux) 10 minutes,
    the VS Code extension on a Windows ``laptop`` 7, then an older extension's beats naming
    neither for 5 more."""
    start = now - 50 * 60
    body = [go_cli_heartbeat("/code/app", time) for time in (start, start + 300, start + 600)]
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
        content=json.dumps(body),
        headers={**GO_CLI_HEADERS, "X-Machine-Name": "devbox"},
    )
    assert answer.status_code == 201, answer.text
    laptop = {"editor": "vscode", "machine": "laptop", "operating_system": "win32"}
    send_beats(daemon, "/code/ext", range(start + 1000, start + 1421, 60), **laptop)
    send_beats(daemon, "/code/ext", range(start + 1480, start + 1721, 60))


def _api_rows(daemon: DaemonProcess, by: str) -> list[tuple[str, int]]:
    """``/api/breakdown``'s rows as the card marks them (``""``: the time none names)."""
    answer = httpx.get(f"{daemon.url}/api/breakdown", params={"by": by, "days": 7})
    return [(row["name"] or "", row["duration_seconds"]) for row in answer.json()["rows"]]


def test_machines_and_systems_are_picked_like_editors_and_list_what_the_api_gives(
    midday_daemon: DaemonProcess, browser: Any
):
    _worked_on_two_machines(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    expected = {
        "machine": [("devbox", 600), ("laptop", 420), ("", 300)],
        "operating_system": [("Linux", 600), ("Windows", 420), ("", 300)],
    }
    heads = {
        "machine": ("Machines", "Machine"),
        "operating_system": ("Operating systems", "Operating system"),
    }
    for by in ("machine", "operating_system", "editor"):
        page.pick_breakdown(by)
        rows = shown.evaluate(BREAKDOWN_ROWS_JS)
        assert [(row["value"], row["seconds"]) for row in rows] == _api_rows(midday_daemon, by)
        if by == "editor":
            continue
        assert _api_rows(midday_daemon, by) == expected[by]
        title, column = heads[by]
        assert shown.evaluate(BREAKDOWN_HEAD_JS) == {
            "by": by,
            "title": title,
            "column": column,
            "pressed": [by],
            "address": f"?by={by}",
        }
        unnamed = rows[-1]["name"]
        assert unnamed.startswith(f"No {'machine' if by == 'machine' else 'system'} named\n")
        assert "imported WakaTime time" in unnamed
        assert shown.is_hidden("#breakdown-empty")
    assert page.problems == []


def test_the_machines_pick_is_kept_through_a_reload(midday_daemon: DaemonProcess, browser: Any):
    _worked_on_two_machines(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/?by=machine")
    page.wait_breakdown("machine")
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["pressed"] == ["machine"]
    shown.reload()
    page.wait_loaded(1)
    page.wait_breakdown("machine")
    rows = shown.evaluate(BREAKDOWN_ROWS_JS)
    assert [(row["value"], row["seconds"]) for row in rows] == _api_rows(midday_daemon, "machine")
    assert page.problems == []


def test_with_no_machine_named_the_card_says_so_and_what_names_one(
    midday_daemon: DaemonProcess, browser: Any
):
    """An older extension's beats alone: a lone bar of unnamed time would say nothing."""
    now = int(time.time())
    send_beats(midday_daemon, "/code/app", range(now - 1200, now - 59, 60), editor="vscode")
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/?by=operating_system")
    page.wait_breakdown("operating_system")
    assert _api_rows(midday_daemon, "operating_system")[0][0] == ""
    assert shown.is_hidden("#breakdown-list")
    empty = shown.inner_text("#breakdown-empty")
    assert empty.startswith("No time in this range has an operating system named yet."), empty
    page.pick_breakdown("machine")
    empty = shown.inner_text("#breakdown-empty")
    assert empty.startswith("No time in this range has a machine named yet."), empty
    assert "name the computer they run on" in empty
    assert page.problems == []


# The card's content box, each field button's box and rounded corners, and whether the page
# scrolls sideways.
SWITCH_JS = """() => {
  const card = document.getElementById("breakdown");
  const style = getComputedStyle(card);
  const box = card.getBoundingClientRect();
  const inset = (side) =>
    parseFloat(style[`border${side}Width`]) + parseFloat(style[`padding${side}`]);
  const corners = ["TopLeft", "TopRight", "BottomRight", "BottomLeft"];
  return {
    inner: [box.left + inset("Left"), box.right - inset("Right")],
    sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    buttons: [...document.querySelectorAll("#breakdown-switch button")].map((button) => {
      const { left, right, top, bottom } = button.getBoundingClientRect();
      const round = getComputedStyle(button);
      const rounded = corners.map((corner) => parseFloat(round[`border${corner}Radius`]) > 0);
      return { by: button.dataset.by, left, right, top, bottom, rounded };
    }),
  };
}"""
TARGET_PX = 24  # WCAG 2.2's 2.5.8, as test_dashboard_phone holds every control to


def _switch_flaws(layout: dict[str, Any]) -> list[str]:
    """What makes the six buttons not read as one control: one past the card, rows of unequal
    counts or columns, a rounded corner inside the block, a target under 24 px."""
    flaws = ["the page scrolls sideways"] if layout["sideways"] else []
    buttons = layout["buttons"]
    left, right = layout["inner"]
    flaws += [f"{b['by']} past the card" for b in buttons if b["left"] < left - 0.5]
    flaws += [f"{b['by']} past the card" for b in buttons if b["right"] > right + 0.5]
    flaws += [
        f"{b['by']} smaller than {TARGET_PX} px"
        for b in buttons
        if min(b["right"] - b["left"], b["bottom"] - b["top"]) < TARGET_PX
    ]
    rows: list[list[dict[str, Any]]] = []
    for button in buttons:
        if rows and abs(button["top"] - rows[-1][0]["top"]) < 2:
            rows[-1].append(button)
        else:
            rows.append([button])
    if len({len(row) for row in rows}) > 1:
        flaws.append(f"rows of {[len(row) for row in rows]} buttons")
    elif len(rows) > 1:
        for column in zip(*rows, strict=True):
            for edge in ("left", "right"):
                if max(b[edge] for b in column) - min(b[edge] for b in column) > 1:
                    flaws.append(f"column of {column[0]['by']}: {edge} edges apart")
    block = {
        "left": min(b["left"] for b in buttons),
        "right": max(b["right"] for b in buttons),
        "top": min(b["top"] for b in buttons),
        "bottom": max(b["bottom"] for b in buttons),
    }
    corners = [("top", "left"), ("top", "right"), ("bottom", "right"), ("bottom", "left")]
    for button in buttons:
        for (row, side), rounded in zip(corners, button["rounded"], strict=True):
            at_block = abs(button[row] - block[row]) < 1 and abs(button[side] - block[side]) < 1
            if rounded != at_block:
                flaws.append(f"{button['by']}: {row}-{side} corner {'not ' * at_block}rounded")
    return flaws


def test_the_six_fields_fill_their_card_in_even_rows_at_every_width_and_text_size(
    midday_daemon: DaemonProcess, browser: Any
):
    """Wrapped as they came, the six broke into rows of four and two (two, three and one with
    larger text), with the row's rounded ends inside the block: loose buttons, not one switch.
    Where one row does not fit they make even rows of aligned columns inside the card, rounded
    at the block's corners alone, each a thumb's target, the page never scrolling sideways."""
    _worked_on_two_machines(midday_daemon, int(time.time()))
    flaws = {}
    for width, text_pixels in [
        (320, 16),
        (360, 16),
        (360, 24),
        (360, 32),
        (768, 16),
        (768, 24),
        (1024, 16),
        (1024, 24),
        (1440, 16),
        (1440, 24),
    ]:
        page = Page(browser, viewport={"width": width, "height": 800})
        with_text_size(page, text_pixels)
        shown = page.open(midday_daemon.url + "/")
        flaws[width, text_pixels] = _switch_flaws(shown.evaluate(SWITCH_JS))
        if (width, text_pixels) == (360, 16):  # the last one, clicked at a phone's width
            page.pick_breakdown("operating_system")
        assert page.problems == [], (width, text_pixels, page.problems)
        page.page.close()
    assert flaws == {each: [] for each in flaws}
