"""Time split by heartbeat details: readable examples, then the rule against a per-second model."""

from __future__ import annotations

import itertools
import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oxitrack.breakdown import (
    FIELDS,
    Breakdown,
    BreakdownRow,
    LabelledBeat,
    breakdown_json,
    check_field,
)
from oxitrack.days import Day, days_between
from oxitrack.errors import InvalidField
from oxitrack.report_text import Style, breakdown_rows, render_table
from oxitrack.reports import SessionRow, range_totals
from oxitrack.sessions import SESSION_GAP_SECONDS, sessionize

T = 1_764_100_000  # 2025-11-25 19:46:40 UTC
BERLIN = ZoneInfo("Europe/Berlin")


def session(folder: str, start: int, last: int, key: str | None = None) -> SessionRow:
    return SessionRow(0, key or folder, folder, start, last)


def beat(folder: str, timestamp: int, value: str | None) -> LabelledBeat:
    return LabelledBeat(timestamp, folder, value)


def split(
    sessions: list[SessionRow], beats: list[LabelledBeat], start: int, end: int, field="language"
) -> list[tuple[str | None, int]]:
    breakdown = Breakdown(field)
    breakdown.add(sessions, beats, start, end)
    return [(row.name, row.duration_seconds) for row in breakdown.rows()]


# -- the rule, one behaviour per test -----------------------------------------------------------


def test_time_between_two_heartbeats_goes_to_the_first_ones_value():
    beats = [beat("/a", T, "Python"), beat("/a", T + 60, "Rust"), beat("/a", T + 100, "Rust")]
    assert split([session("/a", T, T + 100)], beats, T - 3600, T + 3600) == [
        ("Python", 60),
        ("Rust", 40),
    ]


def test_projects_taken_as_one_count_a_shared_second_once():
    """WakaTime's lists (status bar, summaries): a second in two projects' sessions at once
    goes to the pair begun last of either, so the rows add up to the day's total."""
    sessions = [session("/a", T, T + 600), session("/b", T + 300, T + 900)]
    beats = [beat("/a", T, "Python"), beat("/a", T + 600, "Python")]
    beats += [beat("/b", T + 300, "Go"), beat("/b", T + 900, "Go")]
    apart, once = Breakdown("language"), Breakdown("language", overlaps_once=True)
    for breakdown in (apart, once):
        breakdown.add(sessions, sorted(beats), T - 3600, T + 3600)
    assert [(r.name, r.duration_seconds) for r in apart.rows()] == [("Go", 600), ("Python", 600)]
    assert [(r.name, r.duration_seconds) for r in once.rows()] == [("Go", 600), ("Python", 300)]


def test_branches_cannot_be_taken_as_one_project():
    with pytest.raises(ValueError, match="per project"):
        Breakdown("branch", overlaps_once=True)


def test_session_time_no_pair_covers_is_unknown():
    # The VS Code extension's beats (no heartbeat) carry the session on past the heartbeats;
    # a lone heartbeat 940 s after the last one gives no pair either.
    beats = [beat("/a", T, "Python"), beat("/a", T + 60, "Python"), beat("/a", T + 1000, "Go")]
    assert split([session("/a", T, T + 1100)], beats, T - 3600, T + 3600) == [
        (None, 1040),
        ("Python", 60),
    ]


def test_heartbeats_a_gap_or_more_apart_make_no_pair():
    beats = [beat("/a", T, "Python"), beat("/a", T + SESSION_GAP_SECONDS, "Python")]
    sessions = [session("/a", T, T), session("/a", T + SESSION_GAP_SECONDS, T + 1000)]
    assert split(sessions, beats, T - 3600, T + 3600) == [(None, 100)]
    # Nor when the session runs on between them (beats that are no heartbeat, every minute).
    running = [session("/a", T, T + SESSION_GAP_SECONDS)]
    assert split(running, beats, T - 3600, T + 3600) == [(None, SESSION_GAP_SECONDS)]


