"""The same moments sent by two editors' wakatime-cli (each bulk with its heartbeats twice),
against a real daemon: the breakdown and WakaTime's summaries give each field the value of the
latest heartbeat that names one, and a ``VACUUM`` changes nothing (which is latest within one
exact time is the order the heartbeats' details were first stored, kept by the database)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

pytestmark = pytest.mark.e2e

DAY = "2025-11-24"
START = 1_763_974_800.5  # 2025-11-24 09:00:00.5 UTC: a past day, whatever the time now
MOMENTS = [START + offset for offset in range(0, 1201, 120)]  # 20 minutes
PLATFORM = "wakatime/v1.102.1 (linux-6.8.0-49-generic-x86_64) go1.23.2"
VSCODE = f"{PLATFORM} vscode/1.95.3 vscode-wakatime/24.6.2"
NEOVIM = f"{PLATFORM} neovim/0.10.2 vim-wakatime/11.2.0"
NO_DETAILS = {"language": None, "branch": None}
LISTS = ("projects", "editors", "machines", "operating_systems", "languages", "categories")


def test_the_later_editor_names_what_it_names_and_the_earlier_the_rest(
    daemon: DaemonProcess, tmp_path: Path
):
    root = tmp_path / "app"
    root.mkdir()
    # Neovim's, sent second, name no language or branch.
    for agent, machine, unnamed in [(VSCODE, "devbox", {}), (NEOVIM, "laptop", NO_DETAILS)]:
        beats = [go_cli_heartbeat(str(root), at, user_agent=agent, **unnamed) for at in MOMENTS]
        headers = {**GO_CLI_HEADERS, "User-Agent": agent, "X-Machine-Name": machine}
        answer = httpx.post(
            f"{daemon.url}/api/v1/users/current/heartbeats.bulk", json=beats * 2, headers=headers
        )
        assert answer.status_code == 201, answer.text[:300]
    found = _seconds(daemon)
    assert found == {
        "editor": {"neovim": 1200},
        "language": {"Python": 1200},
        "branch": {"main": 1200},
        "projects": {"app": 1200},
        "editors": {"neovim": 1200},
        "machines": {"laptop": 1200},
        "operating_systems": {"Linux": 1200},
        "languages": {"Python": 1200},
        "categories": {"Coding": 1200},
    }
    assert daemon.db_path is not None
    conn = sqlite3.connect(daemon.db_path)
    conn.execute("VACUUM")
    conn.close()
    assert _seconds(daemon) == found


def _seconds(daemon: DaemonProcess) -> dict[str, dict[str | None, int]]:
    found: dict[str, dict[str | None, int]] = {}
    for by in ("editor", "language", "branch"):
        params = {"by": by, "from": DAY, "to": DAY, "tz": "UTC"}
        answer = httpx.get(f"{daemon.url}/api/breakdown", params=params)
        assert answer.status_code == 200, answer.text
        found[by] = {row["name"]: row["duration_seconds"] for row in answer.json()["rows"]}
    params = {"start": DAY, "end": DAY, "timezone": "UTC"}
    answer = httpx.get(f"{daemon.url}/api/v1/users/current/summaries", params=params)
    assert answer.status_code == 200, answer.text
    [day] = answer.json()["data"]
    for name in LISTS:
        found[name] = {entry["name"]: round(entry["total_seconds"]) for entry in day[name]}
    return found
