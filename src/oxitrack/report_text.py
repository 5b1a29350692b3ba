"""Reports as text: the ``GET /today`` body and aligned tables with a small bar per row.

Everything takes its numbers from ``reports`` and only lays them out. Colour is an argument
(the CLI turns it off for ``NO_COLOR`` and for pipes), and so is whether the terminal can show
the Unicode block characters of the bars.

Pure: stdlib only, no sqlite3/starlette/asyncio, no clock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import tzinfo

from oxitrack.fields import printable
from oxitrack.projects import distinct_names
from oxitrack.records import TYPE_CHECKING, Record
from oxitrack.reports import (
    DayTotals,
    ProjectTotal,
    SessionRow,
    is_active,
    local_iso,
)

if TYPE_CHECKING:
    from oxitrack.breakdown import BreakdownRow

BAR_WIDTH = 20
# Widest name and path columns: one long path must not push every row off the screen.
LABEL_WIDTH = 40
DETAIL_WIDTH = 60
# The least each column keeps when rows are fitted to a narrow terminal: a path cut shorter than
# this says nothing (the column goes instead), a name shorter is hard to tell from others.
MIN_DETAIL_WIDTH = 16
MIN_LABEL_WIDTH = 12
MIN_BAR_WIDTH = 8
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
# Every character a table may use beyond ASCII: an output that cannot write them all gets the
# ASCII forms (``#`` bars, ``*`` active, ``...``, ``-``).
UNICODE_CHARACTERS = _EIGHTHS.strip() + _FULL + "●\u2026\u2013"


class Style(Record):
    """How a table may look: ANSI colour, Unicode bars, bar width in characters, the output's
    encoding (a name it cannot write is escaped, so takes more columns), and how many columns
    a line may take (a terminal's width; ``None`` for a pipe, where lines are not cut)."""

    color: bool = False
    unicode: bool = True
    bar_width: int = BAR_WIDTH
    encoding: str = "utf-8"
    width: int | None = None


class TableRow(Record):
    """One table line: an optional lead (a day), the time and its bar, a label, a detail.

    A day's row gives the ``names`` of its projects too: a narrower label then lists fewer of
    them, whole, rather than cutting the list in the middle."""

    seconds: int
    label: str
    detail: str = ""
    lead: str = ""
    is_active: bool = False
    names: tuple[str, ...] = ()


class Columns(Record):
    """How wide a table's label, detail (0: none) and bar columns are drawn."""

    label: int
    detail: int
    bar: int


def fit_columns(room: int, label: int, detail: int, bar: int) -> Columns:
    """The widest columns that fit ``room`` (a line's columns less its lead, duration, gaps
    and active mark), for rows whose label, detail and bar take ``label``, ``detail`` and
    ``bar`` columns uncut. Lines wrapped on an 80-column terminal, since a name and its path
    alone took up to 100. The path gives way first (cut in the middle, then left out), then
    the bar, then the name."""
    if label + (2 + detail if detail else 0) <= room - bar:
        return Columns(label, detail, bar)
    room_for_detail = room - bar - label - 2
    if detail and room_for_detail >= MIN_DETAIL_WIDTH:
        return Columns(label, room_for_detail, bar)
    narrower_bar = max(MIN_BAR_WIDTH, min(bar, room - label))
    return Columns(min(label, max(MIN_LABEL_WIDTH, room - narrower_bar)), 0, narrower_bar)


def format_duration(seconds: int) -> str:
    """``2h 05m``: whole minutes, rounded down, hours never folded into days.

    The one way the CLI and the text answers write a duration for people (reports,
    ``projects``, ``service status``; the dashboard's ``chart.js`` writes the same); JSON always
    carries seconds. The editor's status bar drops a zero hour (``45m``) to stay short.
    """
    return _format_minutes(max(seconds, 0) // 60)


def _format_minutes(minutes: int) -> str:
    return f"{minutes // 60}h {minutes % 60:02d}m"


def shown_minutes(seconds: Sequence[int]) -> list[int]:
    """Whole minutes to show for each of ``seconds`` so that they add up to the shown total.

    The total is rounded down to whole minutes, like every duration (``format_duration``).
    Each row starts from its own time rounded down; the minutes that loses against the total
    (fewer than one per row) go, one each, to the rows with the most leftover seconds, the
    earlier row first on a tie. So 20m 30s + 3m 30s + 1m 30s (total 25m 30s) shows
    21m + 3m + 1m = 25m, where rounding each row down showed 24m above a 25m total. Every row
    stays within a minute of its real time.
    """
    floors = [max(value, 0) // 60 for value in seconds]
    missing = sum(max(value, 0) for value in seconds) // 60 - sum(floors)
    by_leftover = sorted(range(len(floors)), key=lambda i: -(max(seconds[i], 0) % 60))
    for index in by_leftover[:missing]:
        floors[index] += 1
    return floors


def shorten(text: str, width: int, *, unicode: bool = True, encoding: str = "utf-8") -> str:
    """``text`` cut to ``width`` columns (``display_width``) in the middle, keeping more of the
    end (a path's project folder) than of the start."""
    if display_width(text, encoding) <= width:
        return text
    ellipsis = "\u2026" if unicode else "..."
    room = max(width - len(ellipsis), 2)
    head = _leading(text, room // 3, encoding)
    tail = _leading(text[::-1], room - room // 3, encoding)[::-1]
    return head + ellipsis + tail


def _leading(text: str, width: int, encoding: str) -> str:
    """The longest start of ``text`` that fits in ``width`` columns."""
    used = 0
    for index, character in enumerate(text):
        used += display_width(character, encoding)
        if used > width:
            return text[:index]
    return text


def display_width(text: str, encoding: str = "utf-8") -> int:
    """The columns ``text`` takes on a terminal once written in ``encoding``: a CJK character
    takes two, a combining accent none, and a character the encoding lacks is written as its
    escape (``\\u30d7``, six), as the standard output writes it (``commands._output``)."""
    if text.isascii():
        return len(text)
    width = 0
    for character in text:
        try:
            character.encode(encoding)
        except UnicodeEncodeError:
            width += len(ascii(character)) - 2
            continue
        if unicodedata.combining(character) or unicodedata.category(character) in _ZERO_WIDTH:
            continue
        width += 2 if unicodedata.east_asian_width(character) in "WF" else 1
    return width


# Non-spacing and enclosing marks, and format characters (joiners, bidi marks): no column.
_ZERO_WIDTH = ("Mn", "Me", "Cf")


def _padded(text: str, width: int, encoding: str) -> str:
    """``text`` and spaces up to ``width`` columns: ``f"{text:{width}}"`` counts characters."""
    return text + " " * (width - display_width(text, encoding))


def today_text(today: DayTotals) -> str:
    """The plain ``GET /today`` body: one line per project, most time first, then the total
    (rows rounded as ``shown_minutes`` says, so they add up to it, overlaps aside)."""
    minutes = shown_minutes([p.duration_seconds for p in today.projects])
    durations = [_format_minutes(value) for value in minutes]
    total_minutes, overlap = _total_minutes(minutes, today.total_seconds)
    total = _format_minutes(total_minutes)
    width = max(len(text) for text in [*durations, total])
    lines = [
        f"{text:>{width}}  {printable(p.project_path)}"
        for text, p in zip(durations, today.projects, strict=True)
    ]
    nothing = _nothing_note(p.duration_seconds for p in today.projects)
    lines.append(f"{total:>{width}}  total{_overlap_note(overlap)}{nothing}")
    return "\n".join(lines) + "\n"


_NOTHING_TRACKED = " (nothing tracked)"


def _nothing_note(seconds: Iterable[int]) -> str:
    """Said after a total of nothing at all (no rows, or days with no time: ``--by day``),
    so that an empty report reads as one, not as a failure to count."""
    return "" if any(seconds) else _NOTHING_TRACKED


def _total_minutes(minutes: Sequence[int], total_seconds: int | None) -> tuple[int, int]:
    """The total to show and how many of the rows' minutes it leaves out: time spent in several
    projects at once is in each of their rows but only once in the total."""
    if total_seconds is None:
        return sum(minutes), 0
    total = min(max(total_seconds, 0) // 60, sum(minutes))
    return total, sum(minutes) - total


def _overlap_note(overlap_minutes: int) -> str:
    if not overlap_minutes:
        return ""
    return f" ({_format_minutes(overlap_minutes)} in two projects at once, counted once)"


def bar(seconds: int, longest_seconds: int, style: Style) -> str:
    """A bar ``style.bar_width`` long for ``longest_seconds``; any time at all shows a sliver."""
    if seconds <= 0 or longest_seconds <= 0:
        return ""
    if not style.unicode:
        return "#" * max(1, round(seconds / longest_seconds * style.bar_width))
    eighths = max(1, round(seconds / longest_seconds * style.bar_width * 8))
    full, rest = divmod(eighths, 8)
    return _FULL * full + (_EIGHTHS[rest] if rest else "")


def render_table(
    rows: Sequence[TableRow],
    style: Style,
    *,
    total_label: str = "total",
    total_seconds: int | None = None,
) -> str:
    """Rows aligned in columns, then a total line; an empty table says so.

    The shown durations add up to the shown total (``shown_minutes``), unless ``total_seconds``
    (rows of projects: time in several at once counts once) is less, which the total line
    says. Names longer than ``LABEL_WIDTH`` and paths longer than ``DETAIL_WIDTH`` are cut in
    the middle, so one long path does not widen every row.
    """
    if not rows:
        return f"{format_duration(0)}  {total_label}{_NOTHING_TRACKED}\n"
    minutes = shown_minutes([row.seconds for row in rows])
    total_minutes, overlap = _total_minutes(minutes, total_seconds)
    total_text = _format_minutes(total_minutes)
    lines, duration_width = _row_lines(rows, minutes, style, least_width=len(total_text))
    lead_width = max(len(row.lead) for row in rows)
    lead_pad = f"{'':{lead_width}}  " if lead_width else ""
    total = f"{lead_pad}{total_text:>{duration_width}}  {total_label}"
    lines.append(
        _paint(total, "1", style) + _overlap_note(overlap) + _nothing_note(r.seconds for r in rows)
    )
    return "\n".join(lines) + "\n"


def render_list(rows: Sequence[TableRow], style: Style, count_line: str) -> str:
    """Rows that are not parts of one whole (sessions, which may overlap or reach past the
    range), in the same columns as ``render_table``: each shows its own time rounded down, and
    ``count_line`` ends the list where a table has its total."""
    minutes = [max(row.seconds, 0) // 60 for row in rows]
    lines = _row_lines(rows, minutes, style, least_width=0)[0] if rows else []
    return "\n".join([*lines, count_line]) + "\n"


def _row_lines(
    rows: Sequence[TableRow], minutes: Sequence[int], style: Style, *, least_width: int
) -> tuple[list[str], int]:
    """One aligned line per row, and the width of the duration column (at least
    ``least_width``, so a total line below can line up with it)."""
    longest = max(row.seconds for row in rows)
    lead_width = max(len(row.lead) for row in rows)
    durations = [_format_minutes(value) for value in minutes]
    duration_width = max(least_width, *(len(text) for text in durations))
    # Names and paths as a terminal cannot act on them (a folder may be named with ESC).
    labels = [_cell(row.label, LABEL_WIDTH, style) for row in rows]
    details = [_cell(row.detail, DETAIL_WIDTH, style) for row in rows]
    label_width = max(display_width(text, style.encoding) for text in labels)
    detail_width = max(display_width(text, style.encoding) for text in details)
    if style.width is not None:
        active_mark = len("  ● active") if any(row.is_active for row in rows) else 0
        beside = (lead_width + 2 if lead_width else 0) + duration_width + 4 + active_mark
        fitted = fit_columns(style.width - beside, label_width, detail_width, style.bar_width)
        if fitted.label < label_width:
            labels = [_label(row, fitted.label, style) for row in rows]
            label_width = max(display_width(text, style.encoding) for text in labels)
        if fitted.detail < detail_width:
            details = [_cell(row.detail, fitted.detail, style) for row in rows]
            detail_width = fitted.detail
        style = style._replace(bar_width=fitted.bar)
    lines = []
    for row, duration, label, detail in zip(rows, durations, labels, details, strict=True):
        lead = f"{row.lead:{lead_width}}  " if lead_width else ""
        drawn = bar(row.seconds, longest, style)
        padded_bar = _paint(f"{drawn:{style.bar_width}}", "36", style)
        line = f"{lead}{duration:>{duration_width}}  {padded_bar}  "
        line += _padded(label, label_width, style.encoding)
        if detail_width:
            line += "  " + _padded(detail, detail_width, style.encoding)
        if row.is_active:
            line += "  " + _paint("● active" if style.unicode else "* active", "32", style)
        lines.append(line.rstrip())
    return lines, duration_width


def _cell(text: str, width: int, style: Style) -> str:
    return shorten(printable(text), width, unicode=style.unicode, encoding=style.encoding)


def _label(row: TableRow, width: int, style: Style) -> str:
    if row.names:
        return _cell(_day_label(row.names, style.encoding, width), width, style)
    return _cell(row.label, width, style)


def project_rows(projects: Iterable[ProjectTotal]) -> list[TableRow]:
    """Table rows for per-project totals: name, then path."""
    return [
        TableRow(p.duration_seconds, p.project_name, p.project_path, is_active=p.is_active)
        for p in projects
    ]


def breakdown_rows(rows: Iterable[BreakdownRow]) -> list[TableRow]:
    """Table rows for a breakdown: the value (``unknown`` for none), then the project's folder
    when rows are per project (branches)."""
    return [TableRow(r.duration_seconds, r.name or "unknown", r.project_path or "") for r in rows]


def day_rows(per_day: Iterable[DayTotals], encoding: str = "utf-8") -> list[TableRow]:
    """Table rows for per-day totals, naming each day's projects (most time first)."""
    per_day = list(per_day)
    shown_names = distinct_names(
        (p.project_name, p.project_path) for totals in per_day for p in totals.projects
    )
    rows = []
    for totals in per_day:
        names = [shown_names[p.project_path] for p in totals.projects]
        lead = totals.day.date.strftime("%a %Y-%m-%d")
        label = _day_label(names, encoding, LABEL_WIDTH)
        rows.append(TableRow(totals.total_seconds, label, lead=lead, names=tuple(names)))
    return rows


def _day_label(names: Sequence[str], encoding: str, width: int) -> str:
    """Up to three of a day's project names, as many as fit the column whole, then how many
    more: the column cut in the middle of the list showed a name cut short
    (``api (client-o…), notes``) as if it were another project. A name with a comma in it (a
    client renamed ``ACME, Inc.``) has the names parted by ``; ``: after commas, ``ACME, Inc.,
    globex`` read as three projects."""
    part = "; " if any("," in name for name in names) else ", "
    for count in range(min(3, len(names)), 0, -1):
        more = len(names) - count
        shown = part.join(names[:count]) + (f"{part}+{more} more" if more else "")
        if count == 1 or display_width(printable(shown), encoding) <= width:
            return shown
    return ""


def session_rows(
    rows: Iterable[SessionRow], zone: tzinfo, *, unicode: bool = True, now: float | None = None
) -> list[TableRow]:
    """Table rows for single sessions: local start and end time, project name and path.

    An end on a later day carries its date (``2025-10-25 23:30\u201310-26 01:10``): a bare
    ``23:30\u201301:10`` beside 25 hours read as an hour and forty minutes. Across a clock change
    both times carry their UTC offset (``01:30-04:00\u201301:10-05:00``, the hour repeated when
    clocks go back): bare, the end came before the start. Without ``unicode`` (an output that
    cannot show the en dash, like the bars' blocks) the dash is ``-``. Given ``now``, the
    session still going on is marked active, as ``today`` marks its project: its end is only
    the latest beat so far.
    """
    dash = "\u2013" if unicode else "-"
    table = []
    for row in rows:
        start, end = local_iso(row.start_time, zone), local_iso(row.last_heartbeat, zone)
        offsets = ("", "") if start[19:] == end[19:] else (start[19:], end[19:])
        until = end[11:16] if end[:10] == start[:10] else f"{end[5:10]} {end[11:16]}"
        span = f"{start[:10]} {start[11:16]}{offsets[0]}{dash}{until}{offsets[1]}"
        going_on = now is not None and is_active(row.last_heartbeat, now)
        table.append(
            TableRow(row.duration_seconds, row.project_name, row.project_path, span, going_on)
        )
    return table


def _paint(text: str, code: str, style: Style) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if style.color else text
