"""The Store on a real SQLite file: the session rule carried out in SQL, checked row by row."""

from __future__ import annotations

import contextlib
import logging
import random as random_module
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oxitrack.errors import StoreError
from oxitrack.sessions import Beat, Session
from oxitrack.store import Store
from oxitrack.store.beats import record_beat
from oxitrack.store.connections import fold_moved_wal
from oxitrack.store.files import OpenedFiles
from oxitrack.store.maintenance import file_size_bytes
from oxitrack.store.schema import SCHEMA_VERSION
from tests.conftest import NOW
from tests.sessions_model import assert_no_overlap, model_sessions, stored_sessions
from tests.sqlite_work import add_past_sessions, vm_steps

P = "/code/x"
Q = "/code/y"
T = 1_764_100_000


def rows(db_path: Path) -> list[tuple[int, str, int, int]]:
    """Every row of the sessions table, ids included, read with plain sqlite3."""
    conn = sqlite3.connect(db_path)
    try:
        query = "SELECT id, project_path, start_time, last_heartbeat FROM sessions ORDER BY id"
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def test_first_beat_inserts_a_zero_length_session(store: Store, db_path: Path):
    session = store.record_beat(Beat(P, T))
    assert session == Session(session.id, P, T, T)
    assert rows(db_path) == [(session.id, P, T, T)]


def test_beat_within_gap_extends_the_same_row(store: Store, db_path: Path):
    first = store.record_beat(Beat(P, T))
    second = store.record_beat(Beat(P, T + 899))
    assert second.id == first.id
    assert second.duration_seconds == 899
    assert rows(db_path) == [(first.id, P, T, T + 899)]


def test_beat_900s_after_starts_a_new_row(store: Store, db_path: Path):
    first = store.record_beat(Beat(P, T))
    second = store.record_beat(Beat(P, T + 900))
    assert second.id != first.id
    assert rows(db_path) == [(first.id, P, T, T), (second.id, P, T + 900, T + 900)]


def test_late_beat_extends_a_session_backwards_never_shrinks_it(store: Store, db_path: Path):
    kept = store.record_beat(Beat(P, T + 600))
    store.record_beat(Beat(P, T + 1200))
    late = store.record_beat(Beat(P, T))
    assert late.id == kept.id
    assert rows(db_path) == [(kept.id, P, T, T + 1200)]
    inside = store.record_beat(Beat(P, T + 300))  # the seed's sketch would shrink here
    assert inside == Session(kept.id, P, T, T + 1200)
    assert rows(db_path) == [(kept.id, P, T, T + 1200)]


def test_late_beat_creates_a_session_in_the_past(store: Store, db_path: Path):
    recent = store.record_beat(Beat(P, T + 5000))
    past = store.record_beat(Beat(P, T))
    assert past.id != recent.id
    assert rows(db_path) == [(recent.id, P, T + 5000, T + 5000), (past.id, P, T, T)]


def test_late_beat_bridging_two_sessions_merges_them_into_the_older_id(store: Store, db_path: Path):
    first = store.record_beat(Beat(P, T))
    second = store.record_beat(Beat(P, T + 1000))
    bridged = store.record_beat(Beat(P, T + 500))
    assert bridged == Session(first.id, P, T, T + 1000)
    assert rows(db_path) == [(first.id, P, T, T + 1000)]
    assert second.id not in {row[0] for row in rows(db_path)}


def test_merge_where_the_newer_id_holds_the_earlier_start(store: Store, db_path: Path):
    """The kept (older id) row takes the absorbed row's start_time, which is UNIQUE per project."""
    later = store.record_beat(Beat(P, T + 1000))
    earlier = store.record_beat(Beat(P, T))
    merged = store.record_beat(Beat(P, T + 500))
    assert merged == Session(later.id, P, T, T + 1000)
    assert earlier.id != later.id
    assert rows(db_path) == [(later.id, P, T, T + 1000)]


def test_projects_never_share_a_session(store: Store, db_path: Path):
    store.record_beats([Beat(P, T), Beat(Q, T + 10), Beat(P, T + 20)])
    assert stored_sessions(db_path) == [(P, T, T + 20), (Q, T + 10, T + 10)]


def test_record_beats_is_all_or_nothing(store: Store, db_path: Path):
    store.record_beat(Beat(P, T))
    before = rows(db_path)
    poison = Beat(P, "not a time")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.record_beats([Beat(P, T + 60), Beat(Q, T), poison])
    assert rows(db_path) == before
    store.record_beat(Beat(Q, T + 5000))  # rolled back, not left open: the next write is alone
    assert stored_sessions(db_path) == [(P, T, T), (Q, T + 5000, T + 5000)]


