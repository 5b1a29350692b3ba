"""Report queries on a real SQLite file: range edges, project filters, ordering, index use."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.projects import merge_by_reference, rename_by_reference
from oxitrack.store.reports import (
    PROJECT_KEY_SQL,
    iter_sessions,
    latest_sessions,
    sessions_between,
)
from tests.sqlite_work import add_past_sessions, vm_steps

T = 1_764_100_000


def insert(store: Store, *sessions: tuple[str, int, int]) -> None:
    def write(conn: sqlite3.Connection) -> None:
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            sessions,
        )

    store.write(write)


def spans(rows) -> list[tuple[str, int, int]]:
    return [(r.project_path, r.start_time, r.last_heartbeat) for r in rows]


@pytest.mark.parametrize(
    ("session", "included"),
    [
        ((T + 10, T + 20), True),
        ((T - 100, T + 10), True),
        ((T + 90, T + 200), True),
        ((T - 100, T), False),
        ((T, T), True),
        ((T + 100, T + 100), False),
        ((T - 500, T + 500), True),
        ((T + 100, T + 200), False),
    ],
    ids=[
        "inside",
        "starts-before",
        "ends-after",
        "ends-exactly-at-start",
        "single-beat-at-start",
        "single-beat-at-end",
        "covers-the-range",
        "after-the-range",
    ],
)
def test_sessions_between_takes_sessions_with_time_in_the_half_open_range(
    store: Store, session, included
):
    insert(store, ("/code/a", *session))
    rows = store.read(lambda conn: sessions_between(conn, T, T + 100))
    assert bool(rows) is included


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        ("/code/oxitrack", ["/code/oxitrack"]),
        ("oxitrack", ["/code/oxitrack", "C:\\code\\oxitrack", "/other/oxitrack"]),
        ("track", []),
        ("code/oxitrack", ["/code/oxitrack"]),
        ("%", []),
        ("/code", []),
    ],
    ids=[
        "full-path",
        "folder-name-on-any-system",
        "part-of-a-name-is-no-match",
        "trailing-components",
        "like-wildcards-are-plain-text",
        "parent-folder-is-no-match",
    ],
)
def test_project_filter_matches_a_path_or_its_last_components(store: Store, project, expected):
    insert(
        store,
        ("/code/oxitrack", T, T + 10),
        ("C:\\code\\oxitrack", T + 20, T + 30),
        ("/other/oxitrack", T + 40, T + 50),
        ("/code/notes", T + 60, T + 70),
    )
    rows = store.read(lambda conn: sessions_between(conn, T, T + 100, project))
    assert [r.project_path for r in rows] == expected


def test_rows_carry_their_project_its_latest_folder_and_name(store: Store):
    store.record_beats([Beat("/old/api", T), Beat("/new/api", T + 1000), Beat("/code/web", T)])
    store.write(lambda conn: merge_by_reference(conn, "/old/api", "/new/api"))
    store.write(lambda conn: rename_by_reference(conn, "/new/api", "API"))
    insert(store, ("/unregistered/x", T, T + 5))
    rows = store.read(lambda conn: sessions_between(conn, T, T + 2000))
    found = {r.project_path: (r.project_key, r.latest_path, r.custom_name) for r in rows}
    assert found["/old/api"] == found["/new/api"] == ("project:2", "/new/api", "API")
    assert found["/code/web"] == ("project:3", "/code/web", None)
    assert found["/unregistered/x"] == ("path:/unregistered/x", "/unregistered/x", None)
    assert "project_paths" in PROJECT_KEY_SQL


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        ("/new/api", ["/old/api", "/new/api"]),
        ("old/api", ["/old/api", "/new/api"]),
        ("API", ["/old/api", "/new/api"]),
        ("web", ["/code/web"]),
        ("/unregistered/x", ["/unregistered/x"]),
    ],
    ids=["new folder", "old folder's tail", "given name", "other project", "unregistered"],
)
def test_project_filter_takes_every_folder_of_the_project(store: Store, project, expected):
    store.record_beats([Beat("/old/api", T), Beat("/new/api", T + 1000), Beat("/code/web", T)])
    store.write(lambda conn: merge_by_reference(conn, "/old/api", "/new/api"))
    store.write(lambda conn: rename_by_reference(conn, "/new/api", "API"))
    insert(store, ("/unregistered/x", T + 1, T + 5))
    rows = store.read(lambda conn: sessions_between(conn, T, T + 2000, project))
    assert [r.project_path for r in rows] == expected


def test_latest_sessions_are_newest_first_and_limited(store: Store):
    insert(
        store,
        ("/code/a", T, T + 10),
        ("/code/b", T + 2000, T + 2100),
        ("/code/a", T + 4000, T + 4000),
    )
    rows = store.read(lambda conn: latest_sessions(conn, None, None, None, 2))
    assert spans(rows) == [("/code/a", T + 4000, T + 4000), ("/code/b", T + 2000, T + 2100)]
    bounded = store.read(lambda conn: latest_sessions(conn, T, T + 3000, "a", 10))
    assert spans(bounded) == [("/code/a", T, T + 10)]


def test_iter_sessions_streams_everything_oldest_first(store: Store):
    insert(store, ("/code/b", T + 2000, T + 2100), ("/code/a", T, T + 10))
    rows = store.read(lambda conn: list(iter_sessions(conn, None, None)))
    assert spans(rows) == [("/code/a", T, T + 10), ("/code/b", T + 2000, T + 2100)]
    after = store.read(lambda conn: list(iter_sessions(conn, T + 1000, None)))
    assert spans(after) == [("/code/b", T + 2000, T + 2100)]


def _plan(store: Store, read: Callable[[sqlite3.Connection], object]) -> list[str]:
    """The query plan of the query ``read`` runs on the sessions table."""

    def plan(conn: sqlite3.Connection) -> list[str]:
        seen: list[str] = []
        conn.set_trace_callback(seen.append)
        try:
            read(conn)
        finally:
            conn.set_trace_callback(None)
        # The first: the projects of the folders met are read after it, one query each.
        query = next(sql for sql in seen if sql.lstrip().startswith("SELECT"))
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + query)]

    return store.read(plan)


def _on_sessions(plan: list[str]) -> list[str]:
    """The steps on the sessions table itself, not on the subqueries' tables."""
    return [step for step in plan if step.split()[1:2] == ["sessions"]]


