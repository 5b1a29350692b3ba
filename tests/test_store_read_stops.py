"""Reads given up (``Store.abandon``): the read made for a client that has gone is interrupted
and the next one refused, while the other threads' reads on the one connection are not."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from oxitrack.errors import StoreError
from oxitrack.store import Store
from oxitrack.store.read_stops import DaemonStopping, ReadAbandoned, ReadStops

# Counts without end, row by row: a read that only an interrupt ends.
_ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n"


def _endless(running: threading.Event, conn: sqlite3.Connection) -> None:
    rows = conn.execute(_ENDLESS)
    next(rows)
    running.set()
    for _ in rows:
        pass


def _start_endless(
    pool: ThreadPoolExecutor, store: Store, abandoned: threading.Event | None
) -> Future[None]:
    running = threading.Event()
    read = pool.submit(store.read, lambda conn: _endless(running, conn), abandoned=abandoned)
    assert running.wait(30)
    return read


def test_abandoning_a_read_interrupts_it_and_refuses_its_next(store: Store):
    given_up = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        read = _start_endless(pool, store, given_up)
        store.abandon(given_up)
        with pytest.raises(ReadAbandoned, match="closed its connection"):
            read.result(timeout=30)
    assert given_up.is_set()
    with pytest.raises(ReadAbandoned):
        store.read(lambda conn: conn.execute("SELECT 1").fetchone(), abandoned=given_up)
    # Nothing is wrong with the store: the other reads go on.
    assert store.read(lambda conn: conn.execute("SELECT 1").fetchone()) == (1,)


def test_abandoning_interrupts_no_other_read_on_the_connection(store: Store):
    """The connection is shared: a client gone must not cut short the statement that runs now
    for another read (a status bar's, another report's)."""
    given_up, other_client = threading.Event(), threading.Event()
    rows_read = [0]

    def other_read(conn: sqlite3.Connection) -> None:
        for _ in conn.execute(_ENDLESS):
            rows_read[0] += 1

    with ThreadPoolExecutor(2) as pool:
        other = pool.submit(store.read, other_read, abandoned=other_client)
        _wait_for(lambda: rows_read[0] > 0)
        store.abandon(given_up)
        waiting = pool.submit(store.read, lambda conn: None, abandoned=given_up)
        after = rows_read[0]
        _wait_for(lambda: rows_read[0] > after + 100_000)  # still reading: not interrupted
        assert not other.done()
        store.abandon(other_client)
        with pytest.raises(ReadAbandoned):
            other.result(timeout=30)
        with pytest.raises(ReadAbandoned):  # refused once it had the connection
            waiting.result(timeout=30)


def test_a_failing_read_fails_whether_or_not_it_may_be_abandoned(store: Store):
    """A database error inside a read that is no stop is raised as it is, not swallowed."""
    for abandoned in (None, threading.Event()):
        with pytest.raises(StoreError, match="no such table"):
            store.read(
                lambda conn: conn.execute("SELECT * FROM no_such_table"), abandoned=abandoned
            )


def test_a_read_abandoned_before_any_read_ran_is_refused():
    """A report's client may be gone before the daemon's first read: nothing to interrupt."""
    stops = ReadStops(lambda: None)
    given_up = threading.Event()
    stops.abandon(given_up)
    with pytest.raises(ReadAbandoned), stops.reading(given_up):
        pass


def _wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.001)


def test_the_daemon_stopping_still_cuts_short_every_read(store: Store):
    with ThreadPoolExecutor(1) as pool:
        read = _start_endless(pool, store, threading.Event())
        store.stop_reading()
        with pytest.raises(DaemonStopping, match="the daemon is stopping: ask again"):
            read.result(timeout=30)


def test_a_read_abandoned_with_a_cursor_still_open_leaves_the_connection_usable(store: Store):
    """A read that keeps a cursor in a variable while it runs another statement (rows looked up
    one by one): its interrupt stayed pending while that cursor lived, so the ROLLBACK of its
    snapshot was interrupted too, the snapshot stayed open, and every later read of the daemon
    failed ("cannot start a transaction within a transaction") until it was restarted."""
    given_up, running = threading.Event(), threading.Event()

    def looked_up_one_by_one(conn: sqlite3.Connection) -> None:
        outer = conn.execute("SELECT 1 UNION ALL SELECT 2")
        for _ in outer:
            inner = conn.execute(_ENDLESS)
            running.set()
            for _ in inner:
                pass

    with ThreadPoolExecutor(1) as pool:
        read = pool.submit(store.read, looked_up_one_by_one, abandoned=given_up)
        assert running.wait(30)
        store.abandon(given_up)
        with pytest.raises(ReadAbandoned):
            read.result(timeout=30)
        # The read's exception, and its frames, still held (as by a log of it) or not.
        assert store.read(lambda conn: conn.execute("SELECT 1").fetchone()) == (1,)
    del read
    assert store.read(lambda conn: conn.execute("SELECT 2").fetchone()) == (2,)