def test_sql_that_fails_is_a_store_error_naming_the_file_and_writes_nothing(
    store: Store, db_path: Path
):
    def insert_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO sessions VALUES (NULL, ?, ?, ?)", (P, T, T))
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(StoreError, match=f"cannot write to {re.escape(str(db_path))}: no such"):
        store.write(insert_then_fail)
    with pytest.raises(StoreError, match=f"cannot read {re.escape(str(db_path))}: no such"):
        store.read(lambda conn: conn.execute("SELECT * FROM no_such_table").fetchall())
    assert rows(db_path) == []


def test_store_reopened_sees_what_was_written(db_path: Path):
    with Store(db_path) as first:
        first.record_beats([Beat(P, T), Beat(P, T + 60)])
    with Store(db_path) as again:
        assert [(s.start_time, s.last_heartbeat) for s in again.sessions(P)] == [(T, T + 60)]


def test_a_store_opened_in_a_with_block_is_closed_at_its_end(db_path: Path):
    with Store(db_path) as store:
        store.record_beat(Beat(P, T))
    with pytest.raises(StoreError, match="is closed"):
        store.sessions()


def test_sessions_come_oldest_first_whatever_order_they_were_recorded_in(store: Store):
    store.record_beats([Beat(Q, T + 5000), Beat(P, T + 2000), Beat(P, T)])
    assert [(s.project_path, s.start_time) for s in store.sessions()] == [
        (P, T),
        (P, T + 2000),
        (Q, T + 5000),
    ]
    assert [s.start_time for s in store.sessions(P)] == [T, T + 2000]


def test_two_stores_on_one_file_serialize_their_writes(db_path: Path):
    """Two writers (the daemon and a CLI command) on one file: BEGIN IMMEDIATE queues them."""
    beats = [Beat(P, T + 37 * i % 5000) for i in range(200)]
    with Store(db_path) as one, Store(db_path) as two:
        threads = [
            threading.Thread(target=lambda s=s, b=b: [s.record_beat(x) for x in b])
            for s, b in ((one, beats[::2]), (two, beats[1::2]))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert stored_sessions(db_path) == model_sessions((b.project_path, b.timestamp) for b in beats)


# -- the rule against a brute-force model -----------------------------------------------------

projects = st.sampled_from([P, Q, "/code/z"])
# Times on a lattice 299 s apart, jittered by up to 2 s: near-duplicates are common, and three
# steps (897 s) plus jitter straddle the 900 s gap, so joins, splits and bridges all happen often.
times = st.builds(
    lambda step, jitter: T + step * 299 + jitter,
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=-2, max_value=2),
)
beat_sets = st.lists(st.tuples(projects, times), min_size=1, max_size=40)


def _record_in_random_batches(store: Store, beats: list[tuple[str, int]], rng) -> None:
    order = list(beats)
    rng.shuffle(order)
    while order:
        size = rng.randint(1, 5)
        batch, order = order[:size], order[size:]
        if size == 1:
            store.record_beat(Beat(*batch[0]))
        else:
            store.record_beats([Beat(*beat) for beat in batch])


@settings(max_examples=150, deadline=None)
@given(beat_sets, st.randoms(use_true_random=False))
def test_stored_sessions_equal_the_model_for_any_order_and_batching(beats, rng):
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "oxitrack.db"
        with Store(db_path) as store:
            _record_in_random_batches(store, beats, rng)
        stored = stored_sessions(db_path)
    assert stored == model_sessions(beats)
    assert_no_overlap(stored)


@settings(max_examples=100, deadline=None)
@given(beat_sets, st.randoms(use_true_random=False))
def test_replaying_beats_in_any_order_changes_nothing(beats, rng):
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "oxitrack.db"
        with Store(db_path) as store:
            _record_in_random_batches(store, beats, rng)
            before = rows(db_path)
            _record_in_random_batches(store, beats, rng)
            assert rows(db_path) == before  # ids too: repeats neither move nor renumber


def test_returned_session_holds_the_beat_and_matches_its_row(store: Store, db_path: Path):
    rng = random_module.Random(7)
    for _ in range(300):
        beat = Beat(rng.choice([P, Q]), T + rng.randrange(0, 20_000))
        session = store.record_beat(beat)
        assert session.start_time <= beat.timestamp <= session.last_heartbeat
        assert (session.id, beat.project_path, session.start_time, session.last_heartbeat) in rows(
            db_path
        )