def test_range_query_uses_an_index_not_a_table_scan(store: Store):
    """Searched by time from both sides, in start order: with the start bounded above only,
    the index on it was read from the oldest session on."""
    found = _plan(store, lambda conn: sessions_between(conn, T, T + 100))
    assert _on_sessions(found) == [
        "SEARCH sessions USING INDEX sessions_by_start_time (start_time>? AND start_time<?)",
        "SEARCH sessions USING INDEX sessions_by_last_heartbeat (last_heartbeat>?)",
    ], found


@pytest.mark.parametrize(
    ("start", "end"), [(None, None), (T, None), (None, T), (T, T + 100)], ids=str
)
def test_export_reads_sessions_in_index_order_without_sorting_them(
    store: Store, start: int | None, end: int | None
):
    """An export of any size streams: the sessions come in the order of an index, not from a
    sort of every one of them first (which needed a temporary file as large as the table). The
    only sort left is the small one, per session, of its project's folders."""
    found = _plan(store, lambda conn: list(iter_sessions(conn, start, end)))
    assert found[0].startswith(
        (
            "SCAN sessions USING INDEX sessions_by_start_time",
            "SEARCH sessions USING INDEX sessions_by_start_time",
        )
    ), found
    assert "USE TEMP B-TREE FOR ORDER BY" not in found, found
    assert _plan(store, lambda conn: latest_sessions(conn, start, end, None, 5))[0].startswith(
        (
            "SCAN sessions USING INDEX sessions_by_last_heartbeat",
            "SEARCH sessions USING INDEX sessions_by_last_heartbeat",
        )
    )


