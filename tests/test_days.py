"""Local days: lengths across daylight-saving changes, midnight splits, ranges, time zone names."""

from __future__ import annotations

import functools
import importlib.resources
import itertools
import sys
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import given
from hypothesis import strategies as st

import oxitrack.days
from oxitrack.days import (
    MAX_RANGE_DAYS,
    Day,
    check_range,
    date_bounds,
    day_of,
    day_start,
    days_between,
    ignored_tz_note,
    ignored_tz_variable,
    last_days,
    local_date,
    month_of,
    parse_date,
    split_span,
    system_zone,
    week_of,
    zone_name_from,
    zone_named,
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
    [("2025-13-01", "not a date"), ("yesterday", "not a date"), ("1969-12-31", "1970")],
    ids=["month-13", "word", "before-1970"],
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


@pytest.mark.parametrize(
    "name", ["Mars/Base", "", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/"]
)
def test_unknown_time_zone_is_invalid_field_tz(name):
    with pytest.raises(InvalidField) as raised:
        zone_named(name)
    assert raised.value.field == "tz"


@pytest.mark.parametrize(
    "name", ["posix/Europe/Berlin", "right/UTC", "localtime", "posixrules", "Factory"]
)
def test_files_of_the_zone_database_that_are_no_zone_names_are_refused(name: str):
    """Python opens them, but the dashboard's browser refuses them and froze on "loading"."""
    with pytest.raises(InvalidField) as raised:
        zone_named(name)
    assert raised.value.field == "tz" and "not a zone name" in raised.value.message
    # $TZ naming one is read as the zone it copies (``posix/Europe/Berlin``: Europe/Berlin),
    # never under the file's own name.
    assert zone_name_from(f":{name}", None) in (None, name.split("/", 1)[-1])


@pytest.mark.parametrize("typed", ["factory", "LOCALTIME", "Localtime", "FACTORY"])
def test_files_of_the_zone_database_that_are_no_zone_names_are_refused_in_any_case(typed: str):
    """A zone typed in another case is looked up among the zone names: these files are none."""
    with pytest.raises(InvalidField) as raised:
        zone_named(typed)
    assert raised.value.field == "tz"


def test_known_time_zone_keeps_its_name():
    assert zone_named(" Asia/Tokyo ").key == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("utc", "UTC"), ("europe/berlin", "Europe/Berlin"), ("AMERICA/NEW_YORK", "America/New_York")],
)
def test_a_zone_name_in_another_case_is_the_zone_of_that_name(typed: str, zone: str):
    """Zone files are named in one case: ``--tz utc`` was refused where ``UTC`` worked."""
    assert zone_named(typed).key == zone


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("Europe/Berln", " (did you mean Europe/Berlin?)"),
        ("Berlin", " (did you mean Europe/Berlin?)"),
        ("Mars/Olympus", ""),
        ("POSIX/Europe/Berlin", " (did you mean Europe/Berlin?)"),  # never posix/, a file
    ],
)
def test_a_misspelt_zone_name_is_refused_with_the_nearest_name(typed: str, hint: str):
    with pytest.raises(InvalidField) as raised:
        zone_named(typed)
    assert raised.value.message == (
        f"tz: {typed!r} is not a known IANA time zone name like Europe/Berlin{hint}"
    )


