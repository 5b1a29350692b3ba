"""Schema versioning: a database the seed's sketch made is upgraded in place, whole, without loss.

The fixture ``fixtures/seed-v0.db`` was made by ``fixtures/make_seed_db.py`` with the seed's exact
DDL and beat handling; see that script for what each row went through.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from oxitrack import sessions
from oxitrack.errors import StoreError
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store import core as store_core
from oxitrack.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.fixtures import make_seed_db
from tests.sessions_model import assert_no_overlap

FIXTURE = Path(__file__).parent / "fixtures" / "seed-v0.db"
SEED_QUERY = (
    "SELECT project_path, MAX(last_heartbeat) - start_time FROM sessions GROUP BY project_path;"
)
T = make_seed_db.T
A, B, C = make_seed_db.A, make_seed_db.B, make_seed_db.C


def _query(db_path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _rows(db_path: Path) -> list[tuple[int, str, int, int]]:
    return _query(
        db_path, "SELECT id, project_path, start_time, last_heartbeat FROM sessions ORDER BY id"
    )


def _version(db_path: Path) -> int:
    return int(_query(db_path, "PRAGMA user_version")[0][0])


def _table_sql(db_path: Path) -> str:
    return str(_query(db_path, "SELECT sql FROM sqlite_master WHERE name = 'sessions'")[0][0])


@pytest.fixture
def seed_db(tmp_path: Path) -> Path:
    copy = tmp_path / "seed-v0.db"
    shutil.copyfile(FIXTURE, copy)
    return copy


def test_fixture_is_what_its_script_makes(tmp_path: Path):
    remade = tmp_path / "remade.db"
    make_seed_db.make(remade)
    assert _rows(remade) == _rows(FIXTURE)
    assert _version(FIXTURE) == 0
    assert "ON CONFLICT REPLACE" in _table_sql(FIXTURE)


def test_fixture_holds_the_damage_the_seed_sketch_does():
    rows = _rows(FIXTURE)
    assert any(start > last for _, _, start, last in rows), "an inverted session"
    assert 5 not in {row[0] for row in rows}, "a session dropped by ON CONFLICT REPLACE"


def test_seed_database_is_upgraded_in_place_without_loss(seed_db: Path):
    old = _rows(seed_db)
    Store(seed_db).close()
    new = _rows(seed_db)
    assert _version(seed_db) == SCHEMA_VERSION
    assert "REPLACE" not in _table_sql(seed_db).upper()
    # Every span the old file held lies inside exactly one session of its project.
    for _, path, start, last in old:
        low, high = min(start, last), max(start, last)
        holders = [row for row in new if row[1] == path and row[2] <= low and high <= row[3]]
        assert len(holders) == 1, (path, low, high, new)
    # Nothing invented: every new bound is a bound an old row had.
    old_bounds = {(path, t) for _, path, start, last in old for t in (start, last)}
    assert all((path, t) in old_bounds for _, path, first, last in new for t in (first, last))
    assert_no_overlap((path, start, last) for _, path, start, last in new)


def test_seed_database_upgrade_merges_overlaps_and_keeps_ids(seed_db: Path):
    Store(seed_db).close()
    assert _rows(seed_db) == [
        (1, C, T, T + 600),  # untouched
        (2, A, T, T + 5000),  # shrunk (T, T+300) + inverted (T+5000, T+700), 400 s apart
        (4, A, T + 20000, T + 20000),
        (6, A, T + 30000, T + 30000),
        (7, B, T + 50, T + 1000),  # (T+100) + the inverted (T+1000, T+50) overlapping it
        (9, B, T + 9000, T + 9000),
    ]


def test_seed_query_still_works_after_upgrade(seed_db: Path):
    Store(seed_db).close()
    # SQLite takes the bare start_time from the row holding MAX(last_heartbeat): the latest session.
    assert sorted(_query(seed_db, SEED_QUERY)) == [(B, 0), (A, 0), (C, 600)]


def test_upgraded_database_takes_beats_and_opens_again_without_change(seed_db: Path):
    with Store(seed_db) as store:
        merged = store.record_beat(Beat(A, T + 5500))
        assert (merged.id, merged.start_time, merged.last_heartbeat) == (2, T, T + 5500)
    after = _rows(seed_db)
    Store(seed_db).close()
    assert _rows(seed_db) == after


def _failing_step(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x)")
    raise sqlite3.OperationalError("disk I/O error (simulated)")


def test_upgrade_failing_in_a_later_step_leaves_the_file_as_it_was(
    seed_db: Path, monkeypatch: pytest.MonkeyPatch
):
    before = (_rows(seed_db), _table_sql(seed_db), _version(seed_db))
    monkeypatch.setattr(store_core, "MIGRATIONS", [*MIGRATIONS, _failing_step])
    monkeypatch.setattr(store_core, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="disk I/O error"):
        Store(seed_db)
    assert (_rows(seed_db), _table_sql(seed_db), _version(seed_db)) == before
    assert not _query(seed_db, "SELECT 1 FROM sqlite_master WHERE name = 'half_done'")


def test_upgrade_failing_half_way_through_step_one_leaves_the_file_as_it_was(
    seed_db: Path, monkeypatch: pytest.MonkeyPatch
):
    def broken_merge(spans):
        raise sqlite3.OperationalError("database or disk is full (simulated)")

    before = (_rows(seed_db), _table_sql(seed_db), _version(seed_db))
    monkeypatch.setattr(sessions, "merge_spans", broken_merge)  # after the table was renamed
    with pytest.raises(StoreError, match="disk is full"):
        Store(seed_db)
    assert (_rows(seed_db), _table_sql(seed_db), _version(seed_db)) == before


def _add_column_once(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE sessions ADD COLUMN note TEXT")  # fails if run twice


def test_stores_opening_an_old_file_at_once_upgrade_it_once(
    seed_db: Path, monkeypatch: pytest.MonkeyPatch
):
    """The daemon and a CLI command may open an old file together: each step must run once."""
    monkeypatch.setattr(store_core, "MIGRATIONS", [*MIGRATIONS, _add_column_once])
    monkeypatch.setattr(store_core, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_store() -> None:
        start.wait(10)
        try:
            Store(seed_db).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert _version(seed_db) == SCHEMA_VERSION + 1


def test_reading_a_seed_database_upgrades_it_first(tmp_path):
    """`oxitrack today` on a file the seed's sketch wrote, before any daemon has upgraded it."""
    import shutil
    import sqlite3

    from oxitrack.cli import main
    from oxitrack.store.schema import SCHEMA_VERSION

    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    assert main(["report", "--from", "2024-01-01", "--to", "2026-12-31", "--db", str(db)]) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
