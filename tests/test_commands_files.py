"""Files the commands write (``commands/_files.py``), through real ``oxitrack`` processes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.ended_processes import ended_pid, left_long_ago, partial_name
from tests.stopped_commands import stopped_while_held
from tests.test_commands_maintenance import _BACKUP_HELD_BEFORE_RENAME


@pytest.mark.skipif(sys.platform == "win32", reason="nothing is removed on Windows")
def test_export_removes_what_a_killed_export_left_in_its_folder(tmp_path: Path):
    """A killed ``export -o`` leaves its partial file, as big as the export; the next export
    into that folder removes it, whatever pid it had."""
    db = tmp_path / "x.db"
    now = int(time.time())
    with Store(db) as store:
        store.record_beat(Beat(project_path="/code/a", timestamp=now - 60))
    out = tmp_path / "out"
    out.mkdir()
    left = out / partial_name(ended_pid())
    left.write_text("start_time,end_time\n" * 1000)
    left_long_ago(left)
    unrelated = out / "notes.csv"
    unrelated.write_text("mine")

    done = subprocess.run(
        [sys.executable, "-m", "oxitrack", "export", "--db", str(db), "-o", str(out / "new.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["new.csv", "notes.csv"]
    assert "/code/a" in (out / "new.csv").read_text()
    assert unrelated.read_text() == "mine"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("command", ["backup", "export"])
def test_a_write_stopped_by_a_signal_removes_its_partial_file(
    tmp_path: Path, command: str, sig: str
):
    """`timeout`, `kill`, systemd stopping a timer's job (SIGTERM) or a closed terminal
    (SIGHUP) ended the process on the spot: its partial copy, as big as the database, stayed
    in the folder for an hour. They now stop it as Ctrl-C does, which removes it. The process
    is held just before its rename (its copy is whole), and stopped there."""
    db = tmp_path / "x.db"
    now = int(time.time())
    with Store(db) as store:
        store.record_beats([Beat(f"/code/p{i % 7}", now - 100_000 + i * 40) for i in range(2000)])
    out = tmp_path / "out"
    out.mkdir()
    target = out / ("copy.db" if command == "backup" else "copy.csv")
    args = (
        ["backup", str(target), "--db", str(db)]
        if command == "backup"
        else ["export", "--db", str(db), "-o", str(target)]
    )
    note = tmp_path / "held"

    def the_partial_is_there() -> None:
        assert Path(note.read_text()).exists()

    code, said = stopped_while_held(
        [sys.executable, "-c", _BACKUP_HELD_BEFORE_RENAME, str(note), *args],
        note,
        sig,
        when_held=the_partial_is_there,
    )
    assert code == 130, said  # as Ctrl-C
    assert "Traceback" not in said
    assert sorted(p.name for p in out.iterdir()) == []


# Logs each os.fsync and os.replace, with the file, in the order made.
_LOG_FSYNC_AND_REPLACE = """
import os, sys
fsync, replace = os.fsync, os.replace
def logged_fsync(fd):
    sys.stderr.write(f"fsync {os.readlink(f'/proc/self/fd/{fd}')}\\n")
    return fsync(fd)
def logged_replace(source, target):
    sys.stderr.write(f"replace {os.fspath(source)}\\n")
    return replace(source, target)
os.fsync, os.replace = logged_fsync, logged_replace
from oxitrack.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="names descriptors through /proc")
def test_export_reaches_the_disk_before_it_takes_the_files_name(tmp_path: Path):
    """A power cut after the rename, on a file system that kept it but not the data, showed a
    cut or empty export under the final name; a CSV cut at a line's end passes for whole."""
    db = tmp_path / "x.db"
    with Store(db) as store:
        store.record_beat(Beat(project_path="/code/a", timestamp=int(time.time()) - 60))
    target = tmp_path / "out.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _LOG_FSYNC_AND_REPLACE,
            "export",
            "--db",
            str(db),
            "-o",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [replaced] = [line for line in done.stderr.splitlines() if line.startswith("replace ")]
    partial = replaced.removeprefix("replace ")
    lines = done.stderr.splitlines()
    assert f"fsync {partial}" in lines[: lines.index(replaced)]