def test_the_example_of_the_docs():
    # docs/reports.md: Neovim at 09:00, 09:10 (Python), 09:12, 09:15 (Rust); the VS Code
    # extension's beats at 09:20 and 09:30 make the session run to 09:30.
    nine = T
    beats = [
        beat("/code/app", nine, "Python"),
        beat("/code/app", nine + 600, "Python"),
        beat("/code/app", nine + 720, "Rust"),
        beat("/code/app", nine + 900, "Rust"),
    ]
    assert split([session("/code/app", nine, nine + 1800)], beats, T - 3600, T + 3600) == [
        (None, 900),
        ("Python", 720),
        ("Rust", 180),
    ]


def test_runs_of_heartbeats_a_gap_apart_each_count():
    beats = [
        beat("/a", T, "Python"),
        beat("/a", T + 10, "Python"),
        beat("/a", T + 1000, "Rust"),
        beat("/a", T + 1030, "Rust"),
    ]
    sessions = [session("/a", T, T + 10), session("/a", T + 1000, T + 1100)]
    assert split(sessions, beats, T - 3600, T + 3600) == [(None, 70), ("Rust", 30), ("Python", 10)]


def test_a_heartbeat_with_no_value_counts_as_unknown():
    beats = [beat("/a", T, None), beat("/a", T + 60, "Python"), beat("/a", T + 90, None)]
    assert split([session("/a", T, T + 90)], beats, T - 3600, T + 3600) == [
        (None, 60),
        ("Python", 30),
    ]


def test_time_with_no_category_is_coding_one_row_with_coding_sent():
    """wakatime-cli leaves ``coding`` out of what it sends and OxiTrack's own beats name a
    category only while debugging or building: time with none is coding, as WakaTime counts
    it, whether a heartbeat names none, no pair covers it, or no heartbeat came at all."""
    beats = [
        beat("/a", T, None),
        beat("/a", T + 60, "coding"),
        beat("/a", T + 90, "debugging"),
        beat("/a", T + 100, None),
    ]
    sessions = [session("/a", T, T + 130), session("/b", T + 200, T + 500)]
    assert split(sessions, beats, T - 3600, T + 3600, "category") == [
        ("coding", 60 + 30 + 30 + 300),
        ("debugging", 10),
    ]
    assert split(sessions, [], T - 3600, T + 3600, "category") == [("coding", 430)]
    assert split(sessions, [], T - 3600, T + 3600, "language") == [(None, 430)]  # unknown


def test_no_heartbeats_at_all_is_one_unknown_row_of_all_the_time():
    sessions = [session("/a", T, T + 600), session("/b", T + 100, T + 200)]
    assert split(sessions, [], T - 3600, T + 3600) == [(None, 700)]


def test_no_sessions_is_no_rows():
    assert split([], [beat("/a", T, "Python"), beat("/a", T + 60, "Python")], T, T + 3600) == []


def test_time_is_clipped_to_the_range_and_the_pair_before_it_still_counts():
    # The pair starts before the range: its heartbeat (read from start minus the gap) names
    # the range's first minute.
    beats = [beat("/a", T - 60, "Python"), beat("/a", T + 60, "Rust"), beat("/a", T + 180, "Rust")]
    assert split([session("/a", T - 60, T + 180)], beats, T, T + 120) == [
        ("Python", 60),
        ("Rust", 60),
    ]


def test_a_pair_across_midnight_counts_in_each_day_for_its_part():
    first, second = days_between(date(2025, 11, 25), date(2025, 11, 26), BERLIN)
    midnight = first.end
    beats = [beat("/a", midnight - 600, "Python"), beat("/a", midnight + 200, "Python")]
    sessions = [session("/a", midnight - 600, midnight + 200)]
    assert split(sessions, beats, first.start, first.end) == [("Python", 600)]
    assert split(sessions, beats, second.start, second.end) == [("Python", 200)]
    assert split(sessions, beats, first.start, second.end) == [("Python", 800)]


