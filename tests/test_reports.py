"""Report numbers and shapes: per-day/per-project totals, JSON shapes, text tables and CSV."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from starlette.responses import JSONResponse

from oxitrack import projects
from oxitrack.beats import MAX_FUTURE_SECONDS
from oxitrack.days import Day, days_between
from oxitrack.projects import folder_name
from oxitrack.report_text import (
    MIN_BAR_WIDTH,
    MIN_DETAIL_WIDTH,
    MIN_LABEL_WIDTH,
    Style,
    TableRow,
    bar,
    day_rows,
    display_width,
    fit_columns,
    format_duration,
    project_rows,
    render_list,
    render_table,
    session_rows,
    shorten,
    shown_minutes,
    today_text,
)
from oxitrack.reports import (
    ACTIVE_SECONDS,
    SessionRow,
    daily_totals,
    days_json,
    days_json_bytes,
    range_report,
    range_totals,
    sessions_json,
    today_json,
)
from oxitrack.session_exports import write_sessions_csv, write_sessions_json

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


def row(session_id: int, path: str, start: str, end: str) -> SessionRow:
    return SessionRow(session_id, path, path, at(start), at(end))


def test_session_crossing_midnight_is_split_between_the_two_days():
    span = days_between(date(2025, 11, 24), date(2025, 11, 25), BERLIN)
    rows = [row(1, "/code/a", "2025-11-24 23:00", "2025-11-25 01:30")]
    monday, tuesday = daily_totals(rows, span, now=at("2025-11-26 12:00"))
    assert [p.duration_seconds for p in monday.projects] == [HOUR]
    assert [p.duration_seconds for p in tuesday.projects] == [HOUR + HOUR // 2]
    assert monday.projects[0].last_beat == tuesday.projects[0].first_beat == at("2025-11-25 00:00")
    assert monday.projects[0].session_count == tuesday.projects[0].session_count == 1
    [whole] = range_totals(rows, span, now=at("2025-11-26 12:00"))
    assert (whole.duration_seconds, whole.session_count) == (2 * HOUR + HOUR // 2, 1)


def test_a_project_is_active_only_in_the_day_or_range_that_holds_now():
    """Work going on now is not "active" in yesterday's column or last week's report."""
    now = at("2025-11-25 00:03")
    rows = [row(1, "/code/a", "2025-11-24 23:00", "2025-11-25 00:02")]
    monday, tuesday = daily_totals(
        rows, days_between(date(2025, 11, 24), date(2025, 11, 25), BERLIN), now
    )
    assert [p.is_active for p in monday.projects + tuesday.projects] == [False, True]
    last_week = days_between(date(2025, 11, 17), date(2025, 11, 24), BERLIN)
    assert [p.is_active for p in range_totals(rows, last_week, now)] == [False]
    this_week = days_between(date(2025, 11, 24), date(2025, 11, 30), BERLIN)
    assert [p.is_active for p in range_totals(rows, this_week, now)] == [True]


def test_the_day_or_range_that_holds_now_runs_from_its_midnight_up_to_the_next():
    """At midnight, work going on now is the new day's, not the old one's."""
    monday, tuesday = days_between(date(2025, 11, 24), date(2025, 11, 25), BERLIN)
    midnight = at("2025-11-25 00:00")
    rows = [
        row(1, "/code/a", "2025-11-24 23:00", "2025-11-24 23:59"),
        row(2, "/code/b", "2025-11-25 00:00", "2025-11-25 00:00"),
    ]
    for days in ([monday], [tuesday], [monday, tuesday]):
        per_day, whole = range_report(rows, days, midnight)
        for totals in per_day:
            active = [p.is_active for p in totals.projects]
            assert active == ([False] if totals.day == monday else [True]), totals.day
        holds_now = days[-1] == tuesday
        assert [p.is_active for p in whole] == [holds_now] * len(whole), days


def test_a_projects_first_and_last_beat_span_all_its_sessions_of_the_day():
    """Rows come in any order (merged projects, several folders): the earliest start and the
    latest end win, whichever session brought them."""
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        row(2, "/code/a", "2025-11-25 14:00", "2025-11-25 15:00"),
        row(1, "/code/a", "2025-11-25 09:00", "2025-11-25 10:00"),
        row(3, "/code/a", "2025-11-25 11:00", "2025-11-25 12:00"),
    ]
    [totals] = daily_totals(rows, span, now=at("2025-11-26 12:00"))
    [project] = totals.projects
    assert (project.first_beat, project.last_beat) == (
        at("2025-11-25 09:00"),
        at("2025-11-25 15:00"),
    )
    assert (project.session_count, project.duration_seconds) == (3, 3 * HOUR)


def test_a_session_is_named_after_its_projects_latest_folder():
    """A project that moved (``/old/app`` then ``/new/tracker``) goes by its latest folder's
    name, also in sessions recorded in the old one; a name given to it wins over both."""
    moved = SessionRow(1, "key", "/old/app", 0, 60, latest_path="/new/tracker")
    assert moved.project_name == "tracker"
    assert SessionRow(1, "key", "/old/app", 0, 60).project_name == "app"
    named = SessionRow(1, "key", "/old/app", 0, 60, latest_path="/new/tracker", custom_name="T")
    assert named.project_name == "T"


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2025, 3, 30), 23), (date(2025, 10, 26), 25), (date(2025, 6, 1), 24)],
    ids=["spring-forward-23h", "fall-back-25h", "ordinary-24h"],
)
def test_session_over_a_whole_day_counts_its_real_length(day: date, hours: int):
    span = days_between(day, day, BERLIN)
    rows = [SessionRow(1, "/code/a", "/code/a", span[0].start - 600, span[0].end + 600)]
    [totals] = daily_totals(rows, span, now=span[0].end + 86400)
    assert totals.total_seconds == hours * HOUR


def test_projects_rank_most_time_first_then_by_name():
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        row(1, "/code/b", "2025-11-25 09:00", "2025-11-25 10:00"),
        row(2, "/code/a", "2025-11-25 11:00", "2025-11-25 12:00"),
        row(3, "/code/c", "2025-11-25 13:00", "2025-11-25 15:00"),
        row(4, "/code/a", "2025-11-25 16:00", "2025-11-25 16:00"),
    ]
    [today] = daily_totals(rows, span, now=at("2025-11-25 18:00"))
    assert [(p.project_name, p.duration_seconds, p.session_count) for p in today.projects] == [
        ("c", 2 * HOUR, 1),
        ("a", HOUR, 2),
        ("b", HOUR, 1),
    ]
    assert today.total_seconds == 4 * HOUR


def test_sessions_grouped_by_key_show_the_latest_path():
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        SessionRow(1, "key", "/old/place", at("2025-11-25 09:00"), at("2025-11-25 10:00")),
        SessionRow(2, "key", "/new/place", at("2025-11-25 11:00"), at("2025-11-25 12:00")),
    ]
    [today] = daily_totals(rows, span, now=at("2025-11-25 18:00"))
    [project] = today.projects
    assert (project.project_path, project.project_name) == ("/new/place", "place")
    assert project.duration_seconds == 2 * HOUR


def test_overlapping_sessions_of_one_project_count_once():
    """Two folders of one project busy at once (two clones open, or merged projects)."""
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        SessionRow(1, "project:1", "/a", at("2025-11-25 09:00"), at("2025-11-25 11:00")),
        SessionRow(2, "project:1", "/b", at("2025-11-25 10:00"), at("2025-11-25 12:00")),
        SessionRow(3, "project:1", "/b", at("2025-11-25 13:00"), at("2025-11-25 13:30")),
        SessionRow(4, "project:2", "/c", at("2025-11-25 10:00"), at("2025-11-25 11:00")),
    ]
    [today] = daily_totals(rows, span, now=at("2025-11-25 18:00"))
    assert [(p.project_key, p.duration_seconds, p.session_count) for p in today.projects] == [
        ("project:1", 3 * HOUR + HOUR // 2, 3),
        ("project:2", HOUR, 1),
    ]
    # The day's total counts 10:00-11:00 once although both projects hold it.
    overlap = sum(p.duration_seconds for p in today.projects) - today.total_seconds
    assert (today.total_seconds, overlap) == (3 * HOUR + HOUR // 2, HOUR)
    [whole] = [
        p
        for p in range_totals(rows, span, now=at("2025-11-25 18:00"))
        if p.project_key == "project:1"
    ]
    assert whole.duration_seconds == 3 * HOUR + HOUR // 2


def test_totals_show_the_projects_latest_folder_and_given_name():
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        SessionRow(
            1,
            "project:1",
            "/old/api",
            at("2025-11-25 09:00"),
            at("2025-11-25 10:00"),
            "/new/api",
            "API",
        ),
        SessionRow(
            2, "project:2", "/code/web", at("2025-11-25 09:00"), at("2025-11-25 09:30"), "/code/web"
        ),
    ]
    [today] = daily_totals(rows, span, now=at("2025-11-25 18:00"))
    assert [(p.project_path, p.project_name) for p in today.projects] == [
        ("/new/api", "API"),
        ("/code/web", "web"),
    ]
    assert [p["project_name"] for p in today_json(today, BERLIN)["projects"]] == ["API", "web"]


@pytest.mark.parametrize(
    ("age", "active"),
    [
        (0, True),
        (ACTIVE_SECONDS - 1, True),
        (ACTIVE_SECONDS, False),
        (-60, True),
        (-MAX_FUTURE_SECONDS, True),
        (-MAX_FUTURE_SECONDS - 1, False),
        (-HOUR, False),
    ],
    ids=[
        "just-now",
        "299s-ago",
        "300s-ago",
        "clock-slightly-behind-the-editor",
        "as-far-ahead-as-a-beat-may-be",
        "further-ahead-than-a-beat-may-be",
        "recorded-before-the-clock-was-put-back-an-hour",
    ],
)
def test_project_is_active_while_its_last_beat_is_under_5_minutes_old(age, active):
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [row(1, "/code/a", "2025-11-25 09:00", "2025-11-25 10:00")]
    [today] = daily_totals(rows, span, now=at("2025-11-25 10:00") + age)
    assert today.projects[0].is_active is active


def test_a_project_worked_on_after_the_clock_was_put_back_is_active():
    """Its latest session was recorded while the clock ran an hour fast; the one since is now."""
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    now = at("2025-11-25 10:00")
    rows = [
        row(1, "/code/a", "2025-11-25 09:00", "2025-11-25 10:00"),
        row(2, "/code/a", "2025-11-25 10:30", "2025-11-25 11:00"),  # stamped by the fast clock
    ]
    [today] = daily_totals(rows, span, now)
    assert [p.is_active for p in today.projects] == [True]
    [today] = daily_totals(rows[1:], span, now)
    assert [p.is_active for p in today.projects] == [False]


def test_sessions_touching_the_range_only_at_its_ends_are_no_project_of_it():
    """They touch the range without time in it (as a store reading touching sessions hands
    it over): no day lists it, so neither may the range's totals, not even with 0 seconds."""
    span = days_between(date(2025, 11, 25), date(2025, 11, 26), BERLIN)
    rows = [
        row(1, "/code/a", "2025-11-24 22:00", "2025-11-25 00:00"),
        row(2, "/code/b", "2025-11-25 09:00", "2025-11-25 10:00"),
        row(3, "/code/c", "2025-11-27 00:00", "2025-11-27 00:00"),  # one beat at the end
    ]
    now = at("2025-11-27 12:00")
    per_day, whole = range_report(rows, span, now)
    assert [[p.project_path for p in day.projects] for day in per_day] == [["/code/b"], []]
    assert [p.project_path for p in whole] == ["/code/b"]


