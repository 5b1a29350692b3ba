"""``oxitrack service status`` after a package upgrade, with the older daemon still running (a
login service keeps it so): it says the daemon is older and how to restart it. Every version
has said 0.1.0, so the schema of the file the daemon records into tells: a daemon upgrades its
file when it starts. A real daemon whose file is set back a version by hand stands in for the
older one (a daemon stops only for a newer file)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

import oxitrack
from oxitrack.build import build_id, build_of
from oxitrack.store.schema import SCHEMA_VERSION
from tests.daemon_process import DaemonProcess

PACKAGE = Path(oxitrack.__file__).parent


def status(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", "service", "status", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config.toml").write_text("")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    environment.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        OXITRACK_CONFIG=str(tmp_path / "config.toml"),
    )
    return environment


@pytest.fixture
def daemon(tmp_path: Path, env: dict[str, str]) -> Iterator[DaemonProcess]:
    running = DaemonProcess(tmp_path / "daemon.db").start()
    try:
        beat = {"project_path": "/code/x", "timestamp": int(time.time()) - 60}
        httpx.post(f"{running.url}/beat", json=beat).raise_for_status()
        env["OXITRACK_PORT"] = str(running.port)
        yield running
    finally:
        running.kill()


def set_back(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.close()


def test_a_daemon_of_this_version_is_not_called_older(env: dict[str, str], daemon: DaemonProcess):
    done = status(env)
    assert done.returncode == 0, done.stderr
    assert "older" not in done.stdout and "another build" not in done.stdout
    said = json.loads(status(env, "--json").stdout)["daemon"]
    assert (said["older_than_this"], said["other_build"]) == (False, False)


def test_a_daemon_of_another_build_of_one_schema_is_said_with_how_to_restart_it(
    env: dict[str, str], tmp_path: Path
):
    """``pip install -U`` of a release that changed no schema left the login service on the old
    code: every build says 0.1.0 and the file's schema is this one's, so nothing told. A real
    daemon run from a copy of the package with one module changed stands in for it."""
    copy = tmp_path / "old-build" / "oxitrack"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "sessions.py").write_text((copy / "sessions.py").read_text() + "# older\n")
    older = DaemonProcess(tmp_path / "daemon.db", env={"PYTHONPATH": str(copy.parent)}).start()
    try:
        health = httpx.get(f"{older.url}/health").json()
        assert health["build"] == build_of(str(copy)) != build_id()
        env["OXITRACK_PORT"] = str(older.port)
        done = status(env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[2] == (
            f"          another build of OxiTrack than the one installed here (build"
            f" {health['build']}, this one's is {build_id()}): restart it to run this one"
            " (stop it and start `oxitrack serve` again)"
        )
        said = json.loads(status(env, "--json").stdout)["daemon"]
        assert (said["older_than_this"], said["other_build"]) == (False, True)
    finally:
        older.kill()


def test_an_older_daemon_is_said_with_how_to_restart_it(env: dict[str, str], daemon: DaemonProcess):
    assert daemon.db_path is not None
    set_back(daemon.db_path)
    done = status(env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith(f"daemon:   answers at {daemon.url} ")
    assert lines[2] == (
        f"          an older OxiTrack than this one (its database is at schema"
        f" {SCHEMA_VERSION - 1}, this one's is {SCHEMA_VERSION}): restart it to run this"
        " version (stop it and start `oxitrack serve` again)"
    )
    assert json.loads(status(env, "--json").stdout)["daemon"]["older_than_this"] is True


@pytest.mark.skipif(sys.platform != "linux", reason="systemd user units are Linux's")
def test_an_older_service_is_restarted_by_its_manager(
    env: dict[str, str], daemon: DaemonProcess, tmp_path: Path
):
    unit = tmp_path / "config" / "systemd" / "user" / "oxitrack.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nExecStart=oxitrack serve\n")
    assert daemon.db_path is not None
    set_back(daemon.db_path)
    done = status(env, "--port", str(daemon.port))
    assert done.returncode == 0, done.stderr
    assert "restart it to run this version (systemctl --user restart oxitrack.service)" in (
        done.stdout
    )


@pytest.mark.parametrize(
    ("platform", "restart"),
    [
        ("darwin", f"launchctl kickstart -k gui/{os.getuid()}/org.oxitrack.daemon"),
        ("linux", "systemctl --user restart oxitrack.service"),
    ],
)
def test_an_installed_service_is_restarted_by_its_platforms_manager(platform: str, restart: str):
    """macOS's launchd has its own words; one started by hand is started by hand again, there
    as anywhere."""
    from oxitrack.commands.service_status import _how_to_restart

    assert _how_to_restart("installed at /x (running)", platform) == restart
    by_hand = "stop it and start `oxitrack serve` again"
    assert _how_to_restart("not installed (/x absent)", platform) == by_hand


def test_no_daemon_answering_is_neither_older_nor_not(env: dict[str, str]):
    """Whether a daemon is older cannot be told when none answers: ``null``, not ``false``,
    though the database the settings name is there, and counted."""
    import socket

    from oxitrack.store import Store

    Store(str(Path(env["XDG_DATA_HOME"]) / "oxitrack" / "oxitrack.db")).close()
    with socket.socket() as closed:  # a free port, nothing listening on it once closed
        closed.bind(("127.0.0.1", 0))
        env["OXITRACK_PORT"] = str(closed.getsockname()[1])
    done = status(env, "--json")
    said = json.loads(done.stdout)
    assert (said["daemon"]["answers"], said["daemon"]["older_than_this"]) == (False, None)
    assert "error" not in said["database"], done.stdout


def test_a_daemon_whose_database_cannot_be_read_is_neither_older_nor_not(
    env: dict[str, str], daemon: DaemonProcess
):
    """Its file removed under it (the daemon keeps it open): no schema to tell by."""
    assert daemon.db_path is not None
    daemon.db_path.unlink()
    done = status(env, "--json")
    said = json.loads(done.stdout)
    assert (said["daemon"]["answers"], said["daemon"]["older_than_this"]) == (True, None)
    assert "error" in said["database"], done.stdout
    assert "older" not in status(env).stdout