def test_parts_of_a_range_add_up_to_the_whole():
    beats = [beat("/a", T, "Python"), beat("/a", T + 400, "Go"), beat("/a", T + 700, "Go")]
    sessions = [session("/a", T, T + 1000)]
    whole = Breakdown("language")
    whole.add(sessions, beats, T - 100, T + 2000)
    parts = Breakdown("language")
    for start, end in [(T - 100, T + 500), (T + 500, T + 2000)]:
        # what the store reads for each part: sessions with time in it, heartbeats around it
        near = [b for b in beats if start - SESSION_GAP_SECONDS <= b.timestamp < end + 900]
        parts.add([s for s in sessions if s.last_heartbeat > start], near, start, end)
    assert (
        parts.rows()
        == whole.rows()
        == [
            BreakdownRow("Python", 400),
            BreakdownRow("Go", 300),
            BreakdownRow(None, 300),
        ]
    )


def test_two_folders_of_one_project_busy_at_once_count_once_by_the_latest_heartbeat():
    # A project moved or merged: /old and /new are one project (same key), worked at once.
    sessions = [session("/old", T, T + 600, key="p"), session("/new", T + 300, T + 900, key="p")]
    beats = [
        beat("/old", T, "Python"),
        beat("/new", T + 300, "Rust"),
        beat("/old", T + 600, "Python"),
        beat("/new", T + 900, "Rust"),
    ]
    # T..T+300 Python; from T+300 the /new pair started later, so Rust until T+900.
    assert split(sessions, beats, T - 3600, T + 3600) == [("Rust", 600), ("Python", 300)]


def test_a_short_run_in_another_folder_of_the_project_gives_the_time_back_after_it():
    sessions = [session("/old", T, T + 800, key="p"), session("/new", T + 100, T + 200, key="p")]
    beats = [
        beat("/old", T, "Python"),
        beat("/new", T + 100, "Rust"),
        beat("/new", T + 200, "Rust"),
        beat("/old", T + 800, "Python"),
    ]
    assert split(sessions, beats, T - 3600, T + 3600) == [("Python", 700), ("Rust", 100)]


# -- time recorded twice: a heartbeat naming a value wins over one naming none ------------------


def test_the_same_moments_recorded_twice_in_one_folder_keep_the_value_one_of_them_names():
    """Live heartbeats, then an export of the same moments imported over them: the imported
    ones name no editor and are stored after (a later context), yet the time stays vscode."""
    live = [beat("/a", T + at, "vscode") for at in (0, 120, 240)]
    imported = [beat("/a", T + at, None) for at in (0, 120, 240)]
    beats = sorted(live + imported, key=lambda b: b.timestamp)  # stable: live first each second
    assert split([session("/a", T, T + 240)], beats, T - 3600, T + 3600, "editor") == [
        ("vscode", 240)
    ]


def test_time_recorded_again_in_another_folder_of_the_project_keeps_the_named_value():
    sessions = [session("/live", T, T + 600, key="p"), session("/clone", T, T + 600, key="p")]
    beats = [
        beat("/live", T, "vscode"),
        beat("/clone", T, None),
        beat("/live", T + 300, "vscode"),
        beat("/clone", T + 300, None),
        beat("/clone", T + 600, None),
        beat("/live", T + 600, "vscode"),
    ]
    assert split(sessions, beats, T - 3600, T + 3600, "editor") == [("vscode", 600)]


def test_among_heartbeats_that_name_a_value_the_latest_still_wins():
    beats = [beat("/a", T, "Python"), beat("/a", T, "Rust"), beat("/a", T + 60, "Rust")]
    assert split([session("/a", T, T + 60)], beats, T - 3600, T + 3600) == [("Rust", 60)]
    sessions = [session("/a", T, T + 600, key="p"), session("/b", T + 300, T + 600, key="p")]
    beats = [
        beat("/a", T, "Python"),
        beat("/b", T + 300, "Rust"),
        beat("/a", T + 600, "Python"),
        beat("/b", T + 600, None),
    ]
    assert split(sessions, beats, T - 3600, T + 3600) == [("Python", 300), ("Rust", 300)]


