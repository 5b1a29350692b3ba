"""What a real daemon shows others: its log names folders, never the API key (right or
wrong, in any of the three ways a client sends it) nor a WakaTime heartbeat's file name; the
folders it makes are its user's only."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess

KEY = "zq-the-real-key-5b1e9c0d7a"
WRONG_KEY = "zq-a-wrong-key-3f8a2e6b1c"
FILE_NAME = "zq-salary-review-2026.py"


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(key.encode()).decode()


def test_the_log_names_folders_but_no_key_and_no_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "code" / "app"
    folder.mkdir(parents=True)
    daemon = DaemonProcess(tmp_path / "daemon.db", "--verbose", env={"OXITRACK_API_KEY": KEY})
    daemon.start()
    try:
        now = int(time.time())
        heartbeat = {"entity": str(folder / FILE_NAME), "type": "file", "time": now + 0.5}
        summaries = f"{daemon.url}/api/v1/users/current/summaries?range=today&api_key="
        for key, status in ((KEY, 200), (WRONG_KEY, 401)):
            beat = httpx.post(
                f"{daemon.url}/beat",
                json={"project_path": str(folder), "timestamp": now},
                headers={"Authorization": f"Bearer {key}"},
            )
            bulk = httpx.post(
                f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
                json=[heartbeat, {"entity": FILE_NAME, "type": "file"}],  # one refused
                headers={"Authorization": _basic(key)},
            )
            read = httpx.get(summaries + key)
            assert (beat.status_code, read.status_code) == (status, status)
            assert bulk.status_code == (201 if status == 200 else 401)
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    log = "".join(daemon.stderr_lines)
    assert f"beat {folder}" in log  # --verbose names the folder
    assert "refused" in log  # the wrong keys and the bad heartbeat were logged
    for secret in (KEY, WRONG_KEY, base64.b64encode(KEY.encode()).decode(), FILE_NAME):
        assert secret not in log


def test_every_folder_the_daemon_makes_for_its_database_is_private(tmp_path: Path) -> None:
    """A new account has no ``~/.local/share``: the XDG rules ask for it to be made 0700, and
    every folder made on the way to the database is as private as the last one."""
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    daemon = DaemonProcess(None, env=env, prelude="import os; os.umask(0o022)").start()
    try:
        assert (home / ".local" / "share" / "oxitrack" / "oxitrack.db").is_file()
    finally:
        assert daemon.stop() == 0
    modes = {
        str(folder.relative_to(home)): folder.stat().st_mode & 0o777
        for folder in (home / ".local", home / ".local" / "share", home / ".local/share/oxitrack")
    }
    assert modes == {".local": 0o700, ".local/share": 0o700, ".local/share/oxitrack": 0o700}
    assert home.stat().st_mode & 0o777 == 0o755  # one that was there keeps its mode


@pytest.mark.parametrize("below", [(), ("oxitrack",)])
def test_a_file_where_a_folder_is_to_be_made_is_said_as_such(
    tmp_path: Path, below: tuple[str, ...]
) -> None:
    """A file named as the data folder, or as one above it (``~/.local`` a file by mistake):
    the folder cannot be made, said as ``os.makedirs`` says it, not passed over to fail on the
    database (or the next folder) with another reason."""
    from oxitrack.errors import StoreError
    from oxitrack.store import Store

    (tmp_path / "share").write_text("")
    folder = tmp_path.joinpath("share", *below)
    with pytest.raises(StoreError) as refused:
        Store(str(folder / "oxitrack.db")).close()
    assert str(refused.value) == f"cannot create the folder {folder}: File exists"
