"""Housekeeping SQL: counts for ``service status``, online backups (the checks: ``checks.py``).

These work on a database file that a running daemon may be writing: the backup copies one
consistent snapshot through SQLite's online backup API (a WAL reader never blocks the writer),
and the checks only read. None of them upgrades the schema: a check must report the file as it
is, and a backup must be a copy of it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oxitrack.errors import StoreError
from oxitrack.store.files import (
    SQLITE_SIDE_SUFFIXES,
    create_private_file,
    partial_path,
    remove_abandoned_partials,
)
from oxitrack.store.lock_holders import wal_readers
from oxitrack.store.lock_wait import LockWait
from oxitrack.store.ownership import table_exists
from oxitrack.store.reading import reading_as_is
from oxitrack.store.sessions_table import WELL_FORMED_SQL
from oxitrack.store.sqlite_errors import DatabaseBusy, explain
from oxitrack.store.wal_index import WalIndex

# How long ``wal_backlog`` waits before it looks again at who reads the WAL (the daemon looks
# four times a second).
WAL_READER_RECHECK_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class DatabaseStats:
    path: Path
    size_bytes: int  # the database file and its WAL
    schema_version: int
    session_count: int
    project_count: int | None  # None before schema step 2 (the daemon adds it on its next start)
    beat_count: int | None
    first_beat: int | None
    last_beat: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "db_path": str(self.path),
            "size_bytes": self.size_bytes,
            "schema_version": self.schema_version,
            "session_count": self.session_count,
            "project_count": self.project_count,
            "beat_count": self.beat_count,
            "first_beat": self.first_beat,
            "last_beat": self.last_beat,
        }


def file_size_bytes(path: Path) -> int:
    """The database file plus its WAL (beside the file a symlinked path leads to, as SQLite
    keeps it), as they are on disk now."""
    total = 0
    for name in (str(path), f"{os.path.realpath(path)}-wal"):
        with contextlib.suppress(OSError):
            total += os.stat(name).st_size
    return total


def database_stats(path: Path) -> DatabaseStats:
    """How much the database holds, read in one snapshot."""
    with reading_as_is(path) as conn:
        try:
            conn.execute("BEGIN")
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            # The first and last beat of the rows that hold times: a row typed by hand with
            # text in one ('yesterday') was the "last beat" `service status` took apart.
            sessions, first_beat, last_beat = conn.execute(
                f"SELECT count(*), min(CASE WHEN {WELL_FORMED_SQL} THEN start_time END),"
                f" max(CASE WHEN {WELL_FORMED_SQL} THEN last_heartbeat END) FROM sessions"
            ).fetchone()
            projects = beats = None
            if version >= 2 and table_exists(conn, "project_paths"):  # see _check_projects
                (projects,) = conn.execute("SELECT count(*) FROM projects").fetchone()
                (beats,) = conn.execute(
                    "SELECT ifnull(sum(beat_count), 0) FROM project_paths"
                ).fetchone()
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {path}: {explain(exc)}") from None
    return DatabaseStats(
        path, file_size_bytes(path), version, sessions, projects, beats, first_beat, last_beat
    )


@dataclass(frozen=True, slots=True)
class WalBacklog:
    """The WAL frames not yet copied into the database, and who holds them there."""

    pending_bytes: int
    readers: set[int] | None  # in a read that keeps the WAL from starting over; None: unknown


def wal_backlog(path: Path | str, *, daemon_pid: int | None = None) -> WalBacklog:
    """What the WAL of ``path`` holds back now, read from its ``-shm`` file and its locks
    without opening the database (which could fold the WAL in, or wait for a lock).

    A process is named only if it holds its read at two looks WAL_READER_RECHECK_SECONDS
    apart: not for one short read, or a checkpoint's moment on a read mark. The daemon
    (``daemon_pid``) is never named: its reads end by themselves, a long report's included."""
    index = WalIndex(os.path.realpath(path))
    try:
        pending = index.pending_bytes()
    finally:
        index.close()
    readers = wal_readers(str(path))
    if readers:
        time.sleep(WAL_READER_RECHECK_SECONDS)
        again = wal_readers(str(path))
        readers = None if again is None else (readers & again) - {daemon_pid}
    return WalBacklog(pending, readers)


