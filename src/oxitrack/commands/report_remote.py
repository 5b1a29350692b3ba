"""``oxitrack report --daemon URL`` and ``sessions --daemon URL``: a range's report, or the latest
sessions, asked of the daemon on another machine (``commands/remote.py``): the table the file's
command prints, naming the daemon, or with ``--json`` the same JSON, which is what ``GET
/api/days`` (``--by project`` or ``day``), ``GET /api/breakdown`` (any other ``--by``) and ``GET
/api/sessions`` answer, in this machine's zone.
"""

from __future__ import annotations

import argparse

from oxitrack.commands._output import print_json, text_style
from oxitrack.commands._report_flags import days_from, range_title, reference_title, zone_from
from oxitrack.commands.breakdown import FIELDS as BREAKDOWN_FIELDS
from oxitrack.commands.remote import (
    ask,
    check_project_known,
    daemon_asked,
    not_the_daemon,
    project_asked,
    project_in,
    seconds_in,
)
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import tzinfo
    from typing import Any

    from oxitrack.breakdown import BreakdownRow
    from oxitrack.daemon_client import DaemonClient
    from oxitrack.reports import DayTotals, ProjectTotal, SessionRow

# As the daemon's own (``api/reports.py``): a longer range is one of its long reports, which
# take seconds for years of sessions; a shorter one is answered at once by a daemon that is
# there at all. The dashboard gives its reads the same times.
LONG_RANGE_DAYS = 92
LONG_REPORT_TIMEOUT_SECONDS = 60.0
REPORT_TIMEOUT_SECONDS = 15.0


def run_report_from_daemon(args: argparse.Namespace, now: float) -> int:
    from urllib.parse import urlencode

    from oxitrack.days import zone_name
    from oxitrack.report_text import breakdown_rows, day_rows, project_rows, render_table

    client = daemon_asked(args)
    zone = zone_from(args)
    first, last = days_from(args, zone, now, per_day=True)
    assert first is not None and last is not None
    query = {"from": first.isoformat(), "to": last.isoformat(), "tz": zone_name(zone)}
    project = project_asked(args)
    if project is not None:
        query["project"] = project
    long = (last - first).days + 1 > LONG_RANGE_DAYS
    timeout = LONG_REPORT_TIMEOUT_SECONDS if long else REPORT_TIMEOUT_SECONDS
    style = text_style()
    if args.by in BREAKDOWN_FIELDS:
        query_by = urlencode({"by": args.by, **query})
        answer = ask(client, f"/api/breakdown?{query_by}", timeout=timeout)
        rows = _breakdown_rows(answer, client)
        if project is not None and not rows:
            check_project_known(client, args.project, project)
        if args.json:
            return print_json(answer)
        # The range's total as `--by project` gives it (time in two projects at once counted
        # once), as the file's report says it: the rows' sum says more was worked than passed.
        worked = ask(client, f"/api/days?{urlencode(query)}", timeout=timeout)
        total = _days(worked, client)[2]
        table = breakdown_rows(rows)
    else:
        answer = ask(client, f"/api/days?{urlencode(query)}", timeout=timeout)
        per_day, projects, total = _days(answer, client)
        if project is not None and not projects:
            check_project_known(client, args.project, project)
        if args.json:
            return print_json(answer)
        table = (
            project_rows(projects) if args.by == "project" else day_rows(per_day, style.encoding)
        )
    named = "" if project is None else reference_title(project)
    title = f"{range_title(first, last, zone, args.by)}{named} at {client.url}"
    print(f"{title}\n{render_table(table, style, total_seconds=total)}", end="")
    return 0


