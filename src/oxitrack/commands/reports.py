"""``oxitrack today``, ``report``, ``sessions`` and ``export``: reports read from the SQLite file.

They open the database read-only (``Store(path, read_only=True)``), so they work while the daemon
is stopped and never block it. Numbers come from the same ``store.reports`` queries and
``reports`` functions as the HTTP API, so ``--json`` prints exactly what the API answers.

Only argparse loads at start: each command imports what it needs when it runs, and nothing here
ever imports the web stack (``oxitrack today`` has a 40 ms budget).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from oxitrack.commands._options import (
    UsageError,
    add_command,
    add_db_option,
    add_json_option,
    project_reference,
    settings_from,
)
from oxitrack.commands._output import print_json, utf8_stdout
from oxitrack.commands.breakdown import FIELDS as BREAKDOWN_FIELDS
from oxitrack.commands.breakdown import run_breakdown
from oxitrack.errors import InvalidField, StoreError
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date, tzinfo
    from typing import Any, TextIO

    from oxitrack.report_text import Style
    from oxitrack.store import Store
    from oxitrack.store.reports import ProjectFilter

# The one clock of these commands; tests replace it.
clock: Callable[[], float] = time.time

# `sessions` lists as many as GET /api/sessions by default; a command line may ask for more than
# the API's 1000 (`export` streams every session).
DEFAULT_SESSION_LIMIT = 50
MAX_SESSION_LIMIT = 100_000


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
        description=(
            "Time per project (or per day, language, category, editor or branch) over a range\n"
            "of local calendar days.\n"
            "Default range: this week (Monday to today). --week, --month and --days end\n"
            "with --to when it is given (--month --to 2025-10-15: October 1st to 15th)."
        ),
        example="oxitrack report --month --by day    # or: --days 30 --project .",
    )
    _add_common(report)
    _add_range(report)
    report.add_argument(
        "--by",
        choices=["project", "day", *BREAKDOWN_FIELDS],
        default="project",
        help="one row per project or day; or per language, category, editor or branch, as"
        " WakaTime heartbeats name them (unknown: time that none names)",
    )
    report.set_defaults(run=run_report)

    sessions = add_command(
        subparsers,
        "sessions",
        help="list recent sessions",
        description=(
            "The latest sessions, newest first (all dates unless a range is given).\n"
            "--json prints what GET /api/sessions answers for the same range and limit."
        ),
        example="oxitrack sessions --limit 10 --project oxitrack",
    )
    _add_common(sessions)
    _add_range(sessions, default_week=False)
    sessions.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_SESSION_LIMIT,
        help=f"how many (default {DEFAULT_SESSION_LIMIT}, as GET /api/sessions; up to"
        f" {MAX_SESSION_LIMIT}, where the API stops at 1000)",
    )
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
    export.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of stdout (- is stdout)"
    )
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
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
    """The same range flags on every command; only the default differs (``report``: this week,
    ``sessions`` and ``export``: all dates)."""
    span = parser.add_mutually_exclusive_group()
    default = " (the default)" if default_week else ""
    span.add_argument("--week", action="store_true", help=f"Monday to today, or to --to{default}")
    span.add_argument("--month", action="store_true", help="the 1st to today, or to --to")
    span.add_argument(
        "--days", type=int, metavar="N", help="the N days up to today (or --to), included"
    )
    span.add_argument("--from", dest="first", metavar="DATE", help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="last", metavar="DATE", help="last day (default today)")
    parser.add_argument(
        "--project",
        metavar="PROJECT",
        help="only this project, as `oxitrack projects` lists it: its id, an identity (git:…,"
        " path:…), its name (the folder's, or one given with `projects rename`), a folder path,"
        " or . for the current folder",
    )


# -- commands ----------------------------------------------------------------------------------


def run_today(args: argparse.Namespace) -> int:
    from oxitrack import days
    from oxitrack.report_text import project_rows, render_table
    from oxitrack.reports import daily_totals, today_json
    from oxitrack.store.reports import sessions_between

    zone, now = _zone(args), clock()
    day = days.day_of(int(now), zone)
    with _open(args) as store:
        rows = store.read(lambda conn: sessions_between(conn, day.start, day.end))
    [today] = daily_totals(rows, [day], now)
    if not today.total_seconds:
        _note_other_database(args, store.path)
    if args.json:
        return print_json(today_json(today, zone))
    title = f"Today, {day.date.strftime('%a %Y-%m-%d')} ({_zone_label(zone)})"
    table = render_table(project_rows(today.projects), _style(), total_seconds=today.total_seconds)
    print(title + "\n" + table, end="")
    return 0


def run_report(args: argparse.Namespace) -> int:
    if args.by in BREAKDOWN_FIELDS:
        return run_breakdown(args)
    from oxitrack import days
    from oxitrack.report_text import day_rows, project_rows, render_table
    from oxitrack.reports import days_json, range_report, range_total_seconds
    from oxitrack.store.reports import iter_sessions

    zone, now = _zone(args), clock()
    first, last = _range(args, zone, now, per_day=True)
    assert first is not None and last is not None
    span = days.days_between(first, last, zone)
    with _open(args) as store:
        project = _project_in(store, args)
        # Streamed in start order and added up in one pass: ten years of a heavy user's
        # sessions, held in a list and read twice, took 250 MiB.
        per_day, projects = store.read(
            lambda conn: range_report(
                iter_sessions(conn, span[0].start, span[-1].end, project), span, now
            )
        )
        if not projects:
            _check_project_exists(store, args, project)
    if not projects and project is None:
        _note_other_database(args, store.path)
    if args.json:
        return print_json(days_json(per_day, projects, zone))
    table = project_rows(projects) if args.by == "project" else day_rows(per_day)
    total = range_total_seconds(per_day)
    title = f"{first.isoformat()} to {last.isoformat()} ({_zone_label(zone)}), by {args.by}"
    print(title + "\n" + render_table(table, _style(), total_seconds=total), end="")
    return 0


def run_sessions(args: argparse.Namespace) -> int:
    from oxitrack.days import date_bounds
    from oxitrack.report_text import render_list, session_rows
    from oxitrack.reports import sessions_json
    from oxitrack.store.reports import latest_sessions

    if not 1 <= args.limit <= MAX_SESSION_LIMIT:
        raise InvalidField("--limit", f"must be from 1 to {MAX_SESSION_LIMIT}")
    zone, now = _zone(args), clock()
    first, last = _range(args, zone, now, per_day=False)
    start, end = date_bounds(first, last, zone)
    with _open(args) as store:
        project = _project_in(store, args)
        # One more than shown: whether --limit cut the list, or it holds every session.
        found = store.read(lambda conn: latest_sessions(conn, start, end, project, args.limit + 1))
        if not found:
            _check_project_exists(store, args, project)
    rows, is_cut = found[: args.limit], len(found) > args.limit
    if args.json:
        return print_json(sessions_json(rows, zone, now, first, last))
    style = _style()
    table = session_rows(rows, zone, unicode=style.unicode)
    print(render_list(table, style, _count_line(len(rows), is_cut=is_cut)), end="")
    return 0


def _count_line(count: int, *, is_cut: bool) -> str:
    """How many sessions are listed, and how to see more when ``--limit`` cut the list.

    Not a total: sessions of two projects can overlap and are listed whole past the range's
    edges; ``oxitrack report`` gives the time inside a range."""
    listed = f"{count} session{'' if count == 1 else 's'}"
    return f"{listed} (the latest {count}; --limit shows more)" if is_cut else listed


def run_export(args: argparse.Namespace) -> int:
    from oxitrack.commands._files import check_target, replacing
    from oxitrack.days import date_bounds
    from oxitrack.report_text import write_sessions_csv, write_sessions_json
    from oxitrack.store.reports import iter_sessions

    zone, now = _zone(args), clock()
    first, last = _range(args, zone, now, per_day=False)
    start, end = date_bounds(first, last, zone)
    db = settings_from(args).db
    output = None
    if args.output not in (None, "-"):  # `-o -`: the standard output, as the convention goes
        output = check_target(args.output, db, force=args.force, label="-o: ")

    def write(conn: Any, out: TextIO) -> int:
        """Stream the sessions to ``out`` within one read snapshot; the number written."""
        rows = iter_sessions(conn, start, end, project)
        if args.format == "csv":
            return write_sessions_csv(rows, zone, out)
        return write_sessions_json(rows, zone, now, first, last, out)

    with _open(args, db) as store:
        project = _project_in(store, args)
        _check_project_exists(store, args, project)
        if output is None:
            stdout = utf8_stdout()  # CSV and JSON are UTF-8, on stdout as in an -o file
            store.read(lambda conn: write(conn, stdout))
            return 0
        with replacing(output, label="-o: ") as out:
            count = store.read(lambda conn: write(conn, out))
    print(f"wrote {count} sessions to {output}", file=sys.stderr)
    return 0


# -- helpers -----------------------------------------------------------------------------------


def _open(args: argparse.Namespace, db: str | None = None) -> Store:
    """The database, read-only: ``db``, else the one the settings name."""
    from oxitrack.store import Store

    settings = settings_from(args)
    path = settings.db if db is None else db
    try:
        return Store(path, read_only=True)
    except StoreError:
        if os.path.lexists(os.path.expanduser(path)):
            raise
        # "Start `oxitrack serve` once" misleads when a daemon runs, on another file: the
        # shell's XDG_DATA_HOME or OXITRACK_DB is not the service's. Asked only on this error,
        # so that a status bar polling a database that exists pays nothing for it.
        from oxitrack.daemon_client import other_database_hint

        hint = other_database_hint(settings, path)
        if hint is None:
            raise
        raise StoreError(f"no database at {path}, but {hint}") from None


def _note_other_database(args: argparse.Namespace, path: str) -> None:
    """Tell a person at a terminal when a daemon records into another file than ``path``, which
    has nothing for the days asked: an old file left where ``service install --db`` moved the
    data from, a shell with another ``XDG_DATA_HOME`` than the daemon's.

    Only on a terminal: a status bar or a script shows no stderr, and polls too often to ask
    the daemon each time. The daemon is asked only when no program has ``path`` open: a daemon
    recording into it always has, so "nothing yet today" in the morning asks nothing."""
    if not (sys.stderr is not None and sys.stderr.isatty()):
        return
    from oxitrack.store.files import is_open_elsewhere

    if is_open_elsewhere(path) is not False:
        return
    from oxitrack.daemon_client import other_database_hint

    hint = other_database_hint(settings_from(args), path)
    if hint is not None:
        print(f"oxitrack: note: nothing in {path}; {hint}", file=sys.stderr)


def _zone(args: argparse.Namespace) -> tzinfo:
    from oxitrack import days

    if args.tz is not None:
        return days.zone_named(args.tz, field="--tz")
    zone = days.system_zone()
    # The title names the zone used, but a day that silently starts hours off is what a POSIX
    # rule in $TZ (which `date` follows) gets: say so, on stderr, once per command.
    note = days.ignored_tz_note(os.environ.get("TZ"), zone)
    if note:
        print(f"oxitrack: note: {note}. Give --tz Area/City, or set TZ=Area/City", file=sys.stderr)
    return zone


def _zone_label(zone: tzinfo) -> str:
    from oxitrack.days import zone_name

    return zone_name(zone)


def _range(
    args: argparse.Namespace, zone: tzinfo, now: float, *, per_day: bool
) -> tuple[date | None, date | None]:
    """The first and last day asked for; ``None`` ends mean "unbounded" (sessions, export).

    ``--week``, ``--month`` and ``--days`` count back from ``--to`` when it is given, else from
    today. Only per-day reports (``per_day``: a row or a bar per day) cap the range at
    ``MAX_RANGE_DAYS``; a session listing or an export of all time is fine.
    """
    from oxitrack import days

    today = days.local_date(now, zone)
    last = days.parse_date(args.last, field="--to") if args.last else None
    first = days.parse_date(args.first, field="--from") if args.first else None
    end = last or today
    if args.month:
        first, last = days.month_of(end)
    elif args.week or (per_day and first is None and args.days is None):
        first, last = days.week_of(end)
    elif args.days is not None:
        if not 1 <= args.days <= days.MAX_RANGE_DAYS:
            raise InvalidField("--days", f"must be from 1 to {days.MAX_RANGE_DAYS}")
        first, last = days.last_days(end, args.days)
    elif first is not None and last is None:
        last = today
    if first is not None and last is not None:
        max_days = days.MAX_RANGE_DAYS if per_day else None
        days.check_range(first, last, field="--from", max_days=max_days)
    return first, last


def _project_in(store: Store, args: argparse.Namespace) -> ProjectFilter:
    """``--project`` as reports apply it (``store.reports.project_filter``): the project it
    names, as every command reads it; else a folder matched by its path. A folder no project
    lists but sessions were recorded in (written by an older version) is matched from inside
    it too (``--project .`` from its ``src/``)."""
    from oxitrack.store.reports import nearest_tracked_folder, project_filter

    value: str | None = args.project
    if value is None:
        return None
    if not value.strip():
        raise InvalidField("--project", "must not be empty")
    reference = project_reference(value)

    def resolve(conn: Any) -> ProjectFilter:
        found = project_filter(conn, reference, "--project")
        if isinstance(found, str) and found.startswith("/"):
            return nearest_tracked_folder(conn, found) or found
        return found

    return store.read(resolve)


def _check_project_exists(store: Store, args: argparse.Namespace, project: ProjectFilter) -> None:
    """Refuse a ``--project`` that matches no session at all: "nothing tracked" would read as
    "you did no work" when the name is only mistyped. A project found by what names it exists,
    sessions or not."""
    from oxitrack.store.reports import latest_sessions

    if not isinstance(project, str):
        return
    if store.read(lambda conn: latest_sessions(conn, None, None, project, 1)):
        return
    shown = repr(args.project) + (f" ({project})" if project != args.project else "")
    raise UsageError(f"--project: no project matches {shown}; `oxitrack projects` lists them")


def _style() -> Style:
    import codecs

    from oxitrack.report_text import UNICODE_CHARACTERS, Style

    stream = sys.stdout
    color = stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    try:
        encoding = codecs.lookup(stream.encoding or "ascii").name
    except LookupError:
        encoding = "ascii"
    try:
        UNICODE_CHARACTERS.encode(encoding)
        unicode = True
    except UnicodeEncodeError:
        unicode = False
    return Style(color=color, unicode=unicode, encoding=encoding)
