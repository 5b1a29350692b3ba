"""The first command of a new version upgrades the file an older one wrote; with another program
recording into it, it says so: the older daemon stops then, and one started by hand stays
stopped (an upgrade nobody else sees stays silent: ``test_upgrade_interrupted.py``). Real
``oxitrack`` processes on a file the last schema-6 daemon wrote (``fixtures/oxitrack-v6.db``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oxitrack.store.schema import SCHEMA_VERSION

FIXTURE = Path(__file__).parent / "fixtures" / "oxitrack-v6.db"


def oxitrack(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    db = tmp_path / "oxitrack.db"
    shutil.copyfile(FIXTURE, db)
    return db


@pytest.fixture
def holder(old_db: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process with the file open, as the older daemon keeps it: a connection that has
    read it (SQLite holds the -shm's open lock until it closes)."""
    code = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "conn.execute('SELECT count(*) FROM sessions').fetchone()\n"
        "print('open', flush=True)\n"
        "sys.stdin.read()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(old_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "open\n"
        yield process
    finally:
        process.communicate(timeout=30)


def test_the_upgrade_names_the_program_recording_into_the_file(
    old_db: Path, holder: subprocess.Popen[str]
):
    done = oxitrack("projects", "--db", str(old_db))
    assert done.returncode == 0, done.stderr
    line = done.stderr.strip()
    assert line.startswith(
        f"oxitrack: upgraded {old_db} to schema {SCHEMA_VERSION}, this version's; "
    )
    assert f"pid {holder.pid} (" in line
    assert "had it open: if that is an older OxiTrack daemon, it stops now" in line
    assert "`oxitrack serve` again" in line


def test_the_upgrade_is_said_once(old_db: Path, holder: subprocess.Popen[str]):
    first = oxitrack("today", "--db", str(old_db))
    assert first.returncode == 0, first.stderr
    assert "upgraded" in first.stderr
    again = oxitrack("today", "--db", str(old_db))
    assert (again.returncode, again.stderr) == (0, "")


def test_check_names_the_older_daemon_that_keeps_the_file_as_it_is(
    old_db: Path, holder: subprocess.Popen[str]
):
    """``check`` after the package's upgrade, the old daemon still running: it never upgrades
    the file it has open, and stops when a command of this version does."""
    done = oxitrack("check", "--db", str(old_db))
    assert done.returncode == 0, done.stdout
    [note] = [line for line in done.stdout.splitlines() if line.startswith("note: schema 6")]
    assert f"pid {holder.pid} (" in note
    assert note.endswith(
        "has it open: if that is an older daemon, it stops when that happens; start it again"
        " then (a service starts again by itself)"
    )


def test_check_of_an_older_file_nobody_has_open_names_no_program(old_db: Path):
    done = oxitrack("check", "--db", str(old_db))
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith(
        f"note: schema 6 is older than {SCHEMA_VERSION}; the daemon upgrades it when it next"
        " opens the file, as does any report of this version (`oxitrack today`)\n"
    )


def test_an_upgrade_nobody_else_has_open_is_silent(old_db: Path):
    """No other program has the file: there is no daemon to stop, and a status bar's ``today``
    has no stderr to show a line on."""
    done = oxitrack("today", "--db", str(old_db))
    assert (done.returncode, done.stderr) == (0, "")
    again = oxitrack("check", "--db", str(old_db))
    assert not again.stdout.startswith("note: schema 6"), again.stdout  # upgraded, all the same


def test_a_command_that_writes_names_the_program_recording_into_the_file_too(
    old_db: Path, holder: subprocess.Popen[str]
):
    """``projects rename --via file`` upgraded the file under the older daemon without a word,
    as reports did before they said so: that daemon stopped, and its editors' beats went
    nowhere until someone looked."""
    done = oxitrack("projects", "rename", "5", "client-app", "--via", "file", "--db", str(old_db))
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stderr.splitlines() if "upgraded" in line]
    assert line.startswith(
        f"oxitrack: upgraded {old_db} to schema {SCHEMA_VERSION}, this version's; "
    )
    assert f"pid {holder.pid} (" in line
    again = oxitrack("projects", "rename", "5", "client", "--via", "file", "--db", str(old_db))
    assert again.returncode == 0 and "upgraded" not in again.stderr, again.stderr
