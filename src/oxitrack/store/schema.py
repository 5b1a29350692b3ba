"""Schema upgrades, as an ordered list of small steps keyed by ``PRAGMA user_version``.

Step ``n`` (1-based) upgrades a database at version ``n - 1``. Each runs inside the same
transaction that bumps the version, so an upgrade is applied whole or not at all. Append new
steps at the end; never edit one that has shipped.

Every file OxiTrack creates or upgrades carries ``PRAGMA application_id = APPLICATION_ID``
(0x4F585452, "OXTR" in ASCII, in the header's bytes 68-71): ``file(1)`` and other programs can tell
it apart, and OxiTrack refuses a file that another program marked as its own. Files written before
the id existed (application_id 0) are recognised by their tables instead: see ``foreign_reason``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from oxitrack.errors import StoreError
from oxitrack.store.folders import register_session_paths
from oxitrack.store.sqlite_errors import store_error

Migration = Callable[[sqlite3.Connection], None]

log = logging.getLogger("oxitrack")

APPLICATION_ID = 0x4F585452  # "OXTR"
_SEED_COLUMNS = frozenset({"id", "project_path", "start_time", "last_heartbeat"})
_MAX_NAMES_SHOWN = 5

_SESSIONS_TABLE = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    project_path TEXT NOT NULL,
    start_time INTEGER NOT NULL,  -- Unix timestamp
    last_heartbeat INTEGER NOT NULL,
    UNIQUE(project_path, start_time)
)
"""


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


def _canonical_or_as_is(project_path: str) -> str:
    """The path a beat for ``project_path`` would be stored under; a value no beat could carry
    (the sketch checked nothing) stays as it is rather than being lost."""
    from oxitrack.beats import check_project_path
    from oxitrack.errors import InvalidField

    try:
        return check_project_path(project_path)
    except InvalidField:
        return project_path


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES_SHOWN])
    return shown + (", ..." if len(names) > _MAX_NAMES_SHOWN else "")


def _create_or_repair_sessions(conn: sqlite3.Connection) -> None:
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


_PROJECT_TABLES = (
    """
    CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT  -- given with `oxitrack projects rename`; NULL: the latest folder's name
    )
    """,
    """
    CREATE TABLE project_identities (
        identity TEXT PRIMARY KEY,  -- git:<root commit> or path:<canonical project_path>
        project_id INTEGER NOT NULL REFERENCES projects(id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE project_paths (
        project_path TEXT PRIMARY KEY,  -- as in sessions.project_path
        project_id INTEGER NOT NULL REFERENCES projects(id),
        identity TEXT NOT NULL,         -- what this folder was found to be when last looked at
        checked_at INTEGER NOT NULL,    -- beat time of that look
        beat_count INTEGER NOT NULL,    -- beats received since the path was registered
        last_beat INTEGER NOT NULL      -- latest beat time
    ) WITHOUT ROWID
    """,
    "CREATE INDEX project_identities_by_project ON project_identities(project_id)",
    "CREATE INDEX project_paths_by_project ON project_paths(project_id)",
)


def _create_projects(conn: sqlite3.Connection) -> None:
    """Step 2: projects that keep their history when a folder moves (``store/projects.py``).

    ``sessions`` is left as it is (the seed's query still works). Its paths are registered by
    step 4, once new projects can be given ids (files that passed step 2 before step 4 existed
    have theirs already).
    """
    for statement in _PROJECT_TABLES:
        conn.execute(statement)


