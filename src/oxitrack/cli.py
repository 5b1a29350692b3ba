"""The ``oxitrack`` command line: one module per topic in ``oxitrack.commands``, assembled here.

``main(argv)`` returns the exit code, so tests call every command in-process. This is the one place
that maps errors to exit codes (``docs/cli.md`` states the same rule):

* 0: done;
* 1: the database or the daemon cannot be used (``StoreError``, a daemon that is down or refuses
  the API key, any other ``OxitrackError``), the output cannot be written (a full disk, a closed
  stdout), or ``check`` found problems;
* 2: what the user typed is refused: an unknown flag or a bad value (argparse), settings that
  cannot work (``ConfigError``), an argument that names nothing or something wrong
  (``UsageError``; a ``ClientError`` the store or the daemon answers 400, 404 or 422 for);
* 130: interrupted (Ctrl-C), and 141: the output's reader left (``| head``), silently, as
  shells report those signals.

Only argparse and the stdlib load at start: ``serve`` imports the web stack inside its own
function so that ``oxitrack today`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
from collections.abc import Iterator, Sequence

from oxitrack import __version__
from oxitrack.commands import command_modules
from oxitrack.commands._options import CommandParser, HelpFormatter, UsageError
from oxitrack.commands._output import buffer_stdout, keep_errors_off_stdout, prepare_for_text
from oxitrack.errors import ClientError, ConfigError, OxitrackError, before_first_warning

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shells report a writer whose reader left
# A request refused for what it says (a bad field, a project that does not exist), not for who
# sent it (401, 403) nor because the daemon failed (5xx).
_USAGE_STATUSES = frozenset({400, 404, 422})


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for ``command`` alone when it is known (fast), else for every command."""
    parser = CommandParser(
        prog="oxitrack",
        description="OxiTrack: a local-first coding time tracker.",
        epilog="Example: oxitrack serve    (then point your editor at http://127.0.0.1:3000)",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"oxitrack {__version__}")
    # An explicit prog spares argparse from building a help formatter (and importing shutil).
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", prog="oxitrack")
    for module in command_modules(command):
        module.register(subparsers, command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Ctrl-C and a reader that left can come at any moment, while the parser is built (its
    # modules load) as while a command runs: one answer for both, never a traceback.
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except RuntimeError as exc:
        # Ctrl-C while a module loads can surface as the RuntimeError of a class being built
        # (``Error calling __set_name__``), with the KeyboardInterrupt as its cause.
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            return EXIT_INTERRUPTED
        raise
    except BrokenPipeError:
        # `oxitrack export | head -1`: the reader left before the end. Silent, as `cat` is, but
        # not a success: `export | ssh host 'cat > x'` with ssh gone delivered nothing, and a
        # script with `set -o pipefail` must see it. Shells report a SIGPIPE death this way.
        _drop_unwritten_output()
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    # Before parsing: `--help` writes too, and help texts have characters such as "…"; a
    # refused flag writes its usage to stderr.
    keep_errors_off_stdout()
    buffer_stdout()
    prepare_for_text()
    arguments = sys.argv[1:] if argv is None else list(argv)
    command = next((arg for arg in arguments if not arg.startswith("-")), None)
    if command is not None and arguments[0] != command:
        # A flag before the command is the top level's (`oxitrack -h today`): its help lists
        # every command.
        command = None
    parser = build_parser(command)
    try:
        args = parser.parse_args(arguments)
    except SystemExit as stop:
        # `--help`, `--version`: the text argparse printed is written while its errors are
        # still handled here (it was written at Python's exit, and a failure exited 120).
        if stop.code == 0 and _written_out(EXIT_OK) != EXIT_OK:
            return EXIT_FAILURE
        raise
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if sys.stdout is None and getattr(args, "needs_stdout", True):
        # Python gives no stdout to a process started with its fd 1 closed (`oxitrack today
        # >&-`, some launchers): refuse before doing anything, rather than a traceback or a
        # silent exit 0 with nothing shown.
        print("oxitrack: the standard output is closed; nothing was done", file=sys.stderr)
        return EXIT_FAILURE
    stopping: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if args.command != "serve":  # the daemon logs in its own format and stops on its own terms
        _say_warnings_in_one_line()
        stopping = _stopping_like_ctrl_c()
    try:
        with stopping:
            code: int = args.run(args)
            _write_out_now()
        return code
    except OxitrackError as exc:
        print(f"oxitrack: {exc}", file=sys.stderr)
        return EXIT_USAGE if _is_usage_error(exc) else EXIT_FAILURE
    except BrokenPipeError:
        raise  # main's: an OSError, but not one to print
    except OSError as exc:
        # The database's errors are StoreErrors by now: what is left is the system's, most
        # often the output that cannot be written (`> /dev/full`).
        if _said_output_failed(exc):
            return EXIT_FAILURE
        if exc.filename is None and _current_folder_is_gone():
            # os.getcwd() under a relative path: "No such file or directory" named nothing.
            print(
                "oxitrack: the current folder no longer exists (deleted or moved);"
                " cd to a folder that exists, or give absolute paths",
                file=sys.stderr,
            )
        else:
            where = f": {exc.filename}" if exc.filename else ""
            print(f"oxitrack: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_FAILURE


def _written_out(code: int) -> int:
    """``code`` once what was printed is written; ``EXIT_FAILURE`` and one line when it cannot
    be (a full disk); a reader that left is ``main``'s, as for any command."""
    try:
        _write_out_now()
    except BrokenPipeError:
        raise
    except OSError as exc:
        if not _said_output_failed(exc):
            raise
        return EXIT_FAILURE
    return code


def _said_output_failed(exc: OSError) -> bool:
    """Whether ``exc`` is the output that cannot be written (``> /dev/full``), said in one line
    and what was not written dropped (Python would try again at exit)."""
    if exc.errno not in _OUTPUT_ERRNOS:
        return False
    print(f"oxitrack: cannot write the output: {exc.strerror}", file=sys.stderr)
    _drop_unwritten_output()
    return True


def _write_out_now() -> None:
    """Write what the command printed while its errors are still handled here.

    Python's buffer holds a short output (``today``, ``projects``) until the process exits,
    and a write failing then (a reader that left, ``oxitrack today | true``; a full disk)
    printed "Exception ignored ... BrokenPipeError" and exited 120, not 141 or 1. Under
    ``PYTHONUNBUFFERED`` every print is written at once, which hid it."""
    if sys.stdout is not None:
        sys.stdout.flush()


# What stops a command besides Ctrl-C: `kill`, `timeout`, systemd stopping a timer's job
# (SIGTERM), and the terminal or ssh connection closing (SIGHUP).
_STOP_SIGNALS = ("SIGTERM", "SIGHUP")


@contextlib.contextmanager
def _stopping_like_ctrl_c() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise ``KeyboardInterrupt`` as Ctrl-C does, so that
    what a command does on Ctrl-C (remove its partial file, its private copy of the database)
    runs for them too, and it exits 130 as for Ctrl-C.

    Left to their default, they ended the process on the spot: a backup, an export, a check or
    a report of a file read from a private copy, stopped by `timeout` or a closed terminal,
    left a partial file or a copy as big as the database. A signal ignored when the block
    starts (``nohup``) stays ignored."""
    import signal
    import threading

    taken: list[signal.Signals] = []
    if threading.current_thread() is threading.main_thread():  # handlers can be set only there
        for name in _STOP_SIGNALS:
            stop_signal = getattr(signal, name, None)
            if stop_signal is not None and signal.getsignal(stop_signal) is signal.SIG_DFL:
                signal.signal(stop_signal, _raise_interrupt)
                taken.append(stop_signal)
    try:
        yield
    finally:
        for stop_signal in taken:
            signal.signal(stop_signal, signal.SIG_DFL)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _say_warnings_in_one_line() -> None:
    """Warnings a command logs (the store's "waiting up to 120 s" for a locked file) on
    stderr as its errors are: one line starting ``oxitrack:``. Without a handler, Python wrote
    the bare message, which reads as another program's.

    Only where nothing else handles logging: a process that configured it (the daemon, a test
    runner) keeps its own lines, without a second copy. The handler is added when the first
    warning is said (``errors.warn``): a command with nothing to say never loads ``logging``."""
    if "logging" in sys.modules:
        _add_one_line_handler()
    elif _add_one_line_handler not in before_first_warning:
        before_first_warning.append(_add_one_line_handler)


def _add_one_line_handler() -> None:
    import logging

    class OneLine(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if logging.getLogger().handlers:
                return
            try:
                print(f"oxitrack: {record.getMessage()}", file=sys.stderr)
            except Exception:
                self.handleError(record)

    logger = logging.getLogger("oxitrack")
    if not any(handler.get_name() == _ONE_LINE for handler in logger.handlers):
        handler = OneLine(logging.WARNING)
        handler.set_name(_ONE_LINE)
        logger.addHandler(handler)


_ONE_LINE = "oxitrack: one line"  # the handler's name: added once to a process


_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _drop_unwritten_output() -> None:
    """Point stdout at nothing, so that flushing it at exit does not fail a second time with a
    traceback of its own."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a test's capture): nothing to flush
        pass


def _current_folder_is_gone() -> bool:
    import os

    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def _is_usage_error(exc: OxitrackError) -> bool:
    if isinstance(exc, ClientError):
        return exc.status in _USAGE_STATUSES
    return isinstance(exc, ConfigError | UsageError)
