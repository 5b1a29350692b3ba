"""Starting the daemon at login: a systemd user unit on Linux, a launchd agent on macOS.

Everything that touches the system comes in as an argument: the home and config folders, the
function that runs ``systemctl``/``launchctl`` and the one that finds them on ``PATH``. The CLI
passes the real ones; tests pass temporary folders and a recorder, so they never touch the
user's own services. Imports no sqlite3 or web stack.
"""

from __future__ import annotations

import itertools
import os
import plistlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

UNIT_NAME = "oxitrack.service"
AGENT_LABEL = "org.oxitrack.daemon"
# Five starts within five minutes (a restart every 5 s gives up after about half a minute);
# a daemon that crashes now and then, hours apart, is always restarted.
START_LIMIT_INTERVAL_SECONDS = 300
START_LIMIT_BURST = 5
CONFIG_ERROR_EXIT = 2  # `oxitrack serve` exits 2 on settings that cannot work: retrying won't help

#: Runs a command; returns its exit code and what it printed.
Runner = Callable[[Sequence[str]], tuple[int, str]]
#: Finds a program on PATH (``shutil.which``).
Which = Callable[[str], str | None]


def run_command(argv: Sequence[str]) -> tuple[int, str]:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return 127, str(exc)
    return done.returncode, (done.stdout + done.stderr).strip()


@dataclass(frozen=True)
class Outcome:
    """What ``install`` or ``uninstall`` did (for stdout) and, when a step failed, what failed
    and what to run instead (for stderr: scripts and users look for errors there)."""

    lines: list[str]
    problem: list[str]

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class ServiceFile:
    """Where the service definition goes, what it says, and how to (de)activate it."""

    kind: str  # "systemd" or "launchd"
    path: Path
    content: bytes
    tool: str  # the program that loads it
    start: tuple[tuple[str, ...], ...]
    stop: tuple[tuple[str, ...], ...]
    state: tuple[str, ...]  # asks whether it runs


class UnsupportedPlatform(Exception):
    """No service manager we know on this system."""


def oxitrack_command() -> list[str]:
    """The absolute command that runs this installed OxiTrack.

    The ``oxitrack`` script beside the running Python (a venv or pipx install) first, then the
    one on ``PATH``, else ``python -m oxitrack`` with this Python.
    """
    beside = Path(sys.executable).parent / "oxitrack"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    found = shutil.which("oxitrack")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "oxitrack"]


def service_file(
    platform: str, command: Sequence[str], *, home: Path, config_home: Path, uid: int
) -> ServiceFile:
    """The service definition for ``platform`` (``sys.platform``) running ``command``."""
    if platform.startswith("linux"):
        path = config_home / "systemd" / "user" / UNIT_NAME
        user = ("systemctl", "--user")
        return ServiceFile(
            kind="systemd",
            path=path,
            content=systemd_unit(command).encode("utf-8"),
            tool="systemctl",
            start=((*user, "daemon-reload"), (*user, "enable", "--now", UNIT_NAME)),
            stop=((*user, "disable", "--now", UNIT_NAME), (*user, "daemon-reload")),
            state=(*user, "is-active", UNIT_NAME),
        )
    if platform == "darwin":
        path = home / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"
        log = home / "Library" / "Logs" / "oxitrack.log"
        domain = f"gui/{uid}"
        return ServiceFile(
            kind="launchd",
            path=path,
            content=launchd_plist(command, log),
            tool="launchctl",
            start=(("launchctl", "bootstrap", domain, str(path)),),
            stop=(("launchctl", "bootout", f"{domain}/{AGENT_LABEL}"),),
            state=("launchctl", "print", f"{domain}/{AGENT_LABEL}"),
        )
    raise UnsupportedPlatform(
        f"`oxitrack service` knows systemd (Linux) and launchd (macOS), not {platform!r}. "
        "Start `oxitrack serve` at login another way, e.g. on Windows a Task Scheduler task "
        "'At log on' running: " + " ".join(command)
    )


def systemd_unit(command: Sequence[str]) -> str:
    return "\n".join(
        [
            "# Written by `oxitrack service install`; `oxitrack service uninstall` removes it.",
            "[Unit]",
            "Description=OxiTrack coding time tracker daemon",
            # A daemon that cannot start (a damaged database, a disk that is gone) would
            # otherwise fail every RestartSec for ever, a journal line each time; past this many
            # starts in the interval, systemd leaves it failed for `service status` to show.
            f"StartLimitIntervalSec={START_LIMIT_INTERVAL_SECONDS}",
            f"StartLimitBurst={START_LIMIT_BURST}",
            "",
            "[Service]",
            "Type=exec",
            "ExecStart=" + " ".join(systemd_quote(arg) for arg in command),
            "Restart=on-failure",
            "RestartSec=5",
            f"RestartPreventExitStatus={CONFIG_ERROR_EXIT}",
            "",
            "[Install]",
            "WantedBy=default.target",
            "",
        ]
    )


_SYSTEMD_PLAIN = re.compile(r"^[A-Za-z0-9_@+=:,./-]+$")


