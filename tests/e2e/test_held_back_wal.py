"""A program that keeps an old read of the database open (a SQLite browser, `sqlite3` in a
`BEGIN`, `oxitrack export | less` left paused) keeps the WAL from starting over: it grows until
that read ends, and only the user can end it. The daemon's log and `service status` name it."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform != "linux", reason="Linux names who holds a lock"),
]

READER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "reading":
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM sessions").fetchone()
print("ready", flush=True)
sys.stdin.read()
"""
MIB = 1024 * 1024


@pytest.fixture
def other_program() -> Iterator[Callable[[Path, str], subprocess.Popen[str]]]:
    """Another program with the database open: ``reading`` in an old read, or ``idle``."""
    started: list[subprocess.Popen[str]] = []

    def start(db: Path, how: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", READER, str(db), how],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


def grow_wal(db: Path, mebibytes: int) -> None:
    """Write ``mebibytes`` to the WAL (as months of beats would), from a connection of the
    test's own that ends each write: only the other program's read holds the WAL back."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS ballast (data BLOB)")
        for _ in range(mebibytes):
            conn.execute("INSERT INTO ballast VALUES (?)", (os.urandom(MIB),))
            conn.commit()
    finally:
        conn.close()


def wait_for_line(daemon: DaemonProcess, text: str, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [line for line in daemon.stderr_lines if text in line]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in the daemon's log:\n{''.join(daemon.stderr_lines)}")


def status(daemon: DaemonProcess, *flags: str) -> str:
    where = ["--db", str(daemon.db_path), "--port", str(daemon.port)]
    result = subprocess.run(
        [sys.executable, "-m", "oxitrack", "service", "status", *where, *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_program_holding_the_wal_back_is_named_until_its_read_ends(
    daemon: DaemonProcess, other_program: Callable[[Path, str], subprocess.Popen[str]]
):
    assert daemon.db_path is not None
    beat = {"project_path": "/code/app", "timestamp": int(time.time())}
    assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200
    idle = other_program(daemon.db_path, "idle")  # open, not reading: holds nothing back
    reader = other_program(daemon.db_path, "reading")

    grow_wal(daemon.db_path, 40)
    line = wait_for_line(daemon, "cannot start over")
    assert f"while pid {reader.pid} (" in line, line
    assert int(re.search(r"holds (\d+) MiB", line)[1]) >= 32, line  # type: ignore[index]
    assert str(idle.pid) not in line
    report = json.loads(status(daemon, "--json"))["database"]
    assert report["wal_readers"] == [reader.pid]
    assert report["wal_pending_bytes"] >= 40 * MIB
    text = status(daemon)
    assert "its WAL holds 4" in text and f"pid {reader.pid} (" in text, text
    assert "reads an old snapshot" in text

    assert reader.stdin is not None
    reader.stdin.close()  # the read ends
    reader.wait(timeout=10)
    wait_for_line(daemon, "is starting over again: the read has ended")
    report = json.loads(status(daemon, "--json"))["database"]
    assert report["wal_readers"] == [] and report["wal_pending_bytes"] < 16 * MIB
    assert "its WAL holds" not in status(daemon)
    assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200


def test_service_status_does_not_name_the_daemon_for_its_own_reads(
    tmp_path: Path, other_program: Callable[[Path, str], subprocess.Popen[str]]
):
    """The daemon's reads end by themselves (a long report's too): only another program is
    named. Here a reading process stands in for the daemon, by its pid."""
    from oxitrack.store import Store
    from oxitrack.store.maintenance import wal_backlog

    db = tmp_path / "x.db"
    Store(db).close()
    keeper = sqlite3.connect(db)  # open, as the daemon keeps it: the WAL keeps its frames
    try:
        keeper.execute("PRAGMA wal_autocheckpoint = 0")
        keeper.execute("CREATE TABLE ballast (data BLOB)")
        keeper.execute("INSERT INTO ballast VALUES (zeroblob(65536))")
        keeper.commit()
        reader = other_program(db, "reading")
        assert wal_backlog(db).readers == {reader.pid}
        assert wal_backlog(db, daemon_pid=reader.pid).readers == set()
    finally:
        keeper.close()
