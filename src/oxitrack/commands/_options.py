"""Flags shared by several subcommands, each added by one helper (sqlite-utils' habit)."""

from __future__ import annotations

import argparse
from typing import Any

from oxitrack.config import resolve


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="SQLite database file (default: $OXITRACK_DB or the user data folder)",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def settings_from(args: argparse.Namespace) -> Any:
    """Resolve settings with this command's flags on top (flags > env > file > defaults)."""
    return resolve({name: value for name, value in vars(args).items() if value is not None})


def add_command(
    subparsers: Any, name: str, *, help: str, description: str, example: str
) -> argparse.ArgumentParser:
    """A subparser whose help ends with an example line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=f"Example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser
