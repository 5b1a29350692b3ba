"""The ``Store``: one SQLite file, one writer connection, schema upgrades at open.

Every write runs as ``fn(conn)`` inside ``BEGIN IMMEDIATE`` on the single writer connection
(``transactions.py``). Reads use their own connection and see a consistent snapshot. WAL mode
with ``synchronous=NORMAL``: a committed beat is in the WAL file before the response goes out,
so killing the process loses nothing. Opened for writing, the file is brought up to date
(``schema.bring_up_to_date``); opened read-only, it is read as ``read_only.py`` finds best.

Another program may hold the database (a ``sqlite3`` shell in a transaction, another OxiTrack
upgrading the file): opening waits for it (``lock_wait.py``), and a writer that must not
block (the daemon's event loop) asks ``write(..., wait=False)``, which raises ``WriterBusy`` at
once instead of waiting.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable

from oxitrack.errors import StoreError
from oxitrack.records import TYPE_CHECKING
from oxitrack.store.connections import (
    BUSY_TIMEOUT_MS,
    WalValve,
    checkpoint,
    connect,
    empty_wal,
    fold_moved_wal,
    rewrite_pages,
)
from oxitrack.store.dropped_objects import make_again
from oxitrack.store.files import (
    OpenedFiles,
    check_database_path,
    check_wal_not_lost,
    make_private_database_file,
)
from oxitrack.store.lock_wait import LockWait
from oxitrack.store.read_only import open_read_only
from oxitrack.store.read_stops import ReadStops
from oxitrack.store.schema import bring_up_to_date
from oxitrack.store.sqlite_errors import DatabaseBusy
from oxitrack.store.transactions import (
    ReaderBusy,
    WriterBusy,
    read_in_snapshot,
    write_in_transaction,
)
from oxitrack.store.wal_index import WalIndex
from oxitrack.store.wal_sync import WalSync

if TYPE_CHECKING:
    from typing import TypeVar

    from oxitrack.beats import PostedBeat
    from oxitrack.sessions import Beat, Session
    from oxitrack.store.folders import Identify

    T = TypeVar("T")


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
        open_wait_seconds: float | None = None,
    ) -> None:
        """Open ``path``; a missing file is created unless ``read_only`` or not ``create``.

        ``open_wait_seconds``: how long opening waits for another program that holds the file,
        if not ``OPEN_WAIT_SECONDS`` (``lock_wait.py``); read-only, no read waits longer. A
        command a status bar polls every few seconds waits a short time, or its runs pile up.

        The writer never waits inside SQLite for another program's lock: that wait holds the
        thread that asked, deaf to Ctrl-C and, in the daemon, to every client. ``write()``
        waits in Python instead, and ``write(wait=False)`` raises ``WriterBusy`` at once.
        """
        self.path = os.path.expanduser(os.fspath(path))
        # SQLite keeps the -wal and -shm beside the file a symlinked path leads to.
        self._real_path = os.path.realpath(self.path)
        self.read_only = read_only
        self._write_lock = threading.Lock()
        self.last_write_at = 0.0  # time.monotonic() of the last commit, for the checkpointer
        self.wal_holds_deleted = False  # ``empty_wal`` owed
        self._read_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._wal_index: WalIndex | None = None  # for a writable store, once its writer is open
        self._opened_files: OpenedFiles | None = None  # likewise
        self._wal_sync: WalSync | None = None  # likewise
        self._moved = False  # once a write found the file gone: none is made any more
        self._closed = False
        self._stops = ReadStops(lambda: self._reader)  # ``stop_reading``, ``abandon``
        # What a reader that reads the file as it is holds (a private copy, removed on close).
        self._as_is = contextlib.ExitStack()
        self._open_wait_seconds = open_wait_seconds
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
        ``OPEN_WAIT_SECONDS`` (said once it has lasted ``OPEN_NOTICE_SECONDS``); any other
        failure closes the store and is raised."""
        wait = LockWait(self._open_wait_seconds)
        while True:
            try:
                self._open()
                return
            except DatabaseBusy as busy:
                self._close_connections()
                if wait.is_over():
                    self.close()
                    raise wait.given_up(busy) from None
                wait.say_once(busy)
                wait.pause()
            except BaseException:
                self.close()
                raise

    def _open(self) -> None:
        """Connect, check the file is ours, upgrade it; ``DatabaseBusy`` while another program
        holds it (the caller tries again)."""
        if self.read_only:
            self._reader = open_read_only(
                self.path,
                self._real_path,
                self._as_is,
                wait_seconds=self._open_wait_seconds,
                upgrade=_upgrade_in_place,
            )
            return
        make_private_database_file(self.path)
        # Waits for the lock in Python from its first statement on: the switch to WAL, the
        # upgrade and its first-write check included (``_open_waiting`` tries again). SQLite's
        # own wait was 5 s deaf to Ctrl-C, and a file in rollback-journal mode that another
        # program reads or holds blocks the switch to WAL.
        self._writer = connect(self.path, read_only=False, busy_timeout_ms=0)
        self._wal_index = WalIndex(self._real_path)
        self._opened_files = OpenedFiles(self.path, self._real_path)
        self._wal_sync = WalSync(self._real_path)
        if self._wal_valve is not None:
            self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        bring_up_to_date(self.path, self._writer, self.write, self._write_lock)

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
        """Close both connections for good; safe to call twice. A file moved or replaced
        meanwhile gets its WAL, which leaves the path (``fold_moved_wal``)."""
        self._closed = True
        left_behind: list[str] = []
        if self._writer is not None and self._opened_files is not None and self.moved():
            left_behind = fold_moved_wal(self._writer, self._opened_files)
        self._close_connections()
        for side in left_behind:
            with contextlib.suppress(OSError):
                os.unlink(side)

    def _close_connections(self) -> None:
        if self._wal_sync is not None:
            self._wal_sync.close()
            self._wal_sync = None
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
            # This process's own lock: another thread's write is long (a project of 100k
            # sessions deleted), or waits itself for another program's lock.
            raise DatabaseBusy(
                f"cannot write to {self.path}: it is busy with a long write of this process"
                " (a project merged or deleted, or a write waiting for another program)"
            )
        try:
            result = write_in_transaction(conn, fn, path=self.path, wait=wait, deadline=deadline)
            self.last_write_at = time.monotonic()
            return result
        finally:
            self._write_lock.release()

    def read(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        wait: bool = True,
        abandoned: threading.Event | None = None,
    ) -> T:
        """Run ``fn(conn)`` on the reading connection inside one snapshot.

        With ``wait=False``, raise ``ReaderBusy`` at once, running nothing, while another thread
        reads (a long report): the event loop must not wait for it. With ``abandoned``, the
        read is for a client that may give up (``abandon``): ``ReadAbandoned`` once it has.
        """
        try:
            return self._read_once(fn, wait=wait, abandoned=abandoned)
        except StoreError as exc:
            # An index dropped by hand while the daemon runs: made again and read once more,
            # not refused until the daemon restarts (``dropped_objects.py``).
            if self._writer is None or "no such index" not in str(exc):
                raise
            if not self.write(lambda conn: make_again(conn, self.path)):
                raise
        return self._read_once(fn, wait=wait, abandoned=abandoned)

    def _read_once(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        wait: bool,
        abandoned: threading.Event | None,
    ) -> T:
        if not self._read_lock.acquire(blocking=wait):
            raise ReaderBusy(self.path)
        try:
            with self._stops.reading(abandoned):
                return read_in_snapshot(self._reading_connection(), fn, self.path)
        finally:
            self._read_lock.release()

    def stop_reading(self) -> None:
        """Refuse every later snapshot and interrupt the SQL statement running now, if any:
        the daemon is stopping. A long report reads one snapshot after another in a worker
        thread, which the stop does not end: uvicorn waited its graceful 10 s for it, and
        whatever killed a daemon that slow to stop (a service manager, a script) left the -wal
        and -shm behind."""
        self._stops.stop_all()

    def abandon(self, abandoned: threading.Event) -> None:
        """Set ``abandoned``, which reads were made with (``read(..., abandoned=)``): the
        next one is refused and the one running now interrupted (``ReadAbandoned``). A report
        its client gave up kept a core busy, and a long-report slot, for up to ten seconds."""
        self._stops.abandon(abandoned)

    # -- beats -------------------------------------------------------------------------------

    # The beat and session code loads on first use: the CLI's reports only read.

    def record_beat(self, beat: Beat) -> Session:
        from oxitrack.store.beats import record_beat

        return self.write(lambda conn: record_beat(conn, beat))

    def record_beats(
        self,
        beats: Iterable[Beat | PostedBeat],
        identify: Identify | None = None,
        *,
        wait: bool = True,
        deadline: float | None = None,
    ) -> list[Session]:
        """Record many beats in one transaction (all or none), with the labels of those that
        name their language or editor; ``identify`` finds a new folder's project identity (by
        default: on the spot, reading its ``.git``). ``wait`` and ``deadline`` as in
        ``write``."""
        from oxitrack.store.folders import identify as identify_here
        from oxitrack.store.wakatime import record_posted_beat

        find = identify or identify_here
        return self.write(
            lambda conn: [record_posted_beat(conn, beat, find) for beat in beats],
            wait=wait,
            deadline=deadline,
        )

    def sessions(self, project_path: str | None = None) -> list[Session]:
        """Every stored session (of one project if given), oldest first."""
        from oxitrack.store.beats import stored_sessions

        return self.read(lambda conn: stored_sessions(conn, project_path))

    # -- maintenance -------------------------------------------------------------------------

    def checkpoint(self, *, rewind: bool = False, wait: bool = True) -> None:
        """Copy the WAL back into the database, on a connection of its own; with ``rewind``,
        so that the WAL starts over (``connections.checkpoint``)."""
        if self._closed:
            return  # the daemon is stopping: its last checkpoint already ran, or SQLite's own
        if self.moved():
            # Its own connection would create an empty file where the database was (moved
            # away with its -wal, or removed), and the next start would refuse that file.
            return
        checkpoint(self._connect_anew, self._write_lock, rewind=rewind, wait=wait)

    def empty_wal(self, *, wait: bool = True, rewrite: bool = False) -> bool:
        """Cut the ``-wal`` to nothing once all of it is in the database, so that rows just
        deleted stay in no file (``connections.empty_wal``); whether that was done, else owed
        (``wal_holds_deleted``: the checkpointer tries again, without ``wait``). With
        ``rewrite``, right after the delete, every page is rewritten first (``rewrite_pages``)."""
        if self._closed or self.moved():
            return False
        if rewrite:
            rewrite_pages(self._connect_anew, self._write_lock)
        done = empty_wal(self._connect_anew, self._write_lock, wait_ms=1000 * wait)
        self.wal_holds_deleted = not done
        return done

    def _connect_anew(self) -> sqlite3.Connection:
        """A writable connection of its own, for a checkpoint from another thread."""
        return connect(self.path, read_only=False)

    def sync_wal(self) -> None:
        """Flush the WAL's committed frames to the disk now (``wal_sync.py``); nothing for a
        store opened read-only or closed."""
        wal_sync = self._wal_sync
        if wal_sync is not None:
            wal_sync.sync()

    def wal_size_bytes(self) -> int:
        """The bytes of WAL frames not yet copied back into the database (0 for a store opened
        read-only): the WAL file's own size is the largest it has been (WAL_FILE_LIMIT_BYTES)."""
        return 0 if self._wal_index is None else self._wal_index.pending_bytes()


def _upgrade_in_place(path: str) -> None:
    """Upgrade the file at ``path`` as ``oxitrack serve`` would: open it for writing."""
    Store(path).close()