@pytest.mark.parametrize("seed", range(5))
def test_start_ordered_lists_are_every_session_in_range_by_start_then_id(store: Store, seed: int):
    """The start bound the lists add (the earliest start among sessions still running at the
    range's start) keeps every session the range rule keeps: long and single-beat sessions,
    ranges beginning inside a session or on its last beat, starts shared across projects."""
    rng = random.Random(seed)
    rows = []
    for project in ("/code/a", "/code/b", "/code/c"):
        moment = T + rng.randrange(50)
        for _ in range(40):
            length = rng.choice([0, 0, 5, 60, 900, 5000])
            rows.append((project, moment, moment + length))
            moment += length + 900 + rng.choice([0, 1, 30, 2000])
    rng.shuffle(rows)  # ids in no particular order of time
    insert(store, *rows)
    stored = store.read(lambda conn: list(iter_sessions(conn, None, None)))
    assert [(r.start_time, r.session_id) for r in stored] == sorted(
        (r.start_time, r.session_id) for r in stored
    )
    assert len(stored) == len(rows)
    moments = sorted({m for r in stored for m in (r.start_time, r.last_heartbeat)})
    for _ in range(60):
        start, end = sorted(rng.sample([*moments, T - 1, moments[-1] + 1], 2))
        start += rng.choice([-1, 0, 0, 1])
        expected = [
            r
            for r in stored
            if r.last_heartbeat >= start
            and r.start_time < end
            and (r.last_heartbeat > start or r.start_time >= start)
        ]
        assert store.read(lambda conn, s=start, e=end: sessions_between(conn, s, e)) == expected
        assert store.read(lambda conn, s=start, e=end: list(iter_sessions(conn, s, e))) == expected
        assert store.read(lambda conn, s=start: list(iter_sessions(conn, s, None))) == [
            r for r in stored if r.last_heartbeat > start or r.start_time >= start
        ]


def test_read_only_store_reads_while_the_daemon_store_is_open(db_path: Path, store: Store):
    insert(store, ("/code/a", T, T + 10))
    with Store(db_path, read_only=True) as reader:
        assert spans(reader.read(lambda conn: sessions_between(conn, T, T + 100))) == [
            ("/code/a", T, T + 10)
        ]
        insert(store, ("/code/a", T + 2000, T + 2010))
        assert len(reader.read(lambda conn: sessions_between(conn, T, T + 3000))) == 2


def test_export_of_many_sessions_needs_no_temporary_file(db_path: Path):
    """``oxitrack export`` streams: with no room for a temporary file (1 MiB), every session
    still comes out, oldest first. It used to sort the whole table first, in a temporary file
    about as large as the table (some 100 MiB for a million sessions), and failed on a small
    ``/tmp`` with "database or disk is full"."""
    Store(db_path).close()
    count = 60_000
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            (
                (f"/home/me/{'code/' * 40}{n % 7}", T - 100 * n, T - 100 * n + 30)
                for n in range(count)  # ids newest first: the table's own order is no help
            ),
        )
    conn.close()
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))  # no room for a sort\n"
        "from oxitrack.cli import main\n"
        f"sys.exit(main(['export', '--db', {str(db_path)!r}, '--format', 'csv', '--tz', 'UTC']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert len(lines) == count + 1
    starts = [int(line.split(",")[3]) for line in lines[1:]]
    assert starts == sorted(starts)