def test_a_heartbeat_naming_a_category_wins_over_a_later_one_naming_none():
    beats = [
        beat("/a", T, "debugging"),
        beat("/a", T, None),
        beat("/a", T + 60, "debugging"),
        beat("/a", T + 60, None),
    ]
    assert split([session("/a", T, T + 90)], beats, T - 3600, T + 3600, "category") == [
        ("debugging", 60),
        ("coding", 30),
    ]


def test_fields_added_together_are_each_decided_alone():
    """The import names the language, not the editor; a live heartbeat the editor, not the
    language: each field takes the value some heartbeat names."""
    beats = [
        LabelledBeat(T, "/a", (None, "vscode")),
        LabelledBeat(T, "/b", ("Python", None)),
        LabelledBeat(T + 60, "/a", (None, "vscode")),
        LabelledBeat(T + 60, "/b", ("Python", None)),
    ]
    sessions = [session("/a", T, T + 60), session("/b", T, T + 60)]
    each = [Breakdown(field, overlaps_once=True) for field in ("language", "editor")]
    Breakdown.add_each(each, sessions, beats, T - 3600, T + 3600)
    assert [breakdown.rows() for breakdown in each] == [
        [BreakdownRow("Python", 60)],
        [BreakdownRow("vscode", 60)],
    ]


def test_time_in_two_projects_at_once_counts_in_each_as_their_rows_do():
    sessions = [session("/a", T, T + 600), session("/b", T, T + 600)]
    beats = [beat("/a", T, "Python"), beat("/a", T + 600, "Python")]
    assert split(sessions, beats, T - 3600, T + 3600) == [("Python", 600), (None, 600)]


def test_heartbeats_past_the_sessions_count_nothing():
    # Sessions, not heartbeats, say which seconds are worked (the session rule's, or what is
    # left of them): pairs reaching past them add no time.
    beats = [beat("/a", T, "Python"), beat("/a", T + 60, "Rust"), beat("/a", T + 300, "Go")]
    sessions = [session("/a", T + 30, T + 90)]
    assert split(sessions, beats, T - 3600, T + 3600) == [("Python", 30), ("Rust", 30)]


def test_heartbeats_of_folders_outside_the_report_are_left_out():
    beats = [beat("/other", T, "Python"), beat("/other", T + 60, "Python")]
    assert split([session("/a", T, T + 60)], beats, T - 3600, T + 3600) == [(None, 60)]


def test_branches_are_rows_per_project_named_as_the_project_rows_are():
    sessions = [
        SessionRow(1, "p1", "/code/app", T, T + 60, "/code/app-moved", None),
        SessionRow(2, "p1", "/code/app", T + 100, T + 160, "/code/app-moved", None),
        SessionRow(3, "p2", "/code/lib", T, T + 100, None, "Library"),
    ]
    beats = [
        beat("/code/app", T, "main"),
        beat("/code/lib", T, "main"),
        beat("/code/app", T + 60, "main"),
        beat("/code/app", T + 100, "fix"),
        beat("/code/lib", T + 100, None),
        beat("/code/app", T + 160, "fix"),
    ]
    breakdown = Breakdown("branch")
    breakdown.add(sessions, beats, T - 3600, T + 3600)
    assert breakdown.rows() == [
        BreakdownRow("main", 100, "/code/lib", "Library"),
        BreakdownRow("fix", 60, "/code/app-moved", "app-moved"),
        BreakdownRow("main", 60, "/code/app-moved", "app-moved"),
    ]


def test_ties_of_one_branch_in_two_projects_list_them_by_folder():
    sessions = [session("/code/zeta", T, T + 60), session("/code/app", T, T + 60)]
    beats = [beat(folder, t, "main") for folder in ("/code/zeta", "/code/app") for t in (T, T + 60)]
    breakdown = Breakdown("branch")
    breakdown.add(sessions, beats, T - 3600, T + 3600)
    assert [row.project_path for row in breakdown.rows()] == ["/code/app", "/code/zeta"]


