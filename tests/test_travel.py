"""A laptop that flies from Berlin to Los Angeles: beats late in Berlin, then in Los Angeles hours
(but fewer than 900 s of real time, or more) later, read in either zone and in Tokyo's. Through a
real daemon started in Berlin's zone and the real commands run in each zone, as the laptop's
clock moves; past days, so the figures are the same whenever the tests run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
import pytest

from tests.daemon_process import DaemonProcess
from tests.test_today_from_daemon import oxitrack

WEEK = ["--from", "2025-11-17", "--to", "2025-11-23"]
ZONES = ("Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo")


def at(text: str, zone: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


@pytest.fixture
def flown(tmp_path: Path) -> Iterator[DaemonProcess]:
    """Tuesday night in Berlin until 00:50 on Wednesday (23:50 UTC); landed, the same project at
    16:00 Tuesday in Los Angeles (00:00 UTC, ten minutes later: one session), and another at
    17:00 there."""
    daemon = DaemonProcess(tmp_path / "laptop.db", env={"TZ": "Europe/Berlin"}).start()
    try:
        beats = [
            *(
                ("/home/me/api", at("2025-11-18T23:30", "Europe/Berlin") + m * 300)
                for m in range(17)
            ),
            *(
                ("/home/me/api", at("2025-11-18T16:00", "America/Los_Angeles") + m * 300)
                for m in range(3)
            ),
            *(
                ("/home/me/web", at("2025-11-18T17:00", "America/Los_Angeles") + m * 300)
                for m in range(7)
            ),
        ]
        for path, timestamp in beats:
            answer = httpx2.post(
                f"{daemon.url}/beat", json={"project_path": path, "timestamp": timestamp}
            )
            assert answer.status_code == 200, answer.text
        yield daemon
    finally:
        daemon.kill()


def test_a_flight_changes_no_session_and_every_zone_adds_the_week_up_alike(flown: DaemonProcess):
    db = ["--db", str(flown.db_path)]
    totals = {}
    for zone in ZONES:
        done = oxitrack("report", *db, "--by", "day", *WEEK, "--json", key=None, env={"TZ": zone})
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["timezone"] == zone
        assert sum(day["total_seconds"] for day in report["days"]) == report["total_seconds"]
        totals[zone] = {
            day["date"]: day["total_seconds"] for day in report["days"] if day["total_seconds"]
        }
    # 23:30 Berlin to 16:10 Los Angeles is 100 min of one session; 30 min of another.
    assert totals["Europe/Berlin"] == {"2025-11-18": 1800, "2025-11-19": 4200 + 1800}
    assert totals["America/Los_Angeles"] == {"2025-11-18": 7800}
    assert totals["Asia/Tokyo"] == {"2025-11-19": 7800}


@pytest.mark.parametrize("where", ["file", "daemon"])
def test_sessions_say_the_zone_their_times_are_in(flown: DaemonProcess, where: str):
    """Listed in Tokyo, Berlin's night read as a morning's work: the list named no zone, where
    ``report`` and ``today`` name theirs in their title."""
    source = ["--db", str(flown.db_path)] if where == "file" else ["--daemon", flown.url]
    for zone, first in (
        ("Asia/Tokyo", "2025-11-19 10:00"),
        ("America/Los_Angeles", "2025-11-18 17:00"),
    ):
        done = oxitrack("sessions", *source, *WEEK, key=None, env={"TZ": zone})
        assert done.returncode == 0, done.stderr
        *rows, count = done.stdout.splitlines()
        assert rows[0].startswith(first), rows
        assert count.startswith("2 sessions") and count.endswith(f", times in {zone}"), count
    by_flag = oxitrack(
        "sessions", *source, *WEEK, "--tz", "utc", key=None, env={"TZ": "Asia/Tokyo"}
    )
    assert by_flag.stdout.splitlines()[-1].endswith(", times in UTC"), by_flag.stdout
