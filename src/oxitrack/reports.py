"""Turning stored sessions into report numbers and the JSON every reader gets.

The store hands over ``SessionRow`` values; this module cuts them at local midnights (with
``days.split_span``), adds them up per project and per day, and builds the JSON shapes of
``GET /today``, ``/api/days`` and ``/api/sessions``. The HTTP API, the CLI's ``--json`` and the
dashboard all go through these functions, so they cannot disagree. Text tables live in
``report_text``.

Pure: stdlib only, no sqlite3/starlette/asyncio, no clock (``now`` is an argument).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo

from oxitrack.beats import MAX_FUTURE_SECONDS
from oxitrack.days import Day, day_starts, split_span, zone_name
from oxitrack.projects import project_name, union_seconds
from oxitrack.records import Record

ACTIVE_SECONDS = 300  # the seed's rule: a project is active while its last beat is < 5 min old


class SessionRow(Record):
    """A stored session as reports see it. ``project_key`` groups sessions into one project.

    ``project_path`` is the folder the session was recorded in; ``latest_path`` and
    ``custom_name`` are its project's latest folder and given name (what totals show).
    """

    session_id: int
    project_key: str
    project_path: str
    start_time: int
    last_heartbeat: int
    latest_path: str | None = None
    custom_name: str | None = None

    @property
    def duration_seconds(self) -> int:
        return self.last_heartbeat - self.start_time

    @property
    def project_name(self) -> str:
        """Its project's name, the one totals show and ``?project=`` finds."""
        return _project_name(self.custom_name, self.latest_path or self.project_path)


# A folder's name is worked out once per folder, not for each of its sessions: an export of a
# million sessions spent a third of its time taking the same few hundred paths apart.
_project_name = functools.lru_cache(maxsize=1024)(project_name)


class ProjectTotal(Record):
    """Time in one project within a range; ``first_beat``/``last_beat`` are clipped to it."""

    project_key: str
    project_path: str
    duration_seconds: int
    session_count: int
    first_beat: int
    last_beat: int
    is_active: bool
    custom_name: str | None = None
    # Every folder the time was spent in (a moved or merged project has several), sorted: the
    # editor finds its window's project by any of them, not only by the latest.
    folders: tuple[str, ...] = ()

    @property
    def project_name(self) -> str:
        return _project_name(self.custom_name, self.project_path)


class DayTotals(Record):
    """The per-project totals of one local day, most time first, and the day's total.

    ``total_seconds`` is the time covered by any project's sessions: under the session rule two
    projects worked in turn a few minutes apart both hold the whole stretch, so adding up the
    projects would count that time twice (16 hours for an 8-hour day).
    """

    day: Day
    projects: tuple[ProjectTotal, ...]
    total_seconds: int = 0


def range_total_seconds(per_day: Iterable[DayTotals]) -> int:
    """The total of consecutive days: their own totals added up (a day counts overlaps once)."""
    return sum(totals.total_seconds for totals in per_day)


def is_active(last_heartbeat: int, now: float) -> bool:
    """Whether a beat at ``last_heartbeat`` is under 5 minutes old.

    A beat up to ``MAX_FUTURE_SECONDS`` ahead is an editor's clock slightly ahead of the
    daemon's, as ``POST /beat`` accepts; one further ahead was recorded before the clock was
    put back, and is no sign of work now (it kept the project active for as long as the clock
    had been fast).
    """
    return -MAX_FUTURE_SECONDS <= now - last_heartbeat < ACTIVE_SECONDS


# -- adding up ---------------------------------------------------------------------------------


def daily_totals(rows: Iterable[SessionRow], days: Sequence[Day], now: float) -> list[DayTotals]:
    """Per-day, per-project totals; a session crossing midnight counts in both days."""
    return range_report(_in_start_order(rows), days, now)[0]


def range_totals(
    rows: Iterable[SessionRow], days: Sequence[Day], now: float
) -> tuple[ProjectTotal, ...]:
    """Per-project totals over consecutive ``days``: the same cut, with the range as one span.

    The durations equal the sums of ``daily_totals``; a session crossing midnight counts once.
    """
    return range_report(_in_start_order(rows), days, now)[1]


