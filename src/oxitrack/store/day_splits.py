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
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from operator import attrgetter, itemgetter

from oxitrack.breakdown import PER_PROJECT_FIELDS, Breakdown, BreakdownRow, Labels
from oxitrack.breakdown_pairs import BeatRow
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
    return [
        split for part in day_splits_by_part(store, fields, span, project, now) for split in part
    ]


def day_splits_by_part(
    store: Store,
    fields: Sequence[str],
    span: Sequence[Day],
    project: ProjectFilter,
    now: float,
    *,
    abandoned: threading.Event | None = None,
) -> Iterator[list[DaySplit]]:
    """``read_day_splits``, one part's days at a time: a caller that turns each part into its
    answer as it comes never holds a year's splits at once (with 300 folders, each day's
    totals of some 220 projects). ``abandoned`` as in ``Store.read``."""
    for first in range(0, len(span), PART_DAYS):
        part = span[first : first + PART_DAYS]
        yield store.read(partial(_read_part, fields, part, project, now), abandoned=abandoned)


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
    # A branch is counted per project: asked for one project's days only, whose own time is
    # the day's. The other fields are added up together, one timeline for every project.
    together = [place for place, field in enumerate(fields) if field not in PER_PROJECT_FIELDS]
    apart = [place for place, field in enumerate(fields) if field in PER_PROJECT_FIELDS]
    labels_together = _labels(beats, lambda values: tuple(values[place] for place in together))
    labels_apart = {place: _labels(beats, itemgetter(place)) for place in apart}
    splits = []
    for day, day_sessions in zip(part, _sessions_of_each_day(sessions, part), strict=True):
        [totals] = daily_totals(day_sessions, [day], now)
        breakdowns = [
            Breakdown(field, overlaps_once=field not in PER_PROJECT_FIELDS) for field in fields
        ]
        Breakdown.add_each(
            [breakdowns[place] for place in together],
            day_sessions,
            _labelled(beats, day, labels_together),
            day.start,
            day.end,
        )
        for place, labels in labels_apart.items():
            labelled = _labelled(beats, day, labels)
            breakdowns[place].add(day_sessions, labelled, day.start, day.end)
        splits.append(DaySplit(totals, {b.field: b.rows() for b in breakdowns}))
    return splits


def _labels(
    beats: PartBeats, value: Callable[[tuple[str | None, ...]], Labels]
) -> dict[int, tuple[str, Labels, object]]:
    """Each context's folder, ``value`` of its values of the fields read (in their order) and
    sender (``LabelledBeat.sender``: whether it names its editor)."""
    return {
        key: (context[0], value(context[2:]), context[1] is not None)
        for key, context in beats.contexts.items()
    }


def _labelled(
    beats: PartBeats, day: Day, labels: dict[int, tuple[str, Labels, object]]
) -> list[BeatRow]:
    """What ``labelled_beats`` reads for ``day``, labelled by ``labels``: the heartbeats from
    the session gap before the day to the gap after it."""
    low = bisect.bisect_left(beats.rows, day.start - SESSION_GAP_SECONDS, key=itemgetter(0))
    high = bisect.bisect_left(beats.rows, day.end + SESSION_GAP_SECONDS, key=itemgetter(0))
    return [
        (second, *labels[context])  # a plain tuple: ``BeatRow``
        for _, second, context in beats.rows[low:high]
        if context in labels  # as the join does
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
