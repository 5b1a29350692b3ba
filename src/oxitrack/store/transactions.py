"""One transaction on a connection the caller holds: a write in ``BEGIN IMMEDIATE``, committed
or rolled back whole; a read in one snapshot. SQLite's errors come out as ``StoreError``.

``Store`` owns the connections and the locks between its own threads, and calls these once it
holds them. ``BEGIN IMMEDIATE`` takes the file's write lock up front (Datasette's
``execute_write_fn`` shape), so two writers (the daemon and a CLI command) queue on
``busy_timeout`` instead of failing half way.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import traceback
from collections.abc import Callable

from oxitrack.errors import StoreError
from oxitrack.records import TYPE_CHECKING
from oxitrack.store.sqlite_errors import explain, is_busy, store_error

if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

# How often a write waiting for another program's lock (in Python: the writer's SQLite
# ``busy_timeout`` is 0) tries again.
WRITE_RETRY_SECONDS = 0.005


class ReaderBusy(Exception):
    """The reading connection is in use by another thread (``Store.read(..., wait=False)``)."""


class WriterBusy(Exception):
    """The write lock is held, by another thread or another program (``write(..., wait=False)``)."""


def write_in_transaction(
    conn: sqlite3.Connection,
    fn: Callable[[sqlite3.Connection], T],
    *,
    path: str,
    wait: bool,
    deadline: float,
) -> T:
    """Run ``fn(conn)`` in one ``BEGIN IMMEDIATE`` transaction on the writer of the file at
    ``path``; commit, or roll back. ``wait`` and ``deadline`` as in ``_begin_immediate``."""
    _begin_immediate(conn, path, wait=wait, deadline=deadline)
    try:
        result = fn(conn)
        conn.execute("COMMIT")
    except BaseException as exc:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise store_error(f"cannot write to {path}", exc) from exc
        raise
    return result


def _begin_immediate(conn: sqlite3.Connection, path: str, *, wait: bool, deadline: float) -> None:
    """Take the write lock of the file, waiting here, in Python, until ``deadline`` (the writer
    does not wait in SQLite: Ctrl-C and the daemon's other clients would wait with it), unless
    told not to wait at all (``WriterBusy`` at once)."""
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.Error as exc:
            if not is_busy(exc):
                raise store_error(f"cannot write to {path}", exc) from None
            if not wait:
                raise WriterBusy(path) from None
            if time.monotonic() >= deadline:
                raise _held_by_another(path, exc) from None
        time.sleep(WRITE_RETRY_SECONDS)


def _held_by_another(path: str, exc: sqlite3.Error) -> StoreError:
    """The error for a write lock another program kept past the wait, naming that program
    where the system tells (Linux): mostly a write left open by hand, which only its user can
    end, and "another program holds the database" did not say which, nor how."""
    from oxitrack.store.lock_holders import process_names, wal_writers  # only when it happens

    error = store_error(f"cannot write to {path}", exc)
    holders = wal_writers(path)
    if not holders:
        return error
    return type(error)(
        f"{error}: {process_names(holders)} has a write open, which ends with COMMIT or"
        " ROLLBACK (in a SQLite browser: Write Changes or Revert Changes)"
    )


def read_in_snapshot(
    conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T], path: str
) -> T:
    """Run ``fn(conn)`` on a reader of the file at ``path`` inside one snapshot."""
    try:
        conn.execute("BEGIN")
        try:
            result = fn(conn)
            # In here: an interrupt (``Store.abandon``) that meets the COMMIT must not leave
            # the snapshot open for the next read, whose BEGIN would then fail.
            conn.execute("COMMIT")
        except BaseException as exc:
            # SQLite may have ended the snapshot itself (a full disk for a sort's temporary
            # file): a COMMIT here would replace the error by its own.
            if conn.in_transaction:
                # An interrupt (``Store.abandon``) stays pending while any statement is still
                # active, as one of a cursor ``fn`` kept in a variable, which the error's frames
                # hold: it would interrupt this ROLLBACK too, and leave the snapshot open for
                # every later read. Their variables go (the error still says where it was).
                traceback.clear_frames(exc.__traceback__)
                with contextlib.suppress(sqlite3.Error):  # the error that counts is above
                    conn.execute("ROLLBACK")
            raise
        return result
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read {path}: {explain(exc)}") from exc
