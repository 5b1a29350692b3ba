"""Schema upgrades, as an ordered list of small steps keyed by ``PRAGMA user_version``, and the
check every connection makes of a file: ours (``ownership.py``), and not from a newer OxiTrack.

Step ``n`` (1-based) upgrades a database at version ``n - 1``. Each runs inside the same
transaction that bumps the version, so an upgrade is applied whole or not at all. Append new
steps at the end; never edit one that has shipped. The steps live with the tables they make
(``sessions_table.py``, ``project_tables.py``, ``beat_detail_tables.py``); this module orders
them, and completes files from builds whose steps changed after they were written.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

from oxitrack.errors import StoreError, warn
from oxitrack.store.beat_detail_tables import (
    add_machines,
    create_beat_details,
    move_wide_beat_details,
)
from oxitrack.store.dropped_objects import make_again
from oxitrack.store.lock_holders import open_elsewhere_by, process_names
from oxitrack.store.ownership import APPLICATION_ID, foreign_reason, table_exists
from oxitrack.store.project_tables import create_projects, create_retired_projects
from oxitrack.store.sessions_table import create_or_repair_sessions, index_sessions_by_start_time
from oxitrack.store.sqlite_errors import opening_error, store_error

Migration = Callable[[sqlite3.Connection], None]


def _complete_early_shapes(conn: sqlite3.Connection, version: int) -> None:
    """Give a file from the first builds with version 2 or 3 the tables those versions have now.

    Two steps changed while files were being written with them, and a file says only its
    version, so it is told by its tables: step 2 was first a placeholder that did nothing (such
    files say version 3 and have no ``projects``: step 4 then failed on every open), and step 3
    first kept one wide ``beat_details`` row per heartbeat (such files kept that table through
    the upgrade, and every WakaTime heartbeat after it failed on the missing ``beat_contexts``).
    """
    if version >= 2 and not table_exists(conn, "projects"):
        create_projects(conn)
    if version >= 3 and table_exists(conn, "beat_details"):  # today's is a view
        move_wide_beat_details(conn)


def _finish_wide_beat_details(conn: sqlite3.Connection) -> None:
    """Step 5: the version that says a file has today's tables. A file with the first step
    3's wide ``beat_details`` that an OxiTrack without ``_complete_early_shapes`` upgraded to
    version 4 (every WakaTime heartbeat since got a 503) is given them by ``upgrade``, which
    completes early shapes before any step, so this repeats a finished job and changes nothing.
    The number is what counts: OxiTrack that knows only version 4 refuses to open a file that
    says 5 (and its daemon, where it has the newer-schema check, stops), instead of writing a
    file it upgraded wrongly."""
    _complete_early_shapes(conn, 3)


MIGRATIONS: list[Migration] = [
    create_or_repair_sessions,
    create_projects,
    create_beat_details,
    create_retired_projects,
    _finish_wide_beat_details,
    index_sessions_by_start_time,
    add_machines,
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
        raise opening_error(path, exc) from None
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
        warn,
        (
            "oxitrack",
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


# -- opening a file for writing: up to date, and writable ----------------------------------------


def bring_up_to_date(
    path: str,
    conn: sqlite3.Connection,
    write: Callable[[Migration], None],
    write_lock: threading.Lock,
) -> None:
    """Bring the file at ``path`` (its writer ``conn``) up to ``SCHEMA_VERSION`` in one
    transaction run by ``write``: every step, or none. With nothing to upgrade, refuse now a
    file that cannot be written (``_check_writable``, under the store's ``write_lock``).

    One transaction for all pending steps, so a failure in step 3 does not leave a file
    half-way at version 2. The version is read again under the write lock, because another
    process (the daemon and a CLI command starting together) may have upgraded the file
    since we first looked; running a step twice could fail or damage data.
    """
    version, application_id = check_file(path, conn)
    if (version, application_id) != (SCHEMA_VERSION, APPLICATION_ID):
        # Asked before the upgrade, which an older daemon holding the file answers by stopping.
        holders = open_elsewhere_by(path) if 0 < version < SCHEMA_VERSION else None
        # Steps sort whole tables once (step 6 builds an index of every start): in memory,
        # not in a temporary file that a small /tmp cannot hold (it stopped the upgrade, and
        # with it the daemon). SQLite allows the switch only outside a transaction.
        (temp_store,) = conn.execute("PRAGMA temp_store").fetchone()
        conn.execute("PRAGMA temp_store = MEMORY")
        try:
            write(lambda conn: upgrade(path, conn))
        finally:
            conn.execute(f"PRAGMA temp_store = {int(temp_store)}")
        if holders:
            _say_upgraded(path, holders)
    else:
        _check_writable(path, conn, write_lock)


def _check_writable(path: str, conn: sqlite3.Connection, write_lock: threading.Lock) -> None:
    """Refuse now a file that cannot be written (its mode, a read-only mount), and make again
    the indexes and views someone dropped by hand (``dropped_objects.py``).

    SQLite grants the write lock of such a file in WAL mode and fails only on the first
    page written: with nothing to upgrade, that was the daemon's first beat, after it had
    said it was listening and ``/health`` said ok. One page is written here and rolled
    back, so the file is left as it was, unless something dropped was made again.
    """
    with write_lock:
        try:
            conn.execute("BEGIN IMMEDIATE")
            made = False
            try:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                made = make_again(conn, path)
            finally:
                conn.execute("COMMIT" if made else "ROLLBACK")
        except sqlite3.Error as exc:
            raise store_error(f"cannot write to {path}", exc) from None


def _say_upgraded(path: str, holders: set[int]) -> None:
    """Say that the file at ``path`` was upgraded under the programs ``holders`` that have it
    open.

    The first command of a new version (a report, ``today`` too, or one that writes, such as
    ``projects rename --via file``) upgrades the file while the older daemon may still record
    into it: that daemon then stops, so as not to write a schema it does not know, and one
    started by hand stays stopped. Without a word here the command printed its report, and
    every editor's beats went nowhere until someone looked. An upgrade nobody else sees stays
    silent (a status bar's ``today`` has no stderr to show)."""
    warn(
        "oxitrack",
        "upgraded %s to schema %d, this version's; %s had it open: if that is an older"
        " OxiTrack daemon, it stops now (a service starts again by itself, with this version;"
        " one started by hand needs `oxitrack serve` again)",
        path,
        SCHEMA_VERSION,
        process_names(holders),
    )