def test_ties_list_named_rows_by_name_and_unknown_last():
    beats = [beat("/a", T, "b"), beat("/a", T + 60, "a"), beat("/a", T + 120, "z")]
    assert split([session("/a", T, T + 180)], beats, T, T + 3600) == [
        ("a", 60),
        ("b", 60),
        (None, 60),
    ]


@pytest.mark.parametrize("value", [None, "project", "Language", ""])
def test_a_field_time_cannot_be_split_by_is_refused_naming_what_can(value):
    with pytest.raises(InvalidField) as refused:
        check_field(value, "by")
    assert refused.value.field == "by"
    assert "language, category, editor, branch" in refused.value.message


def test_json_names_the_range_and_unknown_as_null():
    [day] = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [BreakdownRow("Python", 60), BreakdownRow(None, 30)]
    assert breakdown_json("language", rows, [day], BERLIN) == {
        "from": "2025-11-25",
        "to": "2025-11-25",
        "timezone": "Europe/Berlin",
        "by": "language",
        "total_seconds": 90,
        "rows": [
            {"name": "Python", "duration_seconds": 60},
            {"name": None, "duration_seconds": 30},
        ],
    }
    week = days_between(date(2025, 11, 17), date(2025, 11, 23), BERLIN)
    spread = breakdown_json("language", rows, week, BERLIN)
    assert (spread["from"], spread["to"]) == ("2025-11-17", "2025-11-23")
    branch = breakdown_json("branch", [BreakdownRow("main", 60, "/code/app", "app")], [day], BERLIN)
    assert json.loads(json.dumps(branch))["rows"] == [
        {"name": "main", "project_name": "app", "project_path": "/code/app", "duration_seconds": 60}
    ]


def test_text_table_says_unknown_and_the_folder_of_a_branch():
    rows = [BreakdownRow("main", 3600, "/code/app", "app"), BreakdownRow(None, 600, "/code/app")]
    text = render_table(breakdown_rows(rows), Style(unicode=False))
    lines = text.splitlines()
    assert lines[0].startswith("1h 00m") and lines[0].endswith("main     /code/app")
    assert lines[1].startswith("0h 10m") and "unknown  /code/app" in lines[1]
    assert lines[2] == "1h 10m  total"


# -- the rule against a model, second by second -------------------------------------------------

FOLDERS = {"/a": "p1", "/b": "p1", "/c": "p2"}  # /a and /b: one project (moved or merged)
VALUES = ["Python", "Rust", None]
SPAN = 3 * 3600

# Each beat some seconds after the one before (0 to past the gap): runs of pairs, lone
# heartbeats and gaps, in three folders at once.
beats_strategy = st.lists(
    st.tuples(
        st.sampled_from(sorted(FOLDERS)),
        st.integers(min_value=0, max_value=SESSION_GAP_SECONDS + 300),
        st.sampled_from([*VALUES, "native"]),  # native: a POST /beat beat, no heartbeat
    ),
    max_size=40,
)


def model(
    beats: list[tuple[str, int, str | None]], heartbeats: list[LabelledBeat], start: int, end: int
) -> dict[tuple[str, str | None], int]:
    """Seconds per (project, value), asking of each second which pairs cover it."""
    ordered = sorted(heartbeats, key=lambda b: b.timestamp)
    # (project, second) -> (names a value, rank), value: one naming a value first, then latest
    best: dict[tuple[str, int], tuple[tuple[bool, int], str | None]] = {}
    for rank, first in enumerate(ordered):
        later = [
            b
            for b in ordered[rank + 1 :]
            if b.project_path == first.project_path and b.timestamp > first.timestamp
        ]
        if later and later[0].timestamp - first.timestamp < SESSION_GAP_SECONDS:
            for second in range(first.timestamp, later[0].timestamp):
                key, order = (FOLDERS[first.project_path], second), (first.value is not None, rank)
                if key not in best or best[key][0] < order:
                    best[key] = (order, first.value)
    seconds: dict[tuple[str, str | None], int] = {}
    for project in set(FOLDERS.values()):
        spans = [
            span
            for folder, key in FOLDERS.items()
            if key == project
            for span in sessionize(t for f, t, _ in beats if f == folder)
        ]
        for second in range(start, end):
            if any(low <= second < high for low, high in spans):
                value = best.get((project, second), ((False, 0), None))[1]
                seconds[project, value] = seconds.get((project, value), 0) + 1
    return seconds


