"""The dashboard in its reader's language and region: clock times as that region writes them."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, send_beats

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("locale", "clock_format"),
    [
        ("en-US", "%-I:%M %p"),
        ("en-GB", "%H:%M"),
        ("de-DE", "%H:%M"),
        ("ja-JP", "%-H:%M"),
    ],
)
def test_clock_times_follow_the_browsers_region(
    tmp_path: Path, browser: Any, locale: str, clock_format: str
):
    """Every reader got "18:40", a reader in the United States included, who reads "6:40 PM"."""
    now = int(time.time())
    start = now - now % 86400 - 86400 + 18 * 3600 + 40 * 60  # yesterday 18:40 UTC, by any clock
    daemon = DaemonProcess(tmp_path / "daemon.db", env={"TZ": "UTC"}).start()
    try:
        send_beats(daemon, "/code/alpha", range(start, start + 1201, 300))
        page = Page(browser, locale=locale, timezone_id="UTC")
        shown = page.open(daemon.url + "/")
        # Chromium writes the narrow no-break space that CLDR puts before "PM".
        cell = shown.inner_text("#recent-sessions tbody td.time-cell").replace("\u202f", " ")
        status = shown.inner_text("#status-time").replace("\u202f", " ")
    finally:
        daemon.kill()
    times = [
        datetime.fromtimestamp(each, UTC).strftime(clock_format) for each in (start, start + 1200)
    ]
    assert cell.replace("\n", "") == "\u2013".join(times)
    updated = datetime.now(UTC).strftime(clock_format)
    pattern = re.sub(r"\d+", r"\\d+", re.escape(updated))
    assert re.fullmatch(rf" · updated {pattern}", status), status
    assert page.problems == []


# How many lines each start and end time of the recent sessions takes.
TIME_LINES_JS = """() => [...document.querySelectorAll("#recent-sessions .time-cell span")].map(
  (span) => {
    const range = document.createRange();
    range.selectNodeContents(span);
    const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
    return [span.textContent, tops.size];
  })"""


def test_a_12_hour_time_stays_whole_on_a_phone(tmp_path: Path, browser: Any):
    """At 320 px a session from 12:30 PM to 12:45 PM broke at each space, over four lines:
    "12:30", "PM", "12:45", "PM". The end may go under the start; a time keeps its "PM"."""
    now = int(time.time())
    start = now - now % 86400 - 86400 + 12 * 3600 + 30 * 60  # yesterday 12:30 UTC: the widest
    daemon = DaemonProcess(tmp_path / "daemon.db", env={"TZ": "UTC"}).start()
    try:
        send_beats(daemon, "/code/" + "a-long-project-name-" * 5, range(start, start + 901, 300))
        page = Page(browser, locale="en-US", viewport={"width": 320, "height": 700})
        shown = page.open(daemon.url + "/")
        lines = shown.evaluate(TIME_LINES_JS)
        assert shown.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        # Nor does the table scroll in its card: the project's name keeps some room.
        assert shown.evaluate(
            """() => {
              const box = document.querySelector("#recent .table-scroll");
              return box.scrollWidth <= box.clientWidth;
            }"""
        )
        name = shown.evaluate(
            "() => document.querySelector('#recent-sessions .name').getBoundingClientRect().width"
        )
        assert name >= 60
    finally:
        daemon.kill()
    assert len(lines) == 2
    assert all(text.rstrip("\u2013").endswith(("AM", "PM")) for text, _ in lines), lines
    assert [count for _, count in lines] == [1, 1], lines
    assert page.problems == []


# Where the recent sessions' table stands in its card, and how much room each row takes.
CROSSING_LAYOUT_JS = """() => {
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  };
  const until = document.querySelector("#recent-sessions tbody tr .until");
  return {
    tableRight: box("#recent-sessions").right,
    cardRight: box("#recent").right,
    pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    name: box("#recent-sessions tbody tr .name").width,
    pieces: [...until.children].map((piece) => [piece.textContent, lines(piece)]),
    cellLines: lines(document.querySelector("#recent-sessions tbody tr .time-cell")),
  };
}"""


@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
@pytest.mark.parametrize("width", [320, 400, 500, 700, 1280])
def test_a_session_past_midnight_fits_its_card_at_every_width(
    tmp_path: Path, browser: Any, locale: str, width: int
):
    """Past midnight the end reads "Thu 26 12:03 AM": on the start's line it pushed the table
    out of its card from 320 px to 500 px wide, leaving the project's name a few letters."""
    today = int(time.time()) // 86400 * 86400
    start = today - 86400 - 42 * 60  # the day before yesterday at 23:18 UTC, ending yesterday
    daemon = DaemonProcess(tmp_path / "daemon.db", env={"TZ": "UTC"}).start()
    try:
        send_beats(daemon, "/code/" + "a-long-project-name-" * 5, range(start, start + 2701, 300))
        page = Page(browser, locale=locale, viewport={"width": width, "height": 800})
        layout = page.open(daemon.url + "/").evaluate(CROSSING_LAYOUT_JS)
    finally:
        daemon.kill()
    assert not layout["pageScrolls"]
    assert layout["tableRight"] <= layout["cardRight"], layout
    assert layout["name"] >= 60, layout
    end = datetime.fromtimestamp(start + 2700, UTC)
    assert [text for text, _ in layout["pieces"]] == [
        f"{end:%a}\u00a0{end.day}",
        end.strftime("%-I:%M %p" if locale == "en-US" else "%H:%M"),
    ]
    assert [count for _, count in layout["pieces"]] == [1, 1], "the day and the time stay whole"
    # The end may go under its start; only on the narrowest phones its day goes above its time.
    assert layout["cellLines"] <= (3 if width <= 360 else 2), layout
    assert page.problems == []


@pytest.mark.parametrize("width", [375, 390, 768, 800])
def test_the_sessions_table_fits_its_card_on_common_phones_and_half_screens(
    tmp_path: Path, browser: Any, width: int
):
    """The narrow layouts were chosen by the window's width alone: at 375 or 390 px (most
    phones) the 12-hour times stayed on one line, and at 768 to 800 px, where the sessions card
    stands beside today's as narrow as a phone, the full dates stayed too; the table ran 5 to
    34 px past its card, "Project" read "Proje" and a name "oxit…". The card's own width now
    decides."""
    now = int(time.time())
    start = now - now % 86400 - 86400 + 12 * 3600 + 30 * 60  # yesterday 12:30 UTC: the widest
    daemon = DaemonProcess(tmp_path / "daemon.db", env={"TZ": "UTC"}).start()
    try:
        send_beats(daemon, "/code/" + "a-long-project-name-" * 5, range(start, start + 901, 300))
        page = Page(browser, locale="en-US", viewport={"width": width, "height": 900})
        shown = page.open(daemon.url + "/")
        fits = shown.evaluate(
            """() => {
              const box = document.querySelector("#recent .table-scroll");
              return [box.scrollWidth, box.clientWidth];
            }"""
        )
        name = shown.evaluate(
            "() => document.querySelector('#recent-sessions .name').getBoundingClientRect().width"
        )
    finally:
        daemon.kill()
    assert fits[0] <= fits[1], fits
    assert name >= 60
    assert page.problems == []
