"""Report queries on a real SQLite file: range edges, project filters, ordering, index use."""

from __future__ import annotations

import sqlite3
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


def test_range_query_uses_an_index_not_a_table_scan(store: Store):
    def plan(conn: sqlite3.Connection) -> list[str]:
        seen: list[str] = []
        conn.set_trace_callback(seen.append)
        try:
            sessions_between(conn, T, T + 100)
        finally:
            conn.set_trace_callback(None)
        [query] = [sql for sql in seen if sql.lstrip().startswith("SELECT")]
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + query)]

    found = store.read(plan)
    # The sessions table itself (not only the subqueries' tables) is searched by time.
    on_sessions = [step for step in found if step.split()[1:2] == ["sessions"]]
    assert on_sessions == [
        "SEARCH sessions USING INDEX sessions_by_last_heartbeat (last_heartbeat>?)"
    ], found


def test_read_only_store_reads_while_the_daemon_store_is_open(db_path: Path, store: Store):
    insert(store, ("/code/a", T, T + 10))
    with Store(db_path, read_only=True) as reader:
        assert spans(reader.read(lambda conn: sessions_between(conn, T, T + 100))) == [
            ("/code/a", T, T + 10)
        ]
        insert(store, ("/code/a", T + 2000, T + 2010))
        assert len(reader.read(lambda conn: sessions_between(conn, T, T + 3000))) == 2
