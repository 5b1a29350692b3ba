"""``oxitrack backup`` and ``oxitrack check`` in-process, and a backup taken under a real daemon's
stream of beats."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.cli import main
from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.conftest import NOW
from tests.daemon_process import DaemonProcess
from tests.ended_processes import left_long_ago
from tests.small_mounts import in_small_mount
from tests.stopped_commands import stopped_while_held
from tests.test_store_maintenance import (
    NEW_SESSIONS,
    OLD_SESSIONS,
    SEED_FIXTURE,
    damage,
    files_of,
    flip,
    kill_a_daemon,
    wal_frames,
)


@pytest.fixture
def filled(db_path: Path) -> Path:
    with Store(db_path) as store:
        store.record_beats([Beat("/code/app", NOW - 600), Beat("/code/app", NOW)])
    return db_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_backup_writes_a_copy_and_says_what_it_holds(filled: Path, tmp_path: Path, capsys):
    copy = tmp_path / "backups" / "ox.db"
    copy.parent.mkdir()
    code, out, _ = run(capsys, "backup", str(copy), "--db", str(filled))
    assert code == 0
    assert out.startswith(f"Backed up {filled} to {copy} (")
    assert out.rstrip().endswith("bytes, 1 session)")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT last_heartbeat - start_time FROM sessions").fetchall() == [
            (600,)
        ]
    conn.close()


def test_backup_does_not_replace_a_file_without_force(filled: Path, tmp_path: Path, capsys):
    copy = tmp_path / "copy.db"
    copy.write_text("precious")
    code, _, err = run(capsys, "backup", str(copy), "--db", str(filled))
    assert code == 2 and "exists; pass --force" in err  # a refusal of what was typed
    assert copy.read_text() == "precious"
    code, out, _ = run(capsys, "backup", str(copy), "--db", str(filled), "--force", "--json")
    assert code == 0 and json.loads(out)["backup"]["session_count"] == 1


@pytest.mark.parametrize("target", ["itself", "folder"])
@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "force"])
def test_backup_refuses_odd_targets(
    filled: Path, tmp_path: Path, capsys, target: str, force: list[str]
):
    """With or without --force the answer is the same: "exists; pass --force" for a folder only
    led to a second refusal once --force was given."""
    destination = filled if target == "itself" else tmp_path
    code, _, err = run(capsys, "backup", str(destination), "--db", str(filled), *force)
    assert code == 2
    assert ("the database itself" if target == "itself" else "is a folder") in err
    assert "--force" not in err


def test_backup_to_an_empty_name_is_one_line_and_exit_2(
    filled: Path, tmp_path: Path, capsys, monkeypatch
):
    """`oxitrack backup "$BACKUP_FILE"` with the variable unset (a cron job): a traceback
    (`PosixPath('.') has an empty name`) and exit 1 before."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "backup", "", "--db", str(filled))
    assert (code, out) == (2, "")
    assert err == "oxitrack: FILE must not be empty; give a file name\n"


def test_backup_to_dash_is_refused_not_a_file_named_dash(
    filled: Path, tmp_path: Path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "backup", "-", "--db", str(filled))
    assert code == 2
    assert err.count("\n") == 1 and "standard output" in err and "./-" in err
    assert not (tmp_path / "-").exists()
    assert run(capsys, "backup", "./-", "--db", str(filled))[0] == 0  # the way to name such a file
    assert (tmp_path / "-").is_file()


@pytest.mark.parametrize("name", ["new.db", "backups"])
def test_backup_to_a_missing_folder_with_a_trailing_separator_makes_no_file(
    filled: Path, tmp_path: Path, capsys, name: str
):
    """`backup ~/backups/` made a file named `backups`; the next `backup ~/backups/x.db` then
    failed in a puzzling way."""
    target = str(tmp_path / name) + os.sep
    code, _, err = run(capsys, "backup", target, "--db", str(filled))
    assert code == 2
    assert err == (
        f"oxitrack: {target} ends with {os.sep}, but the folder {tmp_path / name} does not exist\n"
    )
    assert list(tmp_path.iterdir()) == [filled]


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "force"])
def test_backup_to_a_file_with_a_trailing_separator_leaves_the_file(
    filled: Path, tmp_path: Path, capsys, force: list[str]
):
    existing = tmp_path / "copy.db"
    existing.write_text("precious")
    target = f"{existing}{os.sep}"
    code, _, err = run(capsys, "backup", target, "--db", str(filled), *force)
    assert code == 2
    assert err == f"oxitrack: {target} ends with {os.sep}, but {existing} is not a folder\n"
    assert existing.read_text() == "precious"