def backup(source: Path, destination: Path) -> DatabaseStats:
    """Copy ``source`` to ``destination`` consistently while it may be written; stats of the copy.

    The copy is written beside the destination and renamed over it only once complete and
    checked, so a failed backup never leaves half a file where the last good one was. The copy
    is a single self-contained file (rollback journal, not WAL), readable by its owner only.
    """
    partial = Path(partial_path(destination))
    remove_abandoned_partials(destination)  # copies as big as the database, of killed backups
    _remove_with_side_files(partial)  # left by a backup that was killed and had our pid
    try:
        with reading_as_is(source) as conn:
            try:
                # Made private before SQLite writes to it: the copy tells when its owner
                # worked, whatever the umask says; SQLite gives its journal the same mode.
                create_private_file(partial)
                copy = sqlite3.connect(partial, isolation_level=None)
            except OSError as exc:
                raise _cannot_create(source, destination, exc) from None
            except sqlite3.Error:
                # SQLite says only "unable to open database file": the source opened fine, so
                # the place to write is what is wrong.
                raise _cannot_create_in(destination) from None
            try:
                # pages=-1 (the default) copies in one step, in one read transaction: one snapshot,
                # and a writer in WAL mode goes on meanwhile.
                conn.backup(copy, progress=_waiting_for_locks(source))
                copy.execute("PRAGMA journal_mode = DELETE")
                problems = [row[0] for row in copy.execute("PRAGMA quick_check")]
            finally:
                copy.close()
        if problems != ["ok"]:
            raise StoreError(
                f"the copy of {source} fails SQLite's check ({'; '.join(problems[:3])}); "
                "run `oxitrack check` on the database"
            )
        with open(partial, "rb") as file:
            os.fsync(file.fileno())
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_FULL:
            raise _no_room(source, destination) from None
        raise StoreError(f"cannot back up {source} to {destination}: {explain(exc)}") from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise _no_room(source, destination) from None
        raise StoreError(f"cannot write {destination}: {exc.strerror}") from None
    finally:
        _remove_with_side_files(partial)
    return database_stats(destination)


def _waiting_for_locks(source: Path) -> Callable[[int, int, int], None]:
    """A backup's progress callback for while another program holds ``source`` locked: it
    waits as a store's opening does (``LockWait``). Without a callback, Python's backup
    retried every 250 ms for ever in C, deaf to Ctrl-C: the callback is where Ctrl-C is heard."""
    wait = LockWait()

    def progress(status: int, remaining: int, total: int) -> None:
        if status not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return
        if wait.is_over():
            raise DatabaseBusy(
                f"cannot back up {source}: another program has held it locked for"
                f" {wait.seconds:.0f} s; try again once it has finished with it"
            )
        wait.say_once(f"{source} is locked (another program holds the database)")

    return progress


def _no_room(source: Path, destination: Path) -> StoreError:
    """SQLite says "database or disk is full", which read as if the database had a limit, and
    names neither disk: it is the copy's, and the database is as it was."""
    return StoreError(
        f"cannot back up {source} to {destination}: the disk of {destination.parent} is full"
        f" (the copy takes about as much room as the database); {destination.name} and the"
        " database are as they were"
    )


def _cannot_create(source: Path, destination: Path, refused: OSError) -> StoreError:
    """The copy's file refused: its folder's permissions, unless the system names another cause
    (a full disk, or one out of files, at its creation; a name too long; a read-only disk)."""
    if refused.errno == errno.ENOSPC:
        return _no_room(source, destination)
    if refused.errno in (errno.ENAMETOOLONG, errno.EROFS):
        return StoreError(f"cannot write {destination}: {refused.strerror}")
    return _cannot_create_in(destination)


def _cannot_create_in(destination: Path) -> StoreError:
    return StoreError(
        f"cannot write {destination}: cannot create a file in {destination.parent}"
        " (check that folder's permissions)"
    )


def _remove_with_side_files(path: Path) -> None:
    """Remove ``path`` and the files SQLite keeps beside it: after an I/O error (a full disk)
    SQLite leaves the copy's journal for the next opener to roll back, and nobody opens it."""
    for suffix in ("", *SQLITE_SIDE_SUFFIXES):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")
