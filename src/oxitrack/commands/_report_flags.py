"""The flags the report commands share: declared once, read into a time zone, a range of local
days and a project.

``today``, ``report``, ``sessions`` and ``export`` take the same ``--tz``, range and
``--project`` flags; only ``report`` defaults to this week. Reading them is cheap at start:
each reader imports ``days``, ``zones`` or ``store.reports`` when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from oxitrack.commands._options import (
    UsageError,
    add_db_option,
    add_json_option,
    project_reference,
    settings_from,
)
from oxitrack.errors import InvalidField
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date, tzinfo
    from typing import Any

    from oxitrack.store import Store
    from oxitrack.store.reports import ProjectFilter


def add_tz_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tz", metavar="ZONE", help="IANA time zone for days (default: this machine's)"
    )


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """``--db``, ``--json`` and ``--tz``: what ``today``, ``report`` and ``sessions`` share."""
    add_db_option(parser)
    add_json_option(parser)
    add_tz_option(parser)


def add_range_options(parser: argparse.ArgumentParser, *, default_week: bool = True) -> None:
    """The same range flags on every command; only the default differs (``report``: this week,
    ``sessions`` and ``export``: all dates)."""
    span = parser.add_mutually_exclusive_group()
    default = " (the default)" if default_week else ""
    span.add_argument(
        "--week", action="store_true", help=f"this week to today, or to --to{default}"
    )
    span.add_argument(
        "--month",
        nargs="?",
        const="",
        metavar="MONTH",
        help="the 1st to today, or to --to; with MONTH (2025-10, or last) that month whole",
    )
    span.add_argument(
        "--days", type=int, metavar="N", help="the N days up to today (or --to), included"
    )
    span.add_argument(
        "--from", dest="first", metavar="DATE", help="first day: YYYY-MM-DD, today or yesterday"
    )
    parser.add_argument(
        "--to",
        dest="last",
        metavar="DATE",
        help="last day, included, written as --from (default today)",
    )
    add_week_start_option(parser)
    add_project_option(parser)


def add_project_option(parser: argparse.ArgumentParser) -> None:
    """``--project``, read by ``project_from``."""
    parser.add_argument(
        "--project",
        metavar="PROJECT",
        help="only this project, as `oxitrack projects` lists it: its id, an identity (git:…,"
        " path:…), its name (the folder's, or one given with `projects rename`), a folder path,"
        " or . for the current folder",
    )


def add_week_start_option(parser: argparse.ArgumentParser) -> None:
    """``--week-start``: the ``week_start`` setting for this command (``serve``: for WakaTime's
    This Week and Last Week)."""
    parser.add_argument(
        "--week-start",
        dest="week_start",
        metavar="DAY",
        help="the day weeks start on, such as sunday (default: Monday, or OXITRACK_WEEK_START"
        " or week_start in the config file)",
    )


def zone_from(args: argparse.Namespace) -> tzinfo:
    """The zone days are cut in: ``--tz``, else this machine's."""
    from oxitrack import zones

    if args.tz is not None:
        return zones.zone_named(args.tz, field="--tz")
    zone = zones.system_zone()
    # The title names the zone used, but a day that silently starts hours off is what a POSIX
    # rule in $TZ (which `date` follows) gets: say so, on stderr, once per command.
    note = zones.ignored_tz_note(os.environ.get("TZ"), zone)
    if note:
        print(f"oxitrack: note: {note}. Give --tz Area/City, or set TZ=Area/City", file=sys.stderr)
    return zone


def days_from(
    args: argparse.Namespace, zone: tzinfo, now: float, *, per_day: bool
) -> tuple[date | None, date | None]:
    """The first and last day asked for; ``None`` ends mean "unbounded" (sessions, export).

    ``--week``, ``--month`` and ``--days`` count back from ``--to`` when it is given, else from
    today. Only per-day reports (``per_day``: a row or a bar per day) cap the range at
    ``MAX_RANGE_DAYS``; a session listing or an export of all time is fine.
    """
    from oxitrack import days

    today = days.local_date(now, zone)
    last = typed_day(args.last, today, field="--to") if args.last else None
    first = typed_day(args.first, today, field="--from") if args.first else None
    end = last or today
    if args.month:
        first, last = named_month(args.month, today, given_last=last)
    elif args.month is not None:
        first, last = days.month_of(end)
    elif args.week or (per_day and first is None and args.days is None):
        first, last = days.week_of(end, settings_from(args).week_start)
    elif args.days is not None:
        if not 1 <= args.days <= days.MAX_RANGE_DAYS:
            raise InvalidField("--days", f"must be from 1 to {days.MAX_RANGE_DAYS}")
        first, last = days.last_days(end, args.days)
    elif first is not None and last is None:
        last = today
    if first is not None and last is not None:
        max_days = days.MAX_RANGE_DAYS if per_day else None
        try:
            days.check_range(first, last, field="--from", max_days=max_days)
        except InvalidField as refused:
            if last < first:
                raise
            raise InvalidField("--from", f"{refused.problem}; {_ALL_TIME}") from None
    return first, last


