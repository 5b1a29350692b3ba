"""The breakdown query on a real SQLite file, written as the daemon writes it."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from oxitrack.breakdown import BreakdownRow
from oxitrack.days import days_between
from oxitrack.reports import range_totals
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store import wakatime as wakatime_store
from oxitrack.store.breakdown import _BEATS_SQL, labelled_beats, read_breakdown
from oxitrack.store.reports import PART_DAYS, iter_sessions, project_filter
from oxitrack.wakatime import parse_heartbeat
from tests.conftest import NOW
from tests.wakatime_recordings import go_cli_heartbeat

BERLIN = ZoneInfo("Europe/Berlin")
DAY = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)  # NOW is 20:46 that day


def record_heartbeats(store: Store, root: str, *times_and_changes: tuple[float, dict]) -> None:
    """WakaTime heartbeats through the store's own path, as ``POST .../heartbeats.bulk``."""
    heartbeats = [
        parse_heartbeat(
            go_cli_heartbeat(root, time, **changes),
            now=NOW,
            user_agent=None,
            find_repo_root=lambda path: None,
        )
        for time, changes in times_and_changes
    ]
    store.write(lambda conn: wakatime_store.record_heartbeats(conn, heartbeats))


def rows(store: Store, field: str, span=DAY, project: str | None = None) -> list[BreakdownRow]:
    found = store.read(lambda conn: project_filter(conn, project, "project"))
    return read_breakdown(store, field, span, found).rows()


def project_seconds(store: Store, span=DAY) -> int:
    sessions = store.read(lambda conn: list(iter_sessions(conn, span[0].start, span[-1].end)))
    return sum(total.duration_seconds for total in range_totals(sessions, span, NOW))


def test_heartbeats_and_native_beats_split_as_the_rule_says(store: Store):
    record_heartbeats(
        store,
        "/code/app",
        (NOW - 3000.5, {"language": "Python", "category": "coding"}),
        (NOW - 2400.25, {"language": "Rust", "category": "debugging"}),
        (NOW - 2100, {"language": "Rust", "category": "debugging", "branch": "fix"}),
    )
    store.record_beat(Beat("/code/app", NOW - 1500))  # the VS Code extension: no language
    store.record_beat(Beat("/code/lib", NOW - 600))
    store.record_beat(Beat("/code/lib", NOW - 60))
    # app: NOW-3001 to NOW-1500; its heartbeats' pairs cover 600 s and 301 s of it.
    assert rows(store, "language") == [
        BreakdownRow(None, 600 + 540),
        BreakdownRow("Python", 600),
        BreakdownRow("Rust", 301),
    ]
    assert [(row.name, row.duration_seconds) for row in rows(store, "category")] == [
        ("coding", 1140 + 600),  # time with no category is coding, as WakaTime counts it
        ("debugging", 301),
    ]
    assert rows(store, "branch") == [
        BreakdownRow("main", 901, "/code/app", "app"),
        BreakdownRow(None, 600, "/code/app", "app"),
        BreakdownRow(None, 540, "/code/lib", "lib"),
    ]
    assert project_seconds(store) == 600 + 301 + 600 + 540
    assert rows(store, "editor") == [BreakdownRow(None, 1140), BreakdownRow("zed", 901)]
    assert rows(store, "language", project="lib") == [BreakdownRow(None, 540)]


def test_a_pair_over_the_edge_of_two_parts_of_a_long_range_counts_whole(store: Store):
    span = days_between(date(2025, 10, 12), date(2025, 11, 20), BERLIN)
    edge = span[PART_DAYS].start  # where the second snapshot's part starts
    record_heartbeats(
        store,
        "/code/app",
        (edge - 100, {"language": "Go"}),
        (edge + 200, {"language": "Go"}),
        (edge + 1100, {"language": "Go"}),  # no pair: 900 s after the one before
    )
    assert rows(store, "language", span) == [BreakdownRow("Go", 300)]
    assert project_seconds(store, span) == 300


def test_heartbeats_are_read_from_a_gap_before_to_a_gap_after_the_range(store: Store):
    [day] = days_between(date(2025, 11, 20), date(2025, 11, 20), BERLIN)
    start, end = day.start, day.end
    times = [start - 901, start - 900, end + 899, end + 900]
    record_heartbeats(store, "/code/app", *((time, {}) for time in times))
    found = store.read(lambda conn: labelled_beats(conn, "language", start, end))
    assert [timestamp for timestamp, *_ in found] == [start - 900, end + 899]


def test_query_reads_the_primary_key_range_in_its_order(store: Store):
    query = "EXPLAIN QUERY PLAN " + _BEATS_SQL["language"]
    plan = store.read(lambda conn: conn.execute(query, {"low": 1, "high": 2}).fetchall())
    details = [row[3] for row in plan]
    assert any("SEARCH h USING PRIMARY KEY (time>? AND time<?)" in d for d in details), details
    assert not any("TEMP B-TREE" in d for d in details), details