def test_a_projects_session_within_a_longer_one_leaves_it_the_last_beat_and_folder():
    """Two folders of one project (two clones open): the session starting later may end first.
    The project's last beat, and its folder when no latest one is known, are the longer's."""
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        SessionRow(1, "key", "/code/a", at("2025-11-25 09:00"), at("2025-11-25 15:00")),
        SessionRow(2, "key", "/code/a-clone", at("2025-11-25 10:00"), at("2025-11-25 11:00")),
    ]
    now = at("2025-11-26 12:00")
    [today] = daily_totals(rows, span, now)
    [whole] = range_totals(rows, span, now)
    for project in (today.projects[0], whole):
        assert (project.first_beat, project.last_beat) == (
            rows[0].start_time,
            rows[0].last_heartbeat,
        )
        assert (project.project_path, project.duration_seconds) == ("/code/a", 6 * HOUR)
        assert project.folders == ("/code/a", "/code/a-clone")


def test_a_project_whose_later_session_is_going_on_is_active():
    """A morning session and one going on now: the project is active, whichever came first."""
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    now = at("2025-11-25 12:00")
    rows = [
        row(1, "/code/a", "2025-11-25 09:00", "2025-11-25 10:00"),
        row(2, "/code/a", "2025-11-25 11:00", "2025-11-25 11:58"),
    ]
    [today] = daily_totals(rows, span, now)
    assert [p.is_active for p in today.projects] == [True]
    assert [p.is_active for p in range_totals(rows, span, now)] == [True]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/home/you/code/oxitrack", "oxitrack"),
        ("/home/you/code/oxitrack/", "oxitrack"),
        ("C:\\Users\\you\\code\\app", "app"),
        ("/", "/"),
    ],
    ids=["posix", "trailing-slash", "windows", "root"],
)
def test_project_name_is_the_last_path_component(path, name):
    assert folder_name(path) == name


