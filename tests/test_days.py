"""Local days: lengths across daylight-saving changes, midnight splits, ranges."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oxitrack.days import (
    MAX_RANGE_DAYS,
    Day,
    check_range,
    date_bounds,
    day_of,
    day_start,
    days_between,
    last_days,
    local_date,
    month_of,
    parse_date,
    split_span,
    week_of,
)
from oxitrack.errors import InvalidField

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def at(text: str, zone: ZoneInfo = BERLIN) -> int:
    """UTC seconds of a local wall time like ``2025-03-30 01:30``."""
    return int(datetime.fromisoformat(text).replace(tzinfo=zone).timestamp())


@pytest.mark.parametrize(
    ("zone", "day", "hours", "first_local_time"),
    [
        ("Europe/Berlin", date(2025, 6, 1), 24, "00:00"),
        ("Europe/Berlin", date(2025, 3, 30), 23, "00:00"),
        ("Europe/Berlin", date(2025, 10, 26), 25, "00:00"),
        ("America/New_York", date(2025, 3, 9), 23, "00:00"),
        ("America/New_York", date(2025, 11, 2), 25, "00:00"),
        ("America/Santiago", date(2022, 9, 11), 23, "01:00"),
        ("Australia/Lord_Howe", date(2025, 10, 5), 23.5, "00:00"),
        ("UTC", date(2025, 3, 30), 24, "00:00"),
    ],
    ids=[
        "ordinary-day-24h",
        "berlin-spring-forward-23h",
        "berlin-fall-back-25h",
        "new-york-spring-forward-23h",
        "new-york-fall-back-25h",
        "santiago-midnight-skipped-starts-at-1am",
        "lord-howe-half-hour-shift",
        "utc-never-shifts",
    ],
)
def test_day_length_follows_daylight_saving(zone, day, hours, first_local_time):
    tz = ZoneInfo(zone)
    [found] = days_between(day, day, tz)
    assert found.length_seconds == hours * HOUR
    assert datetime.fromtimestamp(found.start, tz).strftime("%H:%M") == first_local_time
    assert local_date(found.start, tz) == day
    assert local_date(found.start - 1, tz) < day
    assert local_date(found.end - 1, tz) == day


def test_days_between_are_consecutive_and_inclusive():
    span = days_between(date(2025, 3, 28), date(2025, 4, 1), BERLIN)
    assert [d.date for d in span] == [date(2025, 3, d) for d in (28, 29, 30, 31)] + [
        date(2025, 4, 1)
    ]
    for before, after in itertools.pairwise(span):
        assert before.end == after.start


def test_days_between_a_last_day_before_the_first_is_no_day():
    assert days_between(date(2025, 3, 29), date(2025, 3, 28), BERLIN) == []
    assert days_between(date(2025, 3, 29), date(2025, 3, 20), BERLIN) == []


ZONES = ["Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@given(
    st.integers(min_value=1_577_836_800, max_value=1_893_456_000),  # 2020 to 2030
    st.sampled_from(ZONES),
)
def test_every_second_belongs_to_the_day_of_its_local_date(timestamp: int, zone: str):
    tz = ZoneInfo(zone)
    day = day_of(timestamp, tz)
    assert day.start <= timestamp < day.end
    assert day.date == datetime.fromtimestamp(timestamp, tz).date()


WEEK = days_between(date(2025, 3, 29), date(2025, 3, 31), BERLIN)  # Sat, Sun (23 h), Mon


@pytest.mark.parametrize(
    ("start", "end", "pieces"),
    [
        (
            at("2025-03-29 10:00"),
            at("2025-03-29 11:00"),
            [(0, at("2025-03-29 10:00"), at("2025-03-29 11:00"))],
        ),
        (
            at("2025-03-29 23:30"),
            at("2025-03-30 00:45"),
            [
                (0, at("2025-03-29 23:30"), at("2025-03-30 00:00")),
                (1, at("2025-03-30 00:00"), at("2025-03-30 00:45")),
            ],
        ),
        (
            at("2025-03-29 23:30"),
            at("2025-03-30 00:00"),
            [(0, at("2025-03-29 23:30"), at("2025-03-30 00:00"))],
        ),
        (
            at("2025-03-30 00:00"),
            at("2025-03-30 00:00"),
            [(1, at("2025-03-30 00:00"), at("2025-03-30 00:00"))],
        ),
        (
            at("2025-03-30 01:30"),
            at("2025-03-30 03:30"),
            [(1, at("2025-03-30 01:30"), at("2025-03-30 03:30"))],
        ),
        (
            at("2025-03-28 23:00"),
            at("2025-03-29 01:00"),
            [(0, at("2025-03-29 00:00"), at("2025-03-29 01:00"))],
        ),
        (at("2025-03-28 10:00"), at("2025-03-28 11:00"), []),
        (at("2025-04-01 00:00"), at("2025-04-01 00:00"), []),
        (at("2025-03-28 23:59"), at("2025-03-28 23:59"), []),
        (
            at("2025-03-29 00:00"),
            at("2025-03-29 00:00"),
            [(0, at("2025-03-29 00:00"), at("2025-03-29 00:00"))],
        ),
        (
            at("2025-03-29 10:00"),
            at("2025-03-29 10:00"),
            [(0, at("2025-03-29 10:00"), at("2025-03-29 10:00"))],
        ),
    ],
    ids=[
        "inside-one-day",
        "crossing-midnight-is-split",
        "ending-exactly-at-midnight-stays-in-its-day",
        "single-beat-at-midnight-belongs-to-the-new-day",
        "across-the-skipped-hour-counts-real-seconds",
        "part-before-the-range-is-dropped",
        "before-the-range",
        "at-the-range-end",
        "single-beat-before-the-range",
        "single-beat-at-the-range-start-is-in-its-first-day",
        "single-beat-inside-a-day-is-one-piece",
    ],
)
def test_split_span_cuts_at_local_midnight(start, end, pieces):
    assert list(split_span(start, end, WEEK)) == pieces


def test_span_over_the_spring_forward_day_counts_23_hours_for_it():
    pieces = list(split_span(at("2025-03-29 12:00"), at("2025-03-31 12:00"), WEEK))
    assert [high - low for _, low, high in pieces] == [12 * HOUR, 23 * HOUR, 12 * HOUR]


def test_a_date_the_zone_skipped_has_no_second_and_no_session():
    """Samoa went from 2011-12-29 straight to 2011-12-31: a session across it is in two days."""
    apia = ZoneInfo("Pacific/Apia")
    span = days_between(date(2011, 12, 29), date(2011, 12, 31), apia)
    assert [day.length_seconds for day in span] == [24 * HOUR, 0, 24 * HOUR]
    jump = span[1].start
    pieces = list(split_span(jump - HOUR, jump + HOUR, span))
    assert pieces == [(0, jump - HOUR, jump), (2, jump, jump + HOUR)]
    assert list(split_span(jump, jump, span)) == [(2, jump, jump)]
    assert list(split_span(jump - HOUR, jump + HOUR, span[1:])) == [(1, jump, jump + HOUR)]


@given(
    st.integers(min_value=WEEK[0].start - 2 * 86400, max_value=WEEK[-1].end + 86400),
    st.integers(min_value=0, max_value=4 * 86400),
)
def test_pieces_add_up_to_the_span_clipped_to_the_range(start: int, length: int):
    end = start + length
    pieces = list(split_span(start, end, WEEK))
    clipped = max(0, min(end, WEEK[-1].end) - max(start, WEEK[0].start))
    assert sum(high - low for _, low, high in pieces) == clipped
    assert all(WEEK[i].start <= low <= high <= WEEK[i].end for i, low, high in pieces)


@pytest.mark.parametrize(
    ("helper", "today", "expected"),
    [
        (week_of, date(2025, 11, 27), (date(2025, 11, 24), date(2025, 11, 27))),
        (week_of, date(2025, 11, 24), (date(2025, 11, 24), date(2025, 11, 24))),
        (month_of, date(2025, 11, 27), (date(2025, 11, 1), date(2025, 11, 27))),
        (lambda d: last_days(d, 7), date(2025, 3, 2), (date(2025, 2, 24), date(2025, 3, 2))),
    ],
    ids=["week-starts-monday", "monday-is-a-one-day-week", "month-to-date", "last-7-days"],
)
def test_named_ranges(helper, today, expected):
    assert helper(today) == expected


@pytest.mark.parametrize(
    ("today", "first_weekday", "expected"),
    [
        (date(2025, 11, 27), 6, date(2025, 11, 23)),  # a Thursday, weeks from Sunday
        (date(2025, 11, 23), 6, date(2025, 11, 23)),  # the Sunday itself: a one-day week
        (date(2025, 11, 22), 6, date(2025, 11, 16)),  # Saturday: the week's last day
        (date(2025, 11, 24), 5, date(2025, 11, 22)),  # a Monday, weeks from Saturday
        (date(2025, 11, 27), 0, date(2025, 11, 24)),  # Monday, the default
    ],
)
def test_a_week_starts_on_the_day_asked_for(today: date, first_weekday: int, expected: date):
    assert week_of(today, first_weekday) == (expected, today)


@given(today=st.dates(date(1971, 1, 1), date(2100, 1, 1)), first=st.integers(0, 6))
def test_a_week_is_its_first_day_to_today_within_seven_days(today: date, first: int):
    start, last = week_of(today, first)
    assert last == today and start.weekday() == first and 0 <= (today - start).days <= 6


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2025-13-01", "'2025-13-01' is no day of the calendar"),
        ("2026-02-29", "'2026-02-29' is no day of the calendar"),
        ("yesterday", "not a date like 2025-01-31"),
        ("1969-12-31", "1970"),
    ],
    ids=["month-13", "february-29-of-a-common-year", "word", "before-1970"],
)
def test_bad_dates_name_the_field(text, words):
    with pytest.raises(InvalidField) as raised:
        parse_date(text, field="from")
    assert raised.value.field == "from"
    assert words in raised.value.message


def test_backwards_or_huge_ranges_are_refused():
    with pytest.raises(InvalidField, match="after the end"):
        check_range(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(InvalidField, match="longer than"):
        check_range(date(2000, 1, 1), date(2025, 1, 1))
    check_range(date(2025, 1, 1), date(2025, 1, 1))


def test_the_longest_range_and_the_last_year_are_allowed_one_more_is_not():
    first = date(2020, 1, 1)
    check_range(first, first + timedelta(days=MAX_RANGE_DAYS - 1), max_days=MAX_RANGE_DAYS)
    with pytest.raises(InvalidField, match=f"longer than {MAX_RANGE_DAYS} days"):
        check_range(first, first + timedelta(days=MAX_RANGE_DAYS), max_days=MAX_RANGE_DAYS)
    check_range(date(1970, 1, 1), date(9998, 12, 31), max_days=None)  # a list of sessions
    assert parse_date("9998-12-31", field="to") == date(9998, 12, 31)
    assert parse_date("1970-01-01", field="from") == date(1970, 1, 1)
    with pytest.raises(InvalidField, match="outside the years 1970 to 9998"):
        parse_date("9999-01-01", field="to")


def test_day_start_of_a_plain_day():
    assert day_start(date(2025, 1, 1), ZoneInfo("UTC")) == 1_735_689_600
    assert Day(date(2025, 1, 1), 0, 10).length_seconds == 10


def test_date_bounds_run_from_the_first_local_midnight_to_the_one_after_the_last_day():
    berlin = ZoneInfo("Europe/Berlin")
    start, end = date_bounds(date(2025, 3, 30), date(2025, 3, 30), berlin)  # 23 hours
    assert (start, end) == (
        day_start(date(2025, 3, 30), berlin),
        day_start(date(2025, 3, 31), berlin),
    )
    assert end - start == 23 * 3600
    assert date_bounds(None, None, berlin) == (None, None)
    assert date_bounds(None, date(2025, 3, 30), berlin) == (None, end)
