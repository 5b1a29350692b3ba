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

import oxitrack.store.day_splits as day_splits
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


def test_sessions_at_a_midnight_are_in_the_days_they_have_time_in(store: Store):
    """A session ending at midnight is the day before's only; a lone beat at midnight and a
    session starting then are the new day's, as each day read alone has them. Found by its last
    beat, a session still running at a day's start is kept from the first such one on."""
    midnight = SPAN[1].start
    for path, times in (
        ("/code/app", (midnight - 600, midnight)),
        ("/code/lib", (midnight,)),
        ("/code/web", (midnight, midnight + 300)),
    ):
        for moment in times:
            store.record_beat(Beat(path, moment))
    splits = read_day_splits(store, FIELDS, SPAN, None, NOW)
    listed = [
        [(total.project_path, total.duration_seconds, total.session_count) for total in projects]
        for projects in (split.totals.projects for split in splits)
    ]
    assert listed == [
        [("/code/app", 600, 1)],
        [("/code/web", 300, 1), ("/code/lib", 0, 1)],
        [],
    ]
    assert [split.totals.total_seconds for split in splits] == [600, 300, 0]


def test_heartbeats_naming_no_editor_pair_apart_from_an_editors(store: Store):
    """A heartbeat naming no editor (an export's) between two of an editor's under the gap
    does not cut the editor's pair: its language stays on the whole stretch, as
    ``GET /api/breakdown`` splits it (``docs/reports.md``)."""
    record_heartbeats(
        store,
        "/code/app",
        (NOW - 1800, {"language": "Python"}),
        (NOW - 1500, {"language": None, "user_agent": None}),
        (NOW - 1200, {"language": "Python"}),
    )
    [split] = read_day_splits(store, FIELDS, SPAN[2:], None, NOW)
    assert split.totals.total_seconds == 600
    assert [(row.name, row.duration_seconds) for row in split.rows["language"]] == [("Python", 600)]
    assert [(row.name, row.duration_seconds) for row in split.rows["editor"]] == [("zed", 600)]


def test_a_heartbeat_whose_context_is_gone_is_left_out_as_the_join_leaves_it(
    store: Store, db_path: Path
):
    """A heartbeat row pointing at no context (a file changed with foreign keys off, which
    ``oxitrack check`` reports) is left out, as the breakdown's join leaves it: not a
    ``KeyError`` that fails the status bar."""
    record_heartbeats(
        store, "/code/app", (NOW - 1800, {"language": "Python"}), (NOW - 1200, {"language": "Go"})
    )
    before = read_day_splits(store, FIELDS, SPAN[2:], None, NOW)
    with sqlite3.connect(db_path) as other:  # foreign keys are off unless turned on
        other.execute("INSERT INTO heartbeats (time, context_id) VALUES (?, 999)", (NOW - 1500,))
    other.close()
    assert read_day_splits(store, FIELDS, SPAN[2:], None, NOW) == before
    assert [(row.name, row.duration_seconds) for row in before[0].rows["language"]] == [
        ("Python", 600)
    ]


def test_each_day_takes_its_own_from_the_part_read_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    """A part's sessions and heartbeats are read once and each day takes only its own from
    them: the sessions from the first one still running at its start, and the heartbeats from
    the session gap before it to the gap after it. Not the part again from its start, nor to
    its end, for each of its days (31 times over a month's beats)."""
    span = days_between(date(2025, 10, 1), date(2025, 10, 10), BERLIN)
    for day in span:
        noon = day.start + 12 * 3600
        record_heartbeats(store, "/code/app", (noon, {}), (noon + 60, {}))
    sessions_asked: list[Day] = []
    beats_given: list[int] = []
    has_time_in = day_splits._has_time_in
    add_each = Breakdown.add_each

    def counted_has_time_in(row: Any, day: Day) -> bool:
        sessions_asked.append(day)
        return has_time_in(row, day)

    def counted_add_each(breakdowns: Any, sessions: Any, beats: Any, *args: Any) -> None:
        beats_given.append(len(beats))
        add_each(breakdowns, sessions, beats, *args)

    monkeypatch.setattr(day_splits, "_has_time_in", counted_has_time_in)
    monkeypatch.setattr(Breakdown, "add_each", staticmethod(counted_add_each))
    splits = read_day_splits(store, FIELDS, span, None, NOW)
    assert [split.totals.total_seconds for split in splits] == [60] * len(span)
    assert sessions_asked == span
    assert beats_given == [2] * len(span)