# -- opening: read-only, newer versions --------------------------------------------------------


def test_read_only_store_reads_but_never_writes(db_path: Path):
    with Store(db_path) as writer:
        writer.record_beat(Beat(P, T))
        with Store(db_path, read_only=True) as reader:
            assert [s.start_time for s in reader.sessions()] == [T]
            with pytest.raises(StoreError, match="read-only"):
                reader.record_beat(Beat(P, T + 60))
            writer.record_beat(Beat(P, T + 60))  # the reader sees later commits (WAL)
            assert [s.last_heartbeat for s in reader.sessions()] == [T + 60]


@pytest.mark.parametrize("name", ["my db.db", "100%.db", "what?.db", "#1.db", "a%3Fb.db"])
def test_read_only_store_opens_paths_with_uri_characters(tmp_path: Path, name: str):
    """The read-only store opens a ``file:`` URI: characters that mean something in a URI must
    still name this very file (not another one, and not an error)."""
    folder = tmp_path / "odd % ? # folder"
    db_path = folder / name
    with Store(db_path) as writer:
        writer.record_beat(Beat(P, T))
    with Store(db_path, read_only=True) as reader:
        assert [s.start_time for s in reader.sessions()] == [T]
    assert sorted(path.name for path in folder.iterdir()) == [name, f"{name}-shm", f"{name}-wal"]


def test_read_only_store_on_a_missing_file_says_so_and_creates_nothing(tmp_path: Path):
    missing = tmp_path / "nothing-here.db"
    with pytest.raises(StoreError, match="no database"):
        Store(missing, read_only=True)
    assert not missing.exists()


def _set_user_version(db_path: Path, version: int) -> None:
    conn = sqlite3.connect(db_path)
    try:
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "read-only"])
def test_database_from_a_newer_oxitrack_is_refused_clearly_and_left_alone(
    db_path: Path, read_only: bool
):
    Store(db_path).close()
    _set_user_version(db_path, SCHEMA_VERSION + 1)
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match=r"newer OxiTrack.*upgrade oxitrack"):
        Store(db_path, read_only=read_only)
    assert db_path.read_bytes() == before