def _one_day_report():
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        row(7, "/code/oxitrack", "2025-11-25 09:00", "2025-11-25 11:05"),
        row(8, "/code/notes", "2025-11-25 12:00", "2025-11-25 12:42"),
    ]
    now = at("2025-11-25 12:44")
    return span, rows, now, daily_totals(rows, span, now)


def test_today_json_has_the_contract_shape():
    _, _, _, [today] = _one_day_report()
    assert today_json(today, BERLIN) == {
        "date": "2025-11-25",
        "timezone": "Europe/Berlin",
        "total_seconds": 2 * HOUR + 47 * 60,
        "projects": [
            {
                "project_path": "/code/oxitrack",
                "project_name": "oxitrack",
                "duration_seconds": 2 * HOUR + 5 * 60,
                "session_count": 1,
                "first_beat": at("2025-11-25 09:00"),
                "last_beat": at("2025-11-25 11:05"),
                "is_active": False,
                "folders": ["/code/oxitrack"],
            },
            {
                "project_path": "/code/notes",
                "project_name": "notes",
                "duration_seconds": 42 * 60,
                "session_count": 1,
                "first_beat": at("2025-11-25 12:00"),
                "last_beat": at("2025-11-25 12:42"),
                "is_active": True,
                "folders": ["/code/notes"],
            },
        ],
    }


def test_days_json_lists_range_totals_and_each_day():
    span, rows, now, per_day = _one_day_report()
    shape = days_json(per_day, range_totals(rows, span, now), BERLIN)
    assert (shape["from"], shape["to"], shape["timezone"]) == ("2025-11-25",) * 2 + (
        "Europe/Berlin",
    )
    assert shape["total_seconds"] == 2 * HOUR + 47 * 60
    [day] = shape["days"]  # type: ignore[misc]
    assert day["projects"] == shape["projects"]


def test_days_json_bytes_are_the_days_json_as_a_json_response_writes_it():
    span, rows, now, per_day = _one_day_report()
    projects_ = range_totals(rows, span, now)
    written = days_json_bytes(per_day, projects_, BERLIN)
    assert written == JSONResponse(days_json(per_day, projects_, BERLIN)).body


def test_today_text_is_one_line_per_project_then_the_total():
    _, _, _, [today] = _one_day_report()
    assert today_text(today) == "2h 05m  /code/oxitrack\n0h 42m  /code/notes\n2h 47m  total\n"


def test_today_text_of_an_empty_day_is_just_the_total():
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    [today] = daily_totals([], span, now=0)
    assert today_text(today) == "0h 00m  total (nothing tracked)\n"


