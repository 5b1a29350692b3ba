"""Sessions as export files: CSV for spreadsheets, JSON for programs, one session a row.

Written as they are read (a store cursor goes in, lines come out), so a ten-year export holds
no list of its sessions. Names come from folders any cloned repository brings: CSV cells that a
spreadsheet would run as formulas are written as text.

Pure: stdlib only, no sqlite3/starlette/asyncio, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, tzinfo

from oxitrack.records import TYPE_CHECKING
from oxitrack.reports import SessionRow, local_iso, session_json, sessions_json

if TYPE_CHECKING:
    from typing import TextIO

CSV_COLUMNS = (
    "session_id",
    "project_path",
    "project_name",
    "start_time",
    "last_heartbeat",
    "duration_seconds",
    "start_local",
    "end_local",
    "duration_in_range_seconds",
    "project_latest_path",
)


def seconds_in_range(row: SessionRow, start: int | None, end: int | None) -> int:
    """The part of ``row`` between ``start`` and ``end`` (UTC seconds; ``None``: open).

    A range keeps every session with time in it, listed whole, so a night past midnight on the
    last day of a month is in both months' exports: billing from ``duration_seconds`` counted it
    twice. This column adds up to what ``oxitrack report`` gives the range."""
    first = row.start_time if start is None else max(row.start_time, start)
    last = row.last_heartbeat if end is None else min(row.last_heartbeat, end)
    return max(0, last - first)


def write_sessions_csv(
    rows: Iterable[SessionRow],
    zone: tzinfo,
    out: TextIO,
    bounds: tuple[int | None, int | None] = (None, None),
) -> int:
    """Write sessions as CSV (``CSV_COLUMNS``, local times with offsets); returns the count.

    ``bounds`` is the range's first second and the second after its last day."""
    import csv  # only exports need it; `oxitrack today` stays lean

    writer = csv.writer(out, lineterminator="\n")
    # csv quotes a cell holding the line terminator's characters only: with "\n" lines, a "\r"
    # (which a Linux folder name may hold) went out bare, and readers cut the row there.
    quoting_writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        path, name = as_spreadsheet_text(row.project_path), as_spreadsheet_text(row.project_name)
        # The project's latest folder, as reports list it: a moved or merged project's sessions
        # keep their own folders in ``project_path``, and names two projects may share.
        latest = as_spreadsheet_text(row.latest_path or row.project_path)
        (quoting_writer if "\r" in path + name + latest else writer).writerow(
            (
                row.session_id,
                path,
                name,
                row.start_time,
                row.last_heartbeat,
                row.duration_seconds,
                local_iso(row.start_time, zone),
                local_iso(row.last_heartbeat, zone),
                seconds_in_range(row, *bounds),
                latest,
            )
        )
        count += 1
    return count


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_spreadsheet_text(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text, not runs it as a formula (OWASP's CSV
    injection advice): names come from folders and `.wakatime-project` files that any cloned
    repository brings, and a formula can send the sheet's other cells away. A leading ``'`` is
    what spreadsheets take for "this is text"; JSON exports keep names as they are."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def write_sessions_json(
    rows: Iterable[SessionRow],
    zone: tzinfo,
    now: float,
    first: date | None,
    last: date | None,
    out: TextIO,
    bounds: tuple[int | None, int | None] = (None, None),
) -> int:
    """Write the ``sessions_json`` shape one session per line, without holding them all, each
    session with its ``duration_in_range_seconds`` as in the CSV.

    ``out`` writes UTF-8 (a file, or stdout switched to it, as for CSV): names are written as
    they are, as every ``--json`` writes them on a UTF-8 output."""
    import json

    head = json.dumps(sessions_json([], zone, now, first, last), ensure_ascii=False)
    out.write(head.removesuffix("[]}") + "[")
    count = 0
    for row in rows:
        session = session_json(row, zone, now)
        session["duration_in_range_seconds"] = seconds_in_range(row, *bounds)
        line = json.dumps(session, ensure_ascii=False)
        out.write(("," if count else "") + "\n  " + line)
        count += 1
    out.write("\n]}\n")
    return count
