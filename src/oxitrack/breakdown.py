"""Time split by what heartbeats say: language, category, editor, branch, machine or system.

Heartbeats are WakaTime's, and the beats of ``POST /beat`` that name a language or editor,
stored alike (``store.wakatime``).

The rule (``docs/reports.md``): within one project folder, two consecutive heartbeats less than
``SESSION_GAP_SECONDS`` apart give the seconds between them to the first one's value; but
heartbeats that name no editor (an export's) and those that name one are taken apart, each
paired with the next of its kind under the gap (else, as before, with the folder's next), so
that an export imported over time an editor tracked live does not cut that time into pieces. The
project's time in the range (its sessions' time, as ``reports.range_totals`` counts it) is then
split second by second: a second goes to the value of the latest heartbeat whose pair covers it
(folders of one project may have been busy at once) among those that name a value for the field,
if any does (below); a second no pair covers (beats that name no language or editor; a lone
heartbeat; a heartbeat with no value for the field) goes to ``None``, the "unknown" row, except
for the category: time no heartbeat gives one is ``coding``, as WakaTime counts it. So the rows
of a range add up to exactly the per-project totals of ``report --by project``, each project's
own time, overlaps between projects included.

Time recorded twice (a WakaTime export imported over time tracked live, a heartbeat sent again
with other details) has several pairs covering it: heartbeats of one kind and folder in the same
second each pair with the same later one, an export's pairs cover it too, and another folder's
may. Of those, one whose heartbeat names a value for the field wins over one that names none,
whichever is later: the export names editors and machines only by ids, so an import must not
turn the live heartbeats' into unknown. Among those that name one, the latest still wins, as
everywhere else. Each field is decided alone: a heartbeat naming a language but no editor gives
the language only. For the category, naming none is what makes ``coding``: a heartbeat that
names one wins.

Sessions, not heartbeats, say which seconds are worked: a heartbeat pair lies inside a session
of its folder, and a session's time beyond its heartbeats' pairs is still time worked.

Pure: stdlib only, no sqlite3/starlette/asyncio, no clock.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo
from operator import itemgetter

from oxitrack.breakdown_covering import FEW_COVERING, NamedLatest, given
from oxitrack.breakdown_covering import Labels as Labels  # a heartbeat's value(s)
from oxitrack.breakdown_pairs import BeatRow, Pair, heartbeat_pairs
from oxitrack.breakdown_pairs import LabelledBeat as LabelledBeat  # a heartbeat as read
from oxitrack.days import Day, zone_name
from oxitrack.errors import InvalidField
from oxitrack.projects import union_spans
from oxitrack.records import Record
from oxitrack.reports import SessionRow
from oxitrack.systems import system_name

#: What time can be split by: columns of ``beat_contexts``.
FIELDS = ("language", "category", "editor", "branch", "machine", "operating_system")
# A branch name means something only inside its project: ``main`` of two repositories is two rows.
PER_PROJECT_FIELDS = frozenset({"branch"})
#: What time no heartbeat gives a category is: wakatime-cli never sends ``coding`` (it leaves
#: the category out instead, and WakaTime's server counts such time as coding), and OxiTrack's
#: own beats name a category only while debugging or building.
DEFAULT_CATEGORY = "coding"
# The value of time no heartbeat names, where the field has one; elsewhere ``None`` (unknown).
_UNNAMED_VALUES: dict[str, str] = {"category": DEFAULT_CATEGORY}
#: How a field's values are shown where that is not the word stored: systems as WakaTime's
#: summaries name them, several words of one system (``darwin``, ``macos``) one row.
_SHOWN_AS: dict[str, Callable[[str], str]] = {"operating_system": system_name}


class BreakdownRow(Record):
    """Time with one value (``None``: unknown); for a per-project field, in one project."""

    name: str | None
    duration_seconds: int
    project_path: str | None = None
    project_name: str | None = None


def check_field(value: str | None, field: str, fields: Sequence[str] = FIELDS) -> str:
    """``value`` if time can be split by it (one of ``fields``), else ``InvalidField``
    listing what can."""
    if value is not None and value in fields:
        return value
    allowed = ", ".join(fields)
    if value is None:
        raise InvalidField(field, f"is required: one of {allowed}")
    raise InvalidField(field, f"must be one of {allowed}, not {value!r}")


class Breakdown:
    """Seconds per (project, value), added up one part of a range at a time.

    Parts must not overlap; a session reaching over a part's edge is given to each part
    clipped to it, so a long range never holds every session and heartbeat at once.

    With ``overlaps_once``, the projects are taken as one: a second in two projects' sessions
    at once is counted once, for the latest pair of any of their folders covering it (or as
    unknown), so the rows add up to the range's total as ``/today`` counts it rather than to
    the projects' sum. WakaTime's lists read so: its time never runs in two places at once.
    """

    def __init__(self, field: str, *, overlaps_once: bool = False) -> None:
        self.field = check_field(field, "by")
        if overlaps_once and self.field in PER_PROJECT_FIELDS:
            raise ValueError(f"{field} is counted per project: its overlaps cannot be merged")
        self.overlaps_once = overlaps_once
        self.seconds: dict[tuple[str, str | None], int] = {}
        self.latest: dict[str, SessionRow] = {}  # per project: names its rows, as totals do

    def add(
        self, sessions: Iterable[SessionRow], beats: Iterable[BeatRow], start: int, end: int
    ) -> None:
        """Add the time in ``[start, end)`` of ``sessions`` (those of the projects reported),
        split by ``beats``, which must hold every heartbeat from ``start - SESSION_GAP_SECONDS``
        to ``end + SESSION_GAP_SECONDS`` (the pairs reaching into the part)."""
        spans, pairs = self._spans_and_pairs(sessions, beats, start, end)
        for key, project_spans in spans.items():
            for value, seconds in _split(project_spans, pairs.get(key, [])).items():
                assert not isinstance(value, tuple)
                self._add_seconds(key, value, seconds)

    @staticmethod
    def add_each(
        breakdowns: Sequence[Breakdown],
        sessions: Iterable[SessionRow],
        beats: Iterable[BeatRow],
        start: int,
        end: int,
    ) -> None:
        """``add`` to each of ``breakdowns`` (with ``overlaps_once``, fields not counted per
        project) in one pass: each beat's ``value`` is the tuple of its values of their fields,
        in their order. Which pair covers a second does not depend on the field: found once,
        for a year of WakaTime's summaries it was two thirds of the adding up, three times."""
        if not breakdowns:
            return
        if not all(breakdown.overlaps_once for breakdown in breakdowns):
            raise ValueError("only breakdowns with overlaps_once are added together")
        first = breakdowns[0]
        spans, pairs = first._spans_and_pairs(sessions, beats, start, end)
        for breakdown in breakdowns[1:]:
            breakdown.latest.update(first.latest)
        for key, project_spans in spans.items():
            for values, seconds in _split(project_spans, pairs.get(key, [])).items():
                for place, breakdown in enumerate(breakdowns):
                    assert values is None or isinstance(values, tuple)
                    breakdown._add_seconds(key, None if values is None else values[place], seconds)

    def _add_seconds(self, key: str, value: str | None, seconds: int) -> None:
        self.seconds[key, value] = self.seconds.get((key, value), 0) + seconds

    def _spans_and_pairs(
        self, sessions: Iterable[SessionRow], beats: Iterable[BeatRow], start: int, end: int
    ) -> tuple[dict[str, list[tuple[int, int]]], dict[str, list[Pair]]]:
        """Per project (one timeline with ``overlaps_once``), its sessions' spans clipped to
        ``[start, end)`` and its heartbeats' pairs; notes each project's latest session."""
        spans: dict[str, list[tuple[int, int]]] = {}
        project_of: dict[str, str] = {}
        for row in sessions:
            _, key, folder, low, high, _, _ = row  # fields by place: a heavy month has 24k
            if self.overlaps_once:
                key = ""  # one timeline for every project
            project_of[folder] = key
            latest = self.latest.get(key)
            if latest is None or high > latest.last_heartbeat:
                self.latest[key] = row
            low, high = max(low, start), min(high, end)
            if low < high:
                found = spans.get(key)
                if found is None:
                    spans[key] = [(low, high)]
                else:
                    found.append((low, high))
        pairs: dict[str, list[Pair]] = {}
        for pair in heartbeat_pairs(beats, project_of.keys(), start, end):
            pairs.setdefault(project_of[pair.project_path], []).append(pair)
        return spans, pairs

    def rows(self) -> list[BreakdownRow]:
        """One row per value (per project and value for a per-project field), most time first."""
        if self.field in PER_PROJECT_FIELDS:
            rows = [
                BreakdownRow(
                    value,
                    seconds,
                    self.latest[key].latest_path or self.latest[key].project_path,
                    self.latest[key].project_name,
                )
                for (key, value), seconds in self.seconds.items()
            ]
        else:
            unnamed = _UNNAMED_VALUES.get(self.field)
            shown = _SHOWN_AS.get(self.field)
            totals: dict[str | None, int] = {}
            for (_, value), seconds in self.seconds.items():
                value = unnamed if value is None else value  # with ``coding`` sent, one row
                if value is not None and shown is not None:
                    value = shown(value)
                totals[value] = totals.get(value, 0) + seconds
            rows = [BreakdownRow(value, seconds) for value, seconds in totals.items()]
        return sorted(
            rows,
            key=lambda r: (-r.duration_seconds, r.name is None, r.name or "", r.project_path or ""),
        )


