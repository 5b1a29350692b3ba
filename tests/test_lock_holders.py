"""Who holds a WAL database's ``-shm`` locks (``store/lock_holders.py``): the daemon asks it
while its own connections are open (a write refused past its wait names the program holding the
lock), so asking must not let go of this process's own locks."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oxitrack.store import lock_holders

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the system names holders on Linux")


def _holders_seen_from_another_process(db_path: Path) -> set[int]:
    """What another program asking ``open_elsewhere_by`` finds: the processes with the file open."""
    script = (
        "import json, sys\n"
        "from oxitrack.store.lock_holders import open_elsewhere_by\n"
        "print(json.dumps(sorted(open_elsewhere_by(sys.argv[1]) or [])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(db_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout))


@pytest.fixture
def open_database(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A WAL database this process has open, in a read: the locks a daemon's connections hold."""
    db_path = tmp_path / "held.db"
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.execute("BEGIN")
    conn.execute("SELECT * FROM t").fetchall()
    try:
        yield db_path, conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_asking_who_holds_the_file_keeps_this_processs_own_locks(
    open_database: tuple[Path, sqlite3.Connection],
):
    """Asked through a descriptor of the ``-shm`` of its own, closing it let go of every lock
    this process held on that file (POSIX locks are the process's, not the descriptor's):
    SQLite's own, so after the daemon named a program holding the write lock, every other
    program saw the daemon's connections as gone, and its reads as none."""
    db_path, _ = open_database
    assert os.getpid() in _holders_seen_from_another_process(db_path)
    for ask in (lock_holders.open_elsewhere_by, lock_holders.wal_writers, lock_holders.wal_readers):
        assert ask(str(db_path)) == set(), "this process's own locks are not another's"
        assert os.getpid() in _holders_seen_from_another_process(db_path), ask.__name__
    assert lock_holders.is_open_elsewhere(str(db_path)) is False


def test_every_reader_is_named_not_one_of_them(
    open_database: tuple[Path, sqlite3.Connection], tmp_path: Path
):
    """Two programs in a read of the file, on the same read mark: both are named (the system's
    answer to "who holds this byte" named one of them)."""
    db_path, _ = open_database
    script = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('BEGIN')\n"
        "conn.execute('SELECT * FROM t').fetchall()\n"
        "print('reading', flush=True)\n"
        "sys.stdin.read()\n"
    )
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(db_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for reader in readers:
            assert reader.stdout is not None and reader.stdout.readline() == "reading\n"
        assert lock_holders.open_elsewhere_by(str(db_path)) == {reader.pid for reader in readers}
        assert lock_holders.wal_readers(str(db_path)) == {reader.pid for reader in readers}
    finally:
        for reader in readers:
            assert reader.stdin is not None and reader.stdout is not None
            reader.stdin.close()
            reader.wait(timeout=60)
            reader.stdout.close()
