"""Local calendar days as ranges of UTC epoch seconds, daylight-saving changes included.

Every report speaks of days in the user's time zone: "today", this week, a date range. A ``Day``
is the half-open interval ``[start, end)`` of UTC seconds whose local date is ``date``; it lasts
23 h on a spring-forward day and 25 h on a fall-back day, and starts at the moment clocks jump
where midnight itself is skipped. The time zone is always an argument; nothing here reads a clock.

Stdlib only (zoneinfo): no sqlite3, starlette or asyncio. ``system_zone`` is the one function that
looks at the machine (``TZ``, ``/etc/localtime``), for the edges (CLI, HTTP) to call.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import os
import sys
import zoneinfo
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
        raise NoSuchDay(field, f"{text!r} is not a date like 2025-01-31") from None
    if not 1970 <= parsed.year <= 9998:  # keeps every day's bounds within what datetime can do
        raise InvalidField(field, f"{text!r} is outside the years 1970 to 9998")
    return parsed


def _is_year_month_day(text: str) -> bool:
    """``text`` is written ``YYYY-MM-DD`` in ASCII digits (whether that day exists is
    ``date``'s to say)."""
    digits = text[:4] + text[5:7] + text[8:]
    return len(text) == 10 and text[4] == text[7] == "-" and digits.isascii() and digits.isdigit()


# -- time zones --------------------------------------------------------------------------------


# Files of the zone database that are no zone names: copies under other rules (``posix/``,
# ``right/`` with leap seconds) and the system's own links. Python opens them; browsers and
# other programs given the name back (the dashboard, ``timezone`` fields) refuse them.
_NOT_ZONE_NAMES = frozenset({"localtime", "posixrules", "Factory"})
_NOT_ZONE_FOLDERS = ("posix/", "right/")


def zone_named(name: str, *, field: str = "tz") -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``), or ``InvalidField`` naming ``field``."""
    wanted = name.strip()
    if wanted in _NOT_ZONE_NAMES or wanted.startswith(_NOT_ZONE_FOLDERS):
        raise InvalidField(field, f"{name!r} is a file of the zone database, not a zone name")
    try:
        return ZoneInfo(wanted)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    # Only now, on a name not found: listing the zones reads the database's folders.
    known = _zone_names()
    spelled = {zone.casefold(): zone for zone in known}.get(wanted.casefold())
    if spelled is not None:  # `utc`, `europe/berlin`: zone files are named in one case
        return ZoneInfo(spelled)
    import difflib  # for this message only: start-up counts for `oxitrack today`

    close = difflib.get_close_matches(wanted, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise InvalidField(
        field, f"{name!r} is not a known IANA time zone name like Europe/Berlin{hint}"
    )


def _zone_names() -> list[str]:
    """Every zone name the zone database here has (the system's, else the ``tzdata``
    package's), sorted."""
    return sorted(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONE_NAMES and not name.startswith(_NOT_ZONE_FOLDERS)
    )


def zone_name_from(tz_variable: str | None, localtime_target: str | None) -> str | None:
    """The IANA name of the system zone from ``$TZ`` or the ``/etc/localtime`` link target."""
    if tz_variable:
        # Stripped here, not only where it is checked: `TZ=" Asia/Tokyo"` passed the check
        # and then failed as the name returned, in every report and on every GET /today.
        candidate = tz_variable.strip().removeprefix(":").strip()
        if "zoneinfo/" in candidate:
            candidate = candidate.rsplit("zoneinfo/", 1)[1]
        candidate = _plain_zone_name(candidate)
        if _is_zone_name(candidate):
            return candidate
    if localtime_target and "zoneinfo/" in localtime_target:
        candidate = _plain_zone_name(localtime_target.rsplit("zoneinfo/", 1)[1])
        if _is_zone_name(candidate):
            return candidate
    return None


def _plain_zone_name(name: str) -> str:
    """The zone a file of the zone database's ``posix/`` or ``right/`` copies is for:
    ``posix/Europe/Berlin`` has Berlin's rules, and was taken for no zone (days in UTC) while
    ``date`` followed it. ``right/Europe/Berlin`` counts leap seconds too, which only a clock
    kept in TAI-10 s follows; on an ordinary clock it puts ``date`` some 27 s behind Berlin's
    time: days are Berlin's, from midnight, as every other program given the name back reads
    them."""
    for folder in _NOT_ZONE_FOLDERS:
        if name.startswith(folder):
            return name.removeprefix(folder)
    return name


LOCALTIME = "/etc/localtime"


def system_zone() -> ZoneInfo:
    """This machine's time zone, by IANA name, else UTC.

    ``$TZ`` or the ``/etc/localtime`` link names it on most systems, for the cost of a
    ``readlink``, and is read again on every call, so a running daemon follows a change. Where
    neither does (Windows, a copied ``/etc/localtime``), tzlocal knows the other places to look;
    where they say nothing either, a copied ``/etc/localtime`` is named by the zone file it copies.
    """
    try:
        target: str | None = os.readlink(LOCALTIME)
    except OSError:
        target = None
    name = zone_name_from(os.environ.get("TZ"), target)
    if name is None:
        elsewhere = _zone_name_elsewhere()
        # A copied /etc/localtime is what the C library (`date`, the clock on screen) follows;
        # /etc/timezone beside it is often left behind when the zone changes.
        copied = _zone_name_of_copy(LOCALTIME, preferred=elsewhere) if target is None else None
        name = copied or elsewhere
    return ZoneInfo(name or "UTC")


def ignored_tz_variable(tz_variable: str | None) -> bool:
    """Whether ``$TZ`` says something ``system_zone`` cannot follow: a POSIX rule
    (``<+03>-3``, ``CET-1CEST,M3.5.0,M10.5.0/3``) or a name no zone has (``Nowhere/Bogus``).
    Days then fall in the system's zone instead, which the user should be told. Unset, empty
    (no choice made) and ``:/etc/localtime`` (the system's zone by name) are followed."""
    if not tz_variable or not tz_variable.strip():
        return False
    if tz_variable.strip().removeprefix(":") == LOCALTIME:
        return False
    return zone_name_from(tz_variable, None) is None


def ignored_tz_note(tz_variable: str | None, zone: tzinfo) -> str | None:
    """What to tell a user whose ``$TZ`` is not followed (``ignored_tz_variable``), ``zone``
    being the one used instead; ``None`` when it is followed. One sentence, without advice:
    the CLI points at ``--tz``, a daemon at its own settings."""
    if not ignored_tz_variable(tz_variable):
        return None
    from oxitrack.fields import printable, utf8_reading

    text = tz_variable or ""
    shown = printable(utf8_reading(text))
    # A POSIX rule always has an offset (``EST5EDT``, ``<+03>-3``); a name without digits that
    # is no zone is a typo (``Europe/Berln``), not a rule.
    if any(character.isdigit() for character in text):
        what = "is a POSIX rule, which is not followed"
    else:
        what = "names no time zone known here"
    return f"TZ='{shown}' {what}; days are in {zone_name(zone)}"


def _zone_name_elsewhere() -> str | None:
    """The zone's name from the Windows registry, ``/etc/timezone`` or ``/etc/sysconfig/clock``
    (tzlocal, imported only here); ``None`` when they say nothing or disagree.

    Read afresh on every call: ``tzlocal.get_localzone_name`` keeps its first answer for the
    life of the process, so a daemon on Windows kept the zone it started in for weeks after a
    laptop's clock moved to the zone it travelled to. tzlocal's platform module has the reader
    behind that cache (unix and win32 alike); where a release lacks it, the cached one serves.
    """
    import tzlocal

    reader = getattr(
        sys.modules[tzlocal.get_localzone_name.__module__],
        "_get_localzone_name",
        tzlocal.get_localzone_name,
    )
    try:
        name = reader()
    except (LookupError, OSError, ValueError):  # conflicting or unreadable settings
        return None
    return name if name and _is_zone_name(name) else None


# A zone file is a few KiB; anything much larger at /etc/localtime is no copy of one.
_MAX_ZONE_FILE_BYTES = 64 * 1024


def _zone_name_of_copy(path: str, *, preferred: str | None = None) -> str | None:
    """The name of the zone whose file ``path`` is a copy of, if any: ``preferred`` when its
    file holds the same bytes (the name the system gives, an alias included).

    ``cp /usr/share/zoneinfo/Europe/Berlin /etc/localtime`` is a common way to set the zone (in
    container images, on older systems); with no ``$TZ`` and no ``/etc/timezone`` beside it,
    every day was UTC's, and with a stale ``/etc/timezone`` beside it every day was in the zone
    the machine had left, while ``date`` showed the new one. The name is what reports and the
    dashboard need, not just the rules.
    """
    try:
        with open(path, "rb") as file:
            content = file.read(_MAX_ZONE_FILE_BYTES + 1)
    except OSError:
        return None
    if not content.startswith(b"TZif") or len(content) > _MAX_ZONE_FILE_BYTES:
        return None
    roots = tuple(zoneinfo.TZPATH)
    if preferred is not None and any(
        _read(os.path.join(root, preferred)) == content for root in roots
    ):
        return preferred
    return _zone_name_with_content(content, roots)


@functools.lru_cache(maxsize=4)  # looked up once per content: ~600 files to compare
def _zone_name_with_content(content: bytes, roots: Sequence[str]) -> str | None:
    """The name of a zone file under ``roots`` holding exactly ``content``; a zone's own name
    (``Etc/UTC``) before its aliases (``Etc/UCT``, ``Zulu``), as ``tzdata.zi`` lists them."""
    for root in roots:
        matches = sorted(
            name
            for name in _zone_files_of_size(root, len(content))
            if _read(os.path.join(root, name)) == content and _is_zone_name(name)
        )
        if matches:
            canonical = _canonical_zone_names(root)
            return min(matches, key=lambda name: (name not in canonical, name))
    return None


def _zone_files_of_size(root: str, size: int) -> Iterator[str]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if f"{name}/" not in _NOT_ZONE_FOLDERS]
        for file in files:
            path = os.path.join(folder, file)
            with contextlib.suppress(OSError):
                if os.path.getsize(path) == size:
                    yield os.path.relpath(path, root)


def _canonical_zone_names(root: str) -> frozenset[str]:
    """The zones ``tzdata.zi`` defines (lines ``Z name ...``), as opposed to its links."""
    try:
        with open(os.path.join(root, "tzdata.zi"), encoding="utf-8") as file:
            return frozenset(line.split()[1] for line in file if line.startswith("Z "))
    except (OSError, UnicodeDecodeError, IndexError):
        return frozenset()


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def _is_zone_name(name: str) -> bool:
    try:
        zone_named(name)
    except InvalidField:
        return False
    return True
