"""``oxitrack today``, ``report``, ``sessions`` and ``export``: reports read from the SQLite file.

They open the database read-only (``Store(path, read_only=True)``), so they work while the daemon
is stopped and never block it. Numbers come from the same ``store.reports`` queries and
``reports`` functions as the HTTP API, so ``--json`` prints exactly what the API answers.

Only argparse loads at start: each command imports what it needs when it runs, and nothing here
ever imports the web stack (``oxitrack today`` has a 40 ms budget).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable

from oxitrack.commands._options import add_command, add_db_option, add_json_option, settings_from
from oxitrack.errors import InvalidField, OxitrackError
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date, tzinfo
    from typing import Any, TextIO

    from oxitrack.report_text import Style
    from oxitrack.store import Store

# The one clock of these commands; tests replace it.
clock: Callable[[], float] = time.time


def register(subparsers: Any) -> None:
    today = add_command(
        subparsers,
        "today",
        help="time per project today",
        description="Time per project today (local calendar day), most time first.",
        example="oxitrack today            # or: oxitrack today --json --tz Europe/Berlin",
    )
    _add_common(today)
    today.set_defaults(run=run_today)

    report = add_command(
        subparsers,
        "report",
        help="time per project or per day over a range",
        description="Time per project (or per day) over a range of local calendar days. "
        "Default range: this week (Monday to today).",
        example="oxitrack report --month --by day      "
        "# or: --from 2025-01-01 --to 2025-01-31 --project oxitrack",
    )
    _add_common(report)
    _add_range(report)
    report.add_argument(
        "--by", choices=["project", "day"], default="project", help="one row per project or day"
    )
    report.set_defaults(run=run_report)

    sessions = add_command(
        subparsers,
        "sessions",
        help="list recent sessions",
        description="The latest sessions, newest first (all dates unless a range is given).",
        example="oxitrack sessions --limit 10 --project oxitrack",
    )
    _add_common(sessions)
    _add_range(sessions, default_week=False)
    sessions.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    sessions.set_defaults(run=run_sessions)

    export = add_command(
        subparsers,
        "export",
        help="export sessions as CSV or JSON",
        description="Every session (or those in a range), oldest first, as CSV or JSON.",
        example="oxitrack export --format csv -o sessions.csv --from 2025-01-01",
    )
    add_db_option(export)
    _add_tz(export)
    _add_range(export, default_week=False)
    export.add_argument("--format", choices=["csv", "json"], default="csv", help="default csv")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(run=run_export)


def _add_tz(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tz", metavar="ZONE", help="IANA time zone for days (default: this machine's)"
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    add_json_option(parser)
    _add_tz(parser)


def _add_range(parser: argparse.ArgumentParser, *, default_week: bool = True) -> None:
    span = parser.add_mutually_exclusive_group()
    if default_week:
        span.add_argument("--week", action="store_true", help="this week so far (the default)")
        span.add_argument("--month", action="store_true", help="this month so far")
    span.add_argument("--days", type=int, metavar="N", help="the last N days, today included")
    span.add_argument("--from", dest="first", metavar="DATE", help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="last", metavar="DATE", help="last day (default today)")
    parser.add_argument("--project", help="only this project: a path, or a folder name")


# -- commands ----------------------------------------------------------------------------------


def _usage_errors(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A wrong flag value (``--tz``, ``--from``...) is a usage error: one line and exit 2."""

    @functools.wraps(run)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except InvalidField as exc:
            return _usage(exc.message)

    return wrapped


@_usage_errors
def run_today(args: argparse.Namespace) -> int:
    from oxitrack import days
    from oxitrack.report_text import project_rows, render_table
    from oxitrack.reports import daily_totals, today_json
    from oxitrack.store.reports import sessions_between

    zone, now = _zone(args), clock()
    [day] = days.days_between(days.local_date(now, zone), days.local_date(now, zone), zone)
    with _open(args) as store:
        rows = store.read(lambda conn: sessions_between(conn, day.start, day.end))
    [today] = daily_totals(rows, [day], now)
    if args.json:
        return _print_json(today_json(today, zone))
    title = f"Today, {day.date.strftime('%a %Y-%m-%d')} ({_zone_label(zone)})"
    print(title + "\n" + render_table(project_rows(today.projects), _style()), end="")
    return 0


@_usage_errors
def run_report(args: argparse.Namespace) -> int:
    from oxitrack import days
    from oxitrack.report_text import day_rows, project_rows, render_table
    from oxitrack.reports import daily_totals, days_json, range_totals
    from oxitrack.store.reports import sessions_between

    zone, now = _zone(args), clock()
    first, last = _range(args, zone, now, default_week=True)
    assert first is not None and last is not None
    project = _project(args)
    span = days.days_between(first, last, zone)
    with _open(args) as store:
        rows = store.read(lambda conn: sessions_between(conn, span[0].start, span[-1].end, project))
    per_day = daily_totals(rows, span, now)
    projects = range_totals(rows, span, now)
    if args.json:
        return _print_json(days_json(per_day, projects, zone))
    table = project_rows(projects) if args.by == "project" else day_rows(per_day)
    title = f"{first.isoformat()} to {last.isoformat()} ({_zone_label(zone)}), by {args.by}"
    print(title + "\n" + render_table(table, _style()), end="")
    return 0