def test_serve_on_a_newer_database_exits_with_one_line(db_path: Path):
    Store(db_path).close()
    _set_user_version(db_path, SCHEMA_VERSION + 1)
    command = [sys.executable, "-m", "oxitrack", "serve", "--db", str(db_path), "--port", "0"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "newer OxiTrack" in result.stderr


def test_new_database_uses_small_pages_and_an_old_one_keeps_its_own(tmp_path: Path):
    from oxitrack.store.connections import PAGE_SIZE_BYTES

    Store(tmp_path / "new.db").close()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        assert conn.execute("PRAGMA page_size").fetchone() == (PAGE_SIZE_BYTES,)
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("PRAGMA page_size = 4096")
        conn.execute(
            "CREATE TABLE sessions (id INTEGER PRIMARY KEY, project_path TEXT NOT NULL,"
            " start_time INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL)"
        )
    conn.close()
    Store(tmp_path / "old.db").close()
    with sqlite3.connect(tmp_path / "old.db") as conn:
        assert conn.execute("PRAGMA page_size").fetchone() == (4096,)


@pytest.mark.parametrize("read_only", [False, True], ids=["daemon", "cli-reader"])
def test_database_path_that_is_a_folder_says_so(tmp_path: Path, read_only: bool):
    with pytest.raises(StoreError, match="it is a folder; give a file path such as"):
        Store(tmp_path, read_only=read_only)


def test_writer_rewinds_the_wal_itself_when_nobody_checkpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The daemon's store (SQLite's autocheckpoint off) never lets the WAL pass its valve, even
    if the background checkpointer never runs."""
    import oxitrack.store.connections as connections

    monkeypatch.setattr(connections, "WAL_VALVE_BYTES", 6 * 1024 * 1024)
    before_rewinds = []  # the WAL's size just before each time it started over
    size = 0
    with Store(tmp_path / "daemon.db", autocheckpoint=False) as store:
        for i in range(6000):  # each beat extends a session: ~4 KiB of WAL, ~24 MiB in all
            store.record_beat(Beat(f"/code/p{i % 4}", 1_764_000_000 + i))
            size, previous = store.wal_size_bytes(), size
            if size < previous:
                before_rewinds.append(previous)
        assert len(store.sessions()) == 4
    # Each time at the valve, the first and the later ones: a rewind that could finish puts
    # the valve back where it was, not one retry step (4 MiB) past the empty WAL.
    assert len(before_rewinds) >= 3
    assert all(5 * 1024 * 1024 < size <= 6 * 1024 * 1024 for size in before_rewinds)


SEED_FIXTURE = Path(__file__).parent / "fixtures" / "seed-v0.db"


@pytest.mark.parametrize("page_size", [1024, 4096], ids=["new-file", "seed-file-4k-pages"])
def test_wal_size_is_what_the_wal_holds_since_the_file_is_rewritten_in_place(
    tmp_path: Path, page_size: int
):
    """The checkpointer reads the WAL's length from SQLite's wal-index, since a rewound WAL
    file keeps its size (cutting it back and growing it again slowed beats under load)."""
    db = tmp_path / "daemon.db"
    if page_size == 4096:
        shutil.copyfile(SEED_FIXTURE, db)  # the seed's 4 KiB pages stay
    wal = tmp_path / "daemon.db-wal"
    with Store(db, autocheckpoint=False) as store:
        for i in range(500):  # a few MiB: below the valve, so never rewound yet
            store.record_beat(Beat(f"/code/p{i % 4}", 1_764_000_000 + i))
        written = wal.stat().st_size
        # A WAL never rewound: its 32-byte header, then every frame (page + 24-byte header).
        assert store.wal_size_bytes() == written - 32
        assert (written - 32) % (page_size + 24) == 0
        store.checkpoint(rewind=True)
        assert store.wal_size_bytes() == 0
        store.record_beat(Beat("/code/p0", 1_764_010_000))
        assert 0 < store.wal_size_bytes() <= 8 * (page_size + 24)
        assert wal.stat().st_size == written, "rewritten in place, not cut back"


def test_wal_size_counts_64_kib_pages_which_the_wal_index_writes_as_1(tmp_path: Path):
    """SQLite keeps the page size in 16 bits of the wal-index, 65536 as 1: a database made
    elsewhere with the largest pages still has its WAL measured in whole frames."""
    db = tmp_path / "daemon.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA page_size = 65536")
        conn.execute(
            "CREATE TABLE sessions (id INTEGER PRIMARY KEY, project_path TEXT NOT NULL,"
            " start_time INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL)"
        )
    with Store(db, autocheckpoint=False) as store:
        for i in range(20):  # a few MiB of 64 KiB pages: below the valve
            store.record_beat(Beat(f"/code/p{i % 4}", 1_764_000_000 + i))
        written = (tmp_path / "daemon.db-wal").stat().st_size
        assert store.wal_size_bytes() == written - 32
        assert (written - 32) % (65536 + 24) == 0


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write", "read-only"])
def test_closed_store_refuses_to_read_or_write_and_opens_nothing(db_path: Path, read_only: bool):
    Store(db_path).close()
    store = Store(db_path, read_only=read_only)
    store.close()
    # "is closed": the test's own folder name holds "closed" too.
    with pytest.raises(StoreError, match="is closed"):
        store.read(lambda conn: conn.execute("CREATE TABLE sneaked (x)"))
    with pytest.raises(StoreError, match="is closed"):
        store.record_beat(Beat(P, T))
    store.checkpoint()  # a checkpointer thread that wakes after the close does nothing
    store.sync_wal()  # nor does a WAL sync asked after it
    conn = sqlite3.connect(db_path)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert "sneaked" not in tables
    assert rows(db_path) == []


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_new_database_its_folder_and_sqlites_files_are_private(tmp_path: Path, umask_022):
    """Under the usual umask they were 0755 and 0644: anyone on the machine read the hours."""
    db = tmp_path / "data" / "oxitrack.db"
    with Store(db) as store:
        store.record_beat(Beat("/code/app", NOW))
        modes = {path.name: file_mode(path) for path in db.parent.iterdir()}
    assert modes == {"oxitrack.db": 0o600, "oxitrack.db-wal": 0o600, "oxitrack.db-shm": 0o600}
    assert file_mode(db.parent) == 0o700


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_an_existing_database_and_folder_keep_their_modes(tmp_path: Path, umask_022):
    """A mode the user chose (a group that may read) is theirs to keep."""
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "oxitrack.db"
    Store(db).close()
    db.chmod(0o640)
    with Store(db) as store:
        store.record_beat(Beat("/code/app", NOW))
        assert file_mode(Path(f"{db}-wal")) == 0o640
    assert (file_mode(folder), file_mode(db)) == (0o755, 0o640)


HISTORY_END = T - 3 * 3600  # every past session of the history ends by then


def _beat_in_history(tmp_path: Path, past_sessions: int, beat: Beat) -> tuple[Session, int]:
    """The session a beat lands in after ``past_sessions`` sessions of history, and the
    SQLite work (``vm_steps``) recording it took."""
    with Store(tmp_path / f"history-{past_sessions}.db") as store:
        store.write(lambda conn: add_past_sessions(conn, P, past_sessions, HISTORY_END))
        return store.write(lambda conn: vm_steps(conn, lambda: record_beat(conn, beat)))


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (T, (T, T)),  # a new session today
        (HISTORY_END + 60, (HISTORY_END - 3600, HISTORY_END + 60)),  # extends the latest
        (HISTORY_END - 5 * 8 * 3600 - 1800, None),  # inside a session of the past: no change
        (HISTORY_END - 5 * 8 * 3600 + 600, (HISTORY_END - 5 * 8 * 3600 - 3600, None)),
    ],
    ids=["new-session", "extends-latest", "inside-old-session", "extends-old-session"],
)
def test_a_beats_work_does_not_grow_with_its_projects_history(
    tmp_path: Path, timestamp: int, expected: tuple[int, int | None] | None
):
    # A project worked on for years holds thousands of sessions; a beat must read only the one
    # or two beside it, or every beat of the daemon gets slower with every month of history.
    beat = Beat(P, timestamp)
    small, small_work = _beat_in_history(tmp_path, 10, beat)
    large, large_work = _beat_in_history(tmp_path, 5000, beat)
    assert (large.start_time, large.last_heartbeat) == (small.start_time, small.last_heartbeat)
    assert large.contains(timestamp)
    if expected is not None:
        start, last = expected
        assert large.start_time == start
        assert large.last_heartbeat == (timestamp if last is None else last)
    assert large_work <= 2 * small_work, (small_work, large_work)


def test_a_reader_holding_an_old_snapshot_does_not_make_every_write_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`oxitrack export | less` keeps the WAL from starting over: every beat past the valve
    then tried a checkpoint that could not finish (the median beat went from 0.52 to 0.94 ms)."""
    import oxitrack.store.connections as connections

    monkeypatch.setattr(connections, "WAL_VALVE_BYTES", 1024 * 1024)
    monkeypatch.setattr(connections, "WAL_VALVE_RETRY_BYTES", 1024 * 1024)
    db = tmp_path / "daemon.db"
    with Store(db, autocheckpoint=False) as store:
        checkpoints = []
        real_checkpoint = store.checkpoint
        monkeypatch.setattr(
            store, "checkpoint", lambda **kw: (checkpoints.append(kw), real_checkpoint(**kw))
        )
        store.record_beat(Beat("/code/p0", 1_764_000_000))
        reader = sqlite3.connect(db)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sessions").fetchone()  # holds its snapshot
        for i in range(1, 2001):  # ~8 MiB of WAL the reader's snapshot keeps
            store.record_beat(Beat(f"/code/p{i % 4}", 1_764_000_000 + i))
        # Once at 1 MiB, then once per further MiB: not once per beat past the valve.
        assert 4 <= len(checkpoints) <= 9, len(checkpoints)
        reader.close()
        for i in range(400):  # the next try, a MiB later, rewinds: the valve is back at 1 MiB
            store.record_beat(Beat(f"/code/p{i % 4}", 1_764_010_000 + i))
        assert store.wal_size_bytes() < 1024 * 1024


