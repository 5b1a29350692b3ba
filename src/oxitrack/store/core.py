"""The ``Store``: one SQLite file, one writer connection, schema upgrades at open.

Every write runs as ``fn(conn)`` inside ``BEGIN IMMEDIATE`` on the single writer connection
(Datasette's ``execute_write_fn`` shape): the write lock is taken up front, so two writers (the
daemon and a CLI command) queue on ``busy_timeout`` instead of failing half way. Reads use their
own connection and see a consistent snapshot. WAL mode with ``synchronous=NORMAL``: a committed
beat is in the WAL file before the response goes out, so killing the process loses nothing.

Another program may hold the database (a ``sqlite3`` shell in a transaction, another OxiTrack
upgrading the file): opening waits up to ``OPEN_WAIT_SECONDS`` for it, and a writer that must not
block (the daemon's event loop) asks ``write(..., wait=False)``, which raises ``WriterBusy`` at
once instead of waiting.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable

from oxitrack.errors import StoreError
from oxitrack.records import TYPE_CHECKING
from oxitrack.store.connections import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS
from oxitrack.store.connections import PAGE_SIZE_BYTES as PAGE_SIZE_BYTES
from oxitrack.store.connections import WAL_IDLE_REWIND_BYTES as WAL_IDLE_REWIND_BYTES
from oxitrack.store.connections import WAL_REWIND_BYTES as WAL_REWIND_BYTES
from oxitrack.store.connections import CannotReadInPlace, WalValve, checkpoint, connect
from oxitrack.store.files import (
    PRIVATE_FOLDER_MODE,
    OpenedFiles,
    check_database_path,
    check_wal_not_lost,
    create_private_file,
)
from oxitrack.store.ownership import APPLICATION_ID
from oxitrack.store.schema import SCHEMA_VERSION, check_file, upgrade
from oxitrack.store.sqlite_errors import DatabaseBusy, explain, is_busy, store_error
from oxitrack.store.wal_index import WalIndex

if TYPE_CHECKING:
    from typing import TypeVar

    from oxitrack.sessions import Beat, Session
    from oxitrack.store.folders import Identify

    T = TypeVar("T")

# How long opening waits for another program to let go of the file (another OxiTrack upgrading
# it, a long transaction), retrying every OPEN_RETRY_SECONDS: a service starting at login must
# not fail, and be given up on by systemd, because a backup or a report held the file a while.
OPEN_WAIT_SECONDS = 120.0
OPEN_RETRY_SECONDS = 0.05
# How often a write that waits in Python (a writer opened with ``waits_in_sqlite=False``) tries
# the write lock again.
WRITE_RETRY_SECONDS = 0.005


log = logging.getLogger("oxitrack.store")


class ReaderBusy(Exception):
    """The reading connection is in use by another thread (``Store.read(..., wait=False)``)."""


class WriterBusy(Exception):
    """The write lock is held, by another thread or another program (``write(..., wait=False)``)."""


class DatabaseMoved(StoreError):
    """The database's file was removed or replaced while this store had it open."""


