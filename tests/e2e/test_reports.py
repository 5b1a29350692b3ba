"""Reports end to end: a real daemon and the CLI on its file answer with the same JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.zones import midday_zone

pytestmark = pytest.mark.e2e


def oxitrack(daemon: DaemonProcess, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "oxitrack", *args, "--db", str(daemon.db_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


@pytest.mark.parametrize(
    ("path", "command"),
    [
        ("/today", ["today"]),
        ("/api/days", ["report"]),
        ("/api/sessions", ["sessions"]),
    ],
    ids=["today", "days", "sessions"],
)
def test_cli_prints_what_the_daemon_answers_for_a_from_date(daemon: DaemonProcess, path, command):
    """`sessions --from D --json` said "to": today where GET /api/sessions?from=D said null."""
    now = int(time.time())
    tz = midday_zone(now)  # no midnight between the beats, the daemon's answer and the CLI's
    today = datetime.fromtimestamp(now, ZoneInfo(tz)).date().isoformat()
    # Beats that end over 5 minutes ago: "active" cannot change between the two readings.
    for timestamp in range(now - 3000, now - 599, 300):
        beat = {"project_path": "/code/app", "timestamp": timestamp}
        httpx.post(f"{daemon.url}/beat", json=beat).raise_for_status()
    params = {"tz": tz, "format": "json"} if path == "/today" else {"tz": tz, "from": today}
    flags = ["--tz", tz] if path == "/today" else ["--tz", tz, "--from", today]
    answer = httpx.get(f"{daemon.url}{path}", params=params).json()
    assert oxitrack(daemon, *command, *flags, "--json") == answer
    if path != "/today":
        assert (answer["from"], answer["to"]) == (today, today)


@pytest.mark.parametrize("path", ["/today", "/api/days", "/api/sessions"])
def test_a_zone_with_a_plus_sign_typed_into_the_address_is_that_zone(daemon: DaemonProcess, path):
    """`curl '…/today?tz=Etc/GMT+5'` answered 422 "'Etc/GMT 5' is not a known IANA time zone
    name": a "+" in a query string reads as a space, and the name has no %2B for it."""
    answer = httpx.get(f"{daemon.url}{path}?format=json&tz=Etc/GMT+5")
    assert answer.status_code == 200, answer.text
    assert answer.json()["timezone"] == "Etc/GMT+5"
