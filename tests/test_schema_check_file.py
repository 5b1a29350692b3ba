"""``check_file``: whose file it is and how old, read from one snapshot, refused when newer.

Through real files and real connections; where another process must act at one exact moment
(between reading the header and reading the tables), a second connection does it there.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from oxitrack.errors import StoreError
from oxitrack.store import Store
from oxitrack.store import schema as store_schema
from oxitrack.store.ownership import APPLICATION_ID
from oxitrack.store.schema import SCHEMA_VERSION, NewerSchema, check_file, upgrade

SEED_FIXTURE = Path(__file__).parent / "fixtures" / "seed-v0.db"


def _autocommit(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(db_path, isolation_level=None)


def _header(db_path: Path) -> tuple[int, int]:
    conn = _autocommit(db_path)
    try:
        version, application_id = conn.execute(
            "SELECT * FROM pragma_user_version, pragma_application_id"
        ).fetchone()
    finally:
        conn.close()
    return int(version), int(application_id)


def test_an_unmarked_file_upgraded_between_header_and_tables_is_still_taken_for_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The daemon and a command open a seed file together: one upgrades it while the other is
    checking it. Header and tables read apart, the checker would see version 0 with the new
    tables beside ``sessions`` and refuse the user's own file as another program's."""
    db = tmp_path / "seed.db"
    shutil.copyfile(SEED_FIXTURE, db)
    checker = _autocommit(db)
    checker.execute("PRAGMA journal_mode = WAL")  # as every OxiTrack connection sets it
    real_foreign_reason = store_schema.foreign_reason
    upgraded: list[tuple[int, int]] = []

    def upgrade_first(conn: sqlite3.Connection, version: int, application_id: int) -> str | None:
        if conn is checker and not upgraded:
            other = _autocommit(db)
            try:
                other.execute("BEGIN IMMEDIATE")
                upgrade(str(db), other)
                other.execute("COMMIT")
            finally:
                other.close()
            upgraded.append(_header(db))
        return real_foreign_reason(conn, version, application_id)

    monkeypatch.setattr(store_schema, "foreign_reason", upgrade_first)
    try:
        assert check_file(str(db), checker) == (0, 0)  # as it was when the check began
        assert not checker.in_transaction
    finally:
        checker.close()
    assert upgraded == [(SCHEMA_VERSION, APPLICATION_ID)]


def test_checking_a_marked_file_costs_one_query(tmp_path: Path):
    """Every connection OxiTrack opens checks the file: ours, marked, is told by its header
    alone, with no transaction and no look at its tables."""
    db = tmp_path / "oxitrack.db"
    Store(db).close()
    conn = _autocommit(db)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        assert check_file(str(db), conn) == (SCHEMA_VERSION, APPLICATION_ID)
    finally:
        conn.close()
    # SQLite also traces the pragmas' own inner statements, as "-- PRAGMA ..." lines.
    ran = [sql for sql in statements if not sql.startswith("-- ")]
    assert ran == ["SELECT * FROM pragma_user_version, pragma_application_id"]


def test_a_file_from_a_newer_oxitrack_is_refused_with_its_version_and_keeps_it(tmp_path: Path):
    """The daemon stops on it, saying which schema it found (``NewerSchema.version``); an
    upgrade must never write this version's number over the newer one."""
    db = tmp_path / "oxitrack.db"
    Store(db).close()
    newer = SCHEMA_VERSION + 2
    conn = _autocommit(db)
    try:
        conn.execute(f"PRAGMA user_version = {newer}")
        conn.execute("BEGIN IMMEDIATE")
        with pytest.raises(NewerSchema) as refused:
            upgrade(str(db), conn)
        conn.execute("COMMIT")
    finally:
        conn.close()
    assert refused.value.version == newer
    assert str(refused.value) == (
        f"{db} was written by a newer OxiTrack (schema {newer}, this one knows "
        f"{SCHEMA_VERSION}); upgrade oxitrack to use it"
    )
    assert _header(db) == (newer, APPLICATION_ID)


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "read-only"])
def test_a_file_that_is_not_sqlite_is_refused_in_words_and_left_alone(
    tmp_path: Path, read_only: bool
):
    """``--db`` pointed at a notes file: one clear error the CLI prints as one line, never a
    traceback, and not a byte of the file changed."""
    db = tmp_path / "notes.txt"
    db.write_text("meeting notes, not a database\n" * 40)
    before = db.read_bytes()
    with pytest.raises(StoreError) as refused:
        Store(db, read_only=read_only)
    assert str(refused.value) == (
        f"cannot open the database {db}: file is not a database: not a valid OxiTrack"
        " database (corrupt or another kind of file)"
    )
    assert db.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
