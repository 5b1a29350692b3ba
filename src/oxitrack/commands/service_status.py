"""``oxitrack service status``: does the daemon answer, where is its database, what it holds.

It asks where the installed service runs (its ``--db``, ``--host``, ``--port``), not where this
shell's settings point, and counts the database itself when no daemon answers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oxitrack.commands._options import settings_from
from oxitrack.commands._output import counted, local_time, print_json
from oxitrack.commands.service import (
    EXIT_NOT_RUNNING,
    EXIT_REFUSED,
    find_program,
    service_file_here,
)
from oxitrack.errors import StoreError
from oxitrack.records import Record
from oxitrack.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from oxitrack.store.maintenance import DatabaseStats, WalBacklog


class _Status(Record):
    """What `service status` found: the service, the daemon it asked, and the database."""

    service_state: str
    url: str
    health: dict[str, Any] | None
    refusal: str | None
    db_path: Path
    stats: DatabaseStats | None
    stats_error: str | None
    backlog: WalBacklog
    restart: str  # how to restart the daemon, in words

    @property
    def older_daemon(self) -> bool | None:
        """Whether the daemon answering runs an older OxiTrack than this command (``None``:
        cannot be told). Every version has said 0.1.0; the schema of the file it records into
        tells, since a daemon upgrades its file when it starts."""
        if self.health is None or self.stats is None:
            return None
        return self.stats.schema_version < SCHEMA_VERSION

    @property
    def other_build(self) -> bool | None:
        """Whether the daemon answering runs other files than this command's (``build.py``):
        a ``pip install -U`` that changed no schema left it on the old code, which the
        schema cannot tell. A daemon older than builds names none: another build too."""
        if self.health is None:
            return None
        from oxitrack.build import build_id

        return self.health.get("build") != build_id()

    def to_json(self) -> dict[str, object]:
        database: dict[str, object] = (
            self.stats.to_json() if self.stats else {"error": self.stats_error}
        )
        database["wal_pending_bytes"] = self.backlog.pending_bytes
        readers = self.backlog.readers
        database["wal_readers"] = None if readers is None else sorted(readers)
        return {
            "service": self.service_state,
            "daemon": {
                "url": self.url,
                # A daemon that refuses us (401) still answers: a script reading false would
                # start a second one, which the exit code (1, not 3) already warns against.
                "answers": self.health is not None or self.refusal is not None,
                "health": self.health,
                "refusal": self.refusal,
                "older_than_this": self.older_daemon,
                "other_build": self.other_build,
            },
            "database": database,
        }

    def text(self) -> str:
        from oxitrack.build import build_id
        from oxitrack.fields import printable
        from oxitrack.store.connections import WAL_REWIND_BYTES

        # The daemon's answer is shown with control characters as escapes: while the daemon is
        # down, another account's program on its port may answer, with a terminal's escapes.
        lines = [f"service:  {self.service_state}"]
        if self.health:
            uptime = _how_long(int(self.health.get("uptime_seconds", 0)))
            version, pid = (printable(str(self.health.get(name))) for name in ("version", "pid"))
            lines.append(
                f"daemon:   answers at {self.url} (version {version}, pid {pid}, up {uptime})"
            )
            if self.older_daemon:
                lines.append(
                    "          an older OxiTrack than this one (its database is at schema"
                    f" {self.stats.schema_version if self.stats else '?'}, this one's is"
                    f" {SCHEMA_VERSION}): restart it to run this version ({self.restart})"
                )
            elif self.other_build:
                lines.append(
                    "          another build of OxiTrack than the one installed here (build"
                    f" {printable(str(self.health.get('build')))}, this one's is {build_id()}):"
                    f" restart it to run this one ({self.restart})"
                )
        elif self.refusal:
            lines.append(f"daemon:   answers at {self.url}, but {self.refusal}")
        else:
            lines.append(f"daemon:   does not answer at {self.url}")
        lines.append(f"database: {printable(str(self.db_path))}")
        lines.append(
            "          "
            + (_describe(self.stats) if self.stats else printable(str(self.stats_error)))
        )
        if self.backlog.pending_bytes > WAL_REWIND_BYTES:  # more than the daemon's rewinds leave
            lines.append("          " + _describe_backlog(self.backlog))
        return "\n".join(lines)


def run_status(args: argparse.Namespace) -> int:
    status = _gather_status(args)
    if args.json:
        print_json(status.to_json())
    else:
        print(status.text())
    if status.refusal:
        return EXIT_REFUSED  # it runs: a script must not start a second one
    return 0 if status.health else EXIT_NOT_RUNNING


def _gather_status(args: argparse.Namespace) -> _Status:
    from oxitrack import service as _service
    from oxitrack.daemon_client import DaemonClient
    from oxitrack.store import maintenance

    options = dict(vars(args))
    try:
        service = service_file_here(_service.oxitrack_command())
    except _service.UnsupportedPlatform:
        service_state = f"no service manager known on {sys.platform}"
    else:
        service_state = _service.state(service, run=_service.run_command, which=find_program)
        # The installed daemon runs with the options it was installed with (`service install
        # --port 3001`), not with this shell's: ask it where it really listens.
        for name, value in _service.installed_serve_options(service).items():
            if options.get(name) is None:
                options[name] = value
    settings = settings_from(argparse.Namespace(**options))
    client = DaemonClient(settings)
    health = client.health()
    db_path = Path(health["db_path"] if health else settings.db)
    stats = stats_error = None
    try:
        stats = maintenance.database_stats(db_path)
    except StoreError as exc:
        stats_error = str(exc)
    backlog = maintenance.wal_backlog(db_path, daemon_pid=health.get("pid") if health else None)
    return _Status(
        service_state,
        client.url,
        health,
        client.refusal,
        db_path,
        stats,
        stats_error,
        backlog,
        _how_to_restart(service_state, sys.platform),
    )


def _how_to_restart(service_state: str, platform: str) -> str:
    """How to restart the daemon: the service's manager's command when it is installed."""
    from oxitrack.service import AGENT_LABEL, UNIT_NAME

    if service_state.startswith("installed") and platform == "darwin":
        return f"launchctl kickstart -k gui/{os.getuid()}/{AGENT_LABEL}"
    if service_state.startswith("installed"):
        return f"systemctl --user restart {UNIT_NAME}"
    return "stop it and start `oxitrack serve` again"


def _describe_backlog(backlog: WalBacklog) -> str:
    """The WAL grown past what the daemon leaves, and the program keeping it from starting over."""
    from oxitrack.store.lock_holders import process_names

    text = f"its WAL holds {backlog.pending_bytes / 2**20:.0f} MiB not yet copied into the file"
    if not backlog.readers:
        return text  # the daemon is down, or catching up
    return (
        f"{text}: {process_names(backlog.readers)} reads an old snapshot, which keeps the WAL"
        " from starting over (nothing is lost; close that program or end its transaction)"
    )


def _how_long(seconds: int) -> str:
    """Hours and minutes within a day, whole days past it: a last beat "960h 10m ago" or a
    daemon "up 480h 00m" had to be worked out as days."""
    from oxitrack.report_text import format_duration

    return format_duration(seconds) if seconds < 86400 else counted(seconds // 86400, "day")


def _describe(stats: DatabaseStats) -> str:
    parts = [f"{stats.size_bytes / 1024:.0f} KiB", counted(stats.session_count, "session")]
    if stats.project_count is not None:
        parts.append(counted(stats.project_count, "project"))
    if stats.beat_count is not None:
        parts.append(counted(stats.beat_count, "beat"))
    if stats.last_beat is None:
        return ", ".join(parts) + "; no beat yet"
    ago = _how_long(max(0, int(time.time()) - stats.last_beat))
    when = local_time(stats.last_beat)
    return ", ".join(parts) + f"; last beat {when} ({ago} ago)"