def test_a_report_looks_up_each_folders_project_once_not_for_every_session(store: Store):
    """A year of a heavy user's sessions is 300k rows: looking up the project (its key, latest
    folder and name: three lookups and a sort) on each row was two thirds of a year's report.
    Each added session of a known folder now costs its own row only (17 SQLite steps; 72
    with the lookups)."""
    for folder in ("/code/a", "/code/b"):
        store.record_beat(Beat(folder, T))

    def steps_with(count: int) -> int:
        oldest = store.read(
            lambda conn: conn.execute("SELECT min(start_time) FROM sessions").fetchone()[0]
        )
        store.write(lambda conn: add_past_sessions(conn, "/code/a", count, oldest - 3600))
        return store.read(lambda conn: vm_steps(conn, lambda: sessions_between(conn, 0, 2 * T))[1])

    first = steps_with(200)
    second = steps_with(200)
    assert (second - first) / 200 < 30, (first, second)
    rows = store.read(lambda conn: sessions_between(conn, 0, 2 * T))
    assert len(rows) == 402
    assert {row.project_key for row in rows if row.project_path == "/code/a"} == {"project:1"}


def test_a_range_read_in_parts_has_each_session_once_and_searches_only_its_part(store: Store):
    """Long reports read a month at a time (``started=``): a session crossing a part's edge
    is in the part it started in only, and one running when the range starts is in the
    first; each part searches the start index from its own edge, not from the range's."""
    insert(
        store,
        ("/code/a", T - 500, T + 500),  # running when the range starts
        ("/code/a", T + 900, T + 1100),  # crosses the first part's edge
        ("/code/b", T + 1000, T + 1000),  # a single beat on that edge
        ("/code/b", T + 2500, T + 2600),
    )
    whole = store.read(lambda conn: sessions_between(conn, T, T + 3000))
    parts = [(None, T + 1000), (T + 1000, T + 2000), (T + 2000, None)]
    pieces = [
        store.read(lambda conn, part=part: sessions_between(conn, T, T + 3000, started=part))
        for part in parts
    ]
    assert [spans(piece) for piece in pieces] == [
        [("/code/a", T - 500, T + 500), ("/code/a", T + 900, T + 1100)],
        [("/code/b", T + 1000, T + 1000)],
        [("/code/b", T + 2500, T + 2600)],
    ]
    assert [row for piece in pieces for row in piece] == whole
    middle = _plan(
        store, lambda conn: sessions_between(conn, T, T + 3000, started=(T + 1000, T + 2000))
    )
    assert middle == [
        "SEARCH sessions USING INDEX sessions_by_start_time (start_time>? AND start_time<?)"
    ], middle


@pytest.mark.parametrize("text", ["no-such-project", "rare"], ids=["typo", "rare-folder"])
def test_a_text_filter_reads_its_folders_sessions_not_every_session(store: Store, text: str):
    """``?project=`` text naming no folder (a typo) or a folder with few sessions read every
    session of the table to test it (0.6 s on a heavy database, holding the one reading
    connection the status bars wait for). The folders it matches are found once, and the
    latest sessions read from theirs: the work does not grow with other folders' sessions."""
    insert(store, ("/code/rare", T, T + 60))

    def steps_with(others: int) -> int:
        store.write(lambda conn: add_past_sessions(conn, f"/code/busy-{others}", others, T))
        found, steps = store.read(
            lambda conn: vm_steps(conn, lambda: latest_sessions(conn, 0, 2 * T, text, 50))
        )
        assert spans(found) == ([("/code/rare", T, T + 60)] if text == "rare" else [])
        return steps

    few, many = steps_with(100), steps_with(2000)
    assert many < few + 500, (few, many)


def test_a_text_filter_finds_folders_with_any_characters(store: Store):
    """The folders a text matches travel to SQLite as JSON: quotes, backslashes, control
    characters and characters beyond the BMP come back as they were."""
    folders = ['/code/"q"\\x', "/code/tab\there", "/code/emoji-\U0001f600", "/code/日本"]
    insert(store, *((folder, T + 1000 * n, T + 1000 * n + 10) for n, folder in enumerate(folders)))
    for folder in folders:
        name = folder.rsplit("/", 1)[1]
        found = store.read(lambda conn, name=name: latest_sessions(conn, None, None, name, 5))
        assert [row.project_path for row in found] == [folder]
