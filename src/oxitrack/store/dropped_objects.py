"""OxiTrack's indexes and views that someone dropped by hand (``DROP INDEX`` in a SQLite shell or
browser): found for ``oxitrack check``, and made again when a daemon or a command opens the
file for writing.

They hold no data, so dropping one loses nothing, but reports stop on it (they name
``sessions_by_last_heartbeat`` with ``INDEXED BY``: "no such index") or get slow. What the
schema steps make is the reference: they run once on an empty database in memory, so this list
never falls behind them. Tables are not made again: a dropped table took its rows with it, and
``check`` says so.
"""

from __future__ import annotations

import sqlite3
from functools import cache

from oxitrack.errors import warn


@cache
def _expected() -> tuple[tuple[str, str, str], ...]:
    """(type, name, SQL) of every index and view the schema steps make, in their order."""
    from oxitrack.store.schema import MIGRATIONS  # schema opens files through this module

    conn = sqlite3.connect(":memory:")
    try:
        for step in MIGRATIONS:
            step(conn)
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master"
            " WHERE type IN ('index', 'view') AND sql IS NOT NULL ORDER BY rowid"
        ).fetchall()
    finally:
        conn.close()
    return tuple((str(kind), str(name), str(sql)) for kind, name, sql in rows)


def dropped(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(type, name, SQL) of OxiTrack's indexes and views missing from ``conn``'s file, for a
    file at the current schema (an older one gets them from its upgrade)."""
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    return [row for row in _expected() if row[1] not in present]


def make_again(conn: sqlite3.Connection, path: str) -> bool:
    """Make every dropped index and view again, inside the caller's write transaction; whether
    any was made. A unique index whose rows have become duplicates since it was dropped cannot
    be made (``check`` names it), and the rest still are."""
    made = False
    for kind, name, sql in dropped(conn):
        try:
            conn.execute(sql)
        except sqlite3.Error as exc:
            warn("oxitrack", "%s: cannot make the %s %s again: %s", path, kind, name, exc)
            continue
        warn("oxitrack", "%s: made the %s %s again (it had been dropped)", path, kind, name)
        made = True
    return made