def test_the_wal_of_a_symlinked_database_is_measured_where_sqlite_keeps_it(tmp_path: Path):
    """SQLite puts -wal and -shm beside the file a symlink leads to: measured beside the link,
    the daemon saw no WAL at all, and under sustained load never rewound it."""
    (tmp_path / "synced").mkdir()
    link = tmp_path / "oxitrack.db"
    link.symlink_to(tmp_path / "synced" / "oxitrack.db")
    with Store(link, autocheckpoint=False) as store:
        for i in range(200):
            store.record_beat(Beat(f"/code/p{i % 4}", 1_764_000_000 + i))
        assert not (tmp_path / "oxitrack.db-wal").exists()
        written = (tmp_path / "synced" / "oxitrack.db-wal").stat().st_size
        assert store.wal_size_bytes() == written - 32 > 0
        # and `service status` counts it in the database's size
        database = (tmp_path / "synced" / "oxitrack.db").stat().st_size
        assert file_size_bytes(link) == database + written


def _pages_written(store: Store, beat: Beat) -> int:
    """WAL frames (one page each) that recording ``beat`` added."""
    before = store.wal_size_bytes()
    store.record_beat(beat)
    return (store.wal_size_bytes() - before) // (1024 + 24)


@pytest.mark.parametrize(
    ("offset", "pages"),
    [(60, 3), (-60, 4), (0, 0)],
    ids=["extends-forwards", "extends-backwards", "repeat"],
)
def test_a_beat_rewrites_only_the_index_of_the_bound_it_moves(
    tmp_path: Path, offset: int, pages: int
):
    """The pages a beat writes: its session's row, the indexes of the bound that moved (start or
    end, not both: setting an unchanged indexed column still rewrote its index page, so the usual
    beat wrote four pages to the WAL instead of three), and its folder's beat count. The end is
    in one index; the start in two (the project's, and the start order every export reads),
    which only a late beat moves. A repeated beat writes nothing."""
    with Store(tmp_path / "daemon.db", autocheckpoint=False) as store:
        for i in range(50):  # a few projects, so each table and index spans more than one page
            store.record_beat(Beat(f"/code/p{i % 8}", T - 3600 + 60 * i))
        store.record_beat(Beat(P, T))
        store.record_beat(Beat(P, T + 120))
        assert _pages_written(store, Beat(P, T + 120 + offset if offset > 0 else T + offset)) == (
            pages
        )
        (session,) = store.sessions(P)
        assert (session.start_time, session.last_heartbeat) == (
            T + min(offset, 0),
            T + 120 + max(offset, 0),
        )


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through /proc")
def test_the_wal_index_is_opened_once_and_let_go_on_close(tmp_path: Path):
    """The writer reads the wal-index after every write: through one handle kept open (opening
    it each time was four system calls a beat), closed with the store. Another connection keeps
    the -shm file in place, as the CLI's reader may: the last one out deletes it, and a handle
    left open on a deleted file no longer showed under its name."""
    db = tmp_path / "daemon.db"
    shm = tmp_path / "daemon.db-shm"

    def handles() -> int:
        # SQLite holds the file open itself, one handle per process; the store adds one.
        # Matched by inode, since a deleted file's handle no longer shows its name.
        count = 0
        for fd in Path("/proc/self/fd").iterdir():
            with contextlib.suppress(OSError):
                count += fd.stat().st_ino == shm_inode
        return count

    store = Store(db, autocheckpoint=False)
    shm_inode = shm.stat().st_ino
    with contextlib.closing(sqlite3.connect(db)) as other:
        other.execute("SELECT count(*) FROM sessions").fetchall()
        for i in range(100):
            store.record_beat(Beat(P, T + i))
            assert store.wal_size_bytes() > 0
        assert handles() == 2
        store.close()
        assert handles() == 1
        assert store.wal_size_bytes() == 0, "a closed store reads no wal-index, even one there"
        store.close()  # safe twice: the handle's number may already be another file's
    assert handles() == 0