def systemd_quote(arg: str) -> str:
    """One ``ExecStart`` word, quoted if needed; ``%`` and ``$`` escaped (systemd expands them)."""
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if _SYSTEMD_PLAIN.match(arg):
        return escaped
    escaped = escaped.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def launchd_plist(command: Sequence[str], log: Path) -> bytes:
    return plistlib.dumps(
        {
            "Label": AGENT_LABEL,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},
            "ProcessType": "Background",
            "StandardOutPath": str(log),
            "StandardErrorPath": str(log),
        }
    )


def installed_serve_options(service: ServiceFile) -> dict[str, str]:
    """The ``--db``, ``--host`` and ``--port`` the installed service file gives ``serve``.

    Empty when no file is installed or it cannot be read: ``oxitrack service status`` then
    falls back to the usual settings.
    """
    try:
        content = service.path.read_bytes()
        if service.kind == "launchd":
            words = [str(word) for word in plistlib.loads(content)["ProgramArguments"]]
        else:
            words = _systemd_exec_start(content.decode("utf-8"))
    except (OSError, ValueError, KeyError, TypeError, plistlib.InvalidFileException):
        return {}
    if "serve" not in words:
        return {}
    options = words[words.index("serve") + 1 :]
    found: dict[str, str] = {}
    for flag, value in itertools.pairwise(options):
        if flag in ("--db", "--host", "--port"):
            found[flag[2:]] = value
    return found


def _systemd_exec_start(unit: str) -> list[str]:
    """The words of the unit's ``ExecStart=`` line, unquoted as ``systemd_quote`` quoted them."""
    import shlex

    for line in unit.splitlines():
        if line.startswith("ExecStart="):
            words = shlex.split(line.removeprefix("ExecStart="))
            return [word.replace("%%", "%").replace("$$", "$") for word in words]
    return []


def install(service: ServiceFile, *, run: Runner, which: Which) -> Outcome:
    """Write the service file and start it; what was done, and what failed."""
    service.path.parent.mkdir(parents=True, exist_ok=True)
    existed = service.path.exists()
    if service.kind == "launchd" and which(service.tool) and existed:
        run(service.stop[0])  # loaded from an earlier install: bootstrap would refuse
    try:
        _write_whole(service.path, service.content)
    except OSError as exc:
        problem = f"cannot write {service.path}: {exc.strerror or exc}; nothing was installed"
        return Outcome([], [problem + (", and the file there is as it was" if existed else "")])
    lines = [f"Wrote the {service.kind} service {service.path}"]
    return _run_all(service, service.start, "start it at login and now", run, which, lines)


def _write_whole(path: Path, content: bytes) -> None:
    """Write ``path`` beside it first, then rename it into place: a full disk or a kill
    mid-write left an empty or cut unit where a working one was (or where none had been, one
    that ``service status`` called installed), and systemd would run neither."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with open(partial, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def uninstall(service: ServiceFile, *, run: Runner, which: Which) -> Outcome:
    """Stop the service and remove its file."""
    if not service.path.exists():
        return Outcome([f"No {service.kind} service to remove (no {service.path})"], [])
    # A failed stop still removes the file (launchctl also fails on an agent already unloaded);
    # the message then says so rather than "the file is in place".
    outcome = _run_all(
        service, service.stop, "stop it", run, which, [], after=f"Removed {service.path} anyway"
    )
    service.path.unlink()
    if outcome.ok:
        outcome.lines.append(f"Removed {service.path}")
    return outcome


def state(service: ServiceFile, *, run: Runner, which: Which) -> str:
    """One line: whether the service is installed and what its manager says about it."""
    if not service.path.exists():
        return f"not installed ({service.path} absent; `oxitrack service install` adds it)"
    if not which(service.tool):
        return f"installed at {service.path} ({service.tool} not found to ask if it runs)"
    code, output = run(service.state)
    if service.kind == "systemd":
        said = output.splitlines()[-1] if output else f"exit {code}"
        if said == "failed":  # it crashed, or gave up starting: the reason is in its log
            said += f" (why: journalctl --user -u {UNIT_NAME} -n 20)"
        return f"installed at {service.path}; systemd says: {said}"
    return f"installed at {service.path}; {'loaded' if code == 0 else 'not loaded'} in launchd"


def _run_all(
    service: ServiceFile,
    commands: Sequence[Sequence[str]],
    purpose: str,
    run: Runner,
    which: Which,
    lines: list[str],
    *,
    after: str = "The file is in place",
) -> Outcome:
    shown = ["  " + " ".join(command) for command in commands]
    if not which(service.tool):  # not a failure: a machine without it, told what to run
        return Outcome([*lines, f"{service.tool} was not found; to {purpose}, run:", *shown], [])
    for command in commands:
        code, output = run(command)
        if code != 0:
            failed = f"`{' '.join(command)}` failed (exit {code}): {output or 'no output'}"
            return Outcome(lines, [failed, f"{after}; to {purpose}, run:", *shown])
        lines.append("Ran: " + " ".join(command))
    return Outcome(lines, [])