def test_backup_to_a_folder_with_a_trailing_separator_is_called_a_folder(
    filled: Path, tmp_path: Path, capsys
):
    target = f"{tmp_path}{os.sep}"
    code, _, err = run(capsys, "backup", target, "--db", str(filled))
    assert code == 2
    assert err == f"oxitrack: {target} is a folder; give a file name\n"


def test_backup_knows_the_database_by_another_name(filled: Path, tmp_path: Path, capsys):
    link = tmp_path / "link.db"
    link.symlink_to(filled)
    hard = tmp_path / "hard.db"
    hard.hardlink_to(filled)
    for name in (link, hard, tmp_path / "." / filled.name):
        code, _, err = run(capsys, "backup", str(name), "--db", str(filled), "--force")
        assert code == 2 and "the database itself" in err, name
    code, out, _ = run(capsys, "check", "--db", str(filled))
    assert code == 0, out


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_backup_never_replaces_the_files_beside_an_open_database(filled: Path, capsys, suffix: str):
    """Replacing the WAL under a running daemon corrupted the database it was meant to save."""
    beside = filled.with_name(filled.name + suffix)
    with Store(filled) as store:  # a daemon's writer: keeps the -wal and -shm files
        store.record_beat(Beat("/code/app", NOW + 60))
        assert beside.exists()
        code, _, err = run(capsys, "backup", str(beside), "--db", str(filled), "--force")
        assert code == 2
        assert "the database itself" in err
    code, out, _ = run(capsys, "check", "--db", str(filled))
    assert code == 0, out


@pytest.mark.parametrize("exists", [True, False], ids=["target", "no target"])
@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "force"])
def test_backup_refuses_a_target_with_sqlite_files_beside_it(
    filled: Path, tmp_path: Path, capsys, suffix: str, exists: bool, force: list[str]
):
    """A database in use, or left by a program that stopped abruptly: --force would lose data
    (even with no file there yet, SQLite would replay the old WAL or journal into the copy)."""
    target = tmp_path / "live.db"
    if exists:
        target.write_bytes(b"the live database")
    beside = Path(f"{target}{suffix}")
    beside.write_bytes(b"its last writes")
    code, out, err = run(capsys, "backup", str(target), "--db", str(filled), *force)
    assert (code, out) == (2, "")
    assert err == (
        f"oxitrack: {target} is a database in use, or one whose program stopped abruptly"
        f" ({beside} is beside it); to restore a backup, stop the daemon and follow the"
        " restore steps in docs/operations.md\n"
    )
    assert target.exists() == exists and beside.read_bytes() == b"its last writes"
    if exists:
        assert target.read_bytes() == b"the live database"


def test_backup_sees_the_sqlite_files_beside_a_symlinks_target(
    filled: Path, tmp_path: Path, capsys
):
    real = tmp_path / "data" / "live.db"
    real.parent.mkdir()
    real.write_bytes(b"the live database")
    Path(f"{real}-wal").write_bytes(b"its last writes")
    link = tmp_path / "live-link.db"
    link.symlink_to(real)
    code, _, err = run(capsys, "backup", str(link), "--db", str(filled), "--force")
    assert code == 2 and f"({real}-wal is beside it)" in err


def test_backup_replaces_last_nights_copy_with_force(filled: Path, tmp_path: Path, capsys):
    """The nightly cron line: a copy made by `backup` has no -wal or -shm beside it."""
    copy = tmp_path / "nightly.db"
    assert run(capsys, "backup", str(copy), "--db", str(filled))[0] == 0
    with Store(filled) as store:
        store.record_beat(Beat("/code/other", NOW + 60))
    code, out, _ = run(capsys, "backup", str(copy), "--db", str(filled), "--force", "--json")
    assert code == 0 and json.loads(out)["backup"]["session_count"] == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("nightly")) == [
        "nightly.db"
    ]