def test_days_with_no_time_say_nothing_was_tracked_but_seconds_are_something():
    """``report --by day`` lists each day, at 0h 00m when nothing was tracked: the total says
    so, as ``today`` and ``report`` do; 20 seconds round to 0h 00m but are time tracked."""
    span = days_between(date(2025, 11, 24), date(2025, 11, 25), BERLIN)
    empty = render_table(day_rows(daily_totals([], span, now=0)), Style(color=False))
    assert empty.splitlines()[-1].strip() == "0h 00m  total (nothing tracked)"
    assert len(empty.splitlines()) == 3
    lines = render_table([TableRow(20, "a"), TableRow(0, "b")], Style(color=False)).splitlines()
    assert lines[-1].strip() == "0h 00m  total"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-30, "0h 00m"),
        (0, "0h 00m"),
        (59, "0h 00m"),
        (60, "0h 01m"),
        (7500, "2h 05m"),
        (90000, "25h 00m"),
    ],
    ids=["negative", "zero", "under-a-minute", "one-minute", "two-hours-five", "more-than-a-day"],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "longest", "style", "drawn"),
    [
        (100, 100, Style(), "█" * 20),
        (50, 100, Style(), "█" * 10),
        (1, 100_000, Style(), "▏"),
        (0, 100, Style(), ""),
        (5, 0, Style(), ""),
        (50, 100, Style(unicode=False), "#" * 10),
        (1, 100_000, Style(unicode=False), "#"),
        (57, 100, Style(bar_width=2), "█▏"),
    ],
    ids=[
        "longest-is-full",
        "half",
        "tiny-shows-a-sliver",
        "zero-is-empty",
        "no-longest-is-empty",
        "ascii",
        "ascii-sliver",
        "eighths",
    ],
)
def test_bar(seconds, longest, style, drawn):
    assert bar(seconds, longest, style) == drawn


def test_table_aligns_columns_and_marks_active_projects_without_colour():
    _, _, _, [today] = _one_day_report()
    text = render_table(project_rows(today.projects), Style(color=False))
    lines = text.splitlines()
    assert "\x1b[" not in text
    assert lines[0].startswith("2h 05m  " + "█" * 20 + "  oxitrack  /code/oxitrack")
    assert lines[1].endswith("notes     /code/notes     ● active")
    assert lines[2] == "2h 47m  total"


def test_table_uses_ansi_colour_only_when_asked():
    text = render_table([TableRow(60, "a", is_active=True)], Style(color=True))
    assert text == (
        "0h 01m  \x1b[36m" + "█" * 20 + "\x1b[0m  a  \x1b[32m● active\x1b[0m\n"
        "\x1b[1m0h 01m  total\x1b[0m\n"
    )


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        ([20 * 60 + 30, 3 * 60 + 30, 60 + 30], [21, 3, 1]),  # 25m 30s: 24m rounded down each
        ([59, 59, 59], [1, 1, 0]),  # 2m 57s in all: the first rows get the minutes
        ([3600, 120, 0], [60, 2, 0]),
        ([10, 50], [0, 1]),  # the most leftover seconds wins the one minute
        ([-1, 60], [0, 1]),  # a negative time (a clock put back) counts as none
        ([-1, 30, 30], [0, 1, 0]),  # and has no leftover seconds
        ([0, *[1] * 60], [0, 1, *[0] * 59]),  # nor has no time: a second beats it
        ([], []),
    ],
    ids=[
        "brief-example",
        "ties-go-to-earlier-rows",
        "whole-minutes",
        "largest-leftover",
        "negative",
        "negative-has-no-leftover",
        "zero-has-no-leftover",
        "none",
    ],
)
def test_shown_minutes_add_up_to_the_total_rounded_down(seconds, shown):
    assert shown_minutes(seconds) == shown
    assert sum(shown) == sum(max(value, 0) for value in seconds) // 60
    assert all(abs(m * 60 - s) < 60 for m, s in zip(shown, seconds, strict=True))


def test_table_rows_add_up_to_the_shown_total():
    rows = [TableRow(20 * 60 + 30, "a"), TableRow(3 * 60 + 30, "b"), TableRow(60 + 30, "c")]
    lines = render_table(rows, Style(unicode=False)).splitlines()
    assert [line[:6] for line in lines] == ["0h 21m", "0h 03m", "0h 01m", "0h 25m"]


def test_today_text_rows_add_up_to_the_total():
    _, _, _, [today] = _one_day_report()
    odd = today._replace(
        projects=tuple(
            p._replace(duration_seconds=seconds)
            for p, seconds in zip(today.projects, (20 * 60 + 45, 3 * 60 + 45), strict=True)
        )
    )
    assert today_text(odd) == "0h 21m  /code/oxitrack\n0h 03m  /code/notes\n0h 24m  total\n"


@pytest.mark.parametrize(
    ("text", "width", "unicode", "short"),
    [
        ("/code/app", 20, True, "/code/app"),
        ("/home/you/" + "x" * 50 + "/app", 20, True, "/home/\u2026xxxxxxxxx/app"),
        ("/home/you/" + "x" * 50 + "/app", 20, False, "/home...xxxxxxxx/app"),
    ],
    ids=["short-stays", "middle-cut-keeps-the-end", "ascii-dots"],
)
def test_shorten_cuts_the_middle_and_keeps_the_end(text, width, unicode, short):
    assert shorten(text, width, unicode=unicode) == short
    assert len(short) <= width


def test_one_long_path_does_not_widen_every_row():
    long_path = "/" + "deep/" * 400 + "project"
    rows = [TableRow(600, "project", long_path), TableRow(300, "notes", "/code/notes")]
    lines = render_table(rows, Style()).splitlines()
    assert max(len(line) for line in lines) < 120
    assert lines[0].endswith("deep/deep/project")  # the end of the path, which names it
    assert lines[1].endswith("/code/notes")


ROWS_OF_TWO_PROJECTS = [
    TableRow(5400, "frontend-application-monorepo", "/srv/work/clients/one/frontend-application"),
    TableRow(1800, "api", "/home/me/code/api", is_active=True),
]


