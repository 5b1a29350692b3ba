"""Schema versioning: a database the seed's sketch made is upgraded in place, whole, without loss.

The fixture ``fixtures/seed-v0.db`` was made by ``fixtures/make_seed_db.py`` with the seed's exact
DDL and beat handling; see that script for what each row went through.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from oxitrack import sessions
from oxitrack.errors import StoreError
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store import read_only as store_read_only
from oxitrack.store import schema as store_schema
from oxitrack.store.ownership import APPLICATION_ID
from oxitrack.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.daemon_process import DaemonProcess
from tests.fixtures import make_seed_db
from tests.sessions_model import assert_no_overlap
from tests.small_mounts import in_small_mount

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
    # Every beat the old file records lies inside exactly one session of its project: a row's
    # whole span, or both ends of an inverted row (two beats, not the time between them).
    recorded = [
        span
        for _, path, start, last in old
        for span in (
            [(path, start, last)] if start <= last else [(path, last, last), (path, start, start)]
        )
    ]
    for path, low, high in recorded:
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
        (2, A, T, T + 700),  # shrunk (T, T+300) + the late beat T+700 of the inverted row 3
        (3, A, T + 5000, T + 5000),  # the inverted row's own start: a session of its own
        (4, A, T + 20000, T + 20000),
        (6, A, T + 30000, T + 30000),
        (7, B, T + 50, T + 100),  # (T+100) + the late beat T+50 of the inverted row 8
        (8, B, T + 1000, T + 1000),
        (9, B, T + 9000, T + 9000),
    ]


def test_seed_upgrade_gives_the_sessions_of_the_beats_the_sketch_kept(seed_db: Path):
    """The beats of make_seed_db, but T+20500 (lost by the sketch's REPLACE), sessionized."""
    Store(seed_db).close()
    kept = [beat for beat in make_seed_db.BEATS if beat != (A, T + 20000 + 500)]
    expected = {
        (path, start, last)
        for path in {path for path, _ in kept}
        for start, last in sessions.sessionize(t for p, t in kept if p == path)
    }
    assert {row[1:] for row in _rows(seed_db)} == expected


def test_seed_upgrade_gives_a_split_row_a_new_id_no_later_row_holds(tmp_path: Path):
    """Row 1 is inverted: its two beats become two sessions, the second needing a new id. SQLite's
    own pick (the highest so far plus one) was 2, which row 2 still held: the upgrade failed."""
    db = tmp_path / "seed.db"
    conn = sqlite3.connect(db)
    conn.execute(make_seed_db.SEED_DDL)
    conn.executemany(
        "INSERT INTO sessions (id, project_path, start_time, last_heartbeat) VALUES (?, ?, ?, ?)",
        [(1, "/a", T + 2000, T), (2, "/b", T, T + 60)],
    )
    conn.commit()
    conn.close()
    Store(db).close()
    assert _rows(db) == [(1, "/a", T, T), (2, "/b", T, T + 60), (3, "/a", T + 2000, T + 2000)]


def _seed_file(db_path: Path, rows: list[tuple[int, str, int, int]]) -> Path:
    """A file as the seed's sketch leaves it, holding ``rows`` (id, path, start, last)."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute(make_seed_db.SEED_DDL)
        conn.executemany(
            "INSERT INTO sessions (id, project_path, start_time, last_heartbeat)"
            " VALUES (?, ?, ?, ?)",
            rows,
        )
        conn.commit()
    finally:
        conn.close()
    return db_path


def test_seed_upgrade_keeps_a_session_longer_than_the_gap_whole(tmp_path: Path):
    """Only an inverted row is two beats: an ordinary row's beats in between were merged into it
    one by one, so two hours stay two hours, not two moments 7200 s apart."""
    rows = [(1, A, T, T + 7200), (2, B, T + 100, T + 100 + sessions.SESSION_GAP_SECONDS)]
    db = _seed_file(tmp_path / "seed.db", rows)
    Store(db).close()
    assert _rows(db) == rows


def test_seed_upgrade_gives_every_split_row_its_own_new_id(tmp_path: Path):
    """Two inverted rows, each splitting in two: the second halves get the next free ids, one
    each, past every id an old row holds."""
    db = _seed_file(
        tmp_path / "seed.db",
        [(1, "/a", T + 2000, T), (2, "/b", T + 5000, T + 3000), (3, "/c", T, T + 60)],
    )
    Store(db).close()
    assert _rows(db) == [
        (1, "/a", T, T),
        (2, "/b", T + 3000, T + 3000),
        (3, "/c", T, T + 60),
        (4, "/a", T + 2000, T + 2000),
        (5, "/b", T + 5000, T + 5000),
    ]


def test_seed_upgrade_keeps_the_ids_of_sessions_stored_out_of_time_order(tmp_path: Path):
    """A session keeps the lowest id among the rows merged into it, never the id of a later
    session of the same project (the sketch's ids follow arrival, not time: late beats)."""
    db = _seed_file(
        tmp_path / "seed.db",
        [(3, A, T + 5000, T + 5100), (1, A, T + 5050, T + 5200), (2, A, T, T + 100)],
    )
    Store(db).close()
    assert _rows(db) == [(1, A, T + 5000, T + 5200), (2, A, T, T + 100)]


def _schema(db_path: Path) -> set[tuple[str, str, str]]:
    rows = _query(db_path, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    return {(kind, name, " ".join(sql.split())) for kind, name, sql in rows}


def test_seed_upgrade_leaves_exactly_the_tables_of_a_new_file(seed_db: Path, tmp_path: Path):
    """No copy of the old rows is left behind beside the repaired ``sessions`` table."""
    Store(seed_db).close()
    Store(tmp_path / "new.db").close()
    assert _schema(seed_db) == _schema(tmp_path / "new.db")


def test_seed_upgrade_makes_old_paths_canonical(tmp_path: Path):
    (tmp_path / "app").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "app")
    db = tmp_path / "seed.db"
    conn = sqlite3.connect(db)
    conn.execute(make_seed_db.SEED_DDL)
    conn.executemany(
        "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
        [
            (f"{tmp_path}/app/", T, T + 600),
            (f"{tmp_path}/./link", T + 1000, T + 1300),
            ("relative/kept", T, T),
        ],
    )
    conn.commit()
    conn.close()
    Store(db).close()
    app = str(tmp_path / "app")
    assert [row[1:] for row in _rows(db)] == [(app, T, T + 1300), ("relative/kept", T, T)]


def test_seed_query_still_works_after_upgrade(seed_db: Path):
    Store(seed_db).close()
    # SQLite takes the bare start_time from the row holding MAX(last_heartbeat): the latest session.
    assert sorted(_query(seed_db, SEED_QUERY)) == [(B, 0), (A, 0), (C, 600)]


def test_upgraded_database_takes_beats_and_opens_again_without_change(seed_db: Path):
    with Store(seed_db) as store:
        merged = store.record_beat(Beat(A, T + 5500))
        assert (merged.id, merged.start_time, merged.last_heartbeat) == (3, T + 5000, T + 5500)
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
    monkeypatch.setattr(store_schema, "MIGRATIONS", [*MIGRATIONS, _failing_step])
    for module in (store_schema, store_read_only):
        monkeypatch.setattr(module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
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
    monkeypatch.setattr(store_schema, "MIGRATIONS", [*MIGRATIONS, _add_column_once])
    for module in (store_schema, store_read_only):
        monkeypatch.setattr(module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
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


# -- whose file it is --------------------------------------------------------------------------

SEED_SESSIONS = (
    "CREATE TABLE sessions (id INTEGER PRIMARY KEY, project_path TEXT NOT NULL,"
    " start_time INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL)"
)


def _make(db_path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(db_path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
    return db_path


def _header(db_path: Path) -> tuple[int, int]:
    """(user_version, application_id)"""
    return _version(db_path), int(_query(db_path, "PRAGMA application_id")[0][0])


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file of the folder and its sha256: what must not change, nor appear."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir()}


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "oxitrack", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)


FOREIGN_FILES = {
    "other tables": (
        ["CREATE TABLE foo (x)", "CREATE TABLE bar (y)"],
        "it has other tables: bar, foo",
    ),
    "sessions of another shape": (
        ["CREATE TABLE sessions (id INTEGER PRIMARY KEY, name TEXT, started REAL)"],
        "its sessions table has other columns: id, name, started",
    ),
    "seed sessions with an extra column": (
        [SEED_SESSIONS[:-1] + ", user_id INTEGER)"],
        "its sessions table has other columns",
    ),
    "seed sessions beside other tables": (
        [SEED_SESSIONS, "CREATE TABLE accounts (id)", "CREATE VIEW recent AS SELECT 1"],
        "it has other tables: accounts, recent",
    ),
    "another program's user_version, one we know": (
        ["CREATE TABLE moz_places (id)", "PRAGMA user_version = 2"],
        "it has other tables: moz_places",
    ),
    "another program's user_version, beyond ours": (
        ["CREATE TABLE moz_places (id)", "PRAGMA user_version = 70"],
        "it has other tables: moz_places",
    ),
    "a user_version but no tables": (
        ["PRAGMA user_version = 1"],
        "it has no tables but user_version 1",
    ),
    "another program's application_id": (
        [SEED_SESSIONS, "PRAGMA application_id = 1196444487"],  # GeoPackage's
        "another program marked it as its own: application_id 0x47504b47",
    ),
}


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "read-only"])
@pytest.mark.parametrize("name", list(FOREIGN_FILES))
def test_another_programs_database_is_refused_and_left_byte_for_byte(
    tmp_path: Path, name: str, read_only: bool
):
    statements, reason = FOREIGN_FILES[name]
    db = _make(tmp_path / "other.db", *statements)
    before = _snapshot(tmp_path)
    with pytest.raises(StoreError) as refused:
        Store(db, read_only=read_only)
    assert str(refused.value).startswith(f"{db} is not an OxiTrack database (")
    assert reason in str(refused.value)
    assert _snapshot(tmp_path) == before  # not a byte changed, no -wal or -shm beside it


@pytest.mark.parametrize(
    ("count", "listed"),
    [
        (5, "t1, t2, t3, t4, t5"),
        (6, "t1, t2, t3, t4, t5, ..."),
    ],
    ids=["five", "six"],
)
def test_refusal_names_at_most_five_tables_and_says_when_there_are_more(
    tmp_path: Path, count: int, listed: str
):
    tables = [f"CREATE TABLE t{n} (x)" for n in range(1, count + 1)]
    db = _make(tmp_path / "other.db", *tables)
    with pytest.raises(StoreError) as refused:
        Store(db)
    assert str(refused.value) == f"{db} is not an OxiTrack database (it has other tables: {listed})"


def test_seed_sessions_table_with_the_seed_columns_in_another_order_is_accepted(tmp_path: Path):
    db = _make(
        tmp_path / "seed.db",
        "CREATE TABLE sessions (project_path TEXT, last_heartbeat INT, start_time INT, id INTEGER"
        " PRIMARY KEY)",
        "INSERT INTO sessions VALUES ('/code/a', 160, 100, 1)",
    )
    Store(db).close()
    assert _rows(db) == [(1, "/code/a", 100, 160)]


def test_today_on_another_programs_file_says_so_in_one_line_and_exits_1(tmp_path: Path):
    db = _make(tmp_path / "other.db", "CREATE TABLE foo (x)")
    before = _snapshot(tmp_path)
    result = _run_cli("today", "--db", str(db))
    assert (result.returncode, result.stdout) == (1, "")
    reason = "(it has other tables: foo)"
    assert result.stderr == f"oxitrack: {db} is not an OxiTrack database {reason}\n"
    assert _snapshot(tmp_path) == before


CLASHING_SESSIONS = "CREATE TABLE sessions (id INTEGER PRIMARY KEY, user TEXT, started_at TEXT)"


def test_today_on_a_clashing_sessions_table_says_whose_file_not_cannot_write(tmp_path: Path):
    db = _make(tmp_path / "other3.db", CLASHING_SESSIONS)
    before = _snapshot(tmp_path)
    result = _run_cli("today", "--db", str(db))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert f"{db} is not an OxiTrack database (its sessions table has other" in result.stderr
    assert "cannot write" not in result.stderr
    assert _snapshot(tmp_path) == before


def test_serve_on_a_clashing_sessions_table_exits_with_one_line(tmp_path: Path):
    db = _make(tmp_path / "other3.db", CLASHING_SESSIONS)
    before = _snapshot(tmp_path)
    result = _run_cli("serve", "--db", str(db), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert f"{db} is not an OxiTrack database" in result.stderr
    assert _snapshot(tmp_path) == before


def test_daemon_never_starts_on_another_programs_file(tmp_path: Path):
    db = _make(tmp_path / "other.db", CLASHING_SESSIONS, "CREATE TABLE foo (x)")
    before = _snapshot(tmp_path)
    daemon = DaemonProcess(db)
    with pytest.raises(RuntimeError, match="not ready"):
        daemon.start()
    assert daemon.process is not None and daemon.process.returncode == 1
    assert _snapshot(tmp_path) == before


def test_daemon_serves_a_seed_database_and_marks_it_as_ours(seed_db: Path):
    daemon = DaemonProcess(seed_db).start()
    try:
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    assert _header(seed_db) == (SCHEMA_VERSION, APPLICATION_ID)
    assert len(_rows(seed_db)) == 8


def test_seed_database_is_marked_as_ours_by_its_upgrade(seed_db: Path):
    assert _header(seed_db) == (0, 0)
    Store(seed_db).close()
    assert _header(seed_db) == (SCHEMA_VERSION, APPLICATION_ID)


def test_new_file_is_marked_as_ours(tmp_path: Path):
    Store(tmp_path / "new.db").close()
    assert _header(tmp_path / "new.db") == (SCHEMA_VERSION, APPLICATION_ID)
    assert APPLICATION_ID.to_bytes(4, "big") == b"OXTR"
    assert (tmp_path / "new.db").read_bytes()[68:72] == b"OXTR"


@pytest.mark.parametrize(
    ("how", "read_only"),
    [("zero bytes", False), ("no tables left", False), ("no tables left", True)],
    ids=["writer-zero-bytes", "writer-no-tables-left", "read-only-no-tables-left"],
)
def test_empty_file_is_initialised(tmp_path: Path, how: str, read_only: bool):
    """By ``serve``; a reader refuses a file of zero bytes (the test below)."""
    db = tmp_path / "empty.db"
    if how == "zero bytes":
        db.touch()
    else:
        _make(db, "CREATE TABLE scratch (x)", "DROP TABLE scratch")
        assert db.stat().st_size > 0
    with Store(db, read_only=read_only) as store:
        assert store.sessions() == []
    assert _header(db) == (SCHEMA_VERSION, APPLICATION_ID)


def test_a_reader_leaves_an_empty_file_alone_and_says_there_is_no_database_yet(tmp_path: Path):
    """``oxitrack today --db x`` on a file just made (``touch``, a tool's placeholder) wrote a
    schema into it, and its -wal and -shm beside it: reports never write."""
    db = tmp_path / "empty.db"
    db.touch()
    with pytest.raises(StoreError, match=r"no database at .* yet: the file is empty"):
        Store(db, read_only=True)
    assert db.stat().st_size == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty.db"]


def _unmarked_current_file(db_path: Path) -> Path:
    """A file as OxiTrack left it before it set its application_id."""
    with Store(db_path) as store:
        store.record_beat(Beat(A, T))
    _make(db_path, "PRAGMA application_id = 0", "PRAGMA wal_checkpoint(TRUNCATE)")
    assert _header(db_path) == (SCHEMA_VERSION, 0)
    return db_path


def test_file_from_before_the_mark_is_read_without_a_write(tmp_path: Path):
    db = _unmarked_current_file(tmp_path / "oxitrack.db")
    before = db.read_bytes()
    with Store(db, read_only=True) as reader:
        assert [s.start_time for s in reader.sessions()] == [T]
    assert db.read_bytes() == before


def test_file_from_before_the_mark_is_marked_when_opened_for_writing(tmp_path: Path):
    db = _unmarked_current_file(tmp_path / "oxitrack.db")
    before = _rows(db)
    Store(db).close()
    assert _header(db) == (SCHEMA_VERSION, APPLICATION_ID)
    assert _rows(db) == before


def test_start_index_is_built_without_a_temporary_file(tmp_path: Path):
    """Step 6 sorts every session's start once to build its index: in memory, since a temporary
    file that a small /tmp cannot hold stopped the upgrade, and with it the daemon. Run where
    the only temporary folder is a 256 KiB file system of its own (a mount namespace)."""
    db = tmp_path / "oxitrack.db"
    with sqlite3.connect(db) as conn:  # a file of version 5: the steps before step 6
        for step in MIGRATIONS[:5]:
            step(conn)
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            ((f"/code/p{n % 9}", T - 1000 * n, T - 1000 * n + 60) for n in range(300_000)),
        )
        conn.execute("PRAGMA user_version = 5")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.close()
    small = tmp_path / "small-tmp"
    small.mkdir()
    script = f"from oxitrack.store import Store\nStore({str(db)!r}).close()\n"
    done = in_small_mount(
        "256k",
        small,
        sys.executable,
        "-c",
        script,
        env={**os.environ, "SQLITE_TMPDIR": str(small), "TMPDIR": str(small)},
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        plan = conn.execute("EXPLAIN QUERY PLAN SELECT id FROM sessions ORDER BY start_time, id")
        assert [row[3] for row in plan] == [
            "SCAN sessions USING COVERING INDEX sessions_by_start_time"
        ]
    conn.close()
