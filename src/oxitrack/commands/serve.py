"""``oxitrack serve``: run the daemon."""

from __future__ import annotations

import argparse
from typing import Any

from oxitrack.commands._options import add_command, add_db_option, settings_from


def register(subparsers: Any) -> None:
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
        help="require this key in `Authorization: Bearer KEY`",
    )
    parser.add_argument(
        "--allow-hosts", dest="allow_hosts", help="extra Host names to accept, comma-separated"
    )
    parser.add_argument(
        "--allow-origins", dest="allow_origins", help="extra web origins to accept, comma-separated"
    )
    parser.add_argument("--verbose", action="store_true", default=None, help="log every beat")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from oxitrack.daemon import serve  # the web stack loads only for this command

    serve(settings_from(args, listening=True))
    return 0
