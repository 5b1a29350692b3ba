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
    start = now - now % 60 - 1800
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