def test_a_restore_over_a_database_with_later_beats_is_refused_even_with_force(
    filled: Path, tmp_path: Path, capsys
):
    """`backup --db old.db --force oxitrack.db`, the daemon stopped but the file not moved
    aside first: "exists; pass --force" led to --force, and the beats recorded since the
    backup went without a word. A copy holding nothing later is still replaced."""
    old = tmp_path / "old.db"
    assert run(capsys, "backup", str(old), "--db", str(filled))[0] == 0
    with Store(filled) as store:
        store.record_beat(Beat("/code/new", NOW + 3600))
    before = filled.read_bytes()
    code, out, err = run(capsys, "backup", str(filled), "--db", str(old), "--force")
    assert (code, out) == (2, "") and err.count("\n") == 1, err
    assert f"{filled} holds 2 sessions up to " in err and "would lose the later ones" in err
    assert "move it aside first" in err and "docs/operations.md" in err
    assert filled.read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".oxitrack-partial")]
    # The other way round is last night's copy brought up to date.
    code, out, _ = run(capsys, "backup", str(old), "--db", str(filled), "--force", "--json")
    assert code == 0 and json.loads(out)["backup"]["session_count"] == 2


def test_backup_with_force_weighs_last_beats_at_their_edges(filled: Path, tmp_path: Path, capsys):
    """The nightly copy on a day nothing was tracked (the same last beat) is replaced; a
    database of no beat over one with beats is refused, saying it has none; a database of no
    beat is replaced by anything."""
    nightly = tmp_path / "nightly.db"
    code, out, _ = run(capsys, "backup", str(nightly), "--db", str(filled), "--json")
    sessions = json.loads(out)["backup"]["session_count"]
    assert code == 0 and sessions > 0
    code, _, err = run(capsys, "backup", str(nightly), "--db", str(filled), "--force")
    assert code == 0, err
    empty = tmp_path / "empty.db"
    Store(empty).close()
    code, out, err = run(capsys, "backup", str(nightly), "--db", str(empty), "--force")
    assert (code, out) == (2, "") and f", and {empty} has no beat: replacing it" in err, err
    code, out, err = run(capsys, "backup", str(empty), "--db", str(filled), "--force", "--json")
    assert code == 0 and json.loads(out)["backup"]["session_count"] == sessions, err


@pytest.mark.e2e
def test_a_restore_over_a_live_or_killed_daemons_database_is_refused(tmp_path: Path, capsys):
    """`backup --db old.db --force live.db` used as a restore. Under a running daemon the beats
    after it went into the unlinked old file and were lost; after `kill -9` the stale WAL was
    replayed over the copy. Both are refused, and every acknowledged beat stays in live.db."""
    old = tmp_path / "old.db"
    with Store(old) as store:
        store.record_beat(Beat("/code/old", NOW - 10_000))
    live = tmp_path / "live.db"
    start = int(time.time()) - 600
    daemon = DaemonProcess(live).start()
    try:
        with httpx.Client() as client:
            for at in (start, start + 60):
                answer = client.post(
                    f"{daemon.url}/beat", json={"project_path": "/code/live", "timestamp": at}
                )
                answer.raise_for_status()
                if at == start:
                    code, _, err = run(capsys, "backup", str(live), "--db", str(old), "--force")
                    assert code == 2 and "stop the daemon" in err
    finally:
        daemon.kill()
    assert Path(f"{live}-wal").exists()
    code, _, err = run(capsys, "backup", str(live), "--db", str(old), "--force")
    assert code == 2 and "stopped abruptly" in err
    with Store(live, read_only=True) as store:
        assert [(s.project_path, s.start_time, s.last_heartbeat) for s in store.sessions()] == [
            ("/code/live", start, start + 60)
        ]


def test_backup_into_a_missing_folder_names_the_folder(filled: Path, tmp_path: Path, capsys):
    destination = tmp_path / "no-such-folder" / "copy.db"
    code, _, err = run(capsys, "backup", str(destination), "--db", str(filled))
    assert code == 2
    assert f"the folder {destination.parent} does not exist" in err
    assert err.count("\n") == 1


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux's")
def test_backup_into_a_folder_that_takes_no_files_names_the_folder(filled: Path, capsys):
    """/proc refuses new files even to root, where a read-only folder would not."""
    code, _, err = run(capsys, "backup", "/proc/oxitrack-copy.db", "--db", str(filled))
    assert code == 1
    assert err == (
        "oxitrack: cannot write /proc/oxitrack-copy.db: cannot create a file in /proc"
        " (check that folder's permissions)\n"
    )


