"""A deleted project leaves no readable trace in the database's files, through a real daemon.

Someone deletes a project to be rid of it (a client's repository, a private folder): its folder,
file's folder and branch names must not stay readable in the bytes of the ``.db`` or its
``-wal``, as a deleted row does in a freed page, or in WAL frames written before the delete.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess

SECRET = "zq-client-secret-7f3a"
BRANCH = "zq-branch-secret-91c2"
KEPT = "zq-kept-project-44d0"

# Stands for a SQLite built as it comes, without SQLITE_SECURE_DELETE (Debian's, which runs the
# tests, has it): every connection starts with the pragma off.
WITHOUT_SECURE_DELETE = """
import sqlite3
_connect = sqlite3.connect
def _plain_connect(*args, **kwargs):
    conn = _connect(*args, **kwargs)
    conn.execute("PRAGMA secure_delete = OFF")
    return conn
sqlite3.connect = _plain_connect
"""


def _record_work(daemon: DaemonProcess, folder: Path, kept: Path) -> None:
    """Many sessions in ``folder`` (native beats and WakaTime heartbeats naming a file and a
    branch), interleaved with a project that stays, so the rows share pages."""
    start = int(time.time()) - 30 * 86_400
    heartbeats = []
    for index in range(60):
        at = start + index * 1_000  # each beat a session of its own
        for path in (folder, kept):
            answer = httpx.post(
                f"{daemon.url}/beat",
                json={"project_path": str(path), "timestamp": at, "language": "python"},
            )
            assert answer.status_code == 200, answer.text
        heartbeats.append(
            {
                "entity": str(folder / "src" / f"{SECRET}-notes.py"),
                "type": "file",
                "time": at + 0.5,
                "project": folder.name,
                "project_root_count": len(folder.parts),
                "branch": BRANCH,
            }
        )
    for first in range(0, len(heartbeats), 25):  # as wakatime-cli sends them
        answer = httpx.post(
            f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
            json=heartbeats[first : first + 25],
            headers={"User-Agent": "wakatime/v1.98.0 (linux-6.1.0-amd64-x86_64) vim/9.1"},
        )
        assert answer.status_code == 201, answer.text


def _files_holding(db_path: Path, *words: str) -> dict[str, list[str]]:
    """Which of the database's files hold which of ``words``, as raw bytes (UTF-8)."""
    found: dict[str, list[str]] = {}
    for file in sorted(db_path.parent.glob(db_path.name + "*")):
        content = file.read_bytes()
        held = [word for word in words if word.encode() in content]
        if held:
            found[file.name] = held
    return found


def _delete(daemon: DaemonProcess, folder: Path) -> None:
    answer = httpx.post(f"{daemon.url}/api/projects/delete", json={"project": str(folder)})
    assert answer.status_code == 200, answer.text


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    folder, kept = tmp_path / "code" / SECRET, tmp_path / "code" / KEPT
    folder.mkdir(parents=True)
    kept.mkdir(parents=True)
    return folder, kept


def test_no_copy_of_a_deleted_row_stays_in_the_unused_space_of_a_page(tmp_path: Path) -> None:
    """``secure_delete`` zeroes a row where it lies, but SQLite moves rows between pages as the
    tables fill, leaving their old bytes in the page they left: with some folders' lengths (a
    run's temporary folder), the deleted folder stayed readable in the ``.db``. The file is
    rewritten after a delete; tried over many lengths, as which layouts leave a copy depends on
    them."""
    from oxitrack.sessions import Beat
    from oxitrack.store import Store
    from oxitrack.store.projects import delete_by_reference

    start = int(time.time()) - 30 * 86_400
    for pad in range(40):
        parent = f"/code/{'p' * pad}"
        db_path = tmp_path / f"pad{pad}.db"
        with Store(db_path) as store:
            beats = [
                Beat(f"{parent}/{name}", start + index * 1_000)
                for index in range(60)
                for name in (SECRET, KEPT)
            ]
            store.record_beats(beats)
            store.write(lambda conn: delete_by_reference(conn, f"{parent}/{SECRET}"))  # noqa: B023
            assert store.empty_wal(rewrite=True)
            assert _files_holding(db_path, SECRET) == {}, f"a {pad}-character parent folder"
            assert KEPT in str(_files_holding(db_path, KEPT))