@pytest.mark.parametrize(
    ("tz_variable", "link", "expected"),
    [
        ("Europe/Berlin", "/usr/share/zoneinfo/UTC", "Europe/Berlin"),
        (":America/New_York", None, "America/New_York"),
        ("CET-1CEST", "/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),
        (None, "/var/db/timezone/zoneinfo/Europe/Paris", "Europe/Paris"),
        (None, "/etc/some-file", None),
        ("/usr/share/zoneinfo/Europe/Rome", None, "Europe/Rome"),
        ("Not/AZone", "/usr/share/zoneinfo/Not/AZone", None),
        (None, None, None),
        (" Asia/Tokyo ", None, "Asia/Tokyo"),
        (None, "/srv/zoneinfo/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),
        ("/srv/zoneinfo/usr/share/zoneinfo/Europe/Rome", None, "Europe/Rome"),
        ("posix/Europe/Berlin", "/usr/share/zoneinfo/UTC", "Europe/Berlin"),
        (":right/Asia/Tokyo", None, "Asia/Tokyo"),
        ("/usr/share/zoneinfo/posix/Europe/Rome", None, "Europe/Rome"),
        (None, "/usr/share/zoneinfo/right/Europe/Paris", "Europe/Paris"),
        ("posix/Nowhere", None, None),
        ("right/posixrules", None, None),
    ],
    ids=[
        "tz-variable-wins",
        "tz-with-colon",
        "posix-tz-string-falls-back-to-link",
        "macos-link",
        "unnamed-link",
        "tz-as-a-file-path",
        "unknown-names-everywhere",
        "nothing-known",
        "spaces-around-the-name",
        "link-into-a-tree-under-a-folder-named-zoneinfo",
        "tz-path-into-a-tree-under-a-folder-named-zoneinfo",
        "posix-copy-of-a-zone-is-that-zone",
        "right-copy-of-a-zone-is-that-zone",
        "tz-path-into-the-posix-copies",
        "link-into-the-right-copies",
        "posix-folder-and-no-zone",
        "right-folder-and-a-file-that-is-no-zone",
    ],
)
def test_system_zone_name(tz_variable, link, expected):
    assert zone_name_from(tz_variable, link) == expected


@pytest.mark.parametrize(
    ("tz_variable", "is_ignored"),
    [
        (None, False),
        ("", False),
        ("  ", False),
        (":/etc/localtime", False),
        ("Europe/Berlin", False),
        (":Europe/Berlin", False),
        ("<+03>-3", True),
        ("CET-1CEST,M3.5.0,M10.5.0/3", True),
        ("Nowhere/Bogus", True),
        ("posix/Europe/Berlin", False),
        ("right/Europe/Berlin", False),
        ("posix/Nowhere", True),
    ],
)
def test_a_tz_variable_system_zone_cannot_follow_is_known(tz_variable, is_ignored):
    assert ignored_tz_variable(tz_variable) is is_ignored


def test_the_note_on_an_ignored_tz_names_the_zone_used_and_shows_controls_escaped():
    note = ignored_tz_note("<+03>-3\x1b[2J", BERLIN)
    assert note == (
        "TZ='<+03>-3\\x1b[2J' is a POSIX rule, which is not followed; days are in Europe/Berlin"
    )
    assert ignored_tz_note("Europe/Berln", BERLIN) == (
        "TZ='Europe/Berln' names no time zone known here; days are in Europe/Berlin"
    )
    assert ignored_tz_note("Europe/Paris", BERLIN) is None
    assert ignored_tz_note(None, BERLIN) is None


def test_day_start_of_a_plain_day():
    assert day_start(date(2025, 1, 1), ZoneInfo("UTC")) == 1_735_689_600
    assert Day(date(2025, 1, 1), 0, 10).length_seconds == 10


def _no_tz_nor_localtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """No $TZ, no /etc/localtime (Windows): only the system's other settings name the zone."""

    def no_link(path: str) -> str:
        raise OSError(path)

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(oxitrack.days.os, "readlink", no_link)
    monkeypatch.setattr(oxitrack.days, "LOCALTIME", "/nonexistent/localtime")  # nor a copy


def _other_settings_say(monkeypatch: pytest.MonkeyPatch, answer: str | Exception | None) -> None:
    """No $TZ, no /etc/localtime; the system's other settings (the registry, /etc/timezone:
    tzlocal's to read, not this machine's) give ``answer``, through either of tzlocal's readers
    (its cached public one and the one behind it)."""
    import tzlocal

    def other_settings() -> str | None:
        if isinstance(answer, Exception):
            raise answer
        return answer

    _no_tz_nor_localtime(monkeypatch)
    monkeypatch.setattr(_tzlocal_platform(), "_get_localzone_name", other_settings)
    monkeypatch.setattr(tzlocal, "get_localzone_name", other_settings)


def _tzlocal_platform() -> ModuleType:
    """tzlocal's module for this system (``tzlocal.unix``, ``tzlocal.win32``)."""
    import tzlocal

    return sys.modules[tzlocal.get_localzone_name.__module__]


def test_system_zone_falls_back_to_utc_when_nothing_names_it(monkeypatch: pytest.MonkeyPatch):
    _other_settings_say(monkeypatch, None)
    assert system_zone().key == "UTC"
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    assert system_zone().key == "Pacific/Auckland"


@pytest.mark.parametrize(
    ("answer", "zone"),
    [
        ("America/Denver", "America/Denver"),
        ("Not/AZone", "UTC"),
        (ZoneInfoNotFoundError("Multiple conflicting time zone configurations found"), "UTC"),
        (PermissionError("/etc/timezone"), "UTC"),
    ],
    ids=["named", "not-a-zone", "conflicting-settings", "unreadable"],
)
def test_where_tz_and_the_link_say_nothing_the_systems_other_settings_are_read(
    monkeypatch: pytest.MonkeyPatch, answer: str | Exception, zone: str
):
    """On Windows every report was in UTC: only $TZ and the /etc/localtime link were read."""
    _other_settings_say(monkeypatch, answer)
    assert system_zone().key == zone


def test_a_running_process_follows_the_systems_other_settings_as_they_change(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """tzlocal keeps its first answer for the life of the process: a daemon on Windows (or with
    only /etc/timezone naming the zone) reported every day in the zone it started in, weeks
    after the machine moved to another. tzlocal's own reader, on files under ``tmp_path``."""
    platform = _tzlocal_platform()
    read_under = functools.partial(platform._get_localzone_name, _root=str(tmp_path))
    _no_tz_nor_localtime(monkeypatch)
    monkeypatch.setattr(platform, "_get_localzone_name", read_under)
    monkeypatch.setattr(platform, "_cache_tz_name", None)  # as at the daemon's start
    settings = tmp_path / "etc" / "timezone"
    settings.parent.mkdir()
    for zone in ["Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns"]:
        settings.write_text(f"{zone}\n")
        assert system_zone().key == zone


@pytest.mark.parametrize(
    ("other_settings", "copied", "zone"),
    [
        ("Etc/UTC", "Europe/Berlin", "Europe/Berlin"),
        ("Arctic/Longyearbyen", "Europe/Berlin", "Arctic/Longyearbyen"),
        ("Europe/Berlin", "Etc/UTC", "Etc/UTC"),
        ("Europe/Berlin", "Asia/Tokyo", "Europe/Berlin"),
    ],
    ids=[
        "stale-name-the-copy-wins",
        "an-alias-of-the-copy-is-kept",
        "back-to-utc",
        "a-copy-the-database-lacks-leaves-the-name",
    ],
)
def test_a_copied_localtime_wins_over_a_stale_name_in_the_other_settings(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    zone_folder: Path,
    other_settings: str,
    copied: str,
    zone: str,
):
    """`cp .../zoneinfo/Asia/Kathmandu /etc/localtime` moves `date` and the clock on screen,
    while /etc/timezone still names the old zone: reports stayed in the zone left behind."""
    _other_settings_say(monkeypatch, other_settings)
    localtime = tmp_path / "localtime"
    localtime.write_bytes(_zone_file(copied))
    monkeypatch.setattr(oxitrack.days, "LOCALTIME", str(localtime))
    assert system_zone().key == zone


def _zone_file(name: str) -> bytes:
    return importlib.resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()


@pytest.fixture
def zone_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A zone database holding Berlin under its own name and an alias, UTC, and two zones
    whose files have the same size."""
    root = tmp_path / "zoneinfo"
    for name, source in [
        ("Europe/Berlin", "Europe/Berlin"),
        ("Arctic/Longyearbyen", "Europe/Berlin"),  # an alias: the same bytes
        ("Etc/UTC", "Etc/UTC"),
        ("Etc/GMT+5", "Etc/GMT+5"),  # two zones of the same size, told apart by their bytes
        ("Etc/GMT+8", "Etc/GMT+8"),
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(_zone_file(source))
    (root / "tzdata.zi").write_text("# version 2025b\nZ Europe/Berlin 0:53:28 - LMT 1893 Ap\n")
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(root),))
    return root


@pytest.mark.parametrize(
    ("copied", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("Etc/UTC", "Etc/UTC"),
        ("Etc/GMT+8", "Etc/GMT+8"),
        ("Asia/Tokyo", "UTC"),
    ],
    ids=["a-zone-with-an-alias", "utc", "a-zone-the-size-of-another", "a-zone-the-database-lacks"],
)
def test_a_copied_localtime_is_named_by_the_zone_file_it_copies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zone_folder: Path, copied: str, zone: str
):
    """`cp .../zoneinfo/Europe/Berlin /etc/localtime` with nothing else naming the zone (a common
    container image line): every day was UTC's. The zone's own name wins over its aliases. The
    database's own ``localtime``, a link to the copy as Debian has it, holds the same bytes but
    names no zone."""
    _other_settings_say(monkeypatch, None)
    localtime = tmp_path / "localtime"
    localtime.write_bytes(_zone_file(copied))
    (zone_folder / "localtime").symlink_to(localtime)
    monkeypatch.setattr(oxitrack.days, "LOCALTIME", str(localtime))
    assert system_zone().key == zone


def test_a_copied_localtime_is_named_where_the_database_has_no_list_of_its_zones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zone_folder: Path
):
    """Without ``tzdata.zi`` no name is known as a zone's own rather than an alias's: the copy
    is named all the same."""
    (zone_folder / "tzdata.zi").unlink()
    _other_settings_say(monkeypatch, None)
    localtime = tmp_path / "localtime"
    localtime.write_bytes(_zone_file("Etc/UTC"))
    monkeypatch.setattr(oxitrack.days, "LOCALTIME", str(localtime))
    assert system_zone().key == "Etc/UTC"


def test_a_localtime_that_is_no_zone_file_leaves_utc(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zone_folder: Path
):
    _other_settings_say(monkeypatch, None)
    localtime = tmp_path / "localtime"
    localtime.write_bytes(b"not a zone file")
    monkeypatch.setattr(oxitrack.days, "LOCALTIME", str(localtime))
    assert system_zone().key == "UTC"
    monkeypatch.setattr(oxitrack.days, "LOCALTIME", str(tmp_path / "missing"))
    assert system_zone().key == "UTC"


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