def _longest_name(folder: Path, suffix: str) -> str:
    """The longest file name ``folder``'s file system takes, ending with ``suffix``."""
    name_max = os.pathconf(folder, "PC_NAME_MAX") if hasattr(os, "pathconf") else 255
    return "b" * (name_max - len(suffix)) + suffix


def test_backup_to_a_name_as_long_as_the_system_allows(filled: Path, tmp_path: Path, capsys):
    """The partial copy was `.NAME.partial-PID`, 17+ bytes longer than NAME: a valid name of
    239 to 255 bytes failed, blaming the folder's permissions."""
    folder = tmp_path / "backups"
    folder.mkdir()
    copy = folder / _longest_name(folder, ".db")
    code, out, err = run(capsys, "backup", str(copy), "--db", str(filled))
    assert (code, err) == (0, "")
    assert out.startswith(f"Backed up {filled} to {copy} (")
    assert list(folder.iterdir()) == [copy]


def test_backup_to_a_name_too_long_says_so_and_not_permissions(
    filled: Path, tmp_path: Path, capsys
):
    copy = tmp_path / (_longest_name(tmp_path, ".db") + "b")
    code, _, err = run(capsys, "backup", str(copy), "--db", str(filled))
    assert code == 1
    assert err == f"oxitrack: cannot write {copy}: File name too long\n"
    assert list(tmp_path.iterdir()) == [filled]