def test_the_wal_index_is_read_alike_where_the_system_has_no_pread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Windows has no ``os.pread``: the header is then read after a seek, to the same figure."""
    import oxitrack.store.wal_index as wal_index

    with Store(tmp_path / "daemon.db", autocheckpoint=False) as store:
        for i in range(50):
            store.record_beat(Beat(P, T + i))
        with_pread = store.wal_size_bytes()
        monkeypatch.setattr(wal_index, "_pread", None)
        assert store.wal_size_bytes() == with_pread > 0
        store.record_beat(Beat(P, T + 50))
        assert store.wal_size_bytes() > with_pread


def test_a_write_behind_a_long_one_of_this_process_does_not_blame_another_program(
    db_path: Path,
):
    """Beats waiting behind the daemon's own long write (a project of 450k sessions deleted in
    a worker thread) were answered 503 "another program holds the database": the user went
    looking for a program that was not there."""
    from oxitrack.store.sqlite_errors import DatabaseBusy

    with Store(db_path) as store:
        holding, release = threading.Event(), threading.Event()

        def long_write(conn: sqlite3.Connection) -> None:
            holding.set()
            release.wait(10)

        writer = threading.Thread(target=store.write, args=(long_write,))
        writer.start()
        try:
            assert holding.wait(10)
            with pytest.raises(DatabaseBusy) as busy:
                store.write(lambda conn: None, deadline=time.monotonic() + 0.1)
        finally:
            release.set()
            writer.join()
    assert "another program holds" not in str(busy.value)
    assert "busy with a long write of this process" in str(busy.value)


def test_a_write_that_must_not_wait_is_told_at_once_the_lock_is_held(db_path: Path):
    """The daemon's event loop asks ``wait=False``: it must never wait for another program's
    transaction (WriterBusy, nothing run); a plain write waits for it and then goes through."""
    from oxitrack.store.transactions import WriterBusy

    with Store(db_path) as store:
        other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        ran: list[int] = []
        with pytest.raises(WriterBusy):
            store.write(lambda conn: ran.append(1), wait=False)
        assert ran == []
        letting_go = threading.Timer(0.2, lambda: other.execute("ROLLBACK"))
        letting_go.start()
        store.write(lambda conn: ran.append(2))  # waits in Python, in this thread
        letting_go.join()
        other.close()
        assert ran == [2]


def test_a_checkpoint_after_the_close_makes_no_file(db_path: Path):
    """The daemon's checkpointer may wake after the store closed and its file was removed: a
    checkpoint then connected again and made an empty database in its place."""
    store = Store(db_path)
    store.close()
    for path in db_path.parent.glob(db_path.name + "*"):
        path.unlink()
    store.checkpoint()
    assert list(db_path.parent.glob(db_path.name + "*")) == []


def test_a_read_only_store_has_no_wal_to_sync(db_path: Path):
    Store(db_path).close()
    with Store(db_path, read_only=True) as store:
        store.sync_wal()  # nothing to flush, and no error


def _held_in_another_thread(
    store: Store, method: str
) -> tuple[threading.Thread, threading.Event, threading.Event]:
    """A ``store.write`` or ``store.read`` running in another thread of this process, held
    inside its transaction until the returned ``release`` is set."""
    inside, release = threading.Event(), threading.Event()

    def hold(conn: sqlite3.Connection) -> None:
        inside.set()
        release.wait(10)

    thread = threading.Thread(target=getattr(store, method), args=(hold,), daemon=True)
    thread.start()
    assert inside.wait(5)
    return thread, inside, release


def _within(seconds: float, call: Callable[[], object]) -> list[object]:
    """What ``call`` returned or raised, if it did within ``seconds`` (else nothing)."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return outcome


