"""Flags shared by several subcommands, each added by one helper (sqlite-utils' habit)."""

from __future__ import annotations

import argparse
import itertools
import os
import sys

from oxitrack.config import Settings, resolve
from oxitrack.errors import OxitrackError
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, NoReturn


class UsageError(OxitrackError):
    """What the user typed is refused: an argument that names nothing, an output file in the
    way. ``cli.main`` answers it like argparse does a bad flag: one line and exit 2."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser that refuses unknown flags itself.

    argparse hands what a subcommand's parser does not know back to the top-level parser, which
    then prints the top-level usage (``oxitrack report --bogus`` showed ``usage: oxitrack
    [-h] ...``). Refusing them here shows the usage of the (innermost) command that was meant.

    Before a command's action (``projects``, ``service``) argparse takes an unknown flag's value
    for the action: ``projects --port 3000`` said "invalid choice: '3000'". The flag is named.
    """

    _given: tuple[str, ...] = ()  # the words this parser was last given

    def parse_known_args(  # type: ignore[override]
        self, args: Any = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._given = tuple(sys.argv[1:] if args is None else args)
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument ACTION: invalid choice"):
            message = self._unknown_flag_before_action() or message
        super().error(message)

    def _unknown_flag_before_action(self) -> str | None:
        """The first flag given that this parser does not know, with the word after it, which
        argparse then read as the action."""
        for flag, value in itertools.pairwise(self._given):
            if flag == "--":
                return None
            if flag.startswith("-") and not self._knows(flag):
                return f"unrecognized arguments: {flag} {value}"
        return None

    def _knows(self, flag: str) -> bool:
        """``flag`` is one of this parser's: written out, abbreviated, or as ``--flag=value``."""
        name = flag.split("=", 1)[0]
        return any(known.startswith(name) for known in self._option_string_actions)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, sized without ``shutil``: it is built on every start, even without
    ``--help``, and ``shutil`` alone costs ~2 ms of the 40 ms ``oxitrack today`` budget."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    """``$COLUMNS`` when it is a width, else the terminal's, else 80: as ``shutil`` reads them
    (``COLUMNS=0`` or a negative value is no width: help came out one word a line)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    else:
        if columns > 0:
            return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


DB_HELP = (
    "SQLite database file (default: $OXITRACK_DB, else `db` in the config file,"
    " else oxitrack.db in the user data folder)"
)


def add_db_option(
    parser: argparse.ArgumentParser, *, default: Any = None, help: str = DB_HELP
) -> None:
    """``--db``; ``default=argparse.SUPPRESS`` on an action's parser, whose own default would
    otherwise replace the value given before the action (``projects --db X merge``). ``help``
    for a command whose database comes from elsewhere (``service``)."""
    parser.add_argument("--db", metavar="PATH", default=default, help=help)


def add_json_option(parser: argparse.ArgumentParser, *, default: Any = False) -> None:
    parser.add_argument(
        "--json", action="store_true", default=default, help="print JSON for scripts"
    )


# The settings a command reads, as its parser's default (``set_defaults(settings_used=...)``):
# a bad value of any other is a warning line, not a refusal (``config.resolve``). A command
# that does not say reads them all.
SETTINGS_USED = "settings_used"

# Where ``settings_from`` keeps what it resolved on the command's arguments: (flags, settings).
_RESOLVED = "_resolved_settings"


def settings_from(args: argparse.Namespace, *, listening: bool = False) -> Settings:
    """Resolve settings with this command's flags on top (flags > env > file > defaults).

    Only a command that will listen (``serve``) has its address checked: a public ``host`` in the
    config file is no reason for ``oxitrack today`` to refuse to read the database.
    """
    values = {
        name: value
        for name, value in vars(args).items()
        if value is not None and name not in (_RESOLVED, SETTINGS_USED)
    }
    # Resolved once per command (the file read, and a warning about it printed, once) unless
    # the flags changed since, as ``service status`` changes a copy of them.
    resolved = getattr(args, _RESOLVED, None)
    if not listening and resolved is not None and resolved[0] == values:
        settings: Settings = resolved[1]
        return settings
    settings = resolve(
        values,
        checked=listening,
        used=getattr(args, SETTINGS_USED, None),
        command=f"`oxitrack {args.command}`" if getattr(args, "command", None) else "this command",
    )
    setattr(args, _RESOLVED, (values, settings))
    return settings


def add_command(
    subparsers: Any, name: str, *, help: str, description: str, example: str
) -> argparse.ArgumentParser:
    """A subparser whose help ends with an example line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=f"Example:\n  {example}",
        formatter_class=HelpFormatter,
    )
    return parser


def project_reference(value: str) -> str:
    """A project as typed on the command line, in the words the store reads: a folder written
    as one (``.``, ``..``, ``./…``, ``../…``, ``~/…``, ``/…``) becomes its canonical path, so that
    every command taking a project takes ``.``; anything else (an id, a name, even one with a
    ``/`` in it such as ``client/web``, an identity, a Windows path) stays as it is.

    A folder whose name is not UTF-8 is named as an editor names it (``utf8_reading``), the
    only way the store can hold it; ``~someone`` with no such user stays a name.
    """
    from oxitrack.fields import utf8_reading
    from oxitrack.projects import canonical_project_path, is_windows_path

    folder_forms = ("/", "~", "./", "../", ".\\", "..\\")
    is_folder = value in {".", ".."} or value.startswith(folder_forms)
    if not is_folder or is_windows_path(value):
        return utf8_reading(value)
    folder = os.path.expanduser(value)
    if folder.startswith("~"):  # no such user (or no home at all): not a folder after all
        return utf8_reading(value)
    if not folder.startswith("/"):
        folder = os.path.join(_current_folder(), folder)
    return utf8_reading(canonical_project_path(folder))


def _current_folder() -> str:
    """The current folder; where it was deleted (``rm -r`` of the project from another
    terminal), the shell's ``$PWD`` still names it: a folder that no longer exists is still the
    project its beats were recorded for."""
    try:
        return os.getcwd()
    except FileNotFoundError:
        shell_folder = os.environ.get("PWD", "")
        if shell_folder.startswith("/") and not os.path.lexists(shell_folder):
            return shell_folder
        raise UsageError(
            "the current folder no longer exists (deleted or moved): give the project's"
            " path, id or name instead of a relative path, or cd to a folder that exists"
        ) from None
