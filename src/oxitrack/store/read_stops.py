"""Cutting reads short: all of them when the daemon stops, or the one a report's client gave up.

Both work the same way: a flag a read checks before its snapshot, and ``sqlite3_interrupt`` on
the reading connection for the statement running now. A report reads one snapshot after another
(a part of its range each), so a stop is seen within the statement running, or before the next
part at the latest. The one connection is shared by every thread's reads, one at a time: a read
given up is interrupted only while it is the one running (``_running``, under ``_lock``), never
the next thread's read that took its place. SQLite ignores an interrupt that finds no statement
running, so one landing between two statements of the read cannot reach a later read either.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from oxitrack.errors import StoreError


class DaemonStopping(StoreError):
    """A read refused, or cut short, because the daemon is stopping (``Store.stop_reading``):
    nothing is wrong with the database."""

    def __init__(self) -> None:
        super().__init__("the daemon is stopping: ask again once it is back")


class ReadAbandoned(StoreError):
    """A read refused, or cut short, because the one it was for has gone (``Store.abandon``):
    a report whose client closed its connection. Nothing is wrong with the database."""

    def __init__(self) -> None:
        super().__init__("the client closed its connection before the report was made")


class ReadStops:
    """The stops of one store's reading connection (``reader()``: the open one, or ``None``)."""

    def __init__(self, reader: Callable[[], sqlite3.Connection | None]) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._all = False  # the daemon is stopping
        self._running: threading.Event | None = None  # the abandon-event of the read running

    @contextmanager
    def reading(self, abandoned: threading.Event | None) -> Iterator[None]:
        """Around one read (its thread holds the store's read lock): refused at once when
        stopped, and its interruption said as the stop it was."""
        with self._lock:
            self._check(abandoned)
            self._running = abandoned
        try:
            yield
        except StoreError:
            self._check(abandoned)  # interrupted by a stop: say which
            raise
        finally:
            with self._lock:
                self._running = None

    def _check(self, abandoned: threading.Event | None) -> None:
        if self._all:
            raise DaemonStopping() from None
        if abandoned is not None and abandoned.is_set():
            raise ReadAbandoned() from None

    def stop_all(self) -> None:
        """Refuse every later read and interrupt the one running now, whoever it is for."""
        with self._lock:
            self._all = True
            self._interrupt()

    def abandon(self, abandoned: threading.Event) -> None:
        """Set ``abandoned``: the reads made for it are refused from now on, and the one
        running now, if it is for it, is interrupted. Quick: the event loop calls it."""
        with self._lock:
            abandoned.set()
            if self._running is abandoned:
                self._interrupt()

    def _interrupt(self) -> None:
        reader = self._reader()
        if reader is not None:
            reader.interrupt()
