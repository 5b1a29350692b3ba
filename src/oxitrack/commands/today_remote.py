"""``oxitrack today --daemon URL``: today's totals asked of the daemon on another machine
(``commands/remote.py``): the table the file's ``today`` prints, its title naming the daemon,
or with ``--json`` the same JSON (``GET /today``, in this machine's zone).
"""

from __future__ import annotations

import argparse

from oxitrack.commands._output import print_json, text_style
from oxitrack.commands._report_flags import reference_title, zone_from
from oxitrack.commands.remote import (
    ask,
    check_project_known,
    daemon_asked,
    not_the_daemon,
    project_asked,
    project_in,
    seconds_in,
)
from oxitrack.records import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from datetime import date
    from typing import Any

    from oxitrack.daemon_client import DaemonClient
    from oxitrack.report_text import TableRow

# A status bar polls `today`: an answer slower than this is a daemon to report as not answering.
TODAY_TIMEOUT_SECONDS = 5.0


def run_today_from_daemon(args: argparse.Namespace) -> int:
    from urllib.parse import urlencode

    from oxitrack.days import zone_name

    client = daemon_asked(args)
    zone = zone_from(args)
    query = {"tz": zone_name(zone)}
    project = project_asked(args)
    if project is not None:
        query["project"] = project
    answer = ask(client, f"/today?{urlencode(query)}", timeout=TODAY_TIMEOUT_SECONDS)
    today = _read_today(answer, client)
    if project is not None and not today.rows:
        check_project_known(client, args.project, project)
    if args.json:
        return print_json(answer)
    from oxitrack.fields import printable
    from oxitrack.report_text import render_table

    named = "" if project is None else reference_title(project)
    title = f"Today, {today.day.strftime('%a %Y-%m-%d')} ({printable(today.timezone)}){named}"
    table = render_table(today.rows, text_style(), total_seconds=today.total_seconds)
    print(f"{title} at {client.url}\n{table}", end="")
    return 0


class RemoteToday(Record):
    """A ``GET /today`` answer read: the table the file's ``today`` would print, and its day."""

    day: date
    timezone: str
    total_seconds: int
    rows: list[TableRow]


def _read_today(answer: Any, client: DaemonClient) -> RemoteToday:
    """A ``GET /today`` answer read once, for the table and, under ``--json``, to print only an
    answer that is one; ``OxitrackError`` for anything else (another program on the port, a
    proxy's page), which the command cannot show."""
    from datetime import date

    from oxitrack.report_text import project_rows

    try:
        day = date.fromisoformat(answer["date"])
        timezone, total_seconds = answer["timezone"], seconds_in(answer["total_seconds"])
        if not isinstance(timezone, str):
            raise TypeError
        rows = project_rows(project_in(project) for project in answer["projects"])
    except (KeyError, TypeError, ValueError):
        raise not_the_daemon(client, "/today") from None
    return RemoteToday(day, timezone, total_seconds, rows)
