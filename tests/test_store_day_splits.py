"""Each day's totals and splits, read together for WakaTime's summaries and status bar."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oxitrack.breakdown import PER_PROJECT_FIELDS, Breakdown
from oxitrack.days import Day, days_between
from oxitrack.reports import daily_totals
from oxitrack.sessions import SESSION_GAP_SECONDS, Beat
from oxitrack.store import Store
from oxitrack.store import wakatime as wakatime_store
from oxitrack.store.breakdown import add_split
from oxitrack.store.day_splits import DaySplit, read_day_splits
from oxitrack.store.reports import (
    PART_DAYS,
    ProjectFilter,
    iter_sessions,
    project_filter,
    sessions_between,
)
from oxitrack.wakatime import Heartbeat, HeartbeatDetails
from tests.conftest import NOW
from tests.test_store_breakdown import BERLIN, record_heartbeats, rows

FIELDS = ("category", "language", "editor")
# NOW is 20:46 on 2025-11-25 in Berlin: three days up to it, the middle one worked past midnight.
SPAN = days_between(date(2025, 11, 23), date(2025, 11, 25), BERLIN)


@pytest.fixture
def worked(store: Store) -> Store:
    midnight = SPAN[2].start
    record_heartbeats(
        store,
        "/code/app",
        (midnight - 1200, {"language": "Python", "category": None, "branch": "main"}),
        (midnight - 600, {"language": "Rust", "category": "debugging", "branch": "fix"}),
        (midnight + 200, {"language": "Rust", "category": "debugging", "branch": "fix"}),
        (NOW - 900 + 1, {"language": "Go", "category": "building", "branch": "main"}),
    )
    store.record_beat(Beat("/code/app", midnight + 900))  # a beat naming nothing
    store.record_beat(Beat("/code/lib", NOW - 60))
    store.record_beat(Beat("/code/lib", NOW))
    return store


def test_each_day_is_split_and_totalled_as_its_own_report(worked: Store):
    """Without time in two projects at once, each day's split is that day's breakdown."""
    splits = read_day_splits(worked, FIELDS, SPAN, None, NOW)
    assert [split.totals.day for split in splits] == SPAN
    for day, split in zip(SPAN, splits, strict=True):
        sessions = worked.read(lambda conn, d=day: list(iter_sessions(conn, d.start, d.end)))
        assert split.totals == daily_totals(sessions, [day], NOW)[0]
        for field in FIELDS:
            assert split.rows[field] == rows(worked, field, span=[day]), (day, field)
    # The session over midnight gives each day its own part, split by its own heartbeats.
    assert [(r.name, r.duration_seconds) for r in splits[1].rows["language"]] == [
        ("Python", 600),
        ("Rust", 600),
    ]
    assert ("Rust", 200) in [(r.name, r.duration_seconds) for r in splits[2].rows["language"]]
    assert splits[0].rows["language"] == []


def test_days_are_read_one_snapshot_per_part(worked: Store, monkeypatch: pytest.MonkeyPatch):
    """A day's lists and total come from one snapshot (a beat arriving meanwhile is in all or
    none), and a long range is not held in one read."""
    snapshots = 0
    real_read = worked.read

    def counted_read(fn: Any, **kwargs: Any) -> Any:
        nonlocal snapshots
        snapshots += 1
        return real_read(fn, **kwargs)

    monkeypatch.setattr(worked, "read", counted_read)
    read_day_splits(worked, FIELDS, SPAN, None, NOW)
    assert snapshots == 1
    first = date(2025, 10, 1)
    long_span = days_between(first, first + timedelta(days=PART_DAYS), BERLIN)
    snapshots = 0
    splits = read_day_splits(worked, FIELDS, long_span, None, NOW)
    assert (snapshots, len(splits)) == (2, PART_DAYS + 1)


def test_time_in_two_projects_at_once_is_split_once(store: Store):
    """The lists add up to the day's total, as WakaTime's do: a second worked in two projects
    goes to the latest heartbeat of either, not to both."""
    record_heartbeats(
        store,
        "/code/app",
        (NOW - 1800, {"language": "Python"}),
        (NOW - 1200, {"language": "Python"}),
        (NOW - 600, {"language": "Python"}),
    )
    record_heartbeats(store, "/code/lib", (NOW - 1500, {"language": "Go"}), (NOW - 900, {}))
    [split] = read_day_splits(store, FIELDS, SPAN[2:], None, NOW)
    assert split.totals.total_seconds == 1200
    assert sum(p.duration_seconds for p in split.totals.projects) == 1200 + 600
    languages = [(row.name, row.duration_seconds) for row in split.rows["language"]]
    # Each second to the pair begun last: Python from NOW-1800, Go from NOW-1500 (lib's), Python
    # again from NOW-1200 (app's next heartbeat) to NOW-600.
    assert languages == [("Python", 900), ("Go", 300)]


def _day_by_day(
    store: Store, fields: tuple[str, ...], span: list[Day], project: ProjectFilter
) -> list[DaySplit]:
    """The answer as it was first read: each day's sessions and, per field, its heartbeats
    asked for on their own, in one snapshot."""

    def read(conn: sqlite3.Connection) -> list[DaySplit]:
        splits = []
        for day in span:
            sessions = sessions_between(conn, day.start, day.end, project)
            [totals] = daily_totals(sessions, [day], NOW)
            rows = {}
            for field in fields:
                breakdown = Breakdown(field, overlaps_once=field not in PER_PROJECT_FIELDS)
                add_split(conn, breakdown, sessions, day.start, day.end)
                rows[field] = breakdown.rows()
            splits.append(DaySplit(totals, rows))
        return splits

    return store.read(read)


# Days around the end of summer time in Berlin (a 25-hour day), read two days a part.
DST_SPAN = days_between(date(2025, 10, 24), date(2025, 10, 29), BERLIN)
_LABELS = st.sampled_from([None, "Python", "Rust", "debugging", "main"])
_HEARTBEATS = st.lists(
    st.tuples(
        st.sampled_from([day.start for day in DST_SPAN] + [DST_SPAN[-1].end]),
        st.integers(-2 * SESSION_GAP_SECONDS, 2 * SESSION_GAP_SECONDS),
        st.sampled_from([0.0, 0.25, 0.75]),
        st.sampled_from(["/code/app", "/code/lib", "/work/app"]),
        st.tuples(_LABELS, _LABELS, _LABELS, _LABELS),
        st.booleans(),  # a plain beat (naming nothing) rather than a heartbeat
    ),
    max_size=60,
)


def _record(
    conn: sqlite3.Connection, sent: list[tuple[int, int, float, str, tuple[str | None, ...], bool]]
) -> None:
    """Plain beats and heartbeats through the daemon's own writes, in one transaction."""
    for boundary, offset, fraction, path, labels, plain in sent:
        moment = boundary + offset
        if plain:
            wakatime_store.record_posted_beat(conn, Beat(path, moment))
            continue
        category, language, editor, branch = labels
        details = HeartbeatDetails(
            time=moment + fraction,
            entity_type="file",
            category=category,
            language=language,
            branch=branch,
            is_write=False,
            project_name=None,
            editor=editor,
            plugin=None,
            project_source="project_root_count",
        )
        heartbeat = Heartbeat(beat=Beat(path, moment), details=details, entity="x.py")
        wakatime_store.record_heartbeats(conn, [heartbeat])


@settings(max_examples=60, deadline=None)
@given(sent=_HEARTBEATS, project=st.sampled_from([None, "/code/app", "lib"]))
def test_days_cut_from_parts_are_the_days_read_one_by_one(
    sent: list[tuple[int, int, float, str, tuple[str | None, ...], bool]], project: str | None
):
    """Reading a part's sessions and heartbeats at once and cutting them into days gives each
    day exactly what reading that day alone gives: beats near midnights, on the session gap's
    edges, single beats, overlapping folders, a 25-hour day, parts' edges."""
    fields = ("category", "language", "editor") + (("branch",) if project else ())
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "t.db") as store:
        store.write(lambda conn: _record(conn, sent))
        found = store.read(lambda conn: project_filter(conn, project, "project"))
        with mock.patch("oxitrack.store.day_splits.PART_DAYS", 2):
            cut = read_day_splits(store, fields, DST_SPAN, found, NOW)
        assert cut == _day_by_day(store, fields, DST_SPAN, found)
