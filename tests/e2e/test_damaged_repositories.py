"""Folders whose git files are damaged, against a real daemon: their time is kept all the same.

The daemon reads a new folder's ``.git`` to know which project it belongs to. What it finds
there is a hint: a ``.git`` file, ``commondir`` or ``HEAD`` holding bytes no path can hold must
make the folder one known by its path, never fail the beat. A failed beat is sent again by
editors and wakatime-cli, and fails again, for good: the folder's time was never recorded, and a
WakaTime batch holding one such heartbeat kept the others of the batch out too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.git_repos import make_repo
from tests.sessions_model import stored_sessions
from tests.wakatime_recordings import basic

pytestmark = pytest.mark.e2e


def _git_file_with_a_nul(folder: Path) -> None:
    folder.mkdir()
    (folder / ".git").write_bytes(b"gitdir: ../real\x00.git\n")


def _commondir_not_utf8(folder: Path) -> None:
    make_repo(folder)
    (folder / ".git" / "commondir").write_bytes(b"\xff\xfe..\n")


def _head_naming_a_ref_with_a_nul(folder: Path) -> None:
    make_repo(folder)
    (folder / ".git" / "HEAD").write_bytes(b"ref: refs/heads/ma\x00in\n")


@pytest.mark.parametrize(
    "damage",
    [_git_file_with_a_nul, _commondir_not_utf8, _head_naming_a_ref_with_a_nul],
    ids=["git-file-nul", "commondir-not-utf8", "head-ref-nul"],
)
def test_a_damaged_repository_is_a_folder_known_by_its_path(
    daemon: DaemonProcess, tmp_path: Path, damage: Callable[[Path], None]
):
    folder = tmp_path / "app"
    damage(folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    now = int(time.time())
    with httpx.Client(base_url=daemon.url, timeout=10) as client:
        beat = client.post("/beat", json={"project_path": str(folder), "timestamp": now - 60})
        assert beat.status_code == 200, beat.text
        bulk = client.post(
            "/api/v1/users/current/heartbeats.bulk",
            headers={"Authorization": basic()},
            json=[
                {"entity": str(folder / "main.py"), "type": "file", "time": now},
                {
                    "entity": str(elsewhere / "notes.md"),
                    "type": "file",
                    "time": now,
                    "project_root_count": str(elsewhere).count("/") + 1,
                },
            ],
        )
        projects = client.get("/api/projects").json()["projects"]
    assert bulk.status_code == 201, bulk.text
    assert [status for _, status in bulk.json()["responses"]] == [201, 201]
    assert stored_sessions(daemon.db_path) == [
        (str(folder), now - 60, now),
        (str(elsewhere), now, now),
    ]
    identities = {path["project_path"]: path["identity"] for p in projects for path in p["paths"]}
    assert identities[str(folder)] == f"path:{folder}"
