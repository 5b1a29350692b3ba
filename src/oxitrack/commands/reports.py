"""``oxitrack today``, ``report`` and ``sessions``: reports read from the SQLite file (``export``
is ``exports.py``'s).

They open the database read-only (``Store(path, read_only=True)``), so they work while the daemon
is stopped and never block it. Numbers come from the same ``store.reports`` queries and
``reports`` functions as the HTTP API, so ``--json`` prints exactly what the API answers.

Their shared flags are declared and read in ``_report_flags``; the file is opened by
``_report_database``. Only argparse loads at start: each command imports what it needs when it
runs, and nothing here ever imports the web stack (``oxitrack today`` has a 40 ms budget).
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

from oxitrack.commands._options import add_command
from oxitrack.commands._output import counted, print_json, text_style
from oxitrack.commands._report_database import (
    ASK_WITH_TODAY,
    note_other_database,
    open_read_only,
)
from oxitrack.commands._report_flags import (
    add_project_option,
    add_range_options,
    add_report_options,
    check_project_exists,
    days_from,
    project_from,
    project_title,
    range_title,
    zone_from,
)
from oxitrack.commands.breakdown import FIELDS as BREAKDOWN_FIELDS
from oxitrack.commands.breakdown import run_breakdown
from oxitrack.commands.remote import add_daemon_option
from oxitrack.commands.today_remote import run_today_from_daemon
from oxitrack.errors import InvalidField
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import tzinfo
    from typing import Any

    from oxitrack.days import Day
    from oxitrack.reports import DayTotals, ProjectTotal
    from oxitrack.store import Store
    from oxitrack.store.reports import ProjectFilter

# The one clock of these commands; tests replace it.
clock: Callable[[], float] = time.time

# `sessions` lists as many as GET /api/sessions by default; a command line may ask for more than
# the API's 1000 (`export` streams every session).
DEFAULT_SESSION_LIMIT = 50
MAX_SESSION_LIMIT = 100_000

# How long `today` waits for another program that holds the database (a locked file), where
# the other commands wait two minutes: status bars run it every few seconds, and runs waiting
# longer than that piled up. docs/cli.md says so.
TODAY_WAIT_SECONDS = 2.0

# The settings the reports other than `today` read: the database, and `week_start` for --week.
READS_WEEKS = ("db", "week_start")


def register(subparsers: Any, command: str | None = None) -> None:
    """``command``'s parser alone when it is one of these (``oxitrack today`` builds one
    parser, not four: about 1 ms), else every one of them."""
    adders = {
        "today": _add_today,
        "report": _add_report,
        "sessions": _add_sessions,
    }
    for name, add in adders.items():
        if command not in adders or command == name:
            add(subparsers)


def _add_today(subparsers: Any) -> None:
    today = add_command(
        subparsers,
        "today",
        help="time per project today",
        description=(
            "Time per project today (local calendar day), most time first. Read from the\n"
            "database file, or with --daemon asked of the daemon on another machine (one\n"
            "daemon for a desktop and a laptop: docs/config.md)."
        ),
        example="oxitrack today            # or: oxitrack today --project . --json",
    )
    add_report_options(today)
    add_project_option(today)
    add_daemon_option(today)
    # Only the database: status bars poll it, and a bad `week_start` must not blank them.
    today.set_defaults(run=run_today, settings_used=("db",))


def _add_report(subparsers: Any) -> None:
    report = add_command(
        subparsers,
        "report",
        help="time over a range: per project, day, language, category…",
        description=(
            "Time per project (or per day, language, category, editor, branch, machine or\n"
            "operating system) over a range of local calendar days, read from the database\n"
            "file, or with --daemon asked of the daemon on another machine.\n"
            "Default range: this week so far (from Monday, or the day --week-start names).\n"
            "--week, --month and --days end with --to when it is given\n"
            "(--month --to 2025-10-15: October 1st to 15th)."
        ),
        example="oxitrack report --month --by day    # or: --days 30 --project .",
    )
    add_report_options(report)
    add_range_options(report)
    report.add_argument(
        "--by",
        type=_field_as_typed,
        choices=REPORT_FIELDS,
        default="project",
        metavar="FIELD",  # the choices are in the help: all on the usage line pass 80 columns
        help="one row per project (the default) or day; or per language, category, editor,"
        " branch, machine or operating_system, as WakaTime heartbeats and editors' beats name"
        " them (unknown: time that none names)",
    )
    add_daemon_option(report)
    report.set_defaults(run=run_report, settings_used=READS_WEEKS)


REPORT_FIELDS = ("project", "day", *BREAKDOWN_FIELDS)
# Plurals as people say them ("time by languages"; the others end in an s), and the short name
# of the one field too long to type.
_SPOKEN = {"categories": "category", "branches": "branch", "os": "operating_system"}


def _field_as_typed(text: str) -> str:
    """``--by`` as a person types it: ``operating-system`` as every other flag is written, or
    ``os``; ``Language``; ``days``. Anything else is left for ``choices`` to refuse, listing
    them."""
    field = text.strip().lower().replace("-", "_")
    if field in _SPOKEN:
        return _SPOKEN[field]
    if field.endswith("s") and field[:-1] in REPORT_FIELDS:
        return field[:-1]
    return field


def _add_sessions(subparsers: Any) -> None:
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
    add_report_options(sessions)
    add_range_options(sessions, default_week=False)
    sessions.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_SESSION_LIMIT,
        help=f"how many (default {DEFAULT_SESSION_LIMIT}, as GET /api/sessions; up to"
        f" {MAX_SESSION_LIMIT}, where the API stops at 1000)",
    )
    add_daemon_option(sessions)
    sessions.set_defaults(run=run_sessions, settings_used=READS_WEEKS)


# -- commands ----------------------------------------------------------------------------------


def run_today(args: argparse.Namespace) -> int:
    if args.daemon is not None:
        return run_today_from_daemon(args)
    from oxitrack import days
    from oxitrack.reports import daily_totals, today_json
    from oxitrack.store.reports import sessions_between

    zone, now = zone_from(args), clock()
    day = days.day_of(int(now), zone)
    with open_read_only(args, wait_seconds=TODAY_WAIT_SECONDS, elsewhere=ASK_WITH_TODAY) as store:
        project = project_from(store, args)
        rows = store.read(lambda conn: sessions_between(conn, day.start, day.end, project))
        if not rows:
            check_project_exists(store, args, project)
        named = "" if args.json else project_title(store, project)
    [today] = daily_totals(rows, [day], now)
    if not today.total_seconds and project is None:
        note_other_database(args, store.path)
    if args.json:  # what status bars poll: no table code loaded for them
        return print_json(today_json(today, zone))
    from oxitrack.report_text import project_rows, render_table

    title = f"Today, {day.date.strftime('%a %Y-%m-%d')} ({_zone_label(zone)}){named}"
    table = render_table(
        project_rows(today.projects), text_style(), total_seconds=today.total_seconds
    )
    print(title + "\n" + table, end="")
    return 0


def run_report(args: argparse.Namespace) -> int:
    if args.daemon is not None:
        from oxitrack.commands.report_remote import run_report_from_daemon

        return run_report_from_daemon(args, clock())
    if args.by in BREAKDOWN_FIELDS:
        return run_breakdown(args)
    from oxitrack import days
    from oxitrack.report_text import day_rows, project_rows, render_table
    from oxitrack.reports import days_json, range_total_seconds

    zone, now = zone_from(args), clock()
    first, last = days_from(args, zone, now, per_day=True)
    assert first is not None and last is not None
    span = days.days_between(first, last, zone)
    with open_read_only(args) as store:
        project = project_from(store, args)
        per_day, projects = read_range(store, span, project, now)
        if not projects:
            check_project_exists(store, args, project)
        named = "" if args.json else project_title(store, project)
    if not projects and project is None:
        note_other_database(args, store.path)
    if args.json:
        return print_json(days_json(per_day, projects, zone))
    style = text_style()
    table = project_rows(projects) if args.by == "project" else day_rows(per_day, style.encoding)
    total = range_total_seconds(per_day)
    title = range_title(first, last, zone, args.by)
    print(title + named + "\n" + render_table(table, style, total_seconds=total), end="")
    return 0


def read_range(
    store: Store, span: list[Day], project: ProjectFilter, now: float
) -> tuple[list[DayTotals], tuple[ProjectTotal, ...]]:
    """``range_report`` of the sessions of ``project`` over ``span``: each day's totals and the
    range's per project. Streamed in start order and added up in one pass: ten years of a heavy
    user's sessions, held in a list and read twice, took 250 MiB."""
    from oxitrack.reports import range_report
    from oxitrack.store.reports import iter_sessions

    return store.read(
        lambda conn: range_report(
            iter_sessions(conn, span[0].start, span[-1].end, project), span, now
        )
    )


