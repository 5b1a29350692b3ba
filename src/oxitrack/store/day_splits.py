"""Each day's totals and its time split by heartbeat fields, read together: what WakaTime's
summaries and status bar give per day (``GET …/summaries``, ``GET …/statusbar/today``).

A day is read as ``GET /today`` reads it (``reports.daily_totals``) and split by the rule of
``GET /api/breakdown`` (``breakdown.Breakdown``), its projects taken as one timeline so that the
lists add up to the day's total, from one snapshot per ``PART_DAYS`` days: a day's lists and its
total never disagree about a beat that arrived meanwhile.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import partial

from oxitrack.breakdown import PER_PROJECT_FIELDS, Breakdown, BreakdownRow
from oxitrack.days import Day
from oxitrack.records import Record
from oxitrack.reports import DayTotals, daily_totals
from oxitrack.store import Store
from oxitrack.store.breakdown import add_split
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
    splits = []
    for day in part:
        sessions = sessions_between(conn, day.start, day.end, project)
        [totals] = daily_totals(sessions, [day], now)
        rows = {}
        for field in fields:
            # A branch is counted per project: asked for one project's days only, whose own
            # time is the day's.
            breakdown = Breakdown(field, overlaps_once=field not in PER_PROJECT_FIELDS)
            add_split(conn, breakdown, sessions, day.start, day.end)
            rows[field] = breakdown.rows()
        splits.append(DaySplit(totals, rows))
    return splits