# `oxitrack backup` as its own process, held once its copy is complete and checked, just before
# it is renamed into place (the largest a partial copy gets): it writes the copy's path to
# argv[1], then waits on its standard input until it is killed.
_BACKUP_HELD_BEFORE_RENAME = """
import os, sys
from oxitrack.cli import main

replace = os.replace

def held_replace(source, target):
    if ".oxitrack-partial-" in os.fspath(source):
        with open(sys.argv[1] + ".new", "w") as note:
            note.write(os.fspath(source))
        os.rename(sys.argv[1] + ".new", sys.argv[1])
        sys.stdin.read()
    replace(source, target)

os.replace = held_replace
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture
def large(db_path: Path) -> Path:
    """A database of a few MB: 30 000 sessions in 300 folders."""
    with Store(db_path) as store:
        store.record_beats(
            [Beat(f"/code/p{i % 300}", NOW - 30_000_000 + i * 1000) for i in range(30_000)]
        )
    return db_path


@pytest.mark.skipif(sys.platform == "win32", reason="a killed program's partial stays on Windows")
def test_backup_removes_the_copy_a_killed_backup_left(large: Path, tmp_path: Path, capsys):
    """A backup killed before its rename left `.oxitrack-partial-...-PID`, as big as the
    database, until a later backup happened to get the same pid."""
    folder = tmp_path / "backups"
    folder.mkdir()
    note = tmp_path / "held"
    backup = ["backup", str(folder / "monday.db"), "--db", str(large)]
    script = [sys.executable, "-c", _BACKUP_HELD_BEFORE_RENAME, str(note)]
    with subprocess.Popen([*script, *backup], stdin=subprocess.PIPE) as killed:
        try:
            deadline = time.monotonic() + 60
            while not note.exists() and killed.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)  # polls the backup, which writes the note once its copy is made
            assert note.exists(), "the backup should have made its copy"
        finally:
            killed.kill()  # SIGKILL: no cleanup of its own runs
            killed.wait(30)
    leftover = Path(note.read_text())
    assert leftover.parent == folder and str(killed.pid) in leftover.name
    assert leftover.stat().st_size == large.stat().st_size > 2_000_000
    # A backup killed in the middle of its copy leaves the copy's journal too.
    journal = Path(f"{leftover}-journal")
    journal.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7")
    left_long_ago(leftover, journal)  # the next backup comes the next day
    code, _, err = run(capsys, "backup", str(folder / "tuesday.db"), "--db", str(large))
    assert (code, err) == (0, "")
    assert sorted(path.name for path in folder.iterdir()) == ["tuesday.db"]
    with contextlib.closing(sqlite3.connect(folder / "tuesday.db")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (30_000,)


@pytest.mark.parametrize("force", [False, True], ids=["new", "force"])
def test_a_backup_to_a_full_disk_says_whose_disk_and_leaves_the_old_copy(
    large: Path, tmp_path: Path, force: bool
):
    """A backup onto a stick or a small partition that fills: SQLite's "database or disk is
    full" read as if the database had a limit, and named neither disk. The line names the
    folder whose disk is full; no partial copy is left, and last night's copy stays whole."""
    folder = tmp_path / "stick"
    folder.mkdir()
    target = folder / "oxitrack.db"
    script = (
        'if [ -n "$4" ]; then printf last-night > "$3"; fi;'
        ' "$1" -m oxitrack backup --db "$2" "$3" $4; code=$?;'
        ' ls -A "$(dirname "$3")"; cat "$3" 2>/dev/null; exit $code'
    )
    done = in_small_mount(
        "256k",
        folder,
        "sh",
        "-c",
        script,
        "sh",
        sys.executable,
        str(large),
        str(target),
        "--force" if force else "",
        env={k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")},
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"oxitrack: cannot back up {large} to {target}: ")
    assert f"the disk of {folder} is full" in done.stderr, done.stderr
    assert done.stdout == ("oxitrack.db\nlast-night" if force else ""), done.stdout


@pytest.mark.parametrize("disk", ["no-file-left", "read-only"])
def test_a_backup_to_a_disk_that_takes_no_file_says_why_not_permissions(
    filled: Path, tmp_path: Path, disk: str
):
    """A disk out of inodes (a stick of many small files) refuses even the copy's creation with
    ENOSPC, and a read-only one with EROFS: both were said as "check that folder's permissions",
    which were fine."""
    folder = tmp_path / "stick"
    folder.mkdir()
    target = folder / "oxitrack.db"
    done = in_small_mount(
        # The folder itself is a disk's one file; or a disk mounted read-only.
        "256k,nr_inodes=1" if disk == "no-file-left" else "256k,ro",
        folder,
        sys.executable,
        "-m",
        "oxitrack",
        "backup",
        "--db",
        str(filled),
        str(target),
        env={k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")},
    )
    assert done.returncode == 1, done.stderr
    if disk == "read-only":
        assert done.stderr == f"oxitrack: cannot write {target}: Read-only file system\n"
        return
    assert done.stderr == (
        f"oxitrack: cannot back up {filled} to {target}: the disk of {folder} is full"
        f" (the copy takes about as much room as the database); {target.name} and the"
        " database are as they were\n"
    )


def test_backup_of_a_file_that_is_no_database_says_so_and_copies_nothing(tmp_path: Path, capsys):
    source = tmp_path / "notes.db"
    source.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4080)
    target = tmp_path / "copy.db"
    code, _, err = run(capsys, "backup", str(target), "--db", str(source))
    assert code == 1 and err.startswith(f"oxitrack: cannot back up {source} to {target}: "), err
    assert "file is not a database" in err, err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.db"]


def test_backup_of_a_missing_database(tmp_path: Path, capsys):
    code, _, err = run(capsys, "backup", str(tmp_path / "c.db"), "--db", str(tmp_path / "no.db"))
    assert code == 1 and "no database at" in err


@pytest.mark.parametrize("command", ["check", "backup"])
def test_a_folder_given_as_database_is_called_a_folder(tmp_path: Path, capsys, command: str):
    folder = tmp_path / "data"
    folder.mkdir()
    extra = [str(tmp_path / "copy.db")] if command == "backup" else []
    code, _, err = run(capsys, command, *extra, "--db", str(folder))
    assert code == 1
    assert f"{folder}: it is a folder" in err and "no database at" not in err


def test_check_of_a_healthy_database_exits_0(filled: Path, capsys):
    code, out, _ = run(capsys, "check", "--db", str(filled))
    assert code == 0
    assert out == f"{filled}: OK. SQLite finds no damage; 1 session in 1 project is consistent.\n"


def test_check_of_a_damaged_database_exits_1_and_says_what(tmp_path: Path, capsys):
    db = tmp_path / "big.db"
    with Store(db) as store:
        store.record_beats(
            [Beat(f"/code/p{i % 50}", NOW - 3_100_000 + i * 1000) for i in range(3000)]
        )
    damage(db)
    code, out, _ = run(capsys, "check", "--db", str(db))
    assert code == 1
    assert out.startswith("PROBLEM: SQLite's integrity check finds the file damaged")
    assert out.endswith(f"{db}: 1 problem found.\n")
    code, out, _ = run(capsys, "check", "--db", str(db), "--json")
    report = json.loads(out)
    assert (code, report["ok"], len(report["problems"])) == (1, False, 1)


def test_check_json_names_the_database_by_its_absolute_path(
    filled: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    """As `backup --json` and `service status --json` name it: a relative path, as typed, told
    a script that keeps it nothing once it ran from another folder."""
    monkeypatch.chdir(filled.parent)
    code, out, _ = run(capsys, "check", "--db", filled.name, "--json")
    assert (code, json.loads(out)["db_path"]) == (0, str(filled))


@pytest.mark.e2e
def test_backup_while_the_daemon_records_is_one_consistent_snapshot(tmp_path: Path):
    """Beats one second apart make one session whose length + 1 equals its path's beat count in
    any consistent snapshot; a copy torn between two writes would break that equation."""
    daemon = DaemonProcess(tmp_path / "live.db").start()
    stop = threading.Event()
    sent: list[int] = []
    start = int(time.time()) - 5000

    def beat_stream() -> None:
        with httpx.Client() as client:
            for offset in range(4000):  # bounded: stops by itself
                if stop.is_set():
                    return
                answer = client.post(
                    f"{daemon.url}/beat",
                    json={"project_path": "/code/live", "timestamp": start + offset},
                )
                answer.raise_for_status()
                sent.append(offset)

    writer = threading.Thread(target=beat_stream)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while len(sent) < 200 and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        before = len(sent)
        copy = tmp_path / "copy.db"
        backed_up = subprocess.run(
            [sys.executable, "-m", "oxitrack", "backup", str(copy), "--db", str(daemon.db_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        after = len(sent)
    finally:
        stop.set()
        writer.join(60)
        daemon.stop()
    assert backed_up.returncode == 0, backed_up.stderr
    assert before >= 200 and after > before, "the daemon should have been recording meanwhile"
    with sqlite3.connect(copy) as conn:
        [(start_time, last, beats)] = conn.execute(
            "SELECT s.start_time, s.last_heartbeat, p.beat_count FROM sessions AS s"
            " JOIN project_paths AS p USING (project_path)"
        ).fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    assert start_time == start
    assert last - start_time + 1 == beats
    # A beat is committed before its answer arrives: one may be in the copy yet not in `sent`.
    assert before <= beats <= after + 1


@pytest.fixture(scope="module")
def killed_daemon(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kill_a_daemon(tmp_path_factory.mktemp("killed"))


def check_process(db: Path) -> subprocess.CompletedProcess[str]:
    """``oxitrack check`` as its own process, as a user runs it after a crash."""
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", "check", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.e2e
def test_check_of_a_killed_daemons_files_changes_none_of_them(killed_daemon: Path, tmp_path: Path):
    """`check` deleted the -wal and -shm a killed daemon left, folding the -wal into the file,
    although it says it only reads."""
    folder = tmp_path / "data"
    shutil.copytree(killed_daemon.parent, folder)
    before = files_of(folder)
    done = check_process(folder / "ox.db")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        f"{folder / 'ox.db'}: OK. SQLite finds no damage;"
        f" {OLD_SESSIONS + NEW_SESSIONS} sessions in 2 projects are consistent.\n"
    )
    assert files_of(folder) == before


@pytest.mark.e2e
def test_check_of_a_damaged_wal_exits_1_and_leaves_the_wal_to_be_saved(
    killed_daemon: Path, tmp_path: Path
):
    """The audit's case: two bytes of one frame changed after a crash. `check` said OK and
    deleted the -wal, and with it every beat after that frame."""
    folder = tmp_path / "data"
    shutil.copytree(killed_daemon.parent, folder)
    wal = folder / "ox.db-wal"
    flip(wal, wal_frames(wal)[10][0] + 500)
    before = files_of(folder)
    done = check_process(folder / "ox.db")
    assert done.returncode == 1
    assert done.stdout.startswith(f"PROBLEM: {wal} holds writes SQLite cannot read: frame 11 ")
    assert files_of(folder) == before


def test_check_of_a_seed_file_notes_the_upgrade_and_exits_0(tmp_path: Path, capsys):
    """It said `PROBLEM: session(s) 3, 8 end before they start`, exit 1: the upgrade that the
    daemon runs at start repairs them, as docs/operations.md says."""
    path = tmp_path / "seed.db"
    shutil.copyfile(SEED_FIXTURE, path)
    code, out, _ = run(capsys, "check", "--db", str(path))
    assert code == 0
    assert "PROBLEM" not in out
    assert "note: session(s) 3, 8 end before they start; the upgrade repairs them" in out
    assert out.endswith(
        f"{path}: OK. SQLite finds no damage; the upgrade does the rest (8 sessions).\n"
    )


# `check` or `service status` held once its private copy is made: both look for the project
# tables (after the integrity check, for `check`) while they read it.
_HELD_ON_ITS_COPY = """
import sys
from oxitrack.cli import main
from oxitrack.store import maintenance

table_exists = maintenance.table_exists

def held_table_exists(conn, name):
    with open(sys.argv[1], "w") as note:
        note.write("holding")
    sys.stdin.read()
    return table_exists(conn, name)

maintenance.table_exists = held_table_exists
sys.exit(main(sys.argv[2:]))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("command", ["check", "service status"])
def test_a_read_stopped_by_a_signal_leaves_no_copy_in_the_temporary_folder(
    large: Path, tmp_path: Path, command: str, sig: str
):
    """A stopped daemon's file (WAL mode, no -wal) is read from a private copy in the
    temporary folder. Ctrl-C removed it; `timeout`, `kill` or a closed terminal left it there,
    as big as the database, for good."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    note = tmp_path / "held"
    args = [*command.split(), "--db", str(large)]
    if command == "service status":  # no daemon answers there: its own database is read
        args += ["--port", str(_free_port())]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env.update(TMPDIR=str(temporary), HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "c"))

    def its_copy_is_there() -> None:
        [copy_folder] = temporary.iterdir()
        assert copy_folder.name.startswith("oxitrack-check-")

    code, said = stopped_while_held(
        [sys.executable, "-c", _HELD_ON_ITS_COPY, str(note), *args],
        note,
        sig,
        when_held=its_copy_is_there,
        env=env,
    )
    assert code == 130, said  # as Ctrl-C
    assert "Traceback" not in said
    assert list(temporary.iterdir()) == []


def test_backup_of_a_file_another_program_holds_says_it_waits_and_ends_on_ctrl_c(
    filled: Path, tmp_path: Path
):
    """Python's backup retried a locked source every 250 ms for ever, in C, deaf to Ctrl-C and
    saying nothing: ``oxitrack backup`` hung while another program held the database."""
    holder = sqlite3.connect(filled, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    copy = tmp_path / "copy.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "oxitrack", "backup", str(copy), "--db", str(filled)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        # A deadline, not a bare readline: the hang this test is about would hang it too.
        ready, _, _ = select.select([process.stderr], [], [], 30)
        assert ready, "the wait was never said"
        said = process.stderr.readline()
        assert said == (
            f"oxitrack: {filled} is locked (another program holds the database);"
            " waiting up to 120 s for it\n"
        )
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    finally:
        process.kill()
        process.communicate()
        holder.execute("ROLLBACK")
        holder.close()
    assert process.returncode == 130
    assert not [path.name for path in tmp_path.iterdir() if "copy" in path.name]  # nor a part


def test_backup_gives_up_on_a_file_held_longer_than_a_store_waits(
    filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from oxitrack.store import lock_wait, maintenance
    from oxitrack.store.sqlite_errors import DatabaseBusy

    monkeypatch.setattr(lock_wait, "OPEN_NOTICE_SECONDS", 0.0)
    monkeypatch.setattr(lock_wait, "OPEN_WAIT_SECONDS", 0.3)
    holder = sqlite3.connect(filled, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    copy = tmp_path / "copy.db"
    try:
        with pytest.raises(DatabaseBusy, match="another program has held it locked for 0 s"):
            maintenance.backup(filled, copy)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not [path.name for path in tmp_path.iterdir() if "copy" in path.name]
    maintenance.backup(filled, copy)  # once it is let go
    assert copy.exists()
