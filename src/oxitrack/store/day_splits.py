"""Each day's totals and its time split by heartbeat fields, read together: what WakaTime's
summaries and status bar give per day (``GET …/summaries``, ``GET …/statusbar/today``).

A day is read as ``GET /today`` reads it (``reports.daily_totals``) and split by the rule of
``GET /api/breakdown`` (``breakdown.Breakdown``), its projects taken as one timeline so that the
lists add up to the day's total, from one snapshot per ``PART_DAYS`` days: a day's lists and its
total never disagree about a beat that arrived meanwhile.

Each part is read with two queries, its sessions and its heartbeats with every field asked for,
and cut into days here. Asked day by day and field by field, a year took four queries a day,
each sessions query walking an index from the range's start to the table's end: seven seconds
for 200k heartbeats, during which beats shared the interpreter with it.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Iterator, Sequence
from functools import partial
from operator import attrgetter, itemgetter

from oxitrack.breakdown import PER_PROJECT_FIELDS, Breakdown, BreakdownRow, LabelledBeat
from oxitrack.days import Day
from oxitrack.records import Record
from oxitrack.reports import DayTotals, SessionRow, daily_totals
from oxitrack.sessions import SESSION_GAP_SECONDS
from oxitrack.store import Store
from oxitrack.store.breakdown import PartBeats, part_beats
from oxitrack.store.reports import PART_DAYS, ProjectFilter, sessions_between


class DaySplit(Record):
    """One day's totals and, per field asked for, its breakdown rows (most time first),
    which add up to the day's total: time in two projects at once is counted once, as in
    ``totals.total_seconds`` (``Breakdown``'s ``overlaps_once``). A branch is counted per
    project: ask for it for one project's days, whose total is that project's own time."""

    totals: DayTotals
    rows: dict[str, list[BreakdownRow]]


def read_day_splits(
    store: Store, fields: Sequence[str], span: Sequence[Day], project: ProjectFilter, now: float
) -> list[DaySplit]:
    """A ``DaySplit`` for each day of ``span`` (consecutive days), in order."""
    splits: list[DaySplit] = []
    for first in range(0, len(span), PART_DAYS):
        part = span[first : first + PART_DAYS]
        splits += store.read(partial(_read_part, fields, part, project, now))
    return splits


def _read_part(
    fields: Sequence[str],
    part: Sequence[Day],
    project: ProjectFilter,
    now: float,
    conn: sqlite3.Connection,
) -> list[DaySplit]:
    start, end = part[0].start, part[-1].end
    sessions = sessions_between(conn, start, end, project)
    beats = part_beats(conn, fields, start, end)
    splits = []
    for day, day_sessions in zip(part, _sessions_of_each_day(sessions, part), strict=True):
        [totals] = daily_totals(day_sessions, [day], now)
        rows = {}
        for place, field in enumerate(fields, start=1):
            # A branch is counted per project: asked for one project's days only, whose own
            # time is the day's.
            breakdown = Breakdown(field, overlaps_once=field not in PER_PROJECT_FIELDS)
            breakdown.add(day_sessions, _labelled(beats, day, place), day.start, day.end)
            rows[field] = breakdown.rows()
        splits.append(DaySplit(totals, rows))
    return splits


def _labelled(beats: PartBeats, day: Day, place: int) -> list[LabelledBeat]:
    """What ``labelled_beats`` reads for ``day``, the value at ``place`` of each context: the
    heartbeats from the session gap before the day to the gap after it."""
    low = bisect.bisect_left(beats.rows, day.start - SESSION_GAP_SECONDS, key=itemgetter(0))
    high = bisect.bisect_left(beats.rows, day.end + SESSION_GAP_SECONDS, key=itemgetter(0))
    contexts = beats.contexts
    return [
        LabelledBeat(second, contexts[context][0], contexts[context][place])
        for _, second, context in beats.rows[low:high]
        if context in contexts  # as the join does
    ]


def _sessions_of_each_day(
    sessions: Sequence[SessionRow], days: Sequence[Day]
) -> Iterator[list[SessionRow]]:
    """For each day, the sessions ``sessions_between`` gives for it alone, in the same order,
    out of those of the days together (in start order): the ones still running at a day's
    start, up to the first one starting after it."""
    first_open = 0
    for day in days:
        while first_open < len(sessions) and sessions[first_open].last_heartbeat < day.start:
            first_open += 1
        past = bisect.bisect_left(sessions, day.end, lo=first_open, key=_START)
        yield [row for row in sessions[first_open:past] if _has_time_in(row, day)]


_START = attrgetter("start_time")


def _has_time_in(row: SessionRow, day: Day) -> bool:
    """``store.reports``' range condition: the session overlaps the day with positive length,
    or is a single beat inside it."""
    return row.last_heartbeat >= day.start and (
        row.last_heartbeat > day.start or row.start_time >= day.start
    )