@pytest.mark.parametrize("kind", ["write", "read"])
def test_a_transaction_that_must_not_wait_is_told_at_once_another_thread_holds_it(
    db_path: Path, kind: str
):
    """The event loop's ``wait=False`` holds for this process's own lock too: a write while a
    batch waits in the group commit's thread (or a merge) writes, WriterBusy; a read while a
    long report reads in a worker thread, ReaderBusy rather than sharing the report's
    connection. Told at once, nothing run; and free again once the other is done."""
    from oxitrack.store.transactions import ReaderBusy, WriterBusy

    busy = {"write": WriterBusy, "read": ReaderBusy}[kind]
    with Store(db_path) as store:
        transaction = store.write if kind == "write" else store.read
        thread, _, release = _held_in_another_thread(store, kind)
        ran: list[int] = []
        try:
            outcome = _within(5, lambda: transaction(lambda conn: ran.append(1), wait=False))
        finally:
            release.set()
            thread.join(5)
        assert len(outcome) == 1 and isinstance(outcome[0], busy), outcome
        assert ran == []
        assert transaction(lambda conn: 2, wait=False) == 2


def test_opening_while_another_program_commits_waits_without_a_word(
    db_path: Path, caplog: pytest.LogCaptureFixture
):
    """The writer waits in Python from its first statement, so a lock held for a moment (a
    commit of the daemon's, an import's) fails the first try: every command opening the file
    said "waiting up to 120 s" for a wait of milliseconds. Only a wait that lasts is said."""
    Store(db_path).close()
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    letting_go = threading.Timer(0.3, lambda: other.execute("ROLLBACK"))
    opening_at = time.monotonic()
    letting_go.start()
    with caplog.at_level(logging.WARNING, logger="oxitrack.store"), Store(db_path) as store:
        waited = time.monotonic() - opening_at
        store.record_beat(Beat(P, T))
    letting_go.join()
    other.close()
    assert waited >= 0.3  # it met the lock, and waited for it
    assert caplog.records == []