@pytest.mark.parametrize("width", [120, 100, 80, 72, 60, 50, 44])
def test_rows_fit_the_terminals_width_the_path_giving_way_first(width):
    """A name and its path took up to 100 columns beside the bar: on an 80-column terminal
    every row wrapped. The path is cut, then left out; then the bar narrows; the name last."""
    lines = render_table(ROWS_OF_TWO_PROJECTS, Style(width=width)).splitlines()
    assert max(display_width(line) for line in lines) <= width, lines
    wide = render_table(ROWS_OF_TWO_PROJECTS, Style()).splitlines()
    if max(display_width(line) for line in wide) <= width:
        assert lines == wide  # room enough: nothing changes
    name = lines[0].split("  ")[2]
    # Whole while a bar of the least width leaves room (6 + 2 + 8 + 2 + 29 + the active mark).
    assert (name == "frontend-application-monorepo") == (width >= 57), name
    assert name.endswith("monorepo")  # cut, the end stays: it names the project
    assert lines[1].endswith("  ● active")  # the mark is never what is cut off


def test_rows_on_a_narrow_terminal_show_no_path_rather_than_a_useless_stub():
    lines = render_table(ROWS_OF_TWO_PROJECTS, Style(width=72)).splitlines()
    assert not any("/" in line for line in lines), lines
    lines = render_table(ROWS_OF_TWO_PROJECTS, Style(width=100)).splitlines()
    assert "/srv/w" in lines[0] and "\u2026" in lines[0] and lines[0].endswith("application")


def test_rows_on_a_very_narrow_terminal_keep_a_bar_and_a_name_to_tell_apart():
    """Below what a bar and a name need, lines are longer than the terminal but still say
    which project each is; cut shorter they would say nothing."""
    [first, *_] = render_table(ROWS_OF_TWO_PROJECTS, Style(width=20)).splitlines()
    cells = first.split("  ")
    assert cells[1] == "█" * MIN_BAR_WIDTH
    assert display_width(cells[2]) == MIN_LABEL_WIDTH and cells[2].endswith("monorepo")


@pytest.mark.parametrize(
    ("room", "label", "detail", "bar", "columns"),
    [
        (66, 30, 40, 20, (30, 0, 20)),  # the path cannot keep 16 columns: it goes
        (90, 30, 40, 20, (30, 38, 20)),  # it can: cut to what is left
        (40, 30, 0, 20, (30, 0, 10)),  # the bar narrows for the name
        (30, 30, 0, 20, (MIN_LABEL_WIDTH + 10, 0, MIN_BAR_WIDTH)),  # then the name is cut
        (5, 30, 0, 20, (MIN_LABEL_WIDTH, 0, MIN_BAR_WIDTH)),  # never below the least
        (200, 30, 40, 20, (30, 40, 20)),
        (92, 30, 40, 20, (30, 40, 20)),  # the very width of the row
        (91, 30, 40, 20, (30, 39, 20)),  # one column less
        (68, 30, 40, 20, (30, MIN_DETAIL_WIDTH, 20)),
        (67, 30, 40, 20, (30, 0, 20)),
        (49, 30, 0, 20, (30, 0, 19)),
        (38, 30, 0, 20, (30, 0, MIN_BAR_WIDTH)),
        (37, 30, 0, 20, (29, 0, MIN_BAR_WIDTH)),
        (62, 30, 10, 20, (30, 10, 20)),  # a path shorter than the least, at the very width
        (61, 30, 10, 20, (30, 0, 20)),  # one column less: it cannot be cut, so it goes
        (35, 30, 0, 5, (30, 0, 5)),  # a row that fits keeps even a bar under the least
    ],
)
def test_columns_fitted_to_the_room_left(room, label, detail, bar, columns):
    assert tuple(fit_columns(room, label, detail, bar)) == columns


@pytest.mark.parametrize("lead", ["", "Mon 2025-11-24"])
@pytest.mark.parametrize("active", [True, False])
def test_a_fitted_table_gives_the_path_every_column_the_terminal_has(lead, active):
    """Cut to fit, the path takes every column the others leave: a line a column short of
    the terminal (or past it) means a gap was miscounted: the day's, the bar's, the mark's."""
    rows = [r._replace(lead=lead, is_active=r.is_active and active) for r in ROWS_OF_TWO_PROJECTS]
    whole = max(display_width(line) for line in render_table(rows, Style()).splitlines())
    for width in (whole, whole - 1, whole - 7):
        lines = render_table(rows, Style(width=width)).splitlines()
        assert max(display_width(line) for line in lines) == width, lines
        assert ("\u2026" in lines[0]) == (width < whole), lines


def test_a_list_aligns_durations_of_different_lengths():
    """A session list has no total line to set the duration column's width: ``10h 00m`` beside
    ``0h 05m`` still lines up their bars and names."""
    rows = [TableRow(36_000, "long", "/code/long"), TableRow(300, "short", "/code/short")]
    lines = render_list(rows, Style(unicode=False), "2 sessions").splitlines()
    assert lines[0].startswith("10h 00m  #") and lines[1].startswith(" 0h 05m  #"), lines
    assert lines[0].index("long") == lines[1].index("short"), lines


def test_a_days_projects_on_a_narrow_terminal_are_fewer_whole_names():
    """The day's label lists fewer names, whole, as at its usual width, rather than one cut in
    the middle beside the others."""
    names = ("frontend-application", "api", "notes")
    row = TableRow(3600, ", ".join(names), lead="Mon 2025-11-24", names=names)
    [line, _] = render_table([row], Style(width=64)).splitlines()
    assert line.endswith("  frontend-application, +2 more"), line
    assert display_width(line) <= 64