@settings(max_examples=300, deadline=None)
@given(
    beats_strategy,
    st.integers(min_value=-1000, max_value=SPAN),
    st.integers(min_value=0, max_value=SPAN + 1000),
    st.none() | st.integers(min_value=0, max_value=SPAN),  # None: the range in one part
)
def test_each_value_gets_the_seconds_the_model_gives_and_rows_add_up_to_the_projects(
    beats, start_at, length, cut_at
):
    times = itertools.accumulate(after for _, after, _ in beats)
    beats = [(folder, T + at, value) for (folder, _, value), at in zip(beats, times, strict=True)]
    start, end = T + start_at, T + start_at + length
    cut = end if cut_at is None else min(max(T + cut_at, start), end)
    heartbeats = [beat(f, t, v) for f, t, v in beats if v != "native"]
    sessions = [
        session(folder, low, high, key=FOLDERS[folder])
        for folder in FOLDERS
        for low, high in sessionize(t for f, t, _ in beats if f == folder)
    ]
    breakdown = Breakdown("branch")  # per project, so each project's rows can be checked
    for low, high in [(start, cut), (cut, end)]:  # two parts, read as the store reads them
        near = [b for b in heartbeats if low - SESSION_GAP_SECONDS <= b.timestamp < high + 900]
        in_part = [s for s in sessions if s.last_heartbeat > low and s.start_time < high]
        breakdown.add(in_part, near, low, high)
    expected = model(beats, heartbeats, start, end)
    assert breakdown.seconds == {key: value for key, value in expected.items() if value}
    totals = range_totals(sessions, [Day(date(2025, 11, 25), start, end)], now=0)
    rows = breakdown.rows()
    assert sum(row.duration_seconds for row in rows) == sum(t.duration_seconds for t in totals)
    by_language = Breakdown("language")
    by_language.seconds = breakdown.seconds
    assert sum(r.duration_seconds for r in by_language.rows()) == sum(
        r.duration_seconds for r in rows
    )


@settings(max_examples=300, deadline=None)
@given(beats_strategy, st.data())
def test_heartbeats_recorded_again_naming_nothing_change_no_row(beats, data):
    """An import over time tracked live: some heartbeats again, at the same second, naming no
    value, in their own folder or in a copy of it (another folder of the project). Each field
    gives the same rows as without them, the total included (the copies' sessions lie inside
    the originals')."""
    times = itertools.accumulate(after for _, after, _ in beats)
    beats = [(folder, T + at, value) for (folder, _, value), at in zip(beats, times, strict=True)]
    folders = {**FOLDERS, **{f"{folder}-copy": key for folder, key in FOLDERS.items()}}
    where = data.draw(st.lists(st.sampled_from([None, "", "-copy"]), min_size=len(beats)))

    def rows(with_copies: bool, field: str) -> list[BreakdownRow]:
        recorded = []
        for (folder, at, value), copy in zip(beats, where, strict=False):
            recorded.append((folder, at, value))
            if with_copies and copy is not None and value != "native":
                recorded.append((folder + copy, at, None))
        sessions = [
            session(folder, low, high, key=key)
            for folder, key in folders.items()
            for low, high in sessionize(t for f, t, _ in recorded if f == folder)
        ]
        heartbeats = [beat(f, t, v) for f, t, v in recorded if v != "native"]
        breakdown = Breakdown(field)
        breakdown.add(sessions, heartbeats, T - 3600, T + SPAN + 3600)
        return breakdown.rows()

    for field in ("language", "category"):
        assert rows(True, field) == rows(False, field)


