"""``oxitrack export --daemon URL``: every session of a range, asked of the daemon on another
machine (``commands/remote.py``), written as the file's export writes them: the same CSV and
JSON, oldest first, ``duration_in_range_seconds`` included, so an invoice made on the laptop
adds up to ``oxitrack report`` on the desktop.

The daemon's ``GET /api/sessions`` lists at most 1000 sessions, newest first, so the range is
asked in pages, each ending on the day where the one before reached (asked again whole: a
session listed twice is kept once). The sessions are held until written, oldest first: about
200 bytes each, some 60 MiB for ten years of a heavy user's.
"""

from __future__ import annotations

import argparse
from datetime import date, tzinfo

from oxitrack.commands.remote import ask, check_project_known, daemon_asked, project_asked
from oxitrack.commands.report_remote import (
    API_SESSION_LIMIT,
    REPORT_TIMEOUT_SECONDS,
    sessions_in,
)
from oxitrack.days import local_date
from oxitrack.errors import OxitrackError
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from oxitrack.daemon_client import DaemonClient
    from oxitrack.reports import SessionRow


def sessions_from_daemon(
    args: argparse.Namespace, zone: tzinfo, first: date | None, last: date | None
) -> tuple[list[SessionRow], str]:
    """Every session with time between ``first`` and ``last`` (``None``: open) at the daemon
    ``--daemon`` names, read in ``zone``, oldest first; and that daemon's address."""
    client = daemon_asked(args)
    project = project_asked(args)
    found: dict[int, SessionRow] = {}
    until = last
    while True:
        page = _page(client, zone, first, until, project)
        for row in page:
            found.setdefault(row.session_id, row)
        if len(page) < API_SESSION_LIMIT:
            break
        # The page was cut: the next one ends on the day the oldest listed started, asked
        # again whole. A day of more sessions than a page (never seen) would be asked forever.
        reached = local_date(min(row.start_time for row in page), zone)
        if until is not None and reached >= until:
            raise OxitrackError(
                f"the daemon at {client.url} lists more than {API_SESSION_LIMIT} sessions"
                f" with time on {reached.isoformat()}: export that day on its machine"
            )
        until = reached
    if project is not None and not found:
        check_project_known(client, args.project, project)
    return sorted(found.values(), key=lambda row: (row.start_time, row.session_id)), client.url


def _page(
    client: DaemonClient, zone: tzinfo, first: date | None, last: date | None, project: str | None
) -> list[SessionRow]:
    """The newest sessions (up to a page) with time from ``first`` to ``last``."""
    from urllib.parse import urlencode

    from oxitrack.days import zone_name

    query: dict[str, object] = {"tz": zone_name(zone), "limit": API_SESSION_LIMIT}
    if first is not None:
        query["from"] = first.isoformat()
    if last is not None:
        query["to"] = last.isoformat()
    if project is not None:
        query["project"] = project
    answer = ask(client, f"/api/sessions?{urlencode(query)}", timeout=REPORT_TIMEOUT_SECONDS)
    return sessions_in(answer, client)
