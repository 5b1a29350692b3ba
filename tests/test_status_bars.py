"""The CLI as status bars, prompts and cron jobs run it: real ``oxitrack`` processes, often with a
real daemon beside them, in the environments such scripts get (no terminal, another
``XDG_DATA_HOME``, the C locale, a closed stdout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx2

from oxitrack.store import Store
from tests.daemon_process import DaemonProcess


def oxitrack(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``oxitrack ARGS`` as a script runs it: no terminal, its own environment."""
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def script_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a script started apart from the daemon's shell: its own home and
    XDG folders, no OXITRACK_* variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OXITRACK_", "XDG_"))}
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    env.update(extra)
    return env


def beat(daemon: DaemonProcess, project_path: str) -> None:
    answer = httpx2.post(f"{daemon.url}/beat", json={"project_path": project_path})
    assert answer.status_code == 200, answer.text


def test_a_missing_database_names_the_one_the_running_daemon_records_into(
    daemon: DaemonProcess, tmp_path: Path
):
    """A bar started with another XDG_DATA_HOME than the daemon's reads another file: "start
    `oxitrack serve` once" would send the user to start a second daemon."""
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
    for command in (["today", "--json"], ["report"], ["sessions"], ["export"]):
        result = oxitrack(*command, env=env)
        assert result.returncode == 1, command
        assert result.stdout == b"", command
        [line] = result.stderr.decode().splitlines()
        expected = tmp_path / "data" / "oxitrack" / "oxitrack.db"
        assert line.startswith(f"oxitrack: no database at {expected}, but the daemon at")
        assert f"records into {daemon.db_path}: give --db {daemon.db_path}" in line


def test_a_missing_database_without_a_daemon_says_to_start_one(tmp_path: Path):
    result = oxitrack("today", "--json", env=script_env(tmp_path, OXITRACK_PORT="9"))
    assert result.returncode == 1
    assert result.stdout == b""
    expected = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    assert result.stderr.decode() == (
        f"oxitrack: no database at {expected} (start `oxitrack serve` once)\n"
    )


def test_the_database_the_daemon_records_into_is_read_as_it_is(
    daemon: DaemonProcess, tmp_path: Path
):
    project = tmp_path / "app"
    project.mkdir()
    beat(daemon, str(project))
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
    result = oxitrack("today", "--json", "--db", str(daemon.db_path), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""


def test_an_old_file_beside_the_daemons_is_said_to_be_another_database(
    daemon: DaemonProcess, tmp_path: Path
):
    """The bar reads a database that exists (an old one, left where the data was before
    `service install --db` moved it) while the daemon records elsewhere: "0h 00m" all day."""
    old = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    old.parent.mkdir(parents=True)
    Store(old).close()
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
    for command in (["today", "--json"], ["today"], ["report", "--json"]):
        result = oxitrack(*command, env=env)
        assert result.returncode == 0, result.stderr
        if "--json" in command:
            assert json.loads(result.stdout)["total_seconds"] == 0
        [line] = result.stderr.decode().splitlines()
        assert line.startswith(f"oxitrack: note: nothing in {old}; the daemon at {daemon.url}")
        assert f"records into {daemon.db_path}: give --db {daemon.db_path}" in line


def test_a_file_another_daemon_records_into_is_not_second_guessed(
    daemon: DaemonProcess, tmp_path: Path
):
    """A second daemon (another port) records into the file read: it is the file meant, and
    no daemon is asked, however long nothing is tracked in it."""
    second = DaemonProcess(tmp_path / "second.db").start()
    try:
        env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
        result = oxitrack("today", "--json", "--db", str(second.db_path), env=env)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["total_seconds"] == 0
        assert result.stderr == b""
    finally:
        second.kill()
