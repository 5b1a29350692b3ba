"""Local calendar days as ranges of UTC epoch seconds, daylight-saving changes included.

Every report speaks of days in the user's time zone: "today", this week, a date range. A ``Day``
is the half-open interval ``[start, end)`` of UTC seconds whose local date is ``date``; it lasts
23 h on a spring-forward day and 25 h on a fall-back day, and starts at the moment clocks jump
where midnight itself is skipped. The time zone is always an argument; nothing here reads a clock.

Stdlib only: no sqlite3, starlette or asyncio. Which zone the machine is in, and what a zone is
called, is ``zones``'s to say.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

from oxitrack.errors import InvalidField
from oxitrack.records import Record

MAX_RANGE_DAYS = 3660  # ten years: a range longer than that is a typo, not a report


class Day(Record):
    """One local calendar day: UTC seconds ``start <= t < end`` have local date ``date``."""

    date: date
    start: int
    end: int

    @property
    def length_seconds(self) -> int:
        return self.end - self.start


def day_start(day: date, zone: tzinfo) -> int:
    """The first UTC second whose local date is ``day``.

    ``fold=0`` maps a skipped midnight (clocks jump from 23:59:59 to 01:00) to the instant of
    the jump and a repeated one to its first occurrence, which is exactly the day's first second.
    """
    return int(datetime.combine(day, time(), tzinfo=zone).timestamp())


def local_date(timestamp: float, zone: tzinfo) -> date:
    """The local calendar date at UTC second ``timestamp``."""
    return datetime.fromtimestamp(timestamp, zone).date()


def days_between(first: date, last: date, zone: tzinfo) -> list[Day]:
    """The consecutive days from ``first`` to ``last`` (both included); each ends where the next
    starts, so every second of the range belongs to exactly one day."""
    count = (last - first).days + 1
    starts = [day_start(first + timedelta(days=i), zone) for i in range(count + 1)]
    return [Day(first + timedelta(days=i), starts[i], starts[i + 1]) for i in range(max(count, 0))]


def day_of(timestamp: int, zone: tzinfo) -> Day:
    """The local day holding UTC second ``timestamp``."""
    [day] = days_between(local_date(timestamp, zone), local_date(timestamp, zone), zone)
    return day


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone (``ZoneInfo.key``), for the ``timezone`` fields."""
    return str(getattr(zone, "key", None) or zone)


def date_bounds(
    first: date | None, last: date | None, zone: tzinfo
) -> tuple[int | None, int | None]:
    """UTC seconds from the start of local day ``first`` to the end of local day ``last``; an
    open side stays ``None`` (all time before or after)."""
    start = day_start(first, zone) if first is not None else None
    end = days_between(last, last, zone)[0].end if last is not None else None
    return start, end


def day_starts(days: Sequence[Day]) -> list[int]:
    """Each day's first second, in order: what ``split_span`` searches for a span's first day.
    Made once per report, not once per session: rebuilt for every session, a ten-year report
    of a million sessions copied 3,660 numbers a million times (two minutes of work)."""
    return [day.start for day in days]


def split_span(
    start: int, end: int, days: Sequence[Day], starts: Sequence[int] | None = None
) -> Iterator[tuple[int, int, int]]:
    """Cut the span ``[start, end]`` at local midnights: ``(day index, piece start, piece end)``.

    A span touches a day when it has time inside it; a zero-length span (a session of one beat)
    belongs to the day holding its instant. A span ending exactly at midnight does not reach the
    next day. Parts outside ``days`` are dropped. ``days`` must be consecutive; ``starts`` is
    ``day_starts(days)``, given by a caller cutting many spans at the same days.
    """
    if not days or end < start or start >= days[-1].end or end < days[0].start:
        return
    if starts is None:
        starts = day_starts(days)
    index = max(bisect.bisect_right(starts, start) - 1, 0)
    if start == end:  # inside the range (checked above): the day holding that instant
        yield index, start, end
        return
    # From the day holding ``start`` (or the first day), every day the span reaches gets a
    # piece of positive length: ``start < day.end`` and ``day.start < end`` hold for each. A
    # date a zone skipped (Samoa's 2011-12-30, when it crossed the date line) has no second,
    # so no span reaches it: it lists no session.
    while index < len(days) and days[index].start < end:
        day = days[index]
        if day.start < day.end:
            yield index, max(start, day.start), min(end, day.end)
        index += 1