def _split(spans: Sequence[tuple[int, int]], pairs: Sequence[Pair]) -> dict[Labels, int]:
    """The seconds of the union of ``spans`` per value: what the pairs covering each second
    give it (``_named_seconds``), ``None`` where none does.

    Only where pairs are is there anything to decide: the rest of the time is unknown as a
    whole. Swept second by second over every session, a heavy month took 50 ms more."""
    covered = union_spans(spans)
    seconds: dict[Labels, int] = {None: sum(high - low for low, high in covered)}
    if pairs:
        inside = _intersection(covered, union_spans((pair.low, pair.high) for pair in pairs))
        for value, named in _named_seconds(inside, pairs).items():
            seconds[None] -= named
            seconds[value] = seconds.get(value, 0) + named
    return {value: count for value, count in seconds.items() if count}


def _named_seconds(inside: Sequence[tuple[int, int]], pairs: Sequence[Pair]) -> dict[Labels, int]:
    """The seconds of ``inside`` (each covered by some pair) per value the pairs covering them
    give: one sweep over the points where a span or a pair starts or ends.

    Mostly one pair covers a second, or the latest names every field: its value, at once. Only
    where another pair covers it too and the latest names none for some field are the others
    asked: sorted when they are few (``given``), else through ``NamedLatest``, which keeps each
    field's latest: sorting every covering pair for each such stretch made a month of twenty
    folders busy at once three times slower."""
    by_low = sorted(pairs, key=_LOW)
    if all(one.high <= after.low for one, after in itertools.pairwise(by_low)):
        return _apart_seconds(inside, by_low)
    ends: list[int] | None = None  # the pairs' ends in order, once another pair is asked
    points = sorted(
        {edge for span in inside for edge in span}
        | {edge for pair in by_low for edge in (pair.low, pair.high)}
    )
    seconds: dict[Labels, int] = {}
    active: list[tuple[int, int, Labels]] = []  # (-rank, high, value): the latest on top
    named: NamedLatest | None = None  # once another pair is asked
    next_pair = next_span = ended = 0
    for low, high in itertools.pairwise(points):
        while next_pair < len(by_low) and by_low[next_pair].low <= low:
            pair = by_low[next_pair]
            entry = (-pair.rank, pair.high, pair.value)
            heapq.heappush(active, entry)
            if named is not None:
                named.push(entry)
            next_pair += 1
        while next_span < len(inside) and inside[next_span][1] <= low:
            next_span += 1
        if next_span < len(inside) and inside[next_span][0] <= low:
            while active[0][1] <= low:  # some pair covers each second of ``inside``
                heapq.heappop(active)
            value = active[0][2]
            if value is None or (type(value) is tuple and None in value):
                if ends is None:
                    ends = sorted(pair.high for pair in pairs)
                while ended < len(ends) and ends[ended] <= low:
                    ended += 1
                covering = next_pair - ended
                if covering > 1 and named is None and covering <= FEW_COVERING:
                    active[:] = [entry for entry in active if entry[1] > low]
                    heapq.heapify(active)
                    value = given(active)
                elif covering > 1:  # many folders busy at once: each field's latest kept
                    if named is None:
                        named = NamedLatest(entry for entry in active if entry[1] > low)
                    value = named.given(value, low)
            seconds[value] = seconds.get(value, 0) + high - low
    return seconds