@pytest.mark.parametrize(("column", "width"), [("label", 40), ("detail", 60)])
def test_a_name_or_path_is_cut_only_past_its_columns_width(column, width):
    """A name of exactly 40 columns (a path of 60) is shown whole; one column more is cut to
    40 (60), the end kept."""
    for length, shown in ((width, width), (width + 1, width)):
        text = "a" * (length - 1) + "z"
        cells = {"label": "name", "detail": "/path", column: text}
        table = render_table([TableRow(60, cells["label"], cells["detail"])], Style())
        line = table.splitlines()[0]
        words = line.split("  ")
        cell = next(word for word in words if word.endswith("z"))
        assert len(cell) == shown and (cell == text) == (length == width), (length, cell)


@pytest.mark.parametrize(
    ("text", "encoding", "width"),
    [
        ("webapp", "utf-8", 6),
        ("\u30d7\u30ed\u30b8\u30a7\u30af\u30c8", "utf-8", 12),  # CJK: two columns each
        ("\uff21\uff22", "utf-8", 4),  # fullwidth Latin
        ("cafe\u0301", "utf-8", 4),  # a combining accent takes no column
        ("a\u200db", "utf-8", 2),  # nor a joiner
        ("1\u20e3", "utf-8", 1),  # nor an enclosing mark (keycap)
        ("caf\u00e9", "latin-1", 4),
        ("\u30d7x", "ascii", 7),  # written as \u30d7
        ("caf\u00e9", "ascii", 7),  # \xe9
    ],
)
def test_display_width_counts_terminal_columns_as_written(text, encoding, width):
    assert display_width(text, encoding) == width


def test_shorten_cuts_wide_characters_to_the_columns_asked():
    name = "\u30d7\u30ed\u30b8\u30a7\u30af\u30c8" * 5  # 60 columns
    short = shorten(name, 20)
    assert display_width(short) <= 20
    assert short.startswith("\u30d7") and "\u2026" in short and short.endswith("\u30c8")


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_columns_stay_aligned_with_wide_and_escaped_names(encoding):
    """A Japanese name takes twice its characters on a terminal, and six columns a character
    where the output cannot write it: the path column must still start at one column."""
    japanese = "\u30d7\u30ed\u30b8\u30a7\u30af\u30c8"
    rows = [
        TableRow(600, "webapp", "/home/u/webapp", is_active=True),
        TableRow(300, japanese, f"/home/u/{japanese}", is_active=True),
    ]
    style = Style(unicode=encoding == "utf-8", encoding=encoding)
    lines = render_table(rows, style).splitlines()[:2]
    path_columns = {display_width(line[: line.index("/home")], encoding) for line in lines}
    active_columns = {display_width(line[: line.rindex("active")], encoding) for line in lines}
    assert len(path_columns) == 1 and len(active_columns) == 1, lines
    mark = "\u25cf active" if style.unicode else "* active"
    assert all(line.endswith("  " + mark) for line in lines), lines


def test_a_list_shows_each_rows_own_minutes_and_none_below_zero():
    rows = [TableRow(150, "a"), TableRow(-5, "b")]
    lines = render_list(rows, Style(unicode=False), "2 sessions").splitlines()
    assert lines == [
        "0h 02m  ####################  a",
        "0h 00m                        b",
        "2 sessions",
    ]


def test_empty_table_says_nothing_was_tracked():
    assert render_table([], Style()) == "0h 00m  total (nothing tracked)\n"


def test_day_rows_name_up_to_three_projects():
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        row(i, f"/code/p{i}", f"2025-11-25 0{i}:00", f"2025-11-25 0{i}:{10 * i}")
        for i in (1, 2, 3, 4)
    ]
    # Any iterable, read once: the names are worked out over all days before the rows.
    [table_row] = day_rows(iter(daily_totals(rows, span, now=0)))
    assert (table_row.lead, table_row.label) == ("Tue 2025-11-25", "p4, p3, p2, +1 more")
    [three] = day_rows(daily_totals(rows[:3], span, now=0))
    assert three.label == "p3, p2, p1"


@pytest.mark.parametrize(
    ("lengths", "label"),
    [
        ((12, 12, 12), "a" * 12 + ", " + "b" * 12 + ", " + "c" * 12),  # the column's very width
        ((13, 13, 13), "a" * 13 + ", " + "b" * 13 + ", +1 more"),  # one column more
        ((45,), "a" * 45),  # the table cuts it in the middle, as any name
        ((45, 3), "a" * 45 + ", +1 more"),
    ],
)
def test_day_rows_name_as_many_projects_as_fit_and_always_one(lengths, label):
    """The names fill the label column up to its 40 columns; a first name wider than that is
    still named (and cut where the table draws it), never left out for an empty label."""
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        row(i, f"/code/{letter * length}", "2025-11-25 09:00", f"2025-11-25 09:{50 - 10 * i}")
        for i, (letter, length) in enumerate(zip("abc", lengths, strict=False))
    ]
    [table_row] = day_rows(daily_totals(rows, span, now=0))
    assert table_row.label == label


