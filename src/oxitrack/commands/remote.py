"""Asking the daemon on another machine (``--daemon URL``) rather than reading a database file.

With one daemon for a desktop and a laptop (docs/config.md), the laptop has no database file of
its own: its report commands said "no database" and pointed at starting a daemon there, which
would have made a second, empty one. Given the desktop's address, they ask that daemon, with
the API key from the config file or ``OXITRACK_API_KEY``, for the days of this machine's zone,
and print what the desktop's own commands print (their titles naming the daemon asked).
"""

from __future__ import annotations

import argparse

from oxitrack.commands._options import SETTINGS_USED, UsageError, settings_from
from oxitrack.errors import ClientError, OxitrackError
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from oxitrack.daemon_client import DaemonClient
    from oxitrack.reports import ProjectTotal


def add_daemon_option(parser: argparse.ArgumentParser) -> None:
    """``--daemon URL``, read by ``daemon_asked``."""
    parser.add_argument(
        "--daemon",
        metavar="URL",
        type=daemon_address,
        help="ask the daemon at URL (http://desktop.lan:3000) instead of reading a database"
        " file, with `api_key` from the config file or OXITRACK_API_KEY",
    )


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


def daemon_asked(args: argparse.Namespace) -> DaemonClient:
    """The client for ``--daemon``: no file is read, so ``--db`` is refused, and of the
    settings the command reads, the key takes the database's place."""
    from oxitrack.daemon_client import DaemonClient

    if args.db is not None:
        raise UsageError("--db reads a database file, --daemon asks a daemon: give one of them")
    used = getattr(args, SETTINGS_USED, None)
    if used is not None:
        setattr(args, SETTINGS_USED, (*(name for name in used if name != "db"), "api_key"))
    return DaemonClient(settings_from(args), args.daemon)


def project_asked(args: argparse.Namespace) -> str | None:
    """``--project`` in the words the daemon reads: ``.`` is this machine's folder, which the
    daemon cannot know, so it is sent as its path, as this machine's editors send it too."""
    from oxitrack.commands._options import project_reference

    if args.project is None:
        return None
    if not args.project.strip():
        raise UsageError("--project: must not be empty")
    return project_reference(args.project)


def ask(client: DaemonClient, target: str, *, timeout: float) -> Any:
    """The daemon's answer to ``GET target``; its refusal of the key as one line of this
    command's own (exit 1), any other refusal in the daemon's words."""
    try:
        return client.request("GET", target, timeout=timeout)
    except ClientError as error:
        if error.status not in (401, 403):
            raise  # a project it does not know (404), a zone it cannot follow: the user's words
        from oxitrack.daemon_client import refusal_words

        raise OxitrackError(
            f"the daemon at {client.url} answers, but {refusal_words(error)}"
        ) from None


def check_project_known(client: DaemonClient, typed: str, project: str) -> None:
    """Refuse a ``--project`` with no session at the daemon, as the commands reading a file
    do: the daemon answers an empty day for it (a status bar's folder not worked in yet),
    which read as "no work" when the name was only mistyped."""
    from urllib.parse import urlencode

    query = urlencode({"project": project, "limit": 1})
    answer = ask(client, f"/api/sessions?{query}", timeout=CHECK_TIMEOUT_SECONDS)
    if isinstance(answer, dict) and answer.get("sessions") == []:
        from oxitrack.commands._report_flags import no_project_matches

        raise no_project_matches(typed, project, f" at the daemon at {client.url}")


def not_the_daemon(client: DaemonClient, route: str) -> OxitrackError:
    """An answer of the wrong shape: another program on the port, a proxy's page."""
    return OxitrackError(f"what answers at {client.url} is no OxiTrack daemon (GET {route})")


# A session looked up by project: answered at once by any daemon that answers at all.
CHECK_TIMEOUT_SECONDS = 5.0


def project_in(found: Any) -> ProjectTotal:
    """A project's totals as the daemon's JSON lists them (``/today``, ``/api/days``), its name
    (given, or its folder's) as given; ``TypeError`` or ``KeyError`` for anything else."""
    from oxitrack.reports import ProjectTotal

    path, name = found["project_path"], found["project_name"]
    if not (isinstance(path, str) and isinstance(name, str)):
        raise TypeError
    seconds, sessions = seconds_in(found["duration_seconds"]), seconds_in(found["session_count"])
    first, last = seconds_in(found["first_beat"]), seconds_in(found["last_beat"])
    is_active = found["is_active"] is True
    return ProjectTotal(path, path, seconds, sessions, first, last, is_active, custom_name=name)


def seconds_in(value: object) -> int:
    """A count of seconds (or a time) as the daemon's JSON gives it; ``TypeError`` else."""
    if type(value) is not int or value < 0:
        raise TypeError
    return value
