"""``oxitrack today --daemon URL``: today's totals asked of the daemon on another machine.

With one daemon for a desktop and a laptop (docs/config.md), the laptop has no database file of
its own: its ``oxitrack today`` said "no database" and pointed at starting a daemon there, which
would have made a second, empty one. Given the desktop's address, it asks that daemon
(``GET /today``, with the API key from the config file or ``OXITRACK_API_KEY``) for the day in
the laptop's zone, and prints the table the desktop's own ``oxitrack today`` prints (its title
naming the daemon asked), or with ``--json`` the same JSON.
"""

from __future__ import annotations

import argparse

from oxitrack.commands._options import SETTINGS_USED, UsageError, settings_from
from oxitrack.commands._output import print_json, text_style
from oxitrack.commands._report_flags import reference_title, zone_from
from oxitrack.errors import ClientError, OxitrackError
from oxitrack.records import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from datetime import date
    from typing import Any

    from oxitrack.daemon_client import DaemonClient
    from oxitrack.report_text import TableRow

# A status bar polls `today`: an answer slower than this is a daemon to report as not answering.
TODAY_TIMEOUT_SECONDS = 5.0


def daemon_address(text: str) -> str:
    """``--daemon``'s value as a base URL: ``http://desktop.lan:3000`` (``https://`` for a TLS
    proxy in front), or ``desktop.lan:3000`` for short. A path, a query or a user name cannot
    be the daemon's address (its routes hang off ``/``); an address without a port would be
    port 80, which no daemon uses by default, so one is required."""
    import urllib.parse

    written = text.strip()
    if "://" not in written:
        written = f"http://{written}"
    try:
        parts = urllib.parse.urlsplit(written)
        port = parts.port
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not an address: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a daemon's address such as http://desktop.lan:3000"
        )
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username is not None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has more than an address: give it alone, such as"
            f" {parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        )
    if port is None and parts.scheme == "http":
        raise argparse.ArgumentTypeError(
            f"{text!r} names no port: give the daemon's, such as {written.rstrip('/')}:3000"
        )
    return f"{parts.scheme}://{parts.netloc}"


def run_today_from_daemon(args: argparse.Namespace) -> int:
    from urllib.parse import urlencode

    from oxitrack.daemon_client import DaemonClient
    from oxitrack.days import zone_name

    if args.db is not None:
        raise UsageError("--db reads a database file, --daemon asks a daemon: give one of them")
    setattr(args, SETTINGS_USED, ("api_key",))  # no file is read; the key is sent
    settings = settings_from(args)
    zone = zone_from(args)
    query = {"tz": zone_name(zone)}
    # `.` is this machine's folder, which the daemon cannot know: sent as its path, which is
    # what this machine's editors send the daemon too.
    project = None if args.project is None else _project_reference(args.project)
    if project is not None:
        query["project"] = project
    client = DaemonClient(settings, args.daemon)
    answer = _ask(client, f"/today?{urlencode(query)}")
    today = _read_today(answer, client.url)
    if project is not None and not today.rows:
        _check_project_known(client, args.project, project)
    if args.json:
        return print_json(answer)
    from oxitrack.fields import printable
    from oxitrack.report_text import render_table

    named = "" if project is None else reference_title(project)
    title = f"Today, {today.day.strftime('%a %Y-%m-%d')} ({printable(today.timezone)}){named}"
    table = render_table(today.rows, text_style(), total_seconds=today.total_seconds)
    print(f"{title} at {client.url}\n{table}", end="")
    return 0


def _project_reference(value: str) -> str:
    from oxitrack.commands._options import project_reference

    if not value.strip():
        raise UsageError("--project: must not be empty")
    return project_reference(value)


def _ask(client: DaemonClient, target: str) -> Any:
    """The daemon's answer to ``GET target``; its refusal of the key as one line of this
    command's own (exit 1), any other refusal in the daemon's words."""
    try:
        return client.request("GET", target, timeout=TODAY_TIMEOUT_SECONDS)
    except ClientError as error:
        if error.status not in (401, 403):
            raise  # a project it does not know (404), a zone it cannot follow: the user's words
        from oxitrack.daemon_client import refusal_words

        raise OxitrackError(
            f"the daemon at {client.url} answers, but {refusal_words(error)}"
        ) from None


def _check_project_known(client: DaemonClient, typed: str, project: str) -> None:
    """Refuse a ``--project`` with no session at the daemon, as the file's ``today`` does:
    the daemon answers an empty day for it (a status bar's folder not worked in yet), which
    read as "no work today" when the name was only mistyped."""
    from urllib.parse import urlencode

    query = urlencode({"project": project, "limit": 1})
    answer = _ask(client, f"/api/sessions?{query}")
    if isinstance(answer, dict) and answer.get("sessions") == []:
        shown = repr(typed) + (f" ({project})" if project != typed else "")
        raise UsageError(f"--project: no project matches {shown} at the daemon at {client.url}")


class RemoteToday(Record):
    """A ``GET /today`` answer read: the table the file's ``today`` would print, and its day."""

    day: date
    timezone: str
    total_seconds: int
    rows: list[TableRow]


def _read_today(answer: Any, url: str) -> RemoteToday:
    """A ``GET /today`` answer read once, for the table and, under ``--json``, to print only an
    answer that is one; ``OxitrackError`` for anything else (another program on the port, a
    proxy's page), which the command cannot show."""
    from datetime import date

    from oxitrack.report_text import TableRow

    try:
        day = date.fromisoformat(answer["date"])
        timezone, total_seconds = answer["timezone"], answer["total_seconds"]
        if not isinstance(timezone, str) or not _is_seconds(total_seconds):
            raise TypeError
        rows = []
        for project in answer["projects"]:
            seconds, name, path = (project[key] for key in _PROJECT_FIELDS)
            if not (_is_seconds(seconds) and isinstance(name, str) and isinstance(path, str)):
                raise TypeError
            rows.append(TableRow(seconds, name, path, is_active=project["is_active"] is True))
    except (KeyError, TypeError, ValueError):
        raise OxitrackError(f"what answers at {url} is no OxiTrack daemon (GET /today)") from None
    return RemoteToday(day, timezone, total_seconds, rows)


_PROJECT_FIELDS = ("duration_seconds", "project_name", "project_path")


def _is_seconds(value: object) -> bool:
    return type(value) is int and value >= 0
