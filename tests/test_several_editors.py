"""VS Code (``POST /beat``) and a WakaTime plugin (heartbeats) in one repository at once, on a
real daemon: the minutes both beat count once, the editors share them by the rule of
docs/reports.md ("Several editors at once"), a symlink and the real path are one folder, and
every status bar says the same total."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat
from tests.zones import midday_zone

NEOVIM = (
    "wakatime/v1.102.1 (linux-6.8.0-49-generic-x86_64) go1.23.2 neovim/0.10.2 vim-wakatime/11.2.0"
)
MINUTES = 20


@pytest.fixture
def zoned(tmp_path: Path) -> Iterator[tuple[DaemonProcess, str]]:
    """A daemon in a zone where it is now midday (the last hour is today's), and that zone."""
    zone = midday_zone(time.time())
    process = DaemonProcess(tmp_path / "daemon.db", env={"TZ": zone}).start()
    try:
        yield process, zone
    finally:
        process.kill()


def call(url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def test_two_editors_in_one_repository_count_its_minutes_once(
    zoned: tuple[DaemonProcess, str], tmp_path: Path
):
    daemon, zone = zoned
    repo = tmp_path / "app"
    repo.mkdir()
    link = tmp_path / "linked-app"
    link.symlink_to(repo)
    now = int(time.time())
    first = now - MINUTES * 60
    # VS Code, opened through the symlink: a beat a minute (its throttle's rhythm, halved).
    vscode = list(range(first, now - 59, 60))
    for at in vscode:
        beat = {"project_path": str(link), "timestamp": at, "editor": "vscode", "machine": "box"}
        call(f"{daemon.url}/beat", beat)
    # Neovim in the real path, half a minute after every other one of them.
    neovim = [at + 30 for at in vscode[::2]]
    heartbeats = [go_cli_heartbeat(str(repo), float(at), user_agent=NEOVIM) for at in neovim]
    answer = call(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
        heartbeats,
        {**GO_CLI_HEADERS, "User-Agent": NEOVIM, "X-Machine-Name": "box"},
    )
    assert {status for _, status in answer["responses"]} == {201}

    total = vscode[-1] - first
    today = call(f"{daemon.url}/today?format=json&tz={zone}")
    assert [(p["project_path"], p["duration_seconds"]) for p in today["projects"]] == [
        (str(repo.resolve()), total)
    ]
    assert today["total_seconds"] == total
    editors = call(f"{daemon.url}/api/breakdown?by=editor&days=1&tz={zone}")["rows"]
    # Each Neovim heartbeat holds the 30 s up to VS Code's next beat; VS Code the rest.
    assert {row["name"]: row["duration_seconds"] for row in editors} == {
        "neovim": 30 * len(neovim),
        "vscode": total - 30 * len(neovim),
    }
    bar = call(
        f"{daemon.url}/api/v1/users/current/statusbar/today",
        headers={**GO_CLI_HEADERS, "Timezone": zone},
    )["data"]
    assert bar["grand_total"]["total_seconds"] == total
    assert {e["name"]: e["total_seconds"] for e in bar["editors"]} == {
        row["name"]: row["duration_seconds"] for row in editors
    }
    summaries = call(
        f"{daemon.url}/api/v1/users/current/summaries?start=today&end=today&timezone={zone}",
        headers=GO_CLI_HEADERS,
    )
    assert summaries["cumulative_total"]["seconds"] == total


def test_a_late_offline_queue_from_another_machine_joins_the_live_sessions(
    zoned: tuple[DaemonProcess, str], tmp_path: Path
):
    """wakatime-cli's queue, sent once the laptop is back, holds heartbeats older than VS
    Code's live beats in the same folder: one session, each machine its own minutes."""
    daemon, zone = zoned
    repo = tmp_path / "app"
    repo.mkdir()
    now = int(time.time())
    live = list(range(now - 600, now - 59, 60))
    for at in live:
        beat = {"project_path": str(repo), "timestamp": at, "editor": "vscode", "machine": "desk"}
        call(f"{daemon.url}/beat", beat)
    queued = [float(at) for at in range(now - 1800, now - 659, 120)]  # ends 2 min before `live`
    answer = call(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
        [go_cli_heartbeat(str(repo), at, user_agent=NEOVIM) for at in queued],
        {**GO_CLI_HEADERS, "User-Agent": NEOVIM, "X-Machine-Name": "laptop"},
    )
    assert {status for _, status in answer["responses"]} == {201}

    total = live[-1] - int(queued[0])
    today = call(f"{daemon.url}/today?format=json&tz={zone}")
    assert [(p["session_count"], p["duration_seconds"]) for p in today["projects"]] == [(1, total)]
    machines = call(f"{daemon.url}/api/breakdown?by=machine&days=1&tz={zone}")["rows"]
    laptop = live[0] - int(queued[0])  # up to VS Code's first beat: the last heartbeat's pair
    assert {row["name"]: row["duration_seconds"] for row in machines} == {
        "laptop": laptop,
        "desk": total - laptop,
    }