def _days(answer: Any, client: DaemonClient) -> tuple[list[DayTotals], list[ProjectTotal], int]:
    """A ``GET /api/days`` answer read: each day's totals, the range's per project and its
    total; ``OxitrackError`` for anything else (another program on the port, a proxy's page)."""
    from datetime import date

    from oxitrack.days import Day
    from oxitrack.reports import DayTotals

    try:
        per_day = [
            DayTotals(
                Day(date.fromisoformat(day["date"]), 0, 0),
                tuple(project_in(each) for each in day["projects"]),
                seconds_in(day["total_seconds"]),
            )
            for day in answer["days"]
        ]
        projects = [project_in(each) for each in answer["projects"]]
        return per_day, projects, seconds_in(answer["total_seconds"])
    except (KeyError, TypeError, ValueError):
        raise not_the_daemon(client, "/api/days") from None


def _breakdown_rows(answer: Any, client: DaemonClient) -> list[BreakdownRow]:
    """A ``GET /api/breakdown`` answer's rows; ``OxitrackError`` for anything else."""
    from oxitrack.breakdown import BreakdownRow

    try:
        rows = []
        for row in answer["rows"]:
            name, path = row["name"], row.get("project_path")
            if not (name is None or isinstance(name, str)) or not (
                path is None or isinstance(path, str)
            ):
                raise TypeError
            rows.append(BreakdownRow(name, seconds_in(row["duration_seconds"]), path))
        return rows
    except (AttributeError, KeyError, TypeError, ValueError):
        raise not_the_daemon(client, "/api/breakdown") from None


# What the daemon's `GET /api/sessions` lists at most (`api/reports.py`).
API_SESSION_LIMIT = 1000


def run_sessions_from_daemon(
    args: argparse.Namespace, zone: tzinfo, now: float, count_line: Callable[..., str]
) -> int:
    """``oxitrack sessions --daemon URL``: the latest sessions, as ``GET /api/sessions`` lists
    them in ``zone`` (this machine's, or ``--tz``); ``count_line`` words the count as the
    file's listing does."""
    from urllib.parse import urlencode

    from oxitrack.commands._options import UsageError
    from oxitrack.days import zone_name
    from oxitrack.report_text import render_list, session_rows

    if args.limit > API_SESSION_LIMIT:
        raise UsageError(f"--limit: at most {API_SESSION_LIMIT} with --daemon, as its API lists")
    client = daemon_asked(args)
    first, last = days_from(args, zone, now, per_day=False)
    query: dict[str, object] = {"tz": zone_name(zone)}
    if first is not None:
        query["from"] = first.isoformat()
    if last is not None:
        query["to"] = last.isoformat()
    project = project_asked(args)
    if project is not None:
        query["project"] = project
    # One more than shown, where the daemon lists that many: whether --limit cut the list.
    query["limit"] = min(args.limit + 1, API_SESSION_LIMIT)
    answer = ask(client, f"/api/sessions?{urlencode(query)}", timeout=REPORT_TIMEOUT_SECONDS)
    found = sessions_in(answer, client)
    if project is not None and not found:
        check_project_known(client, args.project, project)
    rows, is_cut = found[: args.limit], len(found) > args.limit
    if args.json:
        return print_json({**answer, "sessions": answer["sessions"][: args.limit]})
    style = text_style()
    table = session_rows(rows, zone, unicode=style.unicode, now=now)
    counted = count_line(len(rows), is_cut=is_cut, where=f" at {client.url}")
    print(render_list(table, style, counted), end="")
    return 0


def sessions_in(answer: Any, client: DaemonClient) -> list[SessionRow]:
    """A ``GET /api/sessions`` answer's sessions, as the store reads them; ``OxitrackError``
    for anything else (another program on the port, a proxy's page)."""
    from oxitrack.reports import SessionRow

    try:
        rows = []
        for found in answer["sessions"]:
            path, latest, name = (found[key] for key in _SESSION_TEXTS)
            if not all(isinstance(text, str) for text in (path, latest, name)):
                raise TypeError
            start, end = seconds_in(found["start_time"]), seconds_in(found["last_heartbeat"])
            session_id = seconds_in(found["session_id"])
            rows.append(SessionRow(session_id, latest, path, start, end, latest, name))
        return rows
    except (KeyError, TypeError, ValueError):
        raise not_the_daemon(client, "/api/sessions") from None


_SESSION_TEXTS = ("project_path", "project_latest_path", "project_name")
