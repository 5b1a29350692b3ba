"""Housekeeping SQL: counts for ``service status``, online backups, integrity checks.

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
from oxitrack.sessions import SESSION_GAP_SECONDS
from oxitrack.store.files import (
    SQLITE_SIDE_SUFFIXES,
    create_private_file,
    partial_path,
    remove_abandoned_partials,
    wal_readers,
)
from oxitrack.store.lock_wait import LockWait
from oxitrack.store.ownership import foreign_reason, table_exists
from oxitrack.store.reading import reading_as_is
from oxitrack.store.schema import SCHEMA_VERSION
from oxitrack.store.sqlite_errors import DatabaseBusy, explain
from oxitrack.store.wal_file import WalDamage, wal_damage
from oxitrack.store.wal_index import WalIndex

MAX_REPORTED_ROWS = 10
# How long ``wal_backlog`` waits before it looks again at who reads the WAL (the daemon looks
# four times a second).
WAL_READER_RECHECK_SECONDS = 0.25
_RESTORE = " Restore a backup, or recover what is readable with `sqlite3 FILE .recover`."


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
            sessions, first_beat, last_beat = conn.execute(
                "SELECT count(*), min(start_time), max(last_heartbeat) FROM sessions"
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
                if exc.errno == errno.ENAMETOOLONG:  # the folder's path: not its permissions
                    raise StoreError(f"cannot write {destination}: {exc.strerror}") from None
                raise _cannot_create_in(destination) from None
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
        raise StoreError(f"cannot back up {source} to {destination}: {explain(exc)}") from None
    except OSError as exc:
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


def _advice(exc: sqlite3.Error) -> str:
    """What to do: restore only a damaged file. A file that cannot be opened (its permissions,
    a copy that could not be made to read it) is likely whole, and one another program holds
    locked is in use: restoring a backup over it would throw away newer data."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (
            " The file is in use, not damaged: another program holds it locked. Try again"
            " once that program has finished with it (do not restore a backup over it: that"
            " would throw away everything recorded since)."
        )
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return (
            " The file may be whole: check that you may read it and its -wal and -shm files"
            " beside it (a WAL-mode file without its -shm is read from a copy, in the system's"
            " temporary folder)."
        )
    return _RESTORE


@dataclass(frozen=True, slots=True)
class CheckReport:
    problems: list[str]  # each one sentence; any problem makes `oxitrack check` fail
    notes: list[str]  # worth knowing, nothing to repair
    stats: DatabaseStats | None

    @property
    def upgrade_pending(self) -> bool:
        """The file has an older schema, which the daemon upgrades when it next opens it."""
        return self.stats is not None and self.stats.schema_version < SCHEMA_VERSION


def check(path: Path) -> CheckReport:
    """Everything wrong with the database at ``path``, in words."""
    problems: list[str] = []
    notes: list[str] = []
    with reading_as_is(path) as conn:
        try:
            _check_file(conn, problems)
            if not problems:
                _check_schema(conn, problems, notes)
            if not problems:
                _check_sessions(conn, problems, notes)
                _check_projects(conn, problems, notes)
        except sqlite3.Error as exc:
            problems.append(f"SQLite cannot read the file: {explain(exc)}.{_advice(exc)}")
    # First: the one finding where what the user does next decides whether data is lost.
    wal = f"{os.path.realpath(path)}-wal"
    damage = wal_damage(wal)
    if damage is not None:
        problems.insert(0, _wal_problem(wal, damage))
    stats = None
    if not problems:
        stats = database_stats(path)
    return CheckReport(problems, notes, stats)


def _wal_problem(wal: str, damage: WalDamage) -> str:
    if damage.first_bad_frame == 0:
        where = f"its header is damaged, so SQLite reads none of the {damage.hidden_frames}"
        where += " frame(s) written after it"
    else:
        where = (
            f"frame {damage.first_bad_frame} is damaged, so SQLite stops reading there and"
            f" skips the {damage.hidden_frames} frame(s) written after it"
            f" ({damage.hidden_commits} commit(s): beats that were saved)"
        )
    return (
        f"{wal} holds writes SQLite cannot read: {where}. They are not lost yet, but the next"
        " program that opens the database for writing (the daemon, or any command that"
        f" changes it) writes over them for good. Before that, keep a copy of {wal} (with"
        " the database and its -shm): those writes can then be recovered by hand."
    )


