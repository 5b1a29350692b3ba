"""The tables of what WakaTime heartbeats tell beyond the beat, as schema step 3 makes them, and
the move of the first step 3's wide rows into them (``schema.MIGRATIONS`` orders the steps).

What is written to them as heartbeats arrive is ``store/wakatime.py``.
"""

from __future__ import annotations

import sqlite3

_BEAT_DETAILS_TABLES = (
    # What repeats from heartbeat to heartbeat (project, editor, language, branch, ...) is kept
    # once per distinct combination; each heartbeat is then a small row keyed by its time. One
    # wide row per heartbeat cost ~280 bytes (33 MiB a year of heavy use); this costs ~30.
    # project_source took more values later (``project_name_match``; ``beat`` for a ``POST
    # /beat`` naming its language or editor): ``wakatime_projects.ProjectSource`` is the list;
    # the column has no CHECK, so no step was needed.
    """
    CREATE TABLE beat_contexts (
        id INTEGER PRIMARY KEY,
        project_path TEXT NOT NULL,     -- the session key, as in sessions.project_path
        entity_type TEXT NOT NULL,      -- file, app, domain, ...
        category TEXT,                  -- coding, debugging, building, ...
        language TEXT,
        branch TEXT,
        project_name TEXT,              -- the project name the client sent
        editor TEXT,                    -- from the User-Agent: vscode, neovim, zed, ...
        plugin TEXT,                    -- the User-Agent's plugin part
        project_source TEXT NOT NULL    -- project_root_count | repository | project_name
    )
    """,
    """
    CREATE UNIQUE INDEX beat_contexts_once ON beat_contexts(project_path, entity_type,
        ifnull(category, ''), ifnull(language, ''), ifnull(branch, ''), ifnull(project_name, ''),
        ifnull(editor, ''), ifnull(plugin, ''), project_source)
    """,
    """
    CREATE TABLE heartbeats (
        time REAL NOT NULL,             -- the heartbeat's own time, with its fraction
        context_id INTEGER NOT NULL REFERENCES beat_contexts(id),
        is_write INTEGER,               -- 1 saved, 0 not, NULL not sent
        PRIMARY KEY (time, context_id)  -- a heartbeat re-sent from a client's queue is one row
    ) WITHOUT ROWID
    """,
    """
    CREATE VIEW beat_details AS
    SELECT c.project_path, CAST(h.time AS INTEGER) AS timestamp, h.time, c.entity_type,
           c.category, c.language, c.branch, h.is_write, c.project_name, c.editor, c.plugin,
           c.project_source
    FROM heartbeats AS h JOIN beat_contexts AS c ON c.id = h.context_id
    """,
)


def create_beat_details(conn: sqlite3.Connection) -> None:
    """Step 3: what WakaTime heartbeats tell beyond the beat (language, branch, editor, ...).

    No file paths: the entity is not stored. The ``beat_details`` view shows one row per
    heartbeat with every detail, for reports and for people reading the file with ``sqlite3``.
    """
    for statement in _BEAT_DETAILS_TABLES:
        conn.execute(statement)


_WIDE_BEAT_DETAILS = "beat_details_before_contexts"
_REQUIRED_CONTEXT_COLUMNS = frozenset({"project_path", "entity_type", "project_source"})
_CONTEXT_COLUMNS = (
    "project_path",
    "entity_type",
    "category",
    "language",
    "branch",
    "project_name",
    "editor",
    "plugin",
    "project_source",
)


def move_wide_beat_details(conn: sqlite3.Connection) -> None:
    """The wide ``beat_details`` rows as step 3 keeps them now: shared contexts plus one small
    row per heartbeat. Nothing the wide row held is dropped but its ``timestamp`` (the view
    computes it from ``time``) and its ``id`` (nothing refers to it). Two rows of one
    heartbeat (same time and context) differing only in ``is_write`` become one, the first
    received, as the same heartbeat re-sent does now."""
    conn.execute(f"ALTER TABLE beat_details RENAME TO {_WIDE_BEAT_DETAILS}")
    create_beat_details(conn)
    columns = ", ".join(_CONTEXT_COLUMNS)
    conn.execute(
        f"INSERT OR IGNORE INTO beat_contexts ({columns})"
        f" SELECT {columns} FROM {_WIDE_BEAT_DETAILS} ORDER BY id"
    )
    # The index's own comparison (a missing label is an empty one), so each row finds the
    # context it was folded into, through that index.
    same_context = " AND ".join(
        f"c.{column} = w.{column}"
        if column in _REQUIRED_CONTEXT_COLUMNS
        else f"ifnull(c.{column}, '') = ifnull(w.{column}, '')"
        for column in _CONTEXT_COLUMNS
    )
    conn.execute(
        "INSERT OR IGNORE INTO heartbeats (time, context_id, is_write)"
        f" SELECT w.time, c.id, w.is_write FROM {_WIDE_BEAT_DETAILS} AS w"
        f" JOIN beat_contexts AS c ON {same_context} ORDER BY w.id"
    )
    conn.execute(f"DROP TABLE {_WIDE_BEAT_DETAILS}")


# Each added at the end of the row, NULL in every row there was: those heartbeats' machine
# and system are unknown. No table is rewritten.
_MACHINE_COLUMNS = (
    "machine",  # the X-Machine-Name header: the host name the client ran on
    "operating_system",  # from the User-Agent: linux, darwin, windows, ...
)
_MACHINE_STATEMENTS = (
    "DROP INDEX IF EXISTS beat_contexts_once",
    """
    CREATE UNIQUE INDEX beat_contexts_once ON beat_contexts(project_path, entity_type,
        ifnull(category, ''), ifnull(language, ''), ifnull(branch, ''), ifnull(project_name, ''),
        ifnull(editor, ''), ifnull(plugin, ''), project_source, ifnull(machine, ''),
        ifnull(operating_system, ''))
    """,
    "DROP VIEW IF EXISTS beat_details",
    """
    CREATE VIEW beat_details AS
    SELECT c.project_path, CAST(h.time AS INTEGER) AS timestamp, h.time, c.entity_type,
           c.category, c.language, c.branch, h.is_write, c.project_name, c.editor, c.plugin,
           c.project_source, c.machine, c.operating_system
    FROM heartbeats AS h JOIN beat_contexts AS c ON c.id = h.context_id
    """,
)


def add_machines(conn: sqlite3.Connection) -> None:
    """Step 7: the machine a WakaTime heartbeat came from and its operating system, for
    WakaTime's summaries to list time per machine and system. A context is one combination
    of them too (the unique index), and the ``beat_details`` view shows them.

    A column already there is kept: a newer file whose version was set back by hand (as
    tests do to make an older one) has them."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(beat_contexts)")}
    for column in _MACHINE_COLUMNS:
        if column not in have:
            conn.execute(f"ALTER TABLE beat_contexts ADD COLUMN {column} TEXT")
    for statement in _MACHINE_STATEMENTS:
        conn.execute(statement)
