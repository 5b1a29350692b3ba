"""Whose file it is: OxiTrack's mark in the header, and how a file without it is told apart.

Every file OxiTrack creates or upgrades carries ``PRAGMA application_id = APPLICATION_ID``
(0x4F585452, "OXTR" in ASCII, in the header's bytes 68-71): ``file(1)`` and other programs can tell
it apart, and OxiTrack refuses a file that another program marked as its own. Files written before
the id existed (application_id 0) are recognised by their tables instead: see ``foreign_reason``.
Only reads: nothing here changes a file.
"""

from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x4F585452  # "OXTR"
_SEED_COLUMNS = frozenset({"id", "project_path", "start_time", "last_heartbeat"})
_MAX_NAMES_SHOWN = 5


def table_exists(conn: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(query, (name,)).fetchone() is not None


def foreign_reason(conn: sqlite3.Connection, version: int, application_id: int) -> str | None:
    """Why the file is not an OxiTrack database (for the message), or None when it is one or new.

    Ours: marked with ``APPLICATION_ID``. Unmarked (OxiTrack before the mark, or the seed's sketch,
    version 0): its ``sessions`` table has exactly the seed's columns and, at version 0, no other
    table sits beside it, since the upgrade rebuilds ``sessions`` and adds tables. An empty file
    (no tables, version 0) is new. Anything else belongs to another program: refused before a
    single byte of it is written.
    """
    if application_id == APPLICATION_ID:
        return None
    if application_id != 0:
        return f"another program marked it as its own: application_id {application_id:#010x}"
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND substr(name, 1, 7) != 'sqlite_' ORDER BY name"
        )
    ]
    if "sessions" not in names:
        if names:
            return f"it has other tables: {_listing(names)}"
        return None if version == 0 else f"it has no tables but user_version {version}"
    others = [name for name in names if name != "sessions"]
    if version == 0 and others:
        return f"it has other tables: {_listing(others)}"
    columns = [name for (name,) in conn.execute("SELECT name FROM pragma_table_info('sessions')")]
    if frozenset(columns) != _SEED_COLUMNS:
        return f"its sessions table has other columns: {_listing(columns)}"
    return None


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES_SHOWN])
    return shown + (", ..." if len(names) > _MAX_NAMES_SHOWN else "")