def test_the_command_offers_exactly_the_fields_time_can_be_split_by():
    """``report --by`` keeps its own copy of the names so that building the parser loads none of
    the breakdown: a field added to one and not the other would be refused or never offered."""
    from oxitrack.commands import breakdown as command

    assert command.FIELDS == FIELDS


# -- several fields in one pass (``Breakdown.add_each``) ------------------------------------------


@settings(max_examples=200, deadline=None)
@given(beats_strategy, st.integers(min_value=-1000, max_value=SPAN))
def test_fields_added_in_one_pass_get_what_each_gets_alone(beats, start_at):
    """Each heartbeat carries a value per field; the pass that finds which pair covers a
    second once must give each field the rows its own ``add`` gives."""
    times = itertools.accumulate(after for _, after, _ in beats)
    beats = [(folder, T + at, value) for (folder, _, value), at in zip(beats, times, strict=True)]
    start, end = T + start_at, T + start_at + SPAN
    sessions = [
        session(folder, low, high, key=FOLDERS[folder])
        for folder in FOLDERS
        for low, high in sessionize(t for f, t, _ in beats if f == folder)
    ]
    # Two fields whose values differ per heartbeat: the value, and the value's partner.
    # Rust's heartbeats name no partner: a field one heartbeat names and another does not.
    partner = {"Python": "Python-editor"}
    firsts = [beat(f, t, v) for f, t, v in beats if v != "native"]
    seconds = [beat(f, t, partner.get(v)) for f, t, v in beats if v != "native"]
    together = [LabelledBeat(t, f, (v, partner.get(v))) for f, t, v in beats if v != "native"]
    each = [Breakdown(field, overlaps_once=True) for field in ("language", "editor")]
    Breakdown.add_each(each, sessions, together, start, end)
    for breakdown, alone_beats in zip(each, [firsts, seconds], strict=True):
        alone = Breakdown(breakdown.field, overlaps_once=True)
        alone.add(sessions, alone_beats, start, end)
        assert (breakdown.seconds, breakdown.rows()) == (alone.seconds, alone.rows())


def test_no_field_is_nothing_to_add_and_a_per_project_field_is_refused():
    sessions, beats = [session("/a", T, T + 60)], [LabelledBeat(T, "/a", ("Python",))]
    Breakdown.add_each([], sessions, beats, T, T + 3600)  # nothing to do, nothing raised
    with pytest.raises(ValueError, match="only breakdowns with overlaps_once"):
        Breakdown.add_each([Breakdown("branch")], sessions, beats, T, T + 3600)


def test_many_folders_busy_at_once_are_not_sorted_again_for_each_stretch(monkeypatch):
    """Forty clones of a project busy at once, their latest heartbeat always naming no category:
    each stretch between two heartbeats asks the others. Sorting every pair covering it again
    for each stretch made the adding up quadratic in the folders busy at once (a month of
    twenty such folders, three times slower than taking the latest pair only)."""
    sorted_items = 0

    def counted_sorted(items, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal sorted_items
        items = list(items)
        sorted_items += len(items)
        return sorted(items, **kwargs)

    for module in ("oxitrack.breakdown", "oxitrack.breakdown_covering"):
        monkeypatch.setattr(f"{module}.sorted", counted_sorted, raising=False)
    folders = [f"/clone{n}" for n in range(40)]
    beats = [
        LabelledBeat(T + at + n, folder, ("Python", "building" if n == 0 else None))
        for n, folder in enumerate(folders)
        for at in range(0, 3600, 60)
    ]
    sessions = [
        session(folder, T + n, T + 3540 + n, key="/clone0") for n, folder in enumerate(folders)
    ]
    each = [Breakdown(field, overlaps_once=True) for field in ("language", "category")]
    Breakdown.add_each(each, sessions, beats, T, T + 3600)
    assert [(row.name, row.duration_seconds) for row in each[1].rows()] == [
        ("building", 3540),
        ("coding", 39),
    ]
    assert sorted_items <= 10 * len(beats)
