"""WakaTime-compatible plugins that post their heartbeats themselves, against a real daemon.

Some editor plugins skip wakatime-cli and post to the API URL directly, with the heartbeat
fields as they compute them. A heartbeat answered 400 is dropped by such a client for good, with
its time: a detail the daemon cannot use must not cost the heartbeat.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.sessions_model import stored_sessions
from tests.wakatime_recordings import basic

pytestmark = pytest.mark.e2e

API = "/api/v1/users/current"


def _plugin_heartbeat(entity: Path, at: float) -> dict[str, object]:
    """A file open outside every workspace folder, as a plugin that counts the folder's parts
    itself sends it: no folder, so a count of 0, and the window's name as the project."""
    return {
        "entity": str(entity),
        "type": "file",
        "time": at,
        "category": "coding",
        "project": "notes",
        "language": "markdown",
        "lineno": 3,
        "cursorpos": 1,
        "is_write": False,
        "project_root_count": 0,
    }


def test_a_project_root_count_of_0_means_no_folder_and_keeps_the_time(
    daemon: DaemonProcess, tmp_path: Path
):
    entity = tmp_path / "loose" / "todo.md"
    entity.parent.mkdir()
    entity.write_text("- [ ] ship\n")
    now = time.time()
    headers = {"Authorization": basic()}
    with httpx.Client(base_url=daemon.url, headers=headers, timeout=10) as client:
        single = client.post(f"{API}/heartbeats", json=_plugin_heartbeat(entity, now - 120))
        bulk = client.post(
            f"{API}/heartbeats.bulk",
            json=[_plugin_heartbeat(entity, now - 60), _plugin_heartbeat(entity, now - 1)],
        )
    assert single.status_code == 201, single.text
    assert bulk.status_code == 201, bulk.text
    assert [status for _, status in bulk.json()["responses"]] == [201, 201]
    assert single.json()["data"]["project_path"] == "wakatime:notes"
    # The name's project, as for any heartbeat that names no folder.
    assert stored_sessions(daemon.db_path) == [("wakatime:notes", int(now - 120), int(now - 1))]


def test_the_status_bar_names_todays_categories_as_wakatime_does(
    midday_daemon: DaemonProcess, tmp_path: Path
):
    """wakatime-cli prints ``data.categories`` once two have time today ("20 mins Coding, 10
    mins Debugging"), else the total: the daemon's answer has them, as its breakdown splits the
    day, a category left out (as wakatime-cli leaves ``coding`` out) counted as Coding."""
    entity = tmp_path / "app" / "main.go"
    entity.parent.mkdir()
    entity.write_text("package main\n")
    now = int(time.time())
    categories = [None, None, None, "debugging", "debugging", "debugging"]
    heartbeats = [
        {
            **_plugin_heartbeat(entity, now - 1800 + 300 * index),
            "category": category,
            "language": "Go",
            "project": "app",
            "project_root_count": len(entity.parent.parts),
        }
        for index, category in enumerate(categories)
    ]
    with httpx.Client(base_url=midday_daemon.url, timeout=10) as client:
        answer = client.post(
            f"{API}/heartbeats.bulk", json=heartbeats, headers={"Authorization": basic()}
        )
        assert answer.status_code == 201, answer.text
        data = client.get(f"{API}/statusbar/today").json()["data"]
        split = client.get("/api/breakdown", params={"by": "category", "days": "1"}).json()
    shown = [(row["name"], row["text"], row["total_seconds"]) for row in data["categories"]]
    assert shown == [("Coding", "15 mins", 900.0), ("Debugging", "10 mins", 600.0)]
    by_category = {row["name"]: row["duration_seconds"] for row in split["rows"]}
    assert by_category == {"coding": 900, "debugging": 600}
    assert [(row["name"], row["total_seconds"]) for row in data["languages"]] == [("Go", 1500.0)]
    assert data["grand_total"]["text"] == "25 mins"


def test_a_prompt_reads_todays_total_from_the_summaries(midday_daemon: DaemonProcess):
    """oh-my-posh's WakaTime segment: a plain GET of the URL the user configured, no headers,
    reading ``cumulative_total``; the same day as ``GET /today``."""
    now = int(time.time())
    beats = [{"project_path": "/code/app", "timestamp": t} for t in (now - 1500, now - 750, now)]
    with httpx.Client(base_url=midday_daemon.url, timeout=10) as client:
        for beat in beats:
            assert client.post("/beat", json=beat).status_code == 200
        answer = client.get(f"{API}/summaries?start=today&end=today")
        today = client.get("/today", params={"format": "json"}).json()
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["cumulative_total"]["seconds"] == today["total_seconds"] == 1500
    assert body["cumulative_total"]["text"] == "25 mins"
    assert body["data"][0]["range"]["date"] == today["date"]


def test_a_daemon_told_weeks_start_on_sunday_gives_this_week_from_sunday(tmp_path: Path):
    """``serve --week-start sunday`` (and ``OXITRACK_WEEK_START``) as a prompt asking for
    WakaTime's This Week sees it."""
    for extra, env in (
        (("--week-start", "sunday"), {}),
        ((), {"OXITRACK_WEEK_START": "Sun"}),
    ):
        daemon = DaemonProcess(tmp_path / "week.db", *extra, env=env).start()
        try:
            answer = httpx.get(f"{daemon.url}{API}/summaries?range=this_week&timezone=UTC")
        finally:
            daemon.stop()
        assert answer.status_code == 200, answer.text
        dates = [date.fromisoformat(day["range"]["date"]) for day in answer.json()["data"]]
        first, today = dates[0], dates[-1]
        assert first.weekday() == 6 and today - first < timedelta(days=7), dates
        assert dates == [first + timedelta(days=n) for n in range(len(dates))]
