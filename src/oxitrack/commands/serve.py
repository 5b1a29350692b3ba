"""``oxitrack serve``: run the daemon."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from oxitrack.commands._options import add_command, add_db_option, settings_from
from oxitrack.commands._report_flags import add_week_start_option
from oxitrack.config import Settings, short_loopback_key_warning


def register(subparsers: Any, command: str | None = None) -> None:
    parser = add_command(
        subparsers,
        "serve",
        help="run the daemon that records beats",
        description=(
            "Run the OxiTrack daemon: HTTP on 127.0.0.1:3000, sessions in a SQLite file.\n"
            "Settings come from flags, then OXITRACK_* variables, then the config file."
        ),
        example="oxitrack serve --port 3001 --db ~/oxitrack-test.db --verbose",
    )
    add_db_option(parser)
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", help="TCP port (default 3000; 0 picks a free one)")
    parser.add_argument(
        "--api-key",
        dest="api_key",
        metavar="KEY",
        help="require this key in `Authorization: Bearer KEY` (visible in `ps`: prefer"
        " OXITRACK_API_KEY or api_key in the config file)",
    )
    parser.add_argument(
        "--allow-hosts",
        dest="allow_hosts",
        metavar="NAMES",
        help="extra Host names to accept, comma-separated (default: loopback names only)",
    )
    parser.add_argument(
        "--allow-origins",
        dest="allow_origins",
        metavar="ORIGINS",
        help="extra Origin values to accept, comma-separated, for clients outside a browser"
        " (no CORS headers are sent: browser pages still cannot use the API)",
    )
    parser.add_argument(
        "--verbose", action="store_true", default=None, help="log every beat to stderr"
    )
    add_week_start_option(parser)
    # Its work is listening: the line it prints is a courtesy, which a launcher that closed its
    # stdout does not want (every other command refuses to run without one).
    parser.set_defaults(run=run, needs_stdout=False)


API_KEY_FLAG_WARNING = (
    "oxitrack: warning: --api-key shows the key to every user of this machine (`ps`);"
    " set OXITRACK_API_KEY or api_key in the config file (chmod 600) instead"
)


def run(args: argparse.Namespace) -> int:
    from oxitrack.daemon import serve  # the web stack loads only for this command

    if args.api_key is not None:
        # Kept working for scripts and quick tries, but a command line is readable by anyone on
        # the machine for as long as the daemon runs.
        print(API_KEY_FLAG_WARNING, file=sys.stderr)
    settings = settings_from(args, listening=True)
    _warn_of_a_short_key(settings)
    _note_ignored_tz()
    serve(settings)
    return 0


def _warn_of_a_short_key(settings: Settings) -> None:
    warning = short_loopback_key_warning(settings)
    if warning:
        print(f"oxitrack: warning: {warning}", file=sys.stderr)


def _note_ignored_tz() -> None:
    """Say once, at start, when ``$TZ`` names no zone: every report the daemon answers without
    ``?tz=`` then counts days in the system's zone, which ``date`` in the same shell does not."""
    from oxitrack import zones

    note = zones.ignored_tz_note(os.environ.get("TZ"), zones.system_zone())
    if note:
        print(
            f"oxitrack: note: {note}. Reports may ask for a zone with ?tz=Area/City; or start"
            " the daemon with TZ=Area/City",
            file=sys.stderr,
        )
