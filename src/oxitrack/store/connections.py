"""The store's SQLite connections: how each is opened and configured (WAL mode, page size,
busy timeout), and how the WAL they write is kept small: checkpoints that copy it back into the
database, and the writer's valve for when those fall behind.

``Store`` owns the connections and decides nothing here; the daemon's checkpointer thread
decides when to checkpoint, from the sizes below.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable

from oxitrack.errors import StoreError
from oxitrack.store.files import OpenedFiles, file_uri
from oxitrack.store.schema import check_file
from oxitrack.store.sqlite_errors import explain, opening_error

BUSY_TIMEOUT_MS = 5000
PAGE_SIZE_BYTES = 1024
# The WAL's sizes (``Store.wal_size_bytes``: what it holds that is not yet copied back), in one
# place because they only work together:
# - the daemon's checkpointer rewinds past WAL_IDLE_REWIND_BYTES when idle, and past
#   WAL_REWIND_BYTES always;
# - the writer rewinds by itself past WAL_VALVE_BYTES, should the checkpointer fall behind (and,
#   while a reader's old snapshot keeps the WAL from starting over, tries again only every
#   WAL_VALVE_RETRY_BYTES);
# - the file is rewritten in place after a rewind, not cut back: cutting it and growing it again
#   made ext4 allocate its blocks anew while beats were written, which cost about 0.3 ms at p99
#   under sustained load. So it keeps the largest size it reached (at most about the valve), and
#   only a file past WAL_FILE_LIMIT_BYTES is cut back (SQLite's ``journal_size_limit``).
WAL_IDLE_REWIND_BYTES = 4 * 1024 * 1024
WAL_REWIND_BYTES = 16 * 1024 * 1024
WAL_VALVE_BYTES = WAL_REWIND_BYTES + 4 * 1024 * 1024
WAL_FILE_LIMIT_BYTES = WAL_VALVE_BYTES + 4 * 1024 * 1024
WAL_VALVE_RETRY_BYTES = 4 * 1024 * 1024
# SQLITE_READONLY and SQLITE_CANTOPEN (primary codes): what a read-only connection gets when
# SQLite would have to create or rebuild a side file (-shm, -wal) where it cannot.
_CANNOT_WRITE_SIDE_FILE_CODES = (8, 14)


class CannotReadInPlace(StoreError):
    """SQLite cannot read the file where it lies without writing beside it: a WAL-mode file
    whose ``-shm`` or ``-wal`` is missing, in a folder this user cannot write (a snapshot, a
    read-only mount, another account's data). ``store/reading.py`` reads such a file."""


def connect(
    path: str, *, read_only: bool, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> sqlite3.Connection:
    """A configured connection to ``path``; for writing, only once the file is known to be
    ours. It waits up to ``busy_timeout_ms`` inside SQLite for another program's lock, its
    configuring included (a rollback-journal holder blocks the switch to WAL)."""
    try:
        if read_only:
            uri = file_uri(os.path.realpath(path)) + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise opening_error(path, exc) from None
    try:
        _configure(conn, path, read_only=read_only, busy_timeout_ms=busy_timeout_ms)
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(
    conn: sqlite3.Connection, path: str, *, read_only: bool, busy_timeout_ms: int
) -> None:
    try:
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        if not read_only:
            # Switching to WAL rewrites the file's header: another program's file must be
            # refused before that, and left exactly as it was.
            check_file(path, conn)
            # Only takes effect on a new, empty file. A beat rewrites ~4 pages (a session
            # row, an index entry, its folder's count); at 1 KiB rather than 4 KiB the WAL
            # grows 4x slower, and each rewind's fsync is 4x smaller: p99 went from ~7 ms to
            # ~0.7 ms under sustained load in bench/bench_daemon.py.
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE_BYTES}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise StoreError(f"cannot switch {path} to WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            # When the WAL starts over, a file past this size is cut back to it.
            conn.execute(f"PRAGMA journal_size_limit = {WAL_FILE_LIMIT_BYTES}")
            # A deleted row (a project deleted to be rid of it) is overwritten with zeros, not
            # left readable in its page's free space or a freed page of the file. SQLite has it off
            # unless built otherwise; Debian's is, so the benches' figures already include its cost.
            conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        # Reading the schema makes a corrupt or foreign file fail here, not on the first beat.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if read_only and code in _CANNOT_WRITE_SIDE_FILE_CODES:
            raise CannotReadInPlace(f"cannot open the database {path}: {explain(exc)}") from None
        raise opening_error(path, exc) from None


def checkpoint(
    connect: Callable[[], sqlite3.Connection],
    write_lock: threading.Lock,
    *,
    rewind: bool,
    wait: bool,
) -> None:
    """Copy the WAL back into the database; with ``rewind``, so that the WAL starts over.

    Runs on a connection of its own (``connect()``) so that a background thread can call it
    while the request path keeps the writer and reader connections. A PASSIVE checkpoint never
    blocks writers, but under sustained writes it never catches up with the newest frame, so
    SQLite never rewinds the WAL and the file grows without bound (400 MB after 100k beats in
    the bench). With ``rewind`` the copy runs under the store's ``write_lock``, so no write
    slips in: everything is copied and the next write starts the WAL from its beginning,
    rewriting the file in place. Writers wait for that last copy; SQLite's own RESTART/TRUNCATE
    modes would instead make them back off in sleeps of 1, 2, 5, 10... ms, which the bench saw
    as a 30 ms p99.
    """
    try:
        conn = connect()
    except StoreError:
        # Another program holds the file: the next checkpoint catches up. A rewind asked by the
        # valve must not turn the write that asked, committed already, into an error.
        return
    try:
        # The first pass does the bulk of the copy and its fsyncs while beats keep coming.
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        # The second copies only what arrived meanwhile, so writers wait for little. Not
        # waiting for another thread's write (``wait`` false, the event loop), it is skipped.
        if rewind and write_lock.acquire(blocking=wait):
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                write_lock.release()
    except sqlite3.Error:
        pass  # busy or locked: the next checkpoint catches up
    finally:
        conn.close()


def rewrite_pages(connect: Callable[[], sqlite3.Connection], write_lock: threading.Lock) -> bool:
    """Rewrite every page of the database (``VACUUM``), so that rows just deleted leave no copy
    in it; whether that was done.

    ``secure_delete`` zeroes a row where it lies when it is deleted, but SQLite moves rows
    between pages as the tables grow (a full page's cells are spread over new ones) and leaves
    their old bytes in the unused space of the page they left: a deleted project's folder stayed
    readable there. A failure (another program's write past the wait, a temporary folder too
    small for the copy) leaves the file as it was; the rows themselves are deleted all the same."""

    def vacuum(conn: sqlite3.Connection) -> bool:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("VACUUM")
        return True

    return _on_own_connection(connect, write_lock, vacuum) is True


def empty_wal(
    connect: Callable[[], sqlite3.Connection],
    write_lock: threading.Lock,
    *,
    wait_ms: int = 1000,
) -> bool:
    """Copy the whole WAL back into the database and cut the ``-wal`` to nothing; whether that
    was done.

    After a delete, the WAL's frames still hold the rows as they were before it, and the daemon
    rewrites the file in place rather than cutting it (``checkpoint``): they stayed readable in
    it for as long as the daemon ran, until newer frames happened to cover them. Under the
    store's ``write_lock`` no write of ours slips in; another program reading an older snapshot
    (a SQLite browser) keeps the WAL from being cut, for up to ``wait_ms``, beats waiting
    meanwhile; the daemon tries again, without waiting, until that read has ended."""

    def truncate(conn: sqlite3.Connection) -> bool:
        conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy

    return _on_own_connection(connect, write_lock, truncate) is True


def _on_own_connection(
    connect: Callable[[], sqlite3.Connection],
    write_lock: threading.Lock,
    work: Callable[[sqlite3.Connection], bool],
) -> bool | None:
    """``work`` on a connection of its own, under the store's ``write_lock`` (no write of ours
    slips in); ``None`` when the file cannot be opened or SQLite refuses (another program's
    lock, no room)."""
    try:
        conn = connect()
    except StoreError:
        return None
    try:
        with write_lock:
            return work(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def fold_moved_wal(writer: sqlite3.Connection, opened: OpenedFiles) -> list[str]:
    """Once the database was moved or replaced while open: its WAL copied into the file
    ``writer`` has open (wherever it is now), and the side files at the path that were its
    own, for the caller to remove once the connections are closed.

    SQLite neither checkpoints nor removes the WAL when it closes a moved file. Left at the
    path, that WAL was read into the file put there (`mv backup.db oxitrack.db`), whose content
    gave way to the old file's pages; and a file moved away alone lacked what it held. Nothing
    is to be removed unless the whole WAL went into the file first."""
    try:
        busy, frames, copied = writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:
        return []
    if busy or frames != copied:  # another program reads part of it: leave it all as it is
        return []
    return opened.own_side_files()


class WalValve:
    """When the writer rewinds the WAL itself, SQLite's own checkpoints being off.

    A reader holding an old snapshot (``oxitrack export | less``, a SQLite browser) keeps the
    WAL from starting over. After a rewind that could not finish, the next try then waits until
    the WAL has grown by another WAL_VALVE_RETRY_BYTES, instead of every beat paying for a
    checkpoint that cannot finish.
    """

    def __init__(self) -> None:
        self.limit_bytes = WAL_VALVE_BYTES

    def is_due(self, pending_bytes: int) -> bool:
        return pending_bytes > self.limit_bytes

    def rewound(self, pending_bytes: int) -> None:
        """Note what the rewind left: a rewind that could finish puts the limit back."""
        self.limit_bytes = (
            WAL_VALVE_BYTES
            if pending_bytes <= WAL_VALVE_BYTES
            else pending_bytes + WAL_VALVE_RETRY_BYTES
        )