_LOW = itemgetter(0)  # ``Pair.low``


def _apart_seconds(inside: Sequence[tuple[int, int]], by_low: Sequence[Pair]) -> dict[Labels, int]:
    """``_named_seconds`` where no two pairs overlap (one folder, one sender, the common case):
    each second has its one pair's value. Without the sweep's heap, a year's breakdown by
    language added up in 0.41 s, not 0.50 s."""
    seconds: dict[Labels, int] = {}
    first = 0  # the first span of ``inside`` not ended before the pair
    for pair in by_low:
        pair_low, pair_high = pair.low, pair.high
        while first < len(inside) and inside[first][1] <= pair_low:
            first += 1
        index = first
        named = 0
        while index < len(inside) and inside[index][0] < pair_high:
            named += min(inside[index][1], pair_high) - max(inside[index][0], pair_low)
            index += 1
        if named:
            seconds[pair.value] = seconds.get(pair.value, 0) + named
    return seconds


def _intersection(
    covered: Sequence[tuple[int, int]], regions: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The seconds in both lists of sorted, disjoint spans, found from each of the (few)
    ``regions`` by bisecting ``covered`` (a project's every session in the range)."""
    both: list[tuple[int, int]] = []
    for region_low, region_high in regions:
        index = bisect.bisect_right(covered, region_low, key=lambda span: span[1])
        while index < len(covered) and covered[index][0] < region_high:
            # overlapping with positive length: it ends after region_low, starts before high
            low, high = max(covered[index][0], region_low), min(covered[index][1], region_high)
            both.append((low, high))
            index += 1
    return both


def breakdown_json(
    field: str, rows: Sequence[BreakdownRow], days: Sequence[Day], zone: tzinfo
) -> dict[str, object]:
    """The ``GET /api/breakdown`` shape (and ``oxitrack report --by <field> --json``).

    ``total_seconds`` is the rows' sum: each project's own time, as ``/api/days`` lists the
    projects (its own ``total_seconds`` counts time in two projects at once only once)."""
    per_project = field in PER_PROJECT_FIELDS
    return {
        "from": days[0].date.isoformat(),
        "to": days[-1].date.isoformat(),
        "timezone": zone_name(zone),
        "by": field,
        "total_seconds": sum(row.duration_seconds for row in rows),
        "rows": [_row_json(row, per_project=per_project) for row in rows],
    }


def _row_json(row: BreakdownRow, *, per_project: bool) -> dict[str, object]:
    if not per_project:
        return {"name": row.name, "duration_seconds": row.duration_seconds}
    return {
        "name": row.name,
        "project_name": row.project_name,
        "project_path": row.project_path,
        "duration_seconds": row.duration_seconds,
    }