def _check_file(conn: sqlite3.Connection, problems: list[str]) -> None:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check(100)")]
    if rows != ["ok"]:
        # One row may hold several lines, under a "*** in database main ***" heading.
        faults = [
            line.strip()
            for row in rows
            for line in str(row).splitlines()
            if line.strip() and not line.startswith("***")
        ]
        more = f" (and {len(faults) - 3} more)" if len(faults) > 3 else ""
        problems.append(
            f"SQLite's integrity check finds the file damaged: {'; '.join(faults[:3])}{more}."
            + _RESTORE
        )
        return
    faults = conn.execute("PRAGMA foreign_key_check").fetchall()
    if faults:
        tables = sorted({row[0] for row in faults})
        problems.append(
            f"{len(faults)} row(s) in {', '.join(tables)} point at a project that does not exist"
        )


def _check_schema(conn: sqlite3.Connection, problems: list[str], notes: list[str]) -> None:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    (application_id,) = conn.execute("PRAGMA application_id").fetchone()
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    foreign = foreign_reason(conn, version, application_id)  # the daemon's own test, same words
    if foreign is not None:
        problems.append(f"this is not an OxiTrack database: {foreign}")
    elif "sessions" not in tables:
        problems.append("there is no sessions table: this is not an OxiTrack database")
    elif version > SCHEMA_VERSION:
        problems.append(
            f"schema {version} is newer than this OxiTrack knows ({SCHEMA_VERSION}); upgrade it"
        )
    elif version < SCHEMA_VERSION:
        notes.append(
            f"schema {version} is older than {SCHEMA_VERSION}; the daemon upgrades it when it"
            " next opens the file"
        )


# The schema steps that repair what the checks find: step 1 (store/sessions_table.py) merges the
# seed's overlapping or too close sessions and splits those that end before they start; step 4
# (store/project_tables.py) registers every folder with sessions in a project. Before them, a
# finding is only a note.
_SESSIONS_REPAIRED_AT = 1
_FOLDERS_REGISTERED_AT = 4


def _check_sessions(conn: sqlite3.Connection, problems: list[str], notes: list[str]) -> None:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    upgrade_repairs = version < _SESSIONS_REPAIRED_AT
    backwards = conn.execute(
        "SELECT id, project_path FROM sessions WHERE last_heartbeat < start_time"
        f" LIMIT {MAX_REPORTED_ROWS}"
    ).fetchall()
    if backwards:
        ids = ", ".join(str(row[0]) for row in backwards)
        if upgrade_repairs:
            notes.append(
                f"session(s) {ids} end before they start; the upgrade repairs them (each"
                " becomes its two beats, which join the sessions around them when close enough)"
            )
        else:
            problems.append(f"session(s) {ids} end before they start")
    too_close = conn.execute(
        "SELECT id, project_path, gap FROM ("
        "  SELECT id, project_path, start_time - lag(last_heartbeat) OVER ("
        "    PARTITION BY project_path ORDER BY start_time) AS gap FROM sessions"
        f") WHERE gap < ? LIMIT {MAX_REPORTED_ROWS}",
        (SESSION_GAP_SECONDS,),
    ).fetchall()
    for session_id, project_path, gap in too_close:
        how = "overlaps the one before it" if gap < 0 else f"starts {gap} s after the one before"
        if upgrade_repairs:
            notes.append(f"session {session_id} of {project_path} {how}; the upgrade merges them")
            continue
        problems.append(
            f"session {session_id} of {project_path} {how} (sessions of one folder are at least"
            f" {SESSION_GAP_SECONDS} s apart, so time may be counted twice)"
        )


def _check_projects(conn: sqlite3.Connection, problems: list[str], notes: list[str]) -> None:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version < 2:
        return
    if not table_exists(conn, "project_paths"):
        # The first builds' version 3 had no project tables (told by its tables, not its number).
        if version < SCHEMA_VERSION:
            notes.append("the project tables are missing; the upgrade creates them")
        else:
            problems.append("the project tables are missing")
        return
    (unregistered,) = conn.execute(
        "SELECT count(DISTINCT project_path) FROM sessions"
        " WHERE project_path NOT IN (SELECT project_path FROM project_paths)"
    ).fetchone()
    if unregistered and version < _FOLDERS_REGISTERED_AT:
        notes.append(
            f"{unregistered} folder(s) with sessions belong to no project yet; the upgrade"
            " registers them"
        )
    elif unregistered:
        problems.append(
            f"{unregistered} folder(s) with sessions belong to no project (they are left out of"
            " `oxitrack projects`)"
        )
    (empty,) = conn.execute(
        "SELECT count(*) FROM projects WHERE id NOT IN (SELECT project_id FROM project_paths)"
    ).fetchone()
    if empty:
        notes.append(f"{empty} project(s) have no folder left")
