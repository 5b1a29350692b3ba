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