def test_a_file_copied_without_the_wal_its_data_is_in_is_refused_not_laid_over(tmp_path: Path):
    """A daemon killed before its first checkpoint leaves one page of header and everything in
    the -wal. Opened alone, the file got a new empty schema, and the -wal put back later no
    longer matched: found by an operations audit."""
    running = Store(tmp_path / "live.db")  # never closed: a daemon killed, its WAL in place
    running.record_beats([Beat("/code/x", 1_764_100_000), Beat("/code/x", 1_764_100_060)])
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(tmp_path / "live.db", copy / "oxitrack.db")
    before = (copy / "oxitrack.db").read_bytes()
    with pytest.raises(StoreError, match=r"holds no data yet, and its -wal, .*, is not beside it"):
        Store(copy / "oxitrack.db")
    with pytest.raises(StoreError, match=re.escape("put oxitrack.db-wal back next to it")):
        Store(copy / "oxitrack.db", read_only=True)
    assert (copy / "oxitrack.db").read_bytes() == before
    shutil.copy(tmp_path / "live.db-wal", copy / "oxitrack.db-wal")
    with Store(copy / "oxitrack.db") as restored:
        assert [s.duration_seconds for s in restored.sessions()] == [60]
    running.close()


def _remove_database(db_path: Path) -> None:
    for file in db_path.parent.glob(db_path.name + "*"):
        file.unlink()


def _replace_database(db_path: Path) -> None:
    """A backup moved over the file: another file, with its own -wal, now at the path."""
    other = db_path.with_name("restored.db")
    with Store(other) as restored:
        restored.record_beat(Beat(project_path=Q, timestamp=T))
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{other}{suffix}").exists():
            Path(f"{other}{suffix}").replace(f"{db_path}{suffix}")


def _remove_wal(db_path: Path) -> None:
    Path(f"{db_path}-wal").unlink()


def _remove_shm(db_path: Path) -> None:
    Path(f"{db_path}-shm").unlink()


@pytest.mark.parametrize(
    "change",
    [_remove_database, _replace_database, _remove_wal, _remove_shm],
    ids=["removed", "replaced", "wal-removed", "shm-removed"],
)
def test_a_write_after_the_file_was_removed_or_replaced_is_refused(db_path: Path, change):
    """The writer's descriptors still lead to the old file, so a commit there succeeds and is
    lost: the store must say so instead of returning the session as if it were kept."""
    with Store(db_path) as store:
        store.record_beat(Beat(project_path=P, timestamp=T))
        assert not store.moved()
        change(db_path)
        assert store.moved()
        with pytest.raises(StoreError, match=r"was removed or replaced while open"):
            store.record_beat(Beat(project_path=P, timestamp=T + 60))
        with pytest.raises(StoreError, match=r"was removed or replaced while open"):
            store.record_beat(Beat(project_path=P, timestamp=T + 120))


def test_a_moved_files_wal_that_cannot_be_folded_names_no_side_file_to_remove(db_path: Path):
    """A checkpoint that fails (here on a connection already closed) leaves the side files as
    they are, and says so with an empty list: ``Store.close`` goes through it, and must not
    fail for it."""
    with Store(db_path) as store:
        store.record_beat(Beat(project_path=P, timestamp=T))
        writer = sqlite3.connect(db_path)
        writer.close()
        assert fold_moved_wal(writer, OpenedFiles(str(db_path), str(db_path))) == []


def test_a_database_reached_through_a_symlink_is_not_taken_for_moved(tmp_path: Path):
    real = tmp_path / "real" / "x.db"
    real.parent.mkdir()
    link = tmp_path / "link.db"
    link.symlink_to(real)
    with Store(link) as store:
        store.record_beat(Beat(project_path=P, timestamp=T))
        store.checkpoint(rewind=True)
        store.record_beat(Beat(project_path=P, timestamp=T + 60))
        assert not store.moved()
        link.unlink()
        link.symlink_to(tmp_path / "elsewhere.db")
        assert store.moved()


def test_a_read_that_fails_says_why_not_that_its_commit_failed(db_path: Path):
    """A report's sort spills to a temporary file; when that cannot be written, SQLite ends the
    read's transaction itself, and the COMMIT after it used to replace the real error ("disk
    I/O error") with "cannot commit - no transaction is active"."""
    Store(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            (
                (f"/home/me/{'code/' * 40}{n % 7}", NOW - 100 * n, NOW - 100 * n)
                for n in range(60_000)
            ),
        )
    # An order no index gives (the reports' own orders stream from their indexes).
    sort_all = "SELECT project_path, start_time FROM sessions ORDER BY last_heartbeat - start_time"
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))  # no room for the sort\n"
        "from oxitrack.store import Store\n"
        "from oxitrack.errors import StoreError\n"
        f"with Store({str(db_path)!r}, read_only=True) as store:\n"
        "    try:\n"
        f"        store.read(lambda conn: sum(1 for _ in conn.execute({sort_all!r})))\n"
        "    except StoreError as exc:\n"
        "        print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stderr == ""
    assert done.stdout == f"cannot read {db_path}: disk I/O error\n"
