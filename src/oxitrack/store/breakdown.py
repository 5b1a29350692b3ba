"""The breakdown query: a range's sessions and the heartbeats that split them (WakaTime's, and
beats that named a language, editor, machine...).

Heartbeats are read by the range scan on ``heartbeats``' primary key (time first), from the
range's start minus the session gap (the heartbeat a first pair starts with) to its end plus
the gap (the one a last pair ends with). ``oxitrack.breakdown`` does the adding up.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from functools import partial

from oxitrack.breakdown import FIELDS, Breakdown, check_field
from oxitrack.breakdown_pairs import BeatRow
from oxitrack.days import Day
from oxitrack.records import Record
from oxitrack.reports import SessionRow
from oxitrack.sessions import SESSION_GAP_SECONDS
from oxitrack.store import Store
from oxitrack.store.reports import PART_DAYS, ProjectFilter, sessions_between

# One query per field, its column named from ``FIELDS`` only (never from a request).
_BEATS_SQL = {
    field: "SELECT CAST(h.time AS INTEGER), c.project_path, c."
    + field
    + ", c.editor IS NOT NULL FROM heartbeats AS h JOIN beat_contexts AS c ON c.id = h.context_id"
    " WHERE h.time >= :low AND h.time < :high ORDER BY h.time, h.context_id"
    for field in FIELDS
}


class PartBeats(Record):
    """The heartbeats of a part of a range, for cutting into days: each as (exact time, second,
    context id), in the order ``labelled_beats`` reads them, and each context's folder, editor
    and values of the fields asked for. Rows carry no text: a month's heartbeats as rows of their
    texts held a copy of each per heartbeat, ~10 MiB more of the daemon's memory."""

    rows: list[tuple[float, int, int]]
    contexts: dict[int, tuple[str, ...]]


def part_beats(conn: sqlite3.Connection, fields: Sequence[str], start: int, end: int) -> PartBeats:
    """``labelled_beats`` of every field in ``fields`` at once, for ``[start, end)``."""
    bounds = _pair_bounds(start, end)
    columns = "".join(f", c.{check_field(field, 'fields')}" for field in fields)
    contexts = {
        context_id: tuple(values)
        for context_id, *values in conn.execute(
            f"SELECT c.id, c.project_path, c.editor{columns} FROM beat_contexts AS c WHERE c.id IN"
            " (SELECT context_id FROM heartbeats WHERE time >= :low AND time < :high)",
            bounds,
        )
    }
    query = (
        "SELECT time, CAST(time AS INTEGER), context_id FROM heartbeats"
        " WHERE time >= :low AND time < :high ORDER BY time, context_id"
    )
    # Row by row in Python, not ``fetchall``: the interpreter is handed to beats between rows.
    rows = [row for row in conn.execute(query, bounds)]
    return PartBeats(rows, contexts)


def labelled_beats(conn: sqlite3.Connection, field: str, start: int, end: int) -> list[BeatRow]:
    """Every heartbeat that can start or end a pair reaching into ``[start, end)``, in time
    order, with its folder, its value of ``field`` and its sender (whether it names an editor)."""
    # Row by row in Python, as ``part_beats`` reads: the interpreter is handed to beats between.
    return [row for row in conn.execute(_BEATS_SQL[field], _pair_bounds(start, end))]


def _pair_bounds(start: int, end: int) -> dict[str, int]:
    """The times of the heartbeats that can start or end a pair reaching into ``[start, end)``:
    a session gap before it to a gap after it (``:low`` included, ``:high`` not)."""
    return {"low": start - SESSION_GAP_SECONDS, "high": end + SESSION_GAP_SECONDS}


def read_breakdown(
    store: Store,
    field: str,
    span: Sequence[Day],
    project: ProjectFilter,
    *,
    abandoned: threading.Event | None = None,
) -> Breakdown:
    """The breakdown of ``span`` (consecutive days) by ``field``, ``PART_DAYS`` days per
    snapshot: sessions and heartbeats of one part are always read together. ``abandoned`` as
    in ``Store.read``."""
    breakdown = Breakdown(field)
    for first in range(0, len(span), PART_DAYS):
        part = span[first : first + PART_DAYS]
        add = partial(_add_part, breakdown, part[0].start, part[-1].end, project)
        store.read(add, abandoned=abandoned)
    return breakdown


def _add_part(
    breakdown: Breakdown, start: int, end: int, project: ProjectFilter, conn: sqlite3.Connection
) -> None:
    add_split(conn, breakdown, sessions_between(conn, start, end, project), start, end)


def add_split(
    conn: sqlite3.Connection,
    breakdown: Breakdown,
    sessions: Sequence[SessionRow],
    start: int,
    end: int,
) -> None:
    """Add the time of ``sessions`` in ``[start, end)`` to ``breakdown``, split by the
    heartbeats ``Breakdown.add`` needs for that span (read here, so the two always agree)."""
    breakdown.add(sessions, labelled_beats(conn, breakdown.field, start, end), start, end)
