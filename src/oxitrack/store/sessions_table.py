"""The ``sessions`` table as the schema steps make it: step 1 creates it, or rebuilds the seed's
sketch and repairs its sessions; step 6 indexes it by start (``schema.MIGRATIONS`` orders them).

The seed's ``sqlite3`` query must keep working on it, so its name and columns never change.
"""

from __future__ import annotations

import sqlite3

from oxitrack.store.ownership import table_exists

# The rows that hold a span: whole Unix seconds, as every beat writes them, the start not after
# the last beat. The table's INTEGER columns keep whatever a hand-made INSERT or UPDATE gives them
# ('yesterday', 1.5, a blob), and such a row, or one ending before it starts, has no time to
# count or extend: reports and beats leave it out, and ``oxitrack check`` names it
# (``store/checks.py``), rather than a traceback, a 500, a negative duration or a beat that
# overwrote it.
WELL_FORMED_SQL = (
    "typeof(start_time) = 'integer' AND typeof(last_heartbeat) = 'integer'"
    " AND start_time <= last_heartbeat"
)

_SESSIONS_TABLE = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    project_path TEXT NOT NULL,
    start_time INTEGER NOT NULL,  -- Unix timestamp
    last_heartbeat INTEGER NOT NULL,
    UNIQUE(project_path, start_time)
)
"""


def _canonical_or_as_is(project_path: str) -> str:
    """The path a beat for ``project_path`` would be stored under; a value no beat could carry
    (the sketch checked nothing) stays as it is rather than being lost."""
    from oxitrack.beats import check_project_path
    from oxitrack.errors import InvalidField

    try:
        return check_project_path(project_path)
    except InvalidField:
        return project_path


def create_or_repair_sessions(conn: sqlite3.Connection) -> None:
    """Step 1: the seed's ``sessions`` table, minus ``ON CONFLICT REPLACE``, with sessions repaired.

    Databases made by the seed's sketch carry ``ON CONFLICT REPLACE`` (which silently deletes a
    session on a clash) and may hold overlapping sessions, or sessions shrunk by late beats. The
    table is rebuilt under the same name and columns so the seed's ``sqlite3`` query still works;
    overlapping or too-close sessions of a project are merged, and ids are kept where they can be.

    A row whose ``last_heartbeat`` is before its ``start_time`` is what the sketch leaves when an
    old beat overwrites a newer one: it records two beats, not the time between them, which
    nobody worked (taking it as a span made a 20-minute day 83 minutes). Paths are made
    canonical as a new beat's would be, so ``/code/app/`` and ``/code/app`` are one project.
    """
    if not table_exists(conn, "sessions"):
        conn.execute(_SESSIONS_TABLE)
    else:
        rows = conn.execute(
            "SELECT id, project_path, start_time, last_heartbeat FROM sessions"
            " ORDER BY project_path, start_time, id"
        ).fetchall()
        conn.execute("ALTER TABLE sessions RENAME TO sessions_before_v1")
        conn.execute(_SESSIONS_TABLE)
        by_project: dict[str, list[tuple[int, int, int]]] = {}
        for session_id, project_path, start_time, last_heartbeat in rows:
            start, last = int(start_time), int(last_heartbeat)
            ends = [(start, last)] if start <= last else [(last, last), (start, start)]
            by_project.setdefault(_canonical_or_as_is(project_path), []).extend(
                (low, high, session_id) for low, high in ends
            )
        merged: list[tuple[int | None, str, int, int]] = []
        used_ids: set[int] = set()
        for project_path, spans in by_project.items():
            for (start, last), first_id in _merged_with_first_ids(spans):
                kept_id = None if first_id in used_ids else first_id  # a split row's second half
                used_ids.add(first_id)
                merged.append((kept_id, project_path, start, last))
        # Sessions that keep their old id go in first; the second halves of split rows then get
        # ids past every old one (SQLite's own choice could be an id a later row still holds).
        next_id = max(used_ids, default=0) + 1
        for kept_id, project_path, start, last in sorted(merged, key=lambda row: row[0] is None):
            if kept_id is None:
                kept_id, next_id = next_id, next_id + 1
            conn.execute(
                "INSERT INTO sessions (id, project_path, start_time, last_heartbeat)"
                " VALUES (?, ?, ?, ?)",
                (kept_id, project_path, start, last),
            )
        conn.execute("DROP TABLE sessions_before_v1")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS sessions_by_last_heartbeat ON sessions(last_heartbeat)"
    )


def _merged_with_first_ids(
    spans: list[tuple[int, int, int]],
) -> list[tuple[tuple[int, int], int]]:
    """The merged spans of one project's (start, last, session id) spans, each with the lowest
    id among the spans it holds.

    Each span lies in exactly one merged span, and both come in start order: one walk pairs
    them. Looking through every span for each merged one took minutes for a folder with tens of
    thousands of sessions, at the daemon's start, and looked like a daemon that hung.
    """
    from oxitrack.sessions import merge_spans  # only when upgrading: reports skip it

    by_start = sorted(spans)
    merged = merge_spans((low, high) for low, high, _ in by_start)
    first_ids: list[int] = []
    position = 0
    for _, last in merged:
        first_id = by_start[position][2]
        while position < len(by_start) and by_start[position][0] <= last:
            first_id = min(first_id, by_start[position][2])
            position += 1
        first_ids.append(first_id)
    return list(zip(merged, first_ids, strict=True))


def index_sessions_by_start_time(conn: sqlite3.Connection) -> None:
    """Step 6: sessions in the order every report lists them (``start_time, id``: the index
    holds the rowid, which is ``id``), so that ``oxitrack export`` streams them as it reads
    them. Without it SQLite sorted the whole table first, in a temporary file (about 100 MiB
    for a million sessions, which a small ``/tmp`` could not hold), before the first line.

    A beat extending its session forwards, the usual one, moves only ``last_heartbeat`` and
    leaves this index alone (``store/beats.py``); only a new session or a late beat that moves
    a start writes an entry. ``IF NOT EXISTS``: a newer file whose version was set back by hand
    (as tests do to make an older one) keeps the index it has."""
    # The build sorts every start once, in memory: ``schema.bring_up_to_date`` upgrades with
    # ``temp_store = MEMORY``.
    conn.execute("CREATE INDEX IF NOT EXISTS sessions_by_start_time ON sessions(start_time)")