class Store:
    """A session database on disk. Not tied to HTTP: the daemon and the CLI both use it."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        read_only: bool = False,
        autocheckpoint: bool = True,
        create: bool = True,
        waits_in_sqlite: bool = True,
    ) -> None:
        """Open ``path``; a missing file is created unless ``read_only`` or not ``create``.

        With ``waits_in_sqlite`` false (the daemon), the writer never waits inside SQLite for
        another program's lock, which would stop the thread that asked: ``write(wait=False)``
        then raises ``WriterBusy`` at once, and ``write()`` waits in Python, in whatever thread
        calls it.
        """
        self.path = os.path.expanduser(os.fspath(path))
        # SQLite keeps the -wal and -shm beside the file a symlinked path leads to.
        self._real_path = os.path.realpath(self.path)
        self.read_only = read_only
        self._write_lock = threading.Lock()
        self.last_write_at = 0.0  # time.monotonic() of the last commit, for the checkpointer
        self._read_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._wal_index: WalIndex | None = None  # for a writable store, once its writer is open
        self._opened_files: OpenedFiles | None = None  # likewise
        self._wal_fd: int | None = None  # the -wal, for sync_wal, once it has been called
        self._sync_lock = threading.Lock()
        self._moved = False  # once a write found the file gone: none is made any more
        self._closed = False
        # What a reader that reads the file as it is holds (a private copy, removed on close).
        self._as_is = contextlib.ExitStack()
        self._waits_in_sqlite = waits_in_sqlite
        # With SQLite's own checkpoints off (the daemon checkpoints from a background thread),
        # the writer still rewinds the WAL itself past this size: the safety valve for when that
        # thread gets too little CPU to keep up, so the file never grows without bound.
        self._wal_valve = None if autocheckpoint else WalValve()
        check_database_path(self.path, must_exist=read_only or not create)
        # Before any connection (even a read-only one creates an empty -wal), and once: a retry
        # below may find the header our own first try wrote.
        check_wal_not_lost(self._real_path)
        self._open_waiting()

    def _open_waiting(self) -> None:
        """``_open``, tried again while another program holds the file, for up to
        ``OPEN_WAIT_SECONDS`` (said once); any other failure closes the store and is raised."""
        deadline = time.monotonic() + OPEN_WAIT_SECONDS
        said = False
        while True:
            try:
                self._open()
                return
            except DatabaseBusy as busy:
                self._close_connections()
                if time.monotonic() >= deadline:
                    self.close()
                    raise
                if not said:
                    log.warning("%s; waiting up to %.0f s for it", busy, OPEN_WAIT_SECONDS)
                    said = True
                time.sleep(OPEN_RETRY_SECONDS)
            except BaseException:
                self.close()
                raise

    def _open(self) -> None:
        """Connect, check the file is ours, upgrade it; ``DatabaseBusy`` while another program
        holds it (the caller tries again)."""
        if self.read_only:
            self._reader = self._open_reader()
            version, _ = check_file(self.path, self._reader)
            if version < SCHEMA_VERSION:
                self._reader = self._open_upgraded_reader()
            return
        folder = os.path.dirname(os.path.abspath(self.path))
        try:
            # The file tells when its owner worked: the data folder, when made here, is theirs
            # only (whatever the umask says). One that exists keeps the mode the user gave it.
            os.makedirs(folder, mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder {folder}: {exc.strerror}") from None
        # A new file is made private; an existing one keeps its mode. Other errors (a folder
        # that takes no files) SQLite reports below, in words the user can act on.
        with contextlib.suppress(OSError):
            create_private_file(self.path)
        self._writer = connect(self.path, read_only=False)
        self._wal_index = WalIndex(self._real_path)
        self._opened_files = OpenedFiles(self.path, self._real_path)
        if self._wal_valve is not None:
            self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        self._migrate()
        if not self._waits_in_sqlite:
            self._writer.execute("PRAGMA busy_timeout = 0")

    def _open_reader(self) -> sqlite3.Connection:
        """The read-only store's connection: to the file where it lies, or, where SQLite would
        have to write a side file it cannot (a folder this user cannot write: a snapshot, a
        read-only mount, another account's data), as ``check`` reads it: changing none of its
        files, and never from a ``-shm`` or ``-wal`` that is out of date.

        SQLite's own read-only connection rebuilds a ``-shm`` it may write: in a folder this
        user may not change, nothing is, whatever the side files' modes."""
        if self._may_write(os.path.dirname(self._real_path)):
            try:
                return connect(self.path, read_only=True)
            except CannotReadInPlace:
                pass  # the folder looked writable, but SQLite could not make its side files
        return self._read_as_is()

    def _open_upgraded_reader(self) -> sqlite3.Connection:
        """A reader of the file once upgraded, for a file an older OxiTrack wrote: upgraded in
        place, exactly as ``oxitrack serve`` would, or, when this user cannot write it, a
        private copy upgraded and read instead (said once), leaving the file as it was."""
        assert self._reader is not None
        self._reader.close()
        self._as_is.close()
        try:
            Store(self.path).close()
        except DatabaseBusy:
            raise
        except StoreError:
            if self._may_write(self._real_path, os.path.dirname(self._real_path)):
                raise
            log.warning(
                "%s is from an older OxiTrack and cannot be written here to upgrade it:"
                " reading an upgraded private copy (any command run by its owner upgrades it)",
                self.path,
            )
            return self._read_as_is(upgraded_by=lambda copy: Store(copy).close())
        return self._open_reader()

    def _read_as_is(self, upgraded_by: Callable[[str], None] | None = None) -> sqlite3.Connection:
        """A connection of ``store/reading.reading_as_is``, held until the store closes."""
        from pathlib import Path  # loaded only here: `oxitrack today` starts in ~40 ms

        from oxitrack.store.reading import reading_as_is

        return self._as_is.enter_context(reading_as_is(Path(self.path), upgraded_by=upgraded_by))

    @staticmethod
    def _may_write(*paths: str) -> bool:
        """Whether this user may write every one of ``paths`` (a file, a folder for the -wal
        and -shm), as far as the system says (modes, ACLs, a read-only mount), changing none."""
        effective = os.access in os.supports_effective_ids
        return all(os.access(path, os.W_OK, effective_ids=effective) for path in paths)

    # -- connections -------------------------------------------------------------------------

    def _reading_connection(self) -> sqlite3.Connection:
        """The reader, opened on first use; a closed store never opens a connection again."""
        self._check_open()
        if self._reader is None:
            self._reader = connect(self.path, read_only=False)
        return self._reader

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the database {self.path} is closed")

    def close(self) -> None:
        """Close both connections for good; safe to call twice."""
        self._closed = True
        self._close_connections()

    def _close_connections(self) -> None:
        with self._sync_lock:
            if self._wal_fd is not None:
                os.close(self._wal_fd)
                self._wal_fd = None
        if self._wal_index is not None:
            self._wal_index.close()  # before the connections that keep its file from being cut
        for conn in (self._reader, self._writer):
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
        self._reader = self._writer = None
        self._wal_index = None
        self._as_is.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------

    def write(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        wait: bool = True,
        deadline: float | None = None,
    ) -> T:
        """Run ``fn(conn)`` in one ``BEGIN IMMEDIATE`` transaction; commit, or roll back.

        The write lock (this store's, then the file's) is waited for until ``deadline``
        (``time.monotonic()``; by default ``BUSY_TIMEOUT_MS`` from now), then ``DatabaseBusy``.
        With ``wait=False``, raise ``WriterBusy`` at once, running nothing, while it is held
        (another thread's write, another program's transaction).

        ``DatabaseMoved`` when the file was removed or replaced since it was opened: the commit
        went to a file nothing reads, so it must not be reported as made."""
        self._check_open()
        if self._writer is None:
            raise StoreError(f"{self.path} is open read-only")
        if self._moved:
            raise self._moved_error()
        if deadline is None:
            deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        result = self._write(self._writer, fn, wait=wait, deadline=deadline)
        if self.moved():
            self._moved = True
            raise self._moved_error()
        if self._wal_valve is not None and self._wal_valve.is_due(self.wal_size_bytes()):
            self._open_valve(self._wal_valve, wait=wait)
        return result

    def moved(self) -> bool:
        """Whether the file this store writes was removed or replaced since it was opened."""
        return self._opened_files is not None and self._opened_files.moved()

    def _moved_error(self) -> DatabaseMoved:
        return DatabaseMoved(
            f"the database {self.path} was removed or replaced while open: what is written"
            " now goes to the old file, which nothing reads, so nothing is recorded"
        )

    def _open_valve(self, valve: WalValve, *, wait: bool) -> None:
        """Rewind the WAL from the writer, the checkpointer having fallen behind. With ``wait``
        false (the event loop), it does not wait for another thread's write."""
        self.checkpoint(rewind=True, wait=wait)
        valve.rewound(self.wal_size_bytes())

    def _write(
        self,
        conn: sqlite3.Connection,
        fn: Callable[[sqlite3.Connection], T],
        *,
        wait: bool,
        deadline: float,
    ) -> T:
        if not wait:
            if not self._write_lock.acquire(blocking=False):
                raise WriterBusy(self.path)
        elif not self._write_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise DatabaseBusy(
                f"cannot write to {self.path}: it is busy (another program holds the database)"
            )
        try:
            self._begin_immediate(conn, wait=wait, deadline=deadline)
            try:
                result = fn(conn)
                conn.execute("COMMIT")
                self.last_write_at = time.monotonic()
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise store_error(f"cannot write to {self.path}", exc) from exc
                raise
            return result
        finally:
            self._write_lock.release()

    def _begin_immediate(self, conn: sqlite3.Connection, *, wait: bool, deadline: float) -> None:
        """Take the write lock of the file. SQLite waits up to ``busy_timeout`` for it; a
        writer that does not wait in SQLite (``waits_in_sqlite=False``) waits here, in Python,
        until ``deadline``, unless told not to wait at all."""
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.Error as exc:
                if not is_busy(exc):
                    raise store_error(f"cannot write to {self.path}", exc) from None
                if not wait:
                    raise WriterBusy(self.path) from None
                if time.monotonic() >= deadline:
                    raise store_error(f"cannot write to {self.path}", exc) from None
            time.sleep(WRITE_RETRY_SECONDS)

    def read(self, fn: Callable[[sqlite3.Connection], T], *, wait: bool = True) -> T:
        """Run ``fn(conn)`` on the reading connection inside one snapshot.

        With ``wait=False``, raise ``ReaderBusy`` at once, running nothing, while another thread
        reads (a long report): the event loop must not wait for it.
        """
        if not self._read_lock.acquire(blocking=wait):
            raise ReaderBusy(self.path)
        try:
            conn = self._reading_connection()
            try:
                conn.execute("BEGIN")
                try:
                    result = fn(conn)
                except BaseException:
                    # SQLite may have ended the snapshot itself (a full disk for a sort's
                    # temporary file): a COMMIT here would replace the error by its own.
                    if conn.in_transaction:
                        with contextlib.suppress(sqlite3.Error):  # the error that counts is above
                            conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return result
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read {self.path}: {explain(exc)}") from exc
        finally:
            self._read_lock.release()

    # -- beats -------------------------------------------------------------------------------

    # The beat and session code loads on first use: the CLI's reports only read.

    def record_beat(self, beat: Beat) -> Session:
        from oxitrack.store.beats import record_beat

        return self.write(lambda conn: record_beat(conn, beat))

    def record_beats(
        self,
        beats: Iterable[Beat],
        identify: Identify | None = None,
        *,
        wait: bool = True,
        deadline: float | None = None,
    ) -> list[Session]:
        """Record many beats in one transaction (all or none); ``identify`` finds a new folder's
        project identity (by default: on the spot, reading its ``.git``). ``wait`` and
        ``deadline`` as in ``write``."""
        from oxitrack.store.beats import record_beat
        from oxitrack.store.folders import identify as identify_here

        find = identify or identify_here
        return self.write(
            lambda conn: [record_beat(conn, beat, find) for beat in beats],
            wait=wait,
            deadline=deadline,
        )

    def sessions(self, project_path: str | None = None) -> list[Session]:
        """Every stored session (of one project if given), oldest first."""
        query = "SELECT id, project_path, start_time, last_heartbeat FROM sessions"
        args: tuple[str, ...] = ()
        if project_path is not None:
            query += " WHERE project_path = ?"
            args = (project_path,)
        query += " ORDER BY start_time, id"
        from oxitrack.sessions import Session

        return self.read(lambda conn: [Session(*row) for row in conn.execute(query, args)])

    # -- maintenance -------------------------------------------------------------------------

    def checkpoint(self, *, rewind: bool = False, wait: bool = True) -> None:
        """Copy the WAL back into the database, on a connection of its own; with ``rewind``,
        so that the WAL starts over (``checkpoints.checkpoint``)."""
        if self._closed:
            return  # the daemon is stopping: its last checkpoint already ran, or SQLite's own
        checkpoint(
            lambda: connect(self.path, read_only=False), self._write_lock, rewind=rewind, wait=wait
        )

    def sync_wal(self) -> None:
        """Flush the WAL's committed frames to the disk now, as a checkpoint does first.

        With ``synchronous=NORMAL`` a commit reaches the operating system, not the disk, so a
        power cut loses what was committed since the last sync (killing the daemon loses
        nothing). The daemon calls this from its background thread each second after writes:
        that window is then about a second, not the 30 s between checkpoints, and no request
        waits for the disk as it would with a sync per commit (``synchronous=FULL``)."""
        with self._sync_lock:
            if self._closed or self._writer is None:
                return
            try:
                if self._wal_fd is None:  # kept open: closing another descriptor of a file
                    # can drop the process's locks on it, and opening costs a path lookup
                    self._wal_fd = os.open(self._real_path + "-wal", os.O_RDONLY)
                os.fsync(self._wal_fd)
            except OSError:
                pass  # no WAL yet, or a file system without fsync: the next checkpoint syncs

    def wal_size_bytes(self) -> int:
        """The bytes of WAL frames not yet copied back into the database (0 for a store opened
        read-only): the WAL file's own size is the largest it has been (WAL_FILE_LIMIT_BYTES)."""
        return 0 if self._wal_index is None else self._wal_index.pending_bytes()

    # -- schema ------------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Bring the file up to ``SCHEMA_VERSION`` in one transaction: every step, or none.

        One transaction for all pending steps, so a failure in step 3 does not leave a file
        half-way at version 2. The version is read again under the write lock, because another
        process (the daemon and a CLI command starting together) may have upgraded the file
        since we first looked; running a step twice could fail or damage data.
        """
        assert self._writer is not None
        if check_file(self.path, self._writer) != (SCHEMA_VERSION, APPLICATION_ID):
            # Steps sort whole tables once (step 6 builds an index of every start): in memory,
            # not in a temporary file that a small /tmp cannot hold (it stopped the upgrade, and
            # with it the daemon). SQLite allows the switch only outside a transaction.
            (temp_store,) = self._writer.execute("PRAGMA temp_store").fetchone()
            self._writer.execute("PRAGMA temp_store = MEMORY")
            try:
                self.write(lambda conn: upgrade(self.path, conn))
            finally:
                self._writer.execute(f"PRAGMA temp_store = {int(temp_store)}")
        else:
            self._check_writable(self._writer)

    def _check_writable(self, conn: sqlite3.Connection) -> None:
        """Refuse now a file that cannot be written (its mode, a read-only mount).

        SQLite grants the write lock of such a file in WAL mode and fails only on the first
        page written: with nothing to upgrade, that was the daemon's first beat, after it had
        said it was listening and ``/health`` said ok. One page is written here and rolled
        back, so the file is left as it was.
        """
        with self._write_lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                finally:
                    conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                raise store_error(f"cannot write to {self.path}", exc) from None