def test_day_rows_tell_projects_of_one_name_apart_by_their_folders():
    """Two clients' ``api`` folders read "api, api"; each now says which it is, on every day
    (the same words on a day only one of them was worked on)."""
    span = days_between(date(2025, 11, 24), date(2025, 11, 25), BERLIN)
    rows = [
        row(1, "/work/client-one/api", "2025-11-24 09:00", "2025-11-24 10:00"),
        row(2, "/work/client-two/api", "2025-11-24 10:00", "2025-11-24 10:30"),
        row(3, "/work/client-two/api", "2025-11-25 09:00", "2025-11-25 09:30"),
        row(4, "/work/web", "2025-11-25 10:00", "2025-11-25 10:10"),
    ]
    monday, tuesday = day_rows(daily_totals(rows, span, now=0))
    assert monday.label == "api (client-one), api (client-two)"
    assert tuesday.label == "api (client-two), web"


def test_day_rows_part_names_holding_a_comma_by_semicolons():
    """``ACME, Inc., globex`` read as three projects; the names are parted by ``; `` on a day
    one of them holds a comma, the ``+N more`` too, and by commas on the other days."""
    span = days_between(date(2025, 11, 24), date(2025, 11, 25), BERLIN)
    rows = [
        row(1, "/work/ACME, Inc.", "2025-11-24 09:00", "2025-11-24 10:00"),
        *(row(i, f"/work/p{i}", f"2025-11-24 1{i}:00", f"2025-11-24 1{i}:0{i}") for i in (2, 3, 4)),
        row(5, "/work/globex", "2025-11-25 09:00", "2025-11-25 09:30"),
        row(6, "/work/web", "2025-11-25 10:00", "2025-11-25 10:10"),
    ]
    monday, tuesday = day_rows(daily_totals(rows, span, now=0))
    assert monday.label == "ACME, Inc.; p4; p3; +1 more"
    assert tuesday.label == "globex, web"


def test_day_rows_part_names_by_semicolons_whichever_holds_the_comma():
    """The name with a comma in it is not always the day's first (the most worked)."""
    span = days_between(date(2025, 11, 25), date(2025, 11, 25), BERLIN)
    rows = [
        row(1, "/work/web", "2025-11-25 09:00", "2025-11-25 10:00"),
        row(2, "/work/ACME, Inc.", "2025-11-25 10:00", "2025-11-25 10:10"),
    ]
    [day] = day_rows(daily_totals(rows, span, now=0))
    assert day.label == "web; ACME, Inc."


def test_csv_export_quotes_a_latest_folder_holding_a_return():
    """Only the project's latest folder holds the return (the sessions' own folder merged into
    it, the project named): unquoted, a spreadsheet read the rest of the line as a row of its
    own."""
    moved = SessionRow(1, "key", "/old/app", 0, 60, latest_path="/new/a\rb", custom_name="App")
    out = io.StringIO()
    assert write_sessions_csv([moved], BERLIN, out) == 1
    [_, line] = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert (line[1], line[-1]) == ("/old/app", "/new/a\rb")


def _sessions() -> list[SessionRow]:
    return [row(7, "/code/a,b", "2025-11-25 09:00", "2025-11-25 11:05")]


def test_csv_export_has_header_local_times_and_quotes_commas():
    out = io.StringIO()
    assert write_sessions_csv(_sessions(), BERLIN, out) == 1
    [header, line] = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == [
        *("session_id", "project_path", "project_name", "start_time", "last_heartbeat"),
        *("duration_seconds", "start_local", "end_local", "duration_in_range_seconds"),
        "project_latest_path",
    ]
    assert line == [
        "7",
        "/code/a,b",
        "a,b",
        str(at("2025-11-25 09:00")),
        str(at("2025-11-25 11:05")),
        "7500",
        "2025-11-25T09:00:00+01:00",
        "2025-11-25T11:05:00+01:00",
        "7500",
        "/code/a,b",
    ]


def test_a_sessions_json_names_its_projects_latest_folder():
    """``project_latest_path`` is how reports list the project: its latest folder when the
    store knows one (moved or merged), else the session's own."""
    start, end = at("2025-11-25 09:00"), at("2025-11-25 10:00")
    moved = SessionRow(1, "k", "/old/app", start, end, latest_path="/code/app")
    here = row(2, "/code/b", "2025-11-25 11:00", "2025-11-25 12:00")
    body = sessions_json([moved, here], BERLIN, 0, None, None)
    assert [(s["project_path"], s["project_latest_path"]) for s in body["sessions"]] == [
        ("/old/app", "/code/app"),
        ("/code/b", "/code/b"),
    ]


def test_streamed_json_export_equals_the_api_shape():
    out = io.StringIO()
    first = date(2025, 11, 1)
    write_sessions_json(_sessions(), BERLIN, 0, first, None, out)
    api = sessions_json(_sessions(), BERLIN, 0, first, None)
    for session in api["sessions"]:  # type: ignore[attr-defined]
        session["duration_in_range_seconds"] = session["duration_seconds"]
    assert json.loads(out.getvalue()) == api
    empty = io.StringIO()
    write_sessions_json([], BERLIN, 0, None, None, empty)
    assert json.loads(empty.getvalue())["sessions"] == []


@pytest.mark.parametrize(
    ("start", "end", "lead"),
    [
        ("2025-11-24 23:30", "2025-11-25 00:10", "2025-11-24 23:30\u201311-25 00:10"),
        ("2025-10-25 18:00", "2025-10-26 19:00", "2025-10-25 18:00+02:00\u201310-26 19:00+01:00"),
        ("2025-12-31 23:00", "2026-01-01 01:00", "2025-12-31 23:00\u201301-01 01:00"),
    ],
    ids=["past-midnight", "a-whole-fall-back-day", "into-the-new-year"],
)
def test_a_session_ending_on_a_later_day_shows_that_day(start, end, lead):
    """The 26-hour session over 2025-10-26 showed as "18:00\u201319:00", an hour to read."""
    [table_row] = session_rows([row(1, "/code/a", start, end)], BERLIN)
    assert table_row.lead == lead