@_usage_errors
def run_sessions(args: argparse.Namespace) -> int:
    from oxitrack.report_text import render_table, session_rows
    from oxitrack.reports import sessions_json
    from oxitrack.store.reports import latest_sessions

    if not 1 <= args.limit <= 100_000:
        return _usage("--limit must be between 1 and 100000")
    zone, now = _zone(args), clock()
    first, last = _range(args, zone, now, default_week=False)
    start, end = _bounds(first, last, zone)
    project = _project(args)
    with _open(args) as store:
        rows = store.read(lambda conn: latest_sessions(conn, start, end, project, args.limit))
    if args.json:
        return _print_json(sessions_json(rows, zone, now, first, last))
    print(render_table(session_rows(rows, zone), _style()), end="")
    return 0


@_usage_errors
def run_export(args: argparse.Namespace) -> int:
    from oxitrack.report_text import write_sessions_csv, write_sessions_json
    from oxitrack.store.reports import iter_sessions

    zone, now = _zone(args), clock()
    first, last = _range(args, zone, now, default_week=False)
    start, end = _bounds(first, last, zone)
    project = _project(args)
    with _open(args) as store:
        if args.output is None:
            out = sys.stdout
        else:
            out = _open_output(args.output)
        try:
            if args.format == "csv":
                count = store.read(
                    lambda conn: write_sessions_csv(
                        iter_sessions(conn, start, end, project), zone, out
                    )
                )
            else:
                count = store.read(
                    lambda conn: write_sessions_json(
                        iter_sessions(conn, start, end, project), zone, now, first, last, out
                    )
                )
        finally:
            if out is not sys.stdout:
                out.close()
    if args.output is not None:
        print(f"wrote {count} sessions to {args.output}", file=sys.stderr)
    return 0


# -- helpers -----------------------------------------------------------------------------------


def _open_output(path: str) -> TextIO:
    """``-o FILE`` for writing; a folder that is missing or read-only is one line, not a trace."""
    try:
        return open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise OxitrackError(f"-o: cannot write {path}: {exc.strerror}") from None


def _open(args: argparse.Namespace) -> Store:
    from oxitrack.store import Store

    return Store(settings_from(args).db, read_only=True)


def _zone(args: argparse.Namespace) -> tzinfo:
    from oxitrack import days

    return days.system_zone() if args.tz is None else days.zone_named(args.tz, field="--tz")


def _zone_label(zone: tzinfo) -> str:
    from oxitrack.reports import zone_name

    return zone_name(zone)


def _range(
    args: argparse.Namespace, zone: tzinfo, now: float, *, default_week: bool
) -> tuple[date | None, date | None]:
    """The first and last day asked for; ``None`` ends mean "unbounded" (sessions, export)."""
    from oxitrack import days

    today = days.local_date(now, zone)
    last = days.parse_date(args.last, field="--to") if args.last else None
    first = days.parse_date(args.first, field="--from") if args.first else None
    if getattr(args, "month", False):
        first, last = days.month_of(today)
    elif getattr(args, "week", False) or (default_week and first is None and args.days is None):
        first, last = days.week_of(last or today)
    elif args.days is not None:
        if not 1 <= args.days <= days.MAX_RANGE_DAYS:
            raise InvalidField("--days", f"must be from 1 to {days.MAX_RANGE_DAYS}")
        first, last = days.last_days(last or today, args.days)
    elif first is not None and last is None:
        last = today
    if first is not None and last is not None:
        days.check_range(first, last, field="--from")
    return first, last


def _bounds(first: date | None, last: date | None, zone: tzinfo) -> tuple[int | None, int | None]:
    from oxitrack import days

    start = days.day_start(first, zone) if first is not None else None
    end = days.days_between(last, last, zone)[0].end if last is not None else None
    return start, end


def _project(args: argparse.Namespace) -> str | None:
    """A path given on the command line becomes canonical (``--project .`` works); a bare folder
    name stays as it is and matches the last component of project paths."""
    value: str | None = args.project
    if value is None or (not any(sep in value for sep in "/\\") and value not in {".", ".."}):
        return value
    from oxitrack.projects import canonical_project_path, is_windows_path

    return value if is_windows_path(value) else canonical_project_path(os.path.abspath(value))


def _style() -> Style:
    from oxitrack.report_text import Style

    stream = sys.stdout
    color = stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    try:
        "\u2588\u258f\u25cf\u2013".encode(stream.encoding or "ascii")  # bars, dot, dash
        unicode = True
    except (UnicodeEncodeError, LookupError):
        unicode = False
    return Style(color=color, unicode=unicode)


def _print_json(value: object) -> int:
    import json

    print(json.dumps(value, indent=2, ensure_ascii=False))
    return 0


def _usage(message: str) -> int:
    print(f"oxitrack: {message}", file=sys.stderr)
    return 2
