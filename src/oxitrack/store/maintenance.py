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
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from oxitrack.errors import StoreError
from oxitrack.sessions import SESSION_GAP_SECONDS
from oxitrack.store.core import (
    BUSY_TIMEOUT_MS,
    SQLITE_SIDE_SUFFIXES,
    check_database_path,
    create_private_file,
    explain,
    partial_path,
)
from oxitrack.store.schema import SCHEMA_VERSION, foreign_reason

MAX_REPORTED_ROWS = 10
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


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that only reads, to an existing file (never creates one), and leaves the
    database's files exactly as they were, side files included.

    A read/write connection (or a plain ``mode=ro`` one) is not enough: the last connection to
    close folds the ``-wal`` into the file and deletes it, and after a crash the first one to
    open rebuilds the ``-shm``. After a damaged WAL frame, that fold dropped every later commit
    for good. So:

    - with its ``-wal`` and ``-shm`` both there (a daemon running, or killed), the file is read
      through a read-only ``-shm`` (``readonly_shm``): SQLite then writes none of the three, and
      when no daemon keeps the ``-shm`` up to date it reads the ``-wal`` itself, as far as its
      checksums hold, exactly as a recovering writer would;
    - when SQLite would have to create or replay something (a ``-wal`` without its ``-shm``,
      a WAL-mode file with no ``-wal``, a rollback ``-journal`` left by a crash), the files are
      copied to a private folder and the copy is read;
    - otherwise (a rollback-mode file alone: a backup, the seed's file), read-only as it is.
    """
    check_database_path(str(path), must_exist=True)
    real = os.path.realpath(path)
    beside = {suffix: os.path.exists(real + suffix) for suffix in SQLITE_SIDE_SUFFIXES}
    if beside["-wal"] and beside["-shm"]:
        with _connected(f"{Path(real).as_uri()}?mode=ro&readonly_shm=1", path) as conn:
            yield conn
    elif beside["-wal"] or beside["-journal"] or _in_wal_mode(real):
        with _private_copy(real, path) as copy, _connected(copy, path) as conn:
            yield conn
    else:
        with _connected(f"{Path(real).as_uri()}?mode=ro", path) as conn:
            yield conn


@contextlib.contextmanager
def _connected(target: str, path: Path) -> Iterator[sqlite3.Connection]:
    """A reading connection to ``target`` (a ``file:`` URI, or a private copy's path)."""
    try:
        conn = sqlite3.connect(
            target, uri=target.startswith("file:"), isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the database {path}: {explain(exc)}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
        yield conn
    finally:
        conn.close()


def _in_wal_mode(real_path: str) -> bool:
    """Whether the file's header says WAL mode (its read and write versions, bytes 18-19, are
    2): SQLite would create a ``-wal`` and a ``-shm`` beside it to read it."""
    try:
        with open(real_path, "rb") as file:
            header = file.read(20)
    except OSError:
        return False  # SQLite says why in its own words
    return header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02"


_COPY_ATTEMPTS = 3


@contextlib.contextmanager
def _private_copy(real_path: str, path: Path) -> Iterator[str]:
    """A copy of the database and its ``-wal`` or ``-journal``, in a folder only its owner can
    read, removed afterwards: SQLite may replay and rewrite the copy as it likes.

    No program has the files open the SQLite way here (it would have made a ``-shm``, or it
    writes in rollback mode), so they hold still while copied; a copy during which any of them
    changed (a daemon starting) is taken again.
    """
    try:
        folder = tempfile.mkdtemp(prefix="oxitrack-check-")  # mode 0700
    except OSError as exc:
        raise StoreError(f"cannot copy {path} to read it: {exc.strerror}") from None
    copy = os.path.join(folder, "copy.db")
    try:
        for _ in range(_COPY_ATTEMPTS):
            before = _file_states(real_path)
            try:
                for suffix in ("", *SQLITE_SIDE_SUFFIXES):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(copy + suffix)
                    if suffix != "-shm" and before[suffix] is not None:
                        shutil.copyfile(real_path + suffix, copy + suffix)
            except FileNotFoundError:
                continue  # a file went away meanwhile (a daemon stopping)
            except OSError as exc:  # the file's permissions, or a full temporary folder
                raise StoreError(f"cannot copy {path} to read it: {exc.strerror}") from None
            if _file_states(real_path) == before:
                break
        else:
            raise StoreError(
                f"cannot read the database {path}: it kept changing while it was read"
                " (another program is writing it); try again"
            )
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _file_states(real_path: str) -> dict[str, tuple[int, int, int] | None]:
    """Each of the database's files: (inode, size, modification time), or None when absent."""
    states: dict[str, tuple[int, int, int] | None] = {}
    for suffix in ("", *SQLITE_SIDE_SUFFIXES):
        try:
            info = os.stat(real_path + suffix)
        except FileNotFoundError:
            states[suffix] = None
        else:
            states[suffix] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return states


# The WAL file (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header, then frames
# of a 24-byte header and one page. Header and frame header fields are big-endian; the
# checksums run over 32-bit words in the order the magic number names.
_WAL_HEADER = struct.Struct(">8I")  # magic, version, page size, checkpoint seq, salts, checksum
_FRAME_HEADER = struct.Struct(">6I")  # page number, size after commit (0: not a commit), salts, sum
_WAL_MAGIC_ORDER = {0x377F0682: "<", 0x377F0683: ">"}
_WAL_VERSION = 3007000
_MASK = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class WalDamage:
    """Frames of the WAL's current generation that lie past the first one SQLite cannot read.

    SQLite reads the WAL from its start while each frame's checksum, which covers every frame
    before it too, holds; it stops at the first that fails. A damaged frame thus hides every
    commit after it, and the next writer overwrites them.
    """

    first_bad_frame: int  # 1-based, as SQLite counts frames; 0: the WAL's own header
    hidden_frames: int  # later frames written with the same salts, so in the same generation
    hidden_commits: int  # commit frames among them and the damaged one


def wal_damage(wal_path: str) -> WalDamage | None:
    """The damage in the WAL at ``wal_path``, or None: no file, nothing hidden, or a last frame
    cut short (a write the crash interrupted, which nobody was told had been saved).

    Read twice: a frame being written while it is read looks damaged, and one written since
    then would seem hidden behind it; only damage both readings agree on is reported.
    """
    first = _scan_wal(wal_path)
    if first is None:
        return None
    return first if _scan_wal(wal_path) == first else None


def _scan_wal(wal_path: str) -> WalDamage | None:
    try:
        with open(wal_path, "rb") as file:
            header = file.read(_WAL_HEADER.size)
            if len(header) < _WAL_HEADER.size:
                return None  # empty: SQLite starts it afresh
            magic, version, page_size, _, salt1, salt2, sum1, sum2 = _WAL_HEADER.unpack(header)
            order = _WAL_MAGIC_ORDER.get(magic)
            valid_page_size = page_size >= 512 and page_size <= 65536
            valid_page_size = valid_page_size and page_size & (page_size - 1) == 0
            if order is None or version != _WAL_VERSION or not valid_page_size:
                return _all_hidden(file, page_size if valid_page_size else None)
            # A frame's checksum covers its first 8 bytes, then its page.
            words = struct.Struct(f"{order}{(8 + page_size) // 4}I")
            checksum = _wal_checksum(struct.unpack(f"{order}6I", header[:24]), 0, 0)
            if checksum != (sum1, sum2):
                return _all_hidden(file, page_size)
            frame_bytes = _FRAME_HEADER.size + page_size
            number = 0
            bad: int | None = None
            hidden = commits = 0
            while len(frame := file.read(frame_bytes)) == frame_bytes:
                number += 1
                page, commit, frame_salt1, frame_salt2, frame_sum1, frame_sum2 = (
                    _FRAME_HEADER.unpack_from(frame)
                )
                same_generation = (frame_salt1, frame_salt2) == (salt1, salt2)
                if bad is None:
                    checksum = _wal_checksum(words.unpack(frame[:8] + frame[24:]), *checksum)
                    if not same_generation or page == 0 or checksum != (frame_sum1, frame_sum2):
                        bad = number
                    else:
                        continue
                elif same_generation:
                    hidden += 1
                if same_generation:
                    commits += commit != 0
    except OSError:
        return None  # unreadable: SQLite's own reading says what is wrong
    if bad is None or hidden == 0:
        return None
    return WalDamage(bad, hidden, commits)


def _all_hidden(file: BinaryIO, page_size: int | None) -> WalDamage | None:
    """A WAL whose header SQLite rejects: it reads none of its frames. Reported only when frames
    follow the header (a bare, unwritten header hides nothing)."""
    rest = len(file.read())
    frames = rest // (_FRAME_HEADER.size + page_size) if page_size else int(rest > 0)
    return WalDamage(0, frames, 0) if frames else None


def _wal_checksum(words: tuple[int, ...], sum1: int, sum2: int) -> tuple[int, int]:
    """SQLite's WAL checksum over ``words``, going on from (``sum1``, ``sum2``)."""
    pairs = iter(words)
    for even, odd in zip(pairs, pairs, strict=True):
        sum1 = (sum1 + even + sum2) & _MASK
        sum2 = (sum2 + odd + sum1) & _MASK
    return sum1, sum2


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
    with _reading(path) as conn:
        try:
            conn.execute("BEGIN")
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            sessions, first_beat, last_beat = conn.execute(
                "SELECT count(*), min(start_time), max(last_heartbeat) FROM sessions"
            ).fetchone()
            projects = beats = None
            if version >= 2:
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


def backup(source: Path, destination: Path) -> DatabaseStats:
    """Copy ``source`` to ``destination`` consistently while it may be written; stats of the copy.

    The copy is written beside the destination and renamed over it only once complete and
    checked, so a failed backup never leaves half a file where the last good one was. The copy
    is a single self-contained file (rollback journal, not WAL), readable by its owner only.
    """
    partial = Path(partial_path(destination))
    _remove_with_side_files(partial)  # left by a backup that was killed and had our pid
    try:
        with _reading(source) as conn:
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
                conn.backup(copy)
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
    """What to do: restore only a damaged file. A file that cannot be opened (a read-only disk,
    a folder SQLite may not write its ``-shm`` file in) is likely whole, and one another program
    holds locked is in use: restoring a backup over it would throw away newer data."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (
            " The file is in use, not damaged: another program holds it locked. Try again"
            " once that program has finished with it (do not restore a backup over it: that"
            " would throw away everything recorded since)."
        )
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return (
            " The file may be whole: SQLite needs to write beside it (its -shm file);"
            " check that its folder is writable and not on a read-only disk."
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
    with _reading(path) as conn:
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


# The schema steps that repair what the checks find (store/schema.py): step 1 merges the seed's
# overlapping or too close sessions and splits those that end before they start; step 4
# registers every folder with sessions in a project. Before them, a finding is only a note.
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