def named_month(text: str, today: date, *, given_last: date | None) -> tuple[date, date]:
    """``--month MONTH`` (``days.named_month``): a month billed after it ended was ``--month
    --to`` its last day, a date to look up; this month's ends today, as ``--month`` alone."""
    from oxitrack import days

    if given_last is not None:
        raise InvalidField("--to", f"--month {text} says its last day: give one of them")
    return days.named_month(text, today, field="--month")


# What to run instead of a report of decades, which draws a row or a bar per day.
_ALL_TIME = (
    "`oxitrack projects` shows each project's time of all days, and `sessions` and `export`"
    " take any range"
)

# Days a person types by name, counted back from today in the report's zone.
_DAY_WORDS = {"today": 0, "yesterday": 1}


def typed_day(text: str, today: date, *, field: str) -> date:
    """``--from`` or ``--to`` as typed: ``YYYY-MM-DD``, or ``today`` or ``yesterday``
    (``report --from yesterday --to yesterday`` is yesterday's time)."""
    from datetime import timedelta

    from oxitrack import days

    back = _DAY_WORDS.get(text.strip().lower())
    if back is not None:
        return today - timedelta(days=back)
    try:
        return days.parse_date(text, field=field)
    except days.NoSuchDay:
        # Written as asked, but no such day: "write it as 2025-01-31" would not help.
        raise InvalidField(field, f"{text!r} is no day of the calendar") from None
    except days.NotADate:
        raise InvalidField(
            field, f"{text!r} is not a date: write it as 2025-01-31, today or yesterday"
        ) from None


def project_from(store: Store, args: argparse.Namespace) -> ProjectFilter:
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


def project_title(store: Store, project: ProjectFilter) -> str:
    """What a table's title adds for ``--project``: ``, project notes``, or ``, folder …`` for a
    folder no project lists. Without it a report of one project (a weekly one mailed by cron
    for an invoice) read as one of all the work."""
    from oxitrack.fields import printable

    if project is None:
        return ""
    if isinstance(project, str):
        return reference_title(project)
    from oxitrack.errors import ClientError
    from oxitrack.store.projects import get_project

    try:
        found = store.read(lambda conn: get_project(conn, project))
    except ClientError:  # a project with no folder left: its id is all there is to say
        return f", project {project}"
    return f", project {printable(found.name)}"


def range_title(first: date, last: date, zone: tzinfo, by: str) -> str:
    """A range report's title, ``2025-10-01 to 2025-10-31 (Europe/Berlin), by project``: the
    same whether the report is read from the file or asked of a daemon (``--daemon``)."""
    from oxitrack.days import zone_name

    return f"{first.isoformat()} to {last.isoformat()} ({zone_name(zone)}), by {by}"


def reference_title(reference: str) -> str:
    """The title's words for a ``--project`` given as text, which matches folders by their path
    (``, folder /home/you/code/x``) or by its last parts (``, project x``): said as written, so
    a title made without the database (``today --daemon``) reads as the file's own."""
    from oxitrack.fields import printable

    kind = "folder" if reference.startswith("/") else "project"
    return f", {kind} {printable(reference)}"


def check_project_exists(store: Store, args: argparse.Namespace, project: ProjectFilter) -> None:
    """Refuse a ``--project`` that matches no session at all: "nothing tracked" would read as
    "you did no work" when the name is only mistyped. A project found by what names it exists,
    sessions or not."""
    from oxitrack.store.reports import latest_sessions

    if not isinstance(project, str):
        return
    if store.read(lambda conn: latest_sessions(conn, None, None, project, 1)):
        return
    raise no_project_matches(args.project, project, "; `oxitrack projects` lists them")


def no_project_matches(typed: str, reference: str, more: str) -> UsageError:
    """A ``--project`` that matches no session, as typed and, when it was a folder (``.``), as
    the path it stands for; ``more`` says where to look."""
    shown = repr(typed) + (f" ({reference})" if reference != typed else "")
    return UsageError(f"--project: no project matches {shown}{more}")
