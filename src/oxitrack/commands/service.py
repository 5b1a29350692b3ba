"""``oxitrack service install | uninstall | status``: the daemon as a login service."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oxitrack.commands._options import add_command, add_db_option, add_json_option
from oxitrack.errors import ConfigError, OxitrackError

if TYPE_CHECKING:  # imported where used, so that building the parser stays cheap
    from collections.abc import Mapping

    from oxitrack.service import Outcome, ServiceFile

EXIT_NOT_RUNNING = 3  # as `systemctl status` and LSB init scripts say "not running"
EXIT_REFUSED = 1  # a daemon answers but refuses us (API key): running, status unknown


def register(subparsers: Any, command: str | None = None) -> None:
    parser = add_command(
        subparsers,
        "service",
        help="start the daemon at login (systemd, launchd); show its status",
        description=(
            "Install OxiTrack as a login service (a systemd user unit on Linux, a launchd\n"
            "agent on macOS), remove it, or show whether the daemon answers and what it has\n"
            "stored."
        ),
        example="oxitrack service install --db ~/tracking/oxitrack.db",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = add_command(
        actions,
        "install",
        help="write the service file and start the daemon now and at every login",
        description=(
            "Write the service file running this installation's `oxitrack serve` with the\n"
            "options given here, then enable and start it. Other settings (api_key, ...)\n"
            "come from the config file, which the service reads like any `oxitrack serve`;\n"
            "the OXITRACK_* variables of this shell are not passed on to it."
        ),
        example="oxitrack service install --port 3001",
    )
    # The service reads the config file but not this shell's OXITRACK_* variables: the
    # defaults are the config file's, then the built-in ones.
    add_db_option(
        install,
        help="SQLite database file the daemon records into (default: `db` in the config"
        " file, else oxitrack.db in the user data folder; $OXITRACK_DB is not passed on)",
    )
    install.add_argument(
        "--host", help="address to listen on (default: `host` in the config file, else 127.0.0.1)"
    )
    install.add_argument("--port", help="TCP port (default: `port` in the config file, else 3000)")
    install.add_argument(
        "--verbose", action="store_true", help="log every beat to the service's log"
    )
    install.add_argument(
        "--print", action="store_true", help="only print the service file; change nothing"
    )
    install.set_defaults(run=run_install)
    uninstall = add_command(
        actions,
        "uninstall",
        help="stop the service and remove its file",
        description="Stop and disable the login service and remove its file. Keeps the data.",
        example="oxitrack service uninstall",
    )
    uninstall.set_defaults(run=run_uninstall)
    status = add_command(
        actions,
        "status",
        help="does the daemon answer; where is its database; what it holds",
        description=(
            "Say whether the service is installed, whether the daemon answers (GET /health),\n"
            "where its database is, how many sessions, projects and beats it holds and when\n"
            "the last beat came. It looks where the installed service runs (its --db,\n"
            f"--host, --port) unless told otherwise here. Exits {EXIT_NOT_RUNNING} when no daemon\n"
            f"answers, {EXIT_REFUSED} when one answers but refuses (no or a wrong API key)."
        ),
        example="oxitrack service status --json",
    )
    add_db_option(
        status,
        help="SQLite database file to count when no daemon answers (default: the installed"
        " service's --db, else as for every command: $OXITRACK_DB, `db` in the config file,"
        " oxitrack.db in the user data folder)",
    )
    status.add_argument(
        "--host",
        help="address the daemon listens on (default: the installed service's --host, else"
        " $OXITRACK_HOST, `host` in the config file, 127.0.0.1)",
    )
    status.add_argument(
        "--port",
        help="TCP port the daemon listens on (default: the installed service's --port, else"
        " $OXITRACK_PORT, `port` in the config file, 3000)",
    )
    add_json_option(status)
    status.set_defaults(run=_run_status)


def _run_status(args: argparse.Namespace) -> int:
    from oxitrack.commands.service_status import run_status

    return run_status(args)


def service_file_here(command: list[str]) -> ServiceFile:
    """The service file for this machine, its user and folders, running ``command``."""
    from oxitrack import service as _service
    from oxitrack.fields import printable, utf8_reading
    from oxitrack.user_folders import home, xdg_base

    for arg in command:
        if utf8_reading(arg) != arg:
            # systemd units and launchd plists are UTF-8 text: bytes that are not cannot be said.
            raise OxitrackError(
                f"cannot write a service file naming {printable(utf8_reading(arg))}: a service"
                " file is UTF-8 text, and this name is not; use a folder whose name is"
            )
    return _service.service_file(
        sys.platform,
        command,
        home=Path(home()),
        config_home=Path(xdg_base("config")),  # where systemd looks for user units
        uid=os.getuid(),
    )


def find_program(name: str) -> str | None:
    import shutil

    return shutil.which(name)


# What `install` passes on to `serve` as options; other settings reach the service only through
# the config file.
_INSTALL_OPTIONS = ("db", "host", "port", "verbose")


def run_install(args: argparse.Namespace) -> int:
    from oxitrack import service as _service
    from oxitrack.config import check, resolve
    from oxitrack.user_folders import default_config_path

    # Refuse now what `serve` would refuse at every login (a bad port, a public address without
    # an API key): systemd reports the start as a success and the daemon exits 2 right after.
    # The service sees these flags and the config file, not this shell's OXITRACK_* variables.
    flags = {"db": args.db, "host": args.host, "port": args.port}
    settings = resolve(flags, environ={}, checked=False)
    if not settings.is_loopback and not settings.api_key:
        raise ConfigError(
            f"refusing to install a daemon listening on {settings.host} without an API key:"
            f' put `api_key = "..."` in the config file {default_config_path()}, which the'
            " service reads, or leave --host at 127.0.0.1"
        )
    check(settings)
    command = [*_service.oxitrack_command(), "serve"]
    pinned = None if args.db else _pinned_data_home_db(settings.db)
    if args.db or pinned:
        command += ["--db", pinned or str(Path(args.db).expanduser().absolute())]
    for flag in ("host", "port"):
        if getattr(args, flag):
            command += [f"--{flag}", str(getattr(args, flag))]
    if args.verbose:
        command.append("--verbose")
    try:
        service = service_file_here(command)
    except _service.UnsupportedPlatform as exc:
        raise OxitrackError(str(exc)) from None
    if args.print:
        from oxitrack.commands._output import utf8_stdout

        utf8_stdout().write(service.content.decode("utf-8"))  # the file's bytes, as written
        ok = True
    else:
        ok = _report(_service.install(service, run=_service.run_command, which=find_program))
    for note in _unseen_variables(args, os.environ, default_config_path()):
        print(note, file=sys.stderr)
    if pinned:
        print(_pinned_note(pinned), file=sys.stderr)
    elsewhere = args.db and _reports_read_elsewhere(args.db, resolve({}, checked=False).db)
    if elsewhere:
        print(elsewhere, file=sys.stderr)
    return 0 if ok else 1


def _pinned_data_home_db(service_db: str) -> str | None:
    """The database to give the service as ``--db`` when this shell's ``XDG_DATA_HOME`` alone
    decides it, else ``None``.

    systemd's user manager reads no shell profile: a service started by it would use the
    default ``~/.local/share`` instead, a new empty database beside the months recorded by an
    ``oxitrack serve`` started from this shell, which the reports go on reading."""
    from oxitrack.user_folders import default_db_path

    if "OXITRACK_DB" in os.environ or service_db != default_db_path():
        return None  # a note says OXITRACK_DB is not seen; a config file's `db` is read
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None  # not the XDG rule (macOS, Windows: the platform's own folders)
    return None if service_db == _db_without_data_home() else service_db


def _db_without_data_home() -> str:
    from oxitrack.user_folders import APP_NAME, home

    return os.path.join(home(), ".local", "share", APP_NAME, "oxitrack.db")


def _pinned_note(db: str) -> str:
    return (
        f"Note: the service is given --db {db}, the database this shell's XDG_DATA_HOME names:"
        " systemd's user manager reads no shell profile, and without it the service would"
        f" record into {_db_without_data_home()}."
    )


def _reports_read_elsewhere(service_db: str, reports_db: str) -> str | None:
    """A note when the reports (which are not told about the service's ``--db``) would read
    another file than the service writes: they would show old or no data, silently."""
    from oxitrack.user_folders import default_config_path

    wanted = os.path.abspath(os.path.expanduser(service_db))
    if os.path.realpath(wanted) == os.path.realpath(os.path.expanduser(reports_db)):
        return None
    import json

    # A line to copy as it is: a path with `"` or `\` in it, written between bare quotes, was
    # a config file every command then refused. A JSON string is a TOML basic string.
    line = f"db = {json.dumps(wanted, ensure_ascii=False)}"
    return (
        f"Note: `oxitrack today` and the other reports read {reports_db}, not {wanted};"
        f" set `{line}` in {default_config_path()} so that they read what the service"
        " writes."
    )


def _unseen_variables(
    args: argparse.Namespace, environ: Mapping[str, str], config_path: str
) -> list[str]:
    """A note for each ``OXITRACK_*`` variable of this shell that would change what the service
    does, saying how to give the service that setting instead. A variable whose option was
    given to ``install`` changes nothing, so it gets no note."""
    from oxitrack.config import SPECS

    notes = []
    for spec in SPECS:
        if spec.env not in environ or getattr(args, spec.name, None) not in (None, False):
            continue
        if spec.name in _INSTALL_OPTIONS:
            advice = f"pass {spec.flag} to `service install`, or set `{spec.name}` in {config_path}"
        else:
            advice = f"set `{spec.name}` in the config file {config_path}"
        notes.append(f"Note: the service does not see {spec.env} from this shell; {advice}.")
    if "OXITRACK_CONFIG" in environ:
        notes.append(
            "Note: the service does not see OXITRACK_CONFIG from this shell;"
            f" it reads the config file {config_path}."
        )
    return notes


def run_uninstall(args: argparse.Namespace) -> int:
    from oxitrack import service as _service

    try:
        service = service_file_here(_service.oxitrack_command())
    except _service.UnsupportedPlatform as exc:
        raise OxitrackError(str(exc)) from None
    return (
        0
        if _report(_service.uninstall(service, run=_service.run_command, which=find_program))
        else 1
    )


def _report(outcome: Outcome) -> bool:
    """What was done on stdout; what failed, and what to run instead, on stderr."""
    if outcome.lines:
        print("\n".join(outcome.lines))
    if outcome.problem:
        print("oxitrack: " + "\n".join(outcome.problem), file=sys.stderr)
    return outcome.ok
