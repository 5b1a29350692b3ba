"""``oxitrack export``: sessions as CSV or JSON for a spreadsheet, a script or an invoice, from the
database file or, with ``--daemon``, from the daemon on another machine (``export_remote.py``).

Written as they are read (``session_exports.py``): a ten-year export holds no list of its
sessions, except one asked of a daemon, which lists them newest first and is written oldest
first. The clock is ``commands.reports``' (tests replace it there).
"""

from __future__ import annotations

import argparse
import sys

from oxitrack.commands import reports
from oxitrack.commands._options import add_command, add_db_option, settings_from
from oxitrack.commands._output import counted, utf8_stdout
from oxitrack.commands._report_database import open_read_only
from oxitrack.commands._report_flags import (
    add_range_options,
    add_tz_option,
    check_project_exists,
    days_from,
    project_from,
    zone_from,
)
from oxitrack.commands.remote import add_daemon_option
from oxitrack.commands.reports import READS_WEEKS
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date, tzinfo
    from typing import Any, TextIO

    from oxitrack.reports import SessionRow


def register(subparsers: Any, command: str | None = None) -> None:
    export = add_command(
        subparsers,
        "export",
        help="export sessions as CSV or JSON",
        description=(
            "Every session (or those in a range), oldest first, as CSV or JSON, for a\n"
            "spreadsheet or a script. A session crossing the range's edge (a night past\n"
            "midnight) is listed whole: duration_seconds is all of it, and\n"
            "duration_in_range_seconds its time inside the range, which adds up to\n"
            "`oxitrack report`'s total. --daemon URL exports the sessions of the daemon on\n"
            "another machine. OxiTrack cannot read it back (`import` reads WakaTime\n"
            "exports): to keep your history or move it to another machine, use\n"
            "`oxitrack backup`."
        ),
        example="oxitrack export --format csv -o sessions.csv --from 2025-01-01",
    )
    add_db_option(export)
    add_tz_option(export)
    add_range_options(export, default_week=False)
    export.add_argument("--format", choices=["csv", "json"], default="csv", help="default csv")
    export.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of stdout (- is stdout)"
    )
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_daemon_option(export)
    export.set_defaults(run=run_export, settings_used=READS_WEEKS)


def run_export(args: argparse.Namespace) -> int:
    from oxitrack.commands._files import check_target, replacing
    from oxitrack.days import date_bounds
    from oxitrack.store.reports import iter_sessions

    zone, now = zone_from(args), reports.clock()
    first, last = days_from(args, zone, now, per_day=False)
    db = settings_from(args).db
    output = None
    if args.output not in (None, "-"):  # `-o -`: the standard output, as the convention goes
        output = check_target(args.output, db, force=args.force, label="-o: ", stdout_instead=True)
    if args.daemon is not None:
        from oxitrack.commands.export_remote import sessions_from_daemon

        remote_rows, url = sessions_from_daemon(args, zone, first, last)
        if output is None:
            _write_export(args, remote_rows, zone, now, (first, last), utf8_stdout())
            return 0
        with replacing(output, label="-o: ") as out:
            count = _write_export(args, remote_rows, zone, now, (first, last), out)
        span = _span(first, last, zone)
        print(f"wrote {counted(count, 'session')} to {output}{span} from {url}", file=sys.stderr)
        return 0

    start, end = date_bounds(first, last, zone)

    def write(conn: Any, out: TextIO) -> int:
        """Stream the sessions to ``out`` within one read snapshot; the number written."""
        rows = iter_sessions(conn, start, end, project)
        return _write_export(args, rows, zone, now, (first, last), out)

    with open_read_only(args, db) as store:
        project = project_from(store, args)
        check_project_exists(store, args, project)
        if output is None:
            stdout = utf8_stdout()  # CSV and JSON are UTF-8, on stdout as in an -o file
            store.read(lambda conn: write(conn, stdout))
            return 0
        with replacing(output, label="-o: ") as out:
            count = store.read(lambda conn: write(conn, out))
    print(
        f"wrote {counted(count, 'session')} to {output}{_span(first, last, zone)}", file=sys.stderr
    )
    return 0


def _write_export(
    args: argparse.Namespace,
    rows: Iterable[SessionRow],
    zone: tzinfo,
    now: float,
    days: tuple[date | None, date | None],
    out: TextIO,
) -> int:
    """``rows`` written to ``out`` in ``--format``, their time inside ``days`` counted; the
    number written."""
    from oxitrack.days import date_bounds
    from oxitrack.session_exports import write_sessions_csv, write_sessions_json

    bounds = date_bounds(*days, zone)
    if args.format == "csv":
        return write_sessions_csv(rows, zone, out, bounds)
    return write_sessions_json(rows, zone, now, *days, out, bounds)


def _span(first: date | None, last: date | None, zone: tzinfo) -> str:
    """`` (2025-10-01 to 2025-10-31, Europe/Berlin)``: the days an export of a range holds, and
    the zone they were read in, which the file itself does not say (its times carry offsets
    only); nothing for all time."""
    from oxitrack.days import zone_name

    if last is None:
        return ""
    days = f"{first.isoformat()} to {last.isoformat()}" if first else f"up to {last.isoformat()}"
    return f" ({days}, {zone_name(zone)})"
