"""How much work SQLite does for a piece of code: a count, not a time, so tests can compare it.

``vm_steps(conn, fn)`` runs ``fn()`` and counts SQLite's virtual-machine instructions on ``conn``
through the progress handler, called at every instruction (SQLite restarts its count at each
step of a statement, so a coarser handler would miss every short statement). The count depends
only on the data and the query plans, never on the machine's speed or load, so a test can say
"this does not grow with the number of rows" without timing anything.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from itertools import count
from typing import TypeVar

T = TypeVar("T")


def vm_steps(conn: sqlite3.Connection, fn: Callable[[], T]) -> tuple[T, int]:
    """``fn()``'s result and the number of SQLite instructions it ran on ``conn``."""
    ticks = count()
    conn.set_progress_handler(lambda: next(ticks) and 0, 1)
    try:
        result = fn()
    finally:
        conn.set_progress_handler(None, 1)
    return result, next(ticks)


def add_past_sessions(conn: sqlite3.Connection, project_path: str, count_: int, end: int) -> None:
    """``count_`` one-hour sessions of ``project_path``, 8 hours apart, the last one ending by
    ``end``: years of history, written directly (as an old database holds them)."""
    conn.executemany(
        "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
        (
            (project_path, end - i * 8 * 3600 - 3600, end - i * 8 * 3600)
            for i in reversed(range(count_))
        ),
    )
