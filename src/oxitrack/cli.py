"""The ``oxitrack`` command line: one module per topic in ``oxitrack.commands``, assembled here.

``main(argv)`` returns the exit code, so tests call every command in-process. This is the one place
that maps errors to exit codes. Only argparse and the stdlib load at start: ``serve`` imports the
web stack inside its own function so that ``oxitrack today`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oxitrack import __version__
from oxitrack.commands import COMMAND_MODULES
from oxitrack.commands._options import HelpFormatter
from oxitrack.errors import ConfigError, OxitrackError, StoreError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oxitrack",
        description="OxiTrack: a local-first coding time tracker.",
        epilog="Example: oxitrack serve    (then point your editor plugin at http://127.0.0.1:3000)",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"oxitrack {__version__}")
    # An explicit prog spares argparse from building a help formatter (and importing shutil).
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", prog="oxitrack")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args)
        return code
    except ConfigError as exc:
        print(f"oxitrack: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (StoreError, OxitrackError) as exc:
        print(f"oxitrack: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `oxitrack report | head`: the reader left; that is not an error.
        sys.stderr.close()
        return EXIT_OK
