"""``oxitrack backup FILE`` and ``oxitrack check``: a safe copy, and a health check in words."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from oxitrack.commands._options import (
    UsageError,
    add_command,
    add_db_option,
    add_json_option,
    settings_from,
)
from oxitrack.commands._output import counted, print_json
from oxitrack.fields import printable


def register(subparsers: Any, command: str | None = None) -> None:
    backup = add_command(
        subparsers,
        "backup",
        help="copy the database safely, even while the daemon writes",
        description=(
            "Copy the database to FILE with SQLite's online backup API: one consistent\n"
            "snapshot, taken while the daemon keeps recording. The copy is checked, then\n"
            "renamed into place, so FILE is either the old file or a complete new copy.\n"
            "The copy is a database itself: to restore it, or to move to another machine,\n"
            "stop the daemon and copy it into the database's place with\n"
            "`oxitrack backup --db COPY DB` (see Backups and Moving to another machine in\n"
            "docs/operations.md). To add its history to another machine's instead, where a\n"
            "daemon records too: `oxitrack import COPY` there."
        ),
        example="oxitrack backup ~/backups/oxitrack-$(date +%F).db",
    )
    backup.add_argument("file", metavar="FILE", help="where to write the copy")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_db_option(backup)
    add_json_option(backup)
    backup.set_defaults(run=run_backup)
    check = add_command(
        subparsers,
        "check",
        help="check the database file for damage and inconsistencies",
        description=(
            "Run SQLite's integrity check and foreign key check, then OxiTrack's own checks\n"
            "(sessions that overlap, lie under 900 s apart or end before they start, folders\n"
            "without a project). Prints what it finds in words; exits 1 if anything needs\n"
            "repair. Only reads: the database and its -wal and -shm files are left exactly as\n"
            "they were."
        ),
        example="oxitrack check --db ~/backups/oxitrack-2025-11-25.db",
    )
    add_db_option(check)
    add_json_option(check)
    check.set_defaults(run=run_check)


def run_backup(args: argparse.Namespace) -> int:
    # Here, so that building the parser stays cheap.
    from oxitrack.commands._files import check_target
    from oxitrack.commands._report_database import naming_the_daemons_file
    from oxitrack.store import maintenance

    settings = settings_from(args)
    db = Path(settings.db)
    if args.file == "-":
        # A database is a file SQLite writes and then checks by reading it back: it cannot
        # stream to a pipe. Said here, rather than making a file named "-".
        raise UsageError(
            "- would be the standard output, which cannot take a database copy; give a file"
            " name (./- for a file named -)"
        )
    destination = Path(check_target(args.file, str(db), force=args.force))
    with naming_the_daemons_file(settings, str(db)):
        if os.path.exists(destination):
            _refuse_losing_later_beats(db, destination)
        stats = maintenance.backup(db, destination)
    if args.json:
        print_json({"backup": stats.to_json()})
    else:
        print(
            f"Backed up {db} to {destination}"
            f" ({stats.size_bytes} bytes, {counted(stats.session_count, 'session')})"
        )
    return 0


def _refuse_losing_later_beats(db: Path, destination: Path) -> None:
    """``UsageError`` when ``destination`` is an OxiTrack database whose last beat is later
    than ``db``'s: ``--force`` was given to replace last night's copy, and here it would throw
    away the newer history (a restore run over the live file instead of beside it, or an old
    machine's copy over the new machine's database). A file that is no OxiTrack database, or
    that holds nothing later, is replaced as before."""
    from oxitrack.commands._output import local_time
    from oxitrack.errors import StoreError
    from oxitrack.store.maintenance import database_stats

    try:
        replaced = database_stats(destination)
    except StoreError:
        return  # not a database this command could lose anything of
    if replaced.last_beat is None:
        return
    copied = database_stats(db)
    if copied.last_beat is not None and copied.last_beat >= replaced.last_beat:
        return
    newer = (
        f"{db} has no beat"
        if copied.last_beat is None
        else f"the last beat of {db} is {local_time(copied.last_beat)}"
    )
    raise UsageError(
        f"{destination} holds {counted(replaced.session_count, 'session')} up to"
        f" {local_time(replaced.last_beat)}, and {newer}: replacing it would lose the later"
        " ones, even with --force. To restore a backup, move it aside first (with its -wal and"
        " -shm, the daemon stopped), as the restore steps in docs/operations.md say; to keep"
        " both, back up to another name"
    )


def run_check(args: argparse.Namespace) -> int:
    # Here, so that building the parser stays cheap.
    from oxitrack.commands._report_database import naming_the_daemons_file
    from oxitrack.store import checks

    settings = settings_from(args)
    db = Path(settings.db)
    with naming_the_daemons_file(settings, str(db)):
        report = checks.check(db)
    if args.json:
        print_json(
            {
                "db_path": os.path.abspath(db),  # as `backup` and `service status` name it
                "ok": not report.problems,
                "problems": report.problems,
                "notes": report.notes,
                "stats": report.stats.to_json() if report.stats else None,
            }
        )
    else:
        # Problems name folders, which may hold characters a terminal acts on.
        for problem in report.problems:
            print(f"PROBLEM: {printable(problem)}")
        for note in report.notes:
            print(f"note: {printable(note)}")
        if report.problems:
            print(f"{db}: {counted(len(report.problems), 'problem')} found.")
        else:
            stats = report.stats
            assert stats is not None
            sessions = counted(stats.session_count, "session") + (
                f" in {counted(stats.project_count, 'project')}"
                if stats.project_count is not None
                else ""
            )
            if report.upgrade_pending:
                # Not "consistent": the notes may list sessions the upgrade still merges.
                print(f"{db}: OK. SQLite finds no damage; the upgrade does the rest ({sessions}).")
            else:
                verb = "is" if stats.session_count == 1 else "are"
                print(f"{db}: OK. SQLite finds no damage; {sessions} {verb} consistent.")
    return 1 if report.problems else 0