def test_deleted_project_is_gone_from_the_files_while_the_daemon_runs(
    tmp_path: Path, folders: tuple[Path, Path]
) -> None:
    """The daemon runs for weeks: the WAL frames written before the delete (and the delete's
    own) must not keep the project readable in the ``-wal`` until they happen to be overwritten."""
    folder, kept = folders
    db_path = tmp_path / "daemon.db"
    daemon = DaemonProcess(db_path).start()
    try:
        _record_work(daemon, folder, kept)
        assert SECRET in str(_files_holding(db_path, SECRET))  # the check can see it
        _delete(daemon, folder)
        assert _files_holding(db_path, SECRET, BRANCH) == {}
        assert KEPT in str(_files_holding(db_path, KEPT))  # the other project is all there
    finally:
        daemon.kill()


def test_deleted_project_is_zeroed_in_the_file_whatever_sqlite_was_built_with(
    tmp_path: Path, folders: tuple[Path, Path]
) -> None:
    """A deleted row stays in its page's free space, and a freed page in the file, unless
    SQLite's ``secure_delete`` overwrites them: the daemon turns it on whatever the default."""
    folder, kept = folders
    db_path = tmp_path / "daemon.db"
    daemon = DaemonProcess(db_path, prelude=WITHOUT_SECURE_DELETE).start()
    try:
        _record_work(daemon, folder, kept)
        _delete(daemon, folder)
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    assert [file.name for file in tmp_path.glob("daemon.db*")] == ["daemon.db"]
    assert _files_holding(db_path, SECRET, BRANCH) == {}
    assert _files_holding(db_path, KEPT) == {"daemon.db": [KEPT]}


def test_deleted_on_the_file_is_gone_from_it_while_a_daemon_has_it_open(
    tmp_path: Path, folders: tuple[Path, Path]
) -> None:
    """``projects delete --via file`` beside a daemon on the same file (one on another port):
    closing the command's connection leaves the daemon's ``-wal`` as it is, old rows and all."""
    folder, kept = folders
    db_path = tmp_path / "daemon.db"
    daemon = DaemonProcess(db_path).start()
    try:
        _record_work(daemon, folder, kept)
        command = [
            "projects",
            "delete",
            str(folder),
            "--yes",
            "--via",
            "file",
            "--db",
            str(db_path),
        ]
        deleted = subprocess.run(
            [sys.executable, "-m", "oxitrack", *command],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert deleted.returncode == 0, deleted.stderr
        assert _files_holding(db_path, SECRET, BRANCH) == {}
        assert KEPT in str(_files_holding(db_path, KEPT))
    finally:
        daemon.kill()


def test_a_delete_during_another_programs_read_is_erased_once_that_read_ends(
    tmp_path: Path, folders: tuple[Path, Path]
) -> None:
    """A SQLite browser in a read when the project is deleted keeps the WAL from being cut: its
    old rows stayed in the ``-wal`` until the daemon stopped. The daemon tries again until the
    read has ended."""
    folder, kept = folders
    db_path = tmp_path / "daemon.db"
    daemon = DaemonProcess(db_path).start()
    try:
        _record_work(daemon, folder, kept)
        with contextlib.closing(sqlite3.connect(db_path, isolation_level=None)) as browser:
            browser.execute("BEGIN")
            browser.execute("SELECT count(*) FROM sessions").fetchone()  # a snapshot held
            _delete(daemon, folder)
            assert SECRET in str(_files_holding(db_path, SECRET))  # the read keeps it, for now
            browser.execute("COMMIT")
        deadline = time.monotonic() + 10
        while _files_holding(db_path, SECRET, BRANCH) and time.monotonic() < deadline:
            time.sleep(0.05)  # polls the daemon's next try (one a second)
        assert _files_holding(db_path, SECRET, BRANCH) == {}
        assert KEPT in str(_files_holding(db_path, KEPT))
        assert httpx.get(f"{daemon.url}/health").status_code == 200
    finally:
        daemon.kill()