def run_sessions(args: argparse.Namespace) -> int:
    from oxitrack.days import zone_name

    zone = zone_from(args)
    shown_in = zone_name(zone)
    if args.daemon is not None:
        from oxitrack.commands.report_remote import run_sessions_from_daemon

        count_line = functools.partial(_count_line, zone=shown_in)
        return run_sessions_from_daemon(args, zone, clock(), count_line)
    from oxitrack.days import date_bounds
    from oxitrack.report_text import render_list, session_rows
    from oxitrack.reports import sessions_json
    from oxitrack.store.reports import latest_sessions

    if not 1 <= args.limit <= MAX_SESSION_LIMIT:
        raise InvalidField("--limit", f"must be from 1 to {MAX_SESSION_LIMIT}")
    now = clock()
    first, last = days_from(args, zone, now, per_day=False)
    start, end = date_bounds(first, last, zone)
    with open_read_only(args) as store:
        project = project_from(store, args)
        # One more than shown: whether --limit cut the list, or it holds every session.
        found = store.read(lambda conn: latest_sessions(conn, start, end, project, args.limit + 1))
        if not found:
            check_project_exists(store, args, project)
    rows, is_cut = found[: args.limit], len(found) > args.limit
    if args.json:
        return print_json(sessions_json(rows, zone, now, first, last))
    style = text_style()
    table = session_rows(rows, zone, unicode=style.unicode, now=now)
    print(render_list(table, style, _count_line(len(rows), is_cut=is_cut, zone=shown_in)), end="")
    return 0


def _count_line(count: int, *, is_cut: bool, zone: str, where: str = "") -> str:
    """How many sessions are listed (``where``: `` at`` the daemon asked), how to see more
    when ``--limit`` cut the list, and the zone of their times.

    Not a total: sessions of two projects can overlap and are listed whole past the range's
    edges; ``oxitrack report`` gives the time inside a range. The zone, as ``report`` and
    ``today`` name theirs in their title: after a flight, Berlin's evening listed in Tokyo's
    times read as a morning's work."""
    listed = counted(count, "session") + where
    if is_cut:
        listed += f" (the latest {count}; --limit shows more)"
    return f"{listed}, times in {zone}" if count else listed


def _zone_label(zone: tzinfo) -> str:
    from oxitrack.days import zone_name

    return zone_name(zone)
