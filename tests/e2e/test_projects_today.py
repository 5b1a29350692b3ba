"""Project identity end to end: a real daemon, a real git repository moved mid-day, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.git_repos import make_repo
from tests.zones import midday_zone

pytestmark = pytest.mark.e2e


def beat(daemon: DaemonProcess, path: Path | str, timestamp: int) -> None:
    answer = httpx.post(
        f"{daemon.url}/beat", json={"project_path": str(path), "timestamp": timestamp}
    )
    answer.raise_for_status()


def oxitrack(daemon: DaemonProcess, *args: str) -> subprocess.CompletedProcess[str]:
    # The environment as the clean_environ fixture left it: no OXITRACK_* but its empty config.
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args, "--db", str(daemon.db_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "OXITRACK_PORT": str(daemon.port)},
    )


def test_moved_repository_and_merged_folder_add_up_in_today(daemon: DaemonProcess, tmp_path: Path):
    # Beats a few minutes apart within the last hour, read as "today" where it is now midday.
    now = int(time.time())
    tz = midday_zone(now)
    base = now - 3000
    make_repo(tmp_path / "code" / "app")
    beat(daemon, tmp_path / "code" / "app", base)
    beat(daemon, tmp_path / "code" / "app", base + 300)
    shutil.move(tmp_path / "code" / "app", tmp_path / "elsewhere")
    beat(daemon, tmp_path / "elsewhere", base + 600)
    beat(daemon, tmp_path / "elsewhere", base + 900)
    (tmp_path / "notes").mkdir()
    beat(daemon, tmp_path / "notes", base + 1000)
    beat(daemon, tmp_path / "notes", base + 1120)

    today = httpx.get(f"{daemon.url}/today", params={"tz": tz, "format": "json"}).json()
    assert [(p["project_name"], p["duration_seconds"]) for p in today["projects"]] == [
        ("elsewhere", 600),
        ("notes", 120),
    ]

    merged = oxitrack(
        daemon, "projects", "merge", str(tmp_path / "notes"), "elsewhere", "--via", "daemon"
    )
    assert merged.returncode == 0, merged.stderr
    from_file = oxitrack(daemon, "today", "--json", "--tz", tz)
    assert from_file.returncode == 0, from_file.stderr
    [project] = json.loads(from_file.stdout)["projects"]
    assert (project["project_name"], project["duration_seconds"]) == ("elsewhere", 720)
    assert project["session_count"] == 3
    assert json.loads(from_file.stdout)["total_seconds"] == today["total_seconds"] == 720


def test_a_repository_named_on_a_mac_is_one_project_in_either_unicode_spelling(
    daemon: DaemonProcess, tmp_path: Path
):
    """A clone made on a Mac keeps the decomposed name ("e" + U+0301) on this disk; an editor
    here types the composed one. Both spellings are the one folder and its repository."""
    now = int(time.time())
    tz = midday_zone(now)
    root = make_repo(tmp_path / "cafe\u0301")
    beat(daemon, tmp_path / "cafe\u0301", now - 600)
    beat(daemon, tmp_path / "caf\u00e9", now - 300)

    listed = oxitrack(daemon, "projects", "--json", "--via", "daemon")
    assert listed.returncode == 0, listed.stderr
    [project] = json.loads(listed.stdout)["projects"]
    assert project["identities"] == [f"git:{root}"]
    assert [p["project_path"] for p in project["paths"]] == [str(tmp_path / "cafe\u0301")]
    report = oxitrack(daemon, "today", "--json", "--tz", tz)
    [today] = json.loads(report.stdout)["projects"]
    assert today["duration_seconds"] == 300
    by_name = oxitrack(daemon, "report", "--json", "--tz", tz, "--project", "caf\u00e9")
    assert by_name.returncode == 0, by_name.stderr
    assert [p["duration_seconds"] for p in json.loads(by_name.stdout)["projects"]] == [300]