def range_report(
    rows: Iterable[SessionRow], days: Sequence[Day], now: float
) -> tuple[list[DayTotals], tuple[ProjectTotal, ...]]:
    """``daily_totals`` and ``range_totals`` in one pass over sessions in start order.

    The order ``store.reports`` reads them in, and what lets a long report stream: once a
    session starts in a day, no later one reaches the days before it, so they are added up
    and their spans let go. Ten years of a million sessions then hold one day's spans at a
    time, not every session twice over (hundreds of MiB the daemon kept after the answer).
    A project's time in the range is the sum of its days' (each day counts overlaps once, and
    the days do not overlap). ``ValueError`` when a session starts before the one before it.
    """
    starts = day_starts(days)
    open_days: dict[int, dict[str, _Sum]] = {}
    finished: list[DayTotals] = []
    whole: dict[str, _Sum] = {}
    latest_start: int | None = None

    def finish_days_before(index: int) -> None:
        while len(finished) < index:
            day = days[len(finished)]
            sums = open_days.pop(len(finished), {})
            totals = [
                sum_.total(now, holds_now=day.start <= now < day.end) for sum_ in sums.values()
            ]
            for total in totals:
                whole[total.project_key].duration_seconds += total.duration_seconds
            spans = [span for sum_ in sums.values() for span in sum_.spans]
            finished.append(DayTotals(day, _ranked(totals), union_seconds(spans)))

    ends = [day.end for day in days]
    for row in rows:
        start, end, key = row.start_time, row.last_heartbeat, row.project_key
        if latest_start is not None and start < latest_start:
            raise ValueError("sessions must come in start order")
        latest_start = start
        # Most sessions lie within one day: cut without a generator (a fifth of a long report).
        index = bisect.bisect_right(starts, start) - 1
        if index >= 0 and start <= end <= ends[index] and start < ends[index]:
            pieces: Iterable[tuple[int, int, int]] = ((index, start, end),)
        else:
            pieces = split_span(start, end, days, starts)
        first = last = None
        for index, low, high in pieces:
            if first is None:
                if index > len(finished):
                    finish_days_before(index)
                first = low
            last = high
            sums = open_days.get(index)
            if sums is None:
                sums = open_days[index] = {}
            found = sums.get(key)
            if found is None:
                sums[key] = _Sum(row, low, high, now)
            else:
                found.add(row, low, high, now)
        if first is not None and last is not None:
            found = whole.get(key)
            if found is None:
                whole[key] = _Sum(row, first, last, now, keeps_spans=False)
            else:
                found.add(row, first, last, now)
    finish_days_before(len(days))
    in_range = bool(days) and days[0].start <= now < days[-1].end
    return finished, _ranked(sum_.total(now, holds_now=in_range) for sum_ in whole.values())


def _may_be_active(last_heartbeat: int, now: float) -> bool:
    """A cheap first test for ``is_active``, true for every beat it may call recent: nearly
    every session of a long report is older, and is passed over after one comparison."""
    return last_heartbeat > now - ACTIVE_SECONDS - 1


def _in_start_order(rows: Iterable[SessionRow]) -> list[SessionRow]:
    return sorted(rows, key=lambda row: row.start_time)


class _Sum:
    """A running total for one project, in one day or in a whole range.

    Sessions of one folder never overlap, but a project's folders may have been busy at once (two
    clones open, or projects merged): time is the union of its spans, never counted twice. The
    range's total keeps no spans: its time is added day by day (``range_report``).
    """

    def __init__(
        self, row: SessionRow, low: int, high: int, now: float, *, keeps_spans: bool = True
    ) -> None:
        self.key = row.project_key
        self.latest = row
        self.spans = [(low, high)] if keeps_spans else []
        self.keeps_spans = keeps_spans
        self.duration_seconds = 0
        self.folders = {row.project_path}
        # Any of its sessions: the latest may be one recorded before the clock was put back.
        self.has_active = _may_be_active(row.last_heartbeat, now) and is_active(
            row.last_heartbeat, now
        )
        self.sessions = 1
        self.first, self.last = low, high

    def add(self, row: SessionRow, low: int, high: int, now: float) -> None:
        if self.keeps_spans:
            self.spans.append((low, high))
        self.folders.add(row.project_path)
        if not self.has_active and _may_be_active(row.last_heartbeat, now):
            self.has_active = is_active(row.last_heartbeat, now)
        self.sessions += 1
        if low < self.first:
            self.first = low
        if high > self.last:
            self.last = high
        if row.last_heartbeat > self.latest.last_heartbeat:
            self.latest = row

    def total(self, now: float, *, holds_now: bool) -> ProjectTotal:
        """The sum so far; active only in the day (or range) that holds ``now``: a project
        worked on now is not active in last week's report."""
        return ProjectTotal(
            project_key=self.key,
            # The project's latest folder, should it have moved (this session's, if unknown).
            project_path=self.latest.latest_path or self.latest.project_path,
            duration_seconds=(
                union_seconds(self.spans) if self.keeps_spans else self.duration_seconds
            ),
            session_count=self.sessions,
            first_beat=self.first,
            last_beat=self.last,
            is_active=holds_now and self.has_active,
            custom_name=self.latest.custom_name,
            folders=tuple(sorted(self.folders)),
        )