# -- ranges ------------------------------------------------------------------------------------


def week_of(today: date, first_weekday: int = 0) -> tuple[date, date]:
    """This calendar week so far: from its first day (``first_weekday`` as ``date.weekday()``
    numbers it: Monday, as ISO, unless the user starts weeks on another day) to ``today``."""
    return today - timedelta(days=(today.weekday() - first_weekday) % 7), today


def month_of(today: date) -> tuple[date, date]:
    """This calendar month so far: the 1st to ``today``."""
    return today.replace(day=1), today


def named_month(text: str, today: date, *, field: str) -> tuple[date, date]:
    """The calendar month written ``2025-10``, or ``last`` (the one before ``today``'s), 1st to
    last day; this month's ends ``today``, as ``month_of``. A billing month named as people say
    it, read alike by the commands' ``--month`` and the API's ``month``."""
    written = text.strip().lower()
    if written == "last":
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    elif _is_year_month(written):
        first = date(int(written[:4]), int(written[5:]), 1)
        if not 1970 <= first.year <= 9998:  # as every day given is (parse_date)
            raise InvalidField(field, f"{text!r} is outside the years 1970 to 9998")
    else:
        raise InvalidField(field, f"{text!r} is not a month: write it as 2025-10, or last")
    last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    return first, today if first <= today < last else last


def _is_year_month(text: str) -> bool:
    """``text`` is written ``YYYY-MM`` in ASCII digits, a month 01 to 12."""
    digits = text[:4] + text[5:]
    return (
        len(text) == 7
        and text[4] == "-"
        and digits.isascii()
        and digits.isdigit()
        and 1 <= int(text[5:]) <= 12
    )


def last_days(today: date, count: int) -> tuple[date, date]:
    """The ``count`` days ending with ``today``."""
    return today - timedelta(days=count - 1), today


def check_range(
    first: date, last: date, *, field: str = "from", max_days: int | None = MAX_RANGE_DAYS
) -> None:
    """Refuse a range that runs backwards or spans more than ``max_days``.

    Reports with a row or a bar per day cap it; a list of sessions (``None``) may span all time.
    """
    if last < first:
        raise InvalidField(field, f"{first.isoformat()} is after the end {last.isoformat()}")
    if max_days is not None and (last - first).days + 1 > max_days:
        raise InvalidField(field, f"the range is longer than {max_days} days")


class NotADate(InvalidField):
    """Text not written ``YYYY-MM-DD`` (``parse_date``)."""


class NoSuchDay(InvalidField):
    """A date written ``YYYY-MM-DD`` that no calendar has: ``2025-02-30`` (``parse_date``)."""


def parse_date(text: str, *, field: str) -> date:
    """A ``YYYY-MM-DD`` date, or ``InvalidField`` naming ``field`` (``NotADate``, ``NoSuchDay``
    for a caller that says more of either).

    Only that form: ``date.fromisoformat`` also reads ISO week dates (``2025-W48``, that week's
    Monday, so ``--to 2025-W48`` cut the week short) and compact ones (``20251124``).
    """
    written = text.strip()
    if not _is_year_month_day(written):
        raise NotADate(field, f"{text!r} is not a date like 2025-01-31")
    try:
        parsed = date.fromisoformat(written)
    except ValueError:
        # Written as asked: "not a date like 2025-01-31" sent the reader looking at the form.
        raise NoSuchDay(field, f"{text!r} is no day of the calendar") from None
    if not 1970 <= parsed.year <= 9998:  # keeps every day's bounds within what datetime can do
        raise InvalidField(field, f"{text!r} is outside the years 1970 to 9998")
    return parsed


def _is_year_month_day(text: str) -> bool:
    """``text`` is written ``YYYY-MM-DD`` in ASCII digits (whether that day exists is
    ``date``'s to say)."""
    digits = text[:4] + text[5:7] + text[8:]
    return len(text) == 10 and text[4] == text[7] == "-" and digits.isascii() and digits.isdigit()