_BEAT_DETAILS_TABLES = (
    # What repeats from heartbeat to heartbeat (project, editor, language, branch, ...) is kept
    # once per distinct combination; each heartbeat is then a small row keyed by its time. One
    # wide row per heartbeat cost ~280 bytes (33 MiB a year of heavy use); this costs ~30.
    # project_source took one more value later (``project_name_match``): ``wakatime.ProjectSource``
    # is the list; the column has no CHECK, so no step was needed.
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


def _create_beat_details(conn: sqlite3.Connection) -> None:
    """Step 3: what WakaTime heartbeats tell beyond the beat (language, branch, editor, ...).

    No file paths: the entity is not stored. The ``beat_details`` view shows one row per
    heartbeat with every detail, for reports and for people reading the file with ``sqlite3``.
    """
    for statement in _BEAT_DETAILS_TABLES:
        conn.execute(statement)


def _create_retired_projects(conn: sqlite3.Connection) -> None:
    """Step 4: the ids of projects merged away, so that an id is never given out twice.

    SQLite hands a new row the highest id plus one: after merging away the newest project, the
    next new folder got its id, and repeating ``oxitrack projects merge 3 2`` (a retried request,
    a command run twice) merged that unrelated folder, with no way back.
    """
    conn.execute(
        """
        CREATE TABLE retired_projects (
            id INTEGER PRIMARY KEY,       -- a project id that was merged away
            merged_into INTEGER NOT NULL  -- the project that holds its folders now
        )
        """
    )
    # Every session path without a project (all of them, coming from the seed's table) is
    # registered, identified from its folder as a new path would be (beat counts start at 0).
    register_session_paths(conn)


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


def _complete_early_shapes(conn: sqlite3.Connection, version: int) -> None:
    """Give a file from the first builds with version 2 or 3 the tables those versions have now.

    Two steps changed while files were being written with them, and a file says only its
    version, so it is told by its tables: step 2 was first a placeholder that did nothing (such
    files say version 3 and have no ``projects``: step 4 then failed on every open), and step 3
    first kept one wide ``beat_details`` row per heartbeat (such files kept that table through
    the upgrade, and every WakaTime heartbeat after it failed on the missing ``beat_contexts``).
    """
    if version >= 2 and not table_exists(conn, "projects"):
        _create_projects(conn)
    if version >= 3 and table_exists(conn, "beat_details"):  # today's is a view
        _move_wide_beat_details(conn)


def _move_wide_beat_details(conn: sqlite3.Connection) -> None:
    """The wide ``beat_details`` rows as step 3 keeps them now: shared contexts plus one small
    row per heartbeat. Nothing the wide row held is dropped but its ``timestamp`` (the view
    computes it from ``time``) and its ``id`` (nothing refers to it). Two rows of one
    heartbeat (same time and context) differing only in ``is_write`` become one, the first
    received, as the same heartbeat re-sent does now."""
    conn.execute(f"ALTER TABLE beat_details RENAME TO {_WIDE_BEAT_DETAILS}")
    _create_beat_details(conn)
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


def _finish_wide_beat_details(conn: sqlite3.Connection) -> None:
    """Step 5: the version that says a file has today's tables. A file with the first step
    3's wide ``beat_details`` that an OxiTrack without ``_complete_early_shapes`` upgraded to
    version 4 (every WakaTime heartbeat since got a 503) is given them by ``upgrade``, which
    completes early shapes before any step, so this repeats a finished job and changes nothing.
    The number is what counts: OxiTrack that knows only version 4 refuses to open a file that
    says 5 (and its daemon, where it has the newer-schema check, stops), instead of writing a
    file it upgraded wrongly."""
    _complete_early_shapes(conn, 3)


def _index_sessions_by_start_time(conn: sqlite3.Connection) -> None:
    """Step 6: sessions in the order every report lists them (``start_time, id``: the index
    holds the rowid, which is ``id``), so that ``oxitrack export`` streams them as it reads
    them. Without it SQLite sorted the whole table first, in a temporary file (about 100 MiB
    for a million sessions, which a small ``/tmp`` could not hold), before the first line.

    A beat extending its session forwards, the usual one, moves only ``last_heartbeat`` and
    leaves this index alone (``store/beats.py``); only a new session or a late beat that moves
    a start writes an entry. ``IF NOT EXISTS``: a newer file whose version was set back by hand
    (as tests do to make an older one) keeps the index it has."""
    # The build sorts every start once, in memory: ``Store._migrate`` upgrades with
    # ``temp_store = MEMORY``.
    conn.execute("CREATE INDEX IF NOT EXISTS sessions_by_start_time ON sessions(start_time)")


MIGRATIONS: list[Migration] = [
    _create_or_repair_sessions,
    _create_projects,
    _create_beat_details,
    _create_retired_projects,
    _finish_wide_beat_details,
    _index_sessions_by_start_time,
]

SCHEMA_VERSION = len(MIGRATIONS)


# An upgrade still at work after this long is said to be going on (``upgrade``).
UPGRADE_NOTICE_SECONDS = 1.0
# The room an upgrade takes, as a multiple of the file's size: every table it rebuilds is
# written to the -wal whole before the commit (measured: 2.1 times the file for the seed's).
UPGRADE_ROOM_FACTOR = 3


def _file_size_bytes(conn: sqlite3.Connection) -> int:
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    return int(pages) * int(page_size)


def _mebibytes(size_bytes: int) -> str:
    return f"{max(1, round(size_bytes / (1 << 20)))} MiB"


# -- opening a file: is it ours, and how old ----------------------------------------------------


class NewerSchema(StoreError):
    """The file's schema is newer than this OxiTrack's: a newer version wrote it."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


def check_file(path: str, conn: sqlite3.Connection) -> tuple[int, int]:
    """The schema version and application id of the file at ``path`` (open as ``conn``), once
    it is known to be ours (or new) and not from a newer OxiTrack. A marked file costs this one
    query."""
    header = "SELECT * FROM pragma_user_version, pragma_application_id"
    try:
        version, application_id = conn.execute(header).fetchone()
        if application_id == APPLICATION_ID or conn.in_transaction:
            reason = foreign_reason(conn, version, application_id)
        else:
            # Header and tables from one snapshot: another process may upgrade the file
            # between two reads, and half of each would look like nobody's file.
            conn.execute("BEGIN")
            try:
                version, application_id = conn.execute(header).fetchone()
                reason = foreign_reason(conn, version, application_id)
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")  # it only read
    except sqlite3.Error as exc:
        raise store_error(f"cannot open the database {path}", exc) from None
    if reason is not None:
        raise StoreError(f"{path} is not an OxiTrack database ({reason})")
    if version > SCHEMA_VERSION:
        raise NewerSchema(
            f"{path} was written by a newer OxiTrack (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade oxitrack to use it",
            version,
        )
    return int(version), int(application_id)


def upgrade(path: str, conn: sqlite3.Connection) -> None:
    """Every step the file at ``path`` (open as ``conn``, inside the caller's write transaction)
    still needs, then its version and application id."""
    version, application_id = check_file(path, conn)
    size_bytes = _file_size_bytes(conn)
    # The daemon says nothing until it listens, and a large file's upgrade takes long enough
    # that a silent start looks hung (and gets stopped): one that lasts is said to be going on.
    notice = threading.Timer(
        UPGRADE_NOTICE_SECONDS,
        log.warning,
        (
            "upgrading %s from schema %d to %d (%s): this can take a minute; stopping it is"
            " safe (the file stays as it was, and the upgrade starts over next time)",
            path,
            version,
            SCHEMA_VERSION,
            _mebibytes(size_bytes),
        ),
    )
    notice.daemon = True
    if version < SCHEMA_VERSION:
        notice.start()
    try:
        _complete_early_shapes(conn, version)
        for step in MIGRATIONS[version:]:
            step(conn)
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_FULL:
            raise
        # SQLite says only "database or disk is full", which tells neither that nothing was
        # changed nor how much room the upgrade wants: its rebuilt tables go to the -wal first.
        raise StoreError(
            f"cannot upgrade {path} from schema {version} to {SCHEMA_VERSION}: the disk is"
            f" full. Nothing was changed. The upgrade needs about"
            f" {_mebibytes(UPGRADE_ROOM_FACTOR * size_bytes)} free beside the file: free some"
            " space, then start again"
        ) from None
    finally:
        notice.cancel()
    if version != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if application_id != APPLICATION_ID:
        # Files from before the mark get it on their first open for writing.
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