def _ranked(totals: Iterable[ProjectTotal]) -> tuple[ProjectTotal, ...]:
    """Most time first; ties by name then path, so every reader lists them the same way."""
    return tuple(
        sorted(totals, key=lambda t: (-t.duration_seconds, t.project_name, t.project_path))
    )


# -- JSON shapes -------------------------------------------------------------------------------


def project_json(total: ProjectTotal) -> dict[str, object]:
    return {
        "project_path": total.project_path,
        "project_name": total.project_name,
        "duration_seconds": total.duration_seconds,
        "session_count": total.session_count,
        "first_beat": total.first_beat,
        "last_beat": total.last_beat,
        "is_active": total.is_active,
        "folders": list(total.folders),
    }


def today_json(today: DayTotals, zone: tzinfo) -> dict[str, object]:
    """The ``GET /today`` shape (the VS Code status bar reads it; keep it stable)."""
    return {
        "date": today.day.date.isoformat(),
        "timezone": zone_name(zone),
        "total_seconds": today.total_seconds,
        "projects": [project_json(p) for p in today.projects],
    }


def days_json(
    per_day: Sequence[DayTotals], projects: Sequence[ProjectTotal], zone: tzinfo
) -> dict[str, object]:
    """The ``GET /api/days`` shape: range totals per project, then each day's totals."""
    return {**_days_head(per_day, projects, zone), "days": [_day_json(t) for t in per_day]}


def days_json_bytes(
    per_day: Sequence[DayTotals], projects: Sequence[ProjectTotal], zone: tzinfo
) -> bytes:
    """``days_json`` as the bytes ``JSONResponse`` makes of it, each day encoded on its own:
    a year with 300 folders is 19 MB of JSON, which as one dict of Python values, encoded in
    one call, was most of the daemon's peak and held the interpreter throughout."""
    from oxitrack.json_bodies import json_object_with_list  # here: `oxitrack today` needs no json

    head = _days_head(per_day, projects, zone)
    return json_object_with_list(head, "days", (_day_json(totals) for totals in per_day))


def _days_head(
    per_day: Sequence[DayTotals], projects: Sequence[ProjectTotal], zone: tzinfo
) -> dict[str, object]:
    return {
        "from": per_day[0].day.date.isoformat(),
        "to": per_day[-1].day.date.isoformat(),
        "timezone": zone_name(zone),
        "total_seconds": range_total_seconds(per_day),
        "projects": [project_json(p) for p in projects],
    }


def _day_json(totals: DayTotals) -> dict[str, object]:
    return {
        "date": totals.day.date.isoformat(),
        "total_seconds": totals.total_seconds,
        "projects": [project_json(p) for p in totals.projects],
    }


def session_json(row: SessionRow, zone: tzinfo, now: float) -> dict[str, object]:
    return {
        "session_id": row.session_id,
        "project_path": row.project_path,
        "project_name": row.project_name,
        # The project's latest folder, the ``project_path`` reports list it by: a session in a
        # moved or merged project's other folder is that project's, not a second one.
        "project_latest_path": row.latest_path or row.project_path,
        "start_time": row.start_time,
        "last_heartbeat": row.last_heartbeat,
        "duration_seconds": row.duration_seconds,
        "date": local_iso(row.start_time, zone)[:10],
        # Local times with their offsets, as the CSV export's columns: a script had to turn the
        # epoch seconds into the report's zone itself, easy to get wrong across a DST change.
        "start_local": local_iso(row.start_time, zone),
        "end_local": local_iso(row.last_heartbeat, zone),
        "is_active": is_active(row.last_heartbeat, now),
    }


def sessions_json(
    rows: Iterable[SessionRow], zone: tzinfo, now: float, first: date | None, last: date | None
) -> dict[str, object]:
    """The ``GET /api/sessions`` shape (and ``oxitrack export --format json``)."""
    return {
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
        "timezone": zone_name(zone),
        "sessions": [session_json(row, zone, now) for row in rows],
    }


def local_iso(timestamp: int, zone: tzinfo) -> str:
    """``2025-11-25T20:46:40+01:00``: a UTC second as local time with its offset."""
    return datetime.fromtimestamp(timestamp, zone).isoformat()
