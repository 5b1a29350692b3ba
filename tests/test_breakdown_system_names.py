"""A breakdown by operating system names systems as WakaTime's summaries do (``Mac``, not
``darwin``), one row per system however its senders spelled it: wakatime-cli's ``darwin``, the
old Python client's ``macOS-14.1-arm64`` (kept as ``macos``) and an editor's ``darwin`` are one
Mac. Checked through a real daemon: the API, ``report --by operating_system`` (text and JSON),
and a day of ``/summaries``, which must agree."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest

from oxitrack.breakdown import Breakdown, LabelledBeat
from oxitrack.reports import SessionRow
from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import (
    GO_CLI_HEADERS,
    GO_CLI_USER_AGENT,
    PYTHON_CLI_HEADERS,
    PYTHON_CLI_USER_AGENT,
    basic,
    go_cli_heartbeat,
    python_cli_heartbeat,
)

DAY = "2025-11-20"  # in the past: the same numbers whenever the tests run
BERLIN = ZoneInfo("Europe/Berlin")
MORNING = int(datetime(2025, 11, 20, 9, tzinfo=BERLIN).timestamp())
RANGE = {"from": DAY, "to": DAY, "tz": "Europe/Berlin"}
CLI_RANGE = ["--from", DAY, "--to", DAY, "--tz", "Europe/Berlin"]
GO_ON_A_MAC = GO_CLI_USER_AGENT.replace("(linux-", "(darwin-")
PYTHON_ON_A_MAC = PYTHON_CLI_USER_AGENT.replace(
    "(Linux-6.18.44-fc-v769-x86_64-with-glibc2.36)", "(macOS-14.1-arm64-arm-64bit)"
)


def _heartbeat(daemon: DaemonProcess, body: dict, headers: dict) -> None:
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats", content=json.dumps(body), headers=headers
    )
    assert answer.status_code == 201, answer.text


def _beat(daemon: DaemonProcess, timestamp: int, **labels: str) -> None:
    body = {"project_path": "/code/app", "timestamp": timestamp, **labels}
    httpx.post(f"{daemon.url}/beat", json=body).raise_for_status()


def _worked_on_macs_and_linux(daemon: DaemonProcess) -> None:
    """Five minutes each: in ``/code/app``, wakatime-cli on a Mac (``darwin``), the VS Code
    extension on a Mac (``darwin``), on Linux, on Haiku (a system WakaTime has no name for),
    naming none; then, in project ``repo``, the old Python client on a Mac (``macos``)."""
    mac = go_cli_heartbeat("/code/app", MORNING, user_agent=GO_ON_A_MAC)
    _heartbeat(daemon, mac, {**GO_CLI_HEADERS, "User-Agent": GO_ON_A_MAC})
    _beat(daemon, MORNING + 300, editor="vscode", operating_system="darwin")
    _beat(daemon, MORNING + 600, editor="vscode", operating_system="linux")
    _beat(daemon, MORNING + 900, editor="vscode", operating_system="haiku")
    _beat(daemon, MORNING + 1200, editor="vscode")
    _beat(daemon, MORNING + 1500, editor="vscode")
    for time in (MORNING + 2000, MORNING + 2300):
        old = python_cli_heartbeat("/code/repo", time, user_agent=PYTHON_ON_A_MAC)
        _heartbeat(daemon, old, {**PYTHON_CLI_HEADERS, "User-Agent": PYTHON_ON_A_MAC})


def _cli(daemon: DaemonProcess, *argv: str) -> str:
    command = [sys.executable, "-m", "oxitrack", "report", *argv, "--db", str(daemon.db_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.e2e
def test_systems_are_named_as_summaries_name_them_and_one_system_is_one_row(daemon):
    _worked_on_macs_and_linux(daemon)
    answer = httpx.get(f"{daemon.url}/api/breakdown", params={**RANGE, "by": "operating_system"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["by"], body["total_seconds"]) == ("operating_system", 1800)
    assert body["rows"] == [
        {"name": "Mac", "duration_seconds": 900},
        {"name": "Haiku", "duration_seconds": 300},
        {"name": "Linux", "duration_seconds": 300},
        {"name": None, "duration_seconds": 300},  # the unknown row, as for every field
    ]
    assert json.loads(_cli(daemon, "--by", "operating_system", *CLI_RANGE, "--json")) == body
    lines = _cli(daemon, "--by", "operating_system", *CLI_RANGE).splitlines()
    assert [line.split()[:2] + line.split()[-1:] for line in lines[1:]] == [
        ["0h", "15m", "Mac"],
        ["0h", "05m", "Haiku"],
        ["0h", "05m", "Linux"],
        ["0h", "05m", "unknown"],
        ["0h", "30m", "total"],
    ]
    summaries = httpx.get(
        f"{daemon.url}/api/v1/users/current/summaries",
        params={"start": DAY, "end": DAY, "timezone": "Europe/Berlin"},
        headers={"Authorization": basic()},
    )
    assert summaries.status_code == 200, summaries.text
    [day] = summaries.json()["data"]
    named = {row["name"] for row in body["rows"] if row["name"] is not None}
    listed = {item["name"]: item["total_seconds"] for item in day["operating_systems"]}
    assert named == set(listed) - {"Other"}
    assert listed["Mac"] == 900


@pytest.mark.e2e
def test_what_by_asks_for_and_what_is_stored_stay_the_words(daemon):
    """Only what is shown changes: ``?by=operating_system`` still, and the words stored."""
    _worked_on_macs_and_linux(daemon)
    for by in ("Mac", "operating_systems", "os"):
        answer = httpx.get(f"{daemon.url}/api/breakdown", params={**RANGE, "by": by})
        assert answer.status_code == 422, answer.text
    with sqlite3.connect(f"file:{daemon.db_path}?mode=ro", uri=True) as conn:
        stored = {row[0] for row in conn.execute("SELECT operating_system FROM beat_contexts")}
    assert stored == {"darwin", "macos", "linux", "haiku", None}


@pytest.mark.parametrize(
    ("words", "rows"),
    [
        (["darwin", "macos"], [("Mac", 120)]),
        (["windows", "haiku"], [("Haiku", 60), ("Windows", 60)]),
        (["ios", "illumos"], [("iOS", 60), ("illumos", 60)]),
        (["linux", None], [("Linux", 60), (None, 60)]),
    ],
    ids=["darwin-and-macos", "unnamed-word", "kept-case", "none-is-unknown"],
)
def test_the_breakdown_rows_name_each_system_once(words, rows):
    """``Breakdown.rows`` is where systems are named, for every caller."""
    start = MORNING
    session = SessionRow(1, "/a", "/a", start, start + 60 * len(words))
    beats = [LabelledBeat(start + 60 * place, "/a", word) for place, word in enumerate(words)] + [
        LabelledBeat(start + 60 * len(words), "/a", None)
    ]
    breakdown = Breakdown("operating_system")
    breakdown.add([session], beats, start, start + 3600)
    assert [(row.name, row.duration_seconds) for row in breakdown.rows()] == rows