@pytest.mark.parametrize(
    ("zone", "start", "end", "lead"),
    [
        ("America/New_York", 1793511000, 1793513400, "2026-11-01 01:30-04:00\u201301:10-05:00"),
        ("Europe/Berlin", 1774744200, 1774746600, "2026-03-29 01:30+01:00\u201303:10+02:00"),
    ],
    ids=["the-hour-repeated-when-clocks-go-back", "the-hour-skipped-when-they-go-forward"],
)
def test_a_session_across_a_clock_change_shows_both_offsets(zone, start, end, lead):
    """40 minutes from 01:30 EDT to 01:10 EST showed as "01:30\u201301:10": an end before the
    start."""
    [table_row] = session_rows([SessionRow(1, "/a", "/a", start, end)], ZoneInfo(zone))
    assert table_row.lead == lead
    assert (end - start) // 60 == 40


def test_session_rows_show_local_start_and_end():
    [table_row] = session_rows(_sessions(), BERLIN)
    assert table_row.lead == "2025-11-25 09:00\u201311:05"
    assert table_row.label == "a,b"


NOW_AFTER = at("2026-02-01 12:00")


def _sessions_over(days: int, per_day: int) -> Iterator[SessionRow]:
    """``per_day`` sessions a day in three projects, in start order, streamed (as a store
    read gives them), over ``days`` days from 2025-01-01."""
    start = at("2025-01-01 00:00")
    for number in range(days * per_day):
        begins = start + number * 86_400 // per_day
        path = f"/code/p{number % 3}"
        yield SessionRow(number, path, path, begins, begins + 600)


def test_a_long_report_cuts_each_session_without_reading_every_day():
    """A ten-year range is 3,660 days: finding a session's day copied all of them, once per
    session (two minutes for a million sessions). The days are read a fixed number of times."""

    class CountedDays(list[Day]):
        reads = 0

        def __iter__(self) -> Iterator[Day]:
            CountedDays.reads += 1
            return super().__iter__()

    days = CountedDays(days_between(date(2025, 1, 1), date(2025, 12, 31), BERLIN))
    per_day, projects = range_report(_sessions_over(365, 20), days, NOW_AFTER)
    assert CountedDays.reads < 5
    assert sum(day.total_seconds for day in per_day) == 365 * 20 * 600
    assert sum(project.session_count for project in projects) == 365 * 20


def test_a_long_report_holds_one_days_spans_at_a_time_not_every_session():
    """Sessions come in start order, so a day is added up and let go once a later day starts:
    the memory a report needs does not grow with the sessions in its range (ten years of a
    heavy user's sessions left the daemon 180 MiB bigger)."""
    days = days_between(date(2025, 1, 1), date(2025, 12, 31), BERLIN)

    def peak_bytes(per_day: int) -> int:
        tracemalloc.start()
        try:
            range_report(_sessions_over(365, per_day), days, NOW_AFTER)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    few, many = peak_bytes(5), peak_bytes(50)
    assert many < 1.5 * few, (few, many)


def test_a_report_refuses_sessions_out_of_start_order():
    """What lets a day go once a later one starts; ``daily_totals`` sorts the rows it is given."""
    late, early = (
        row(1, "/a", "2025-01-02 10:00", "2025-01-02 11:00"),
        row(2, "/a", "2025-01-01 10:00", "2025-01-01 11:00"),
    )
    days = days_between(date(2025, 1, 1), date(2025, 1, 2), BERLIN)
    with pytest.raises(ValueError, match="start order"):
        range_report([late, early], days, NOW_AFTER)
    assert [day.total_seconds for day in daily_totals([late, early], days, NOW_AFTER)] == [
        3600,
        3600,
    ]


def test_a_reports_totals_name_each_folder_once_not_each_day(monkeypatch: pytest.MonkeyPatch):
    """Each day's totals are sorted by name and each is written with it: a year of 220
    projects a day took a folder's name apart 241,000 times, an eighth of WakaTime's
    summaries of that year."""
    calls = []
    real = projects.folder_name
    monkeypatch.setattr(projects, "folder_name", lambda path: calls.append(path) or real(path))
    folders = [f"/code/totals-named-once-{n}" for n in range(3)]
    rows = [
        SessionRow(n, folder, folder, n * 2000, n * 2000 + 60)
        for n in range(300)
        for folder in folders
    ]
    span = days_between(date(1970, 1, 1), date(1970, 1, 8), ZoneInfo("UTC"))
    per_day, _ = range_report(rows, span, NOW_AFTER)
    names = {total.project_name for day in per_day for total in day.projects}
    assert names == {"totals-named-once-0", "totals-named-once-1", "totals-named-once-2"}
    assert len(calls) <= len(folders)


def test_an_export_names_each_folder_once_not_each_session(monkeypatch: pytest.MonkeyPatch):
    """Taking the same few hundred paths apart again for each of a million sessions was a
    third of an export's time."""
    calls = []
    real = projects.folder_name
    monkeypatch.setattr(projects, "folder_name", lambda path: calls.append(path) or real(path))
    folder = "/code/one-folder-named-once"
    rows = [SessionRow(n, folder, folder, n * 2000, n * 2000 + 60) for n in range(500)]
    listed = sessions_json(rows, BERLIN, NOW_AFTER, None, None)["sessions"]
    assert {session["project_name"] for session in listed} == {"one-folder-named-once"}
    assert len(calls) <= 1
