"""Reports on a database in a folder this user cannot write: a snapshot or a backup of the data
folder (btrfs, ZFS, a read-only mount), or another account's data.

SQLite reads a WAL-mode file only through its ``-shm`` (and ``-wal``): when these are missing
and cannot be made, a plain read-only connection fails ("attempt to write a readonly
database"). The reports must still read the file, change none of its files, and show what the
``-wal`` holds. The commands run in a real process without root's power to write any file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.conftest import NOW
from tests.stopped_commands import stopped_while_held

FIXTURES = Path(__file__).parent / "fixtures"
BEATS = [
    Beat("/code/app", NOW - 7200),
    Beat("/code/app", NOW - 7000),
    Beat("/code/lib", NOW - 3600),
    Beat("/code/lib", NOW - 3000),
]
LATE_BEAT = Beat("/code/app", NOW - 600)


def _as_a_user() -> list[str]:
    """A command prefix that runs without root's power to write (or read) any file, or nothing
    when the tests already run as a user."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux) to act as a user")
    dropped = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--bounding-set={dropped}", f"--inh-caps={dropped}"]


def _oxitrack(db: Path, *args: str, as_user: bool = True) -> subprocess.CompletedProcess[str]:
    prefix = _as_a_user() if as_user else []
    command = [*prefix, sys.executable, "-m", "oxitrack", *args, "--db", str(db)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _files(folder: Path) -> dict[str, str]:
    """Every file of the folder, by name, with a digest of its bytes."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir()}


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """An empty folder, made read-only (mode 555) once filled, writable again afterwards so
    that pytest can remove it."""
    folder = tmp_path / "snapshot"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)


def _reports(db: Path, *, as_user: bool) -> list[str]:
    """What each report command prints for ``db``; each must succeed."""
    outputs = []
    for command in (
        ["export", "--format", "json"],
        ["sessions", "--json", "--tz", "UTC", "--from", "2025-11-01", "--to", "2025-11-30"],
        ["projects", "--json"],
        ["report", "--json", "--tz", "UTC", "--from", "2025-11-01", "--to", "2025-11-30"],
        ["today", "--json", "--tz", "UTC"],
    ):
        done = _oxitrack(db, *command, as_user=as_user)
        assert (done.returncode, done.stderr) == (0, ""), command
        outputs.append(done.stdout)
    return outputs


def _fill(db: Path, *, keep_open: bool) -> Store | None:
    """A database with BEATS, cleanly closed (no -wal nor -shm left), or left open as a
    running daemon leaves it (its -wal and -shm in place) and returned."""
    store = Store(db)
    store.record_beats(BEATS)
    if keep_open:
        return store
    store.close()
    return None


@pytest.mark.parametrize("side_files", [(), ("-wal", "-shm"), ("-wal",)], ids=str)
def test_reports_read_a_wal_database_in_a_folder_they_cannot_write(
    tmp_path: Path, read_only_folder: Path, side_files: tuple[str, ...]
):
    """Cleanly closed, as a running (or killed) daemon leaves it, or with its -wal alone (the
    -shm is not worth keeping in a backup): the reports show every session, the -wal's
    included, and leave every file as it was."""
    original = tmp_path / "ox.db"
    running = _fill(original, keep_open=bool(side_files))
    for suffix in ("", *side_files):
        shutil.copyfile(f"{original}{suffix}", read_only_folder / f"ox.db{suffix}")
    if running is not None:
        assert (read_only_folder / "ox.db-wal").stat().st_size > 0  # the sessions are in it
        running.close()
    read_only_folder.chmod(0o555)
    before = _files(read_only_folder)

    assert _reports(read_only_folder / "ox.db", as_user=True) == _reports(original, as_user=False)
    assert _files(read_only_folder) == before


def test_reports_in_a_folder_they_cannot_write_show_each_new_commit(
    tmp_path: Path, read_only_folder: Path
):
    """Another program (the folder's owner) writing the file while reports read it: each
    report shows what was committed before it started, never an older state."""
    db = read_only_folder / "ox.db"
    writer = _fill(db, keep_open=True)
    assert writer is not None
    read_only_folder.chmod(0o555)
    try:
        first = _oxitrack(db, "export", "--format", "csv")
        assert first.returncode == 0, first.stderr
        assert len(first.stdout.splitlines()) == 1 + 2  # the header, then the sessions
        writer.record_beat(LATE_BEAT)
        second = _oxitrack(db, "export", "--format", "csv")
        assert second.returncode == 0, second.stderr
        assert len(second.stdout.splitlines()) == 1 + 3
    finally:
        writer.close()


def test_reports_read_an_older_schema_they_cannot_upgrade_from_an_upgraded_copy(
    tmp_path: Path, read_only_folder: Path
):
    """A snapshot taken before an upgrade: the report upgrades a private copy (saying so once)
    and reads it, as it would have read the file upgraded in place."""
    old = FIXTURES / "oxitrack-v1.db"
    upgraded = tmp_path / "upgraded.db"
    shutil.copyfile(old, upgraded)
    Store(upgraded).close()
    shutil.copyfile(old, read_only_folder / "ox.db")
    read_only_folder.chmod(0o555)
    before = _files(read_only_folder)

    done = _oxitrack(read_only_folder / "ox.db", "export", "--format", "json")

    assert done.returncode == 0
    assert done.stdout == _oxitrack(upgraded, "export", "--format", "json").stdout
    assert done.stdout.count('"session_id"') > 0
    [note] = done.stderr.splitlines()
    assert note.endswith(
        "ox.db is from an older OxiTrack and cannot be written here to upgrade it: reading an"
        " upgraded private copy (any command run by its owner upgrades it)"
    )
    assert _files(read_only_folder) == before


def test_no_room_for_the_private_copy_is_one_clear_line(tmp_path: Path, read_only_folder: Path):
    """A cleanly closed file is read from a private copy: with no room for it in the temporary
    folder, the report says so in one line, and leaves the file as it was."""
    _fill(read_only_folder / "ox.db", keep_open=False)
    read_only_folder.chmod(0o555)
    before = _files(read_only_folder)
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # no room for the copy\n"
        "from oxitrack.cli import main\n"
        f"sys.exit(main(['export', '--db', {str(read_only_folder / 'ox.db')!r}]))\n"
    )
    done = subprocess.run(
        [*_as_a_user(), sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert (
        done.stderr
        == f"oxitrack: cannot copy {read_only_folder / 'ox.db'} to read it: File too large\n"
    )
    assert _files(read_only_folder) == before


_HELD_WHILE_READING = """
import sys
import time
from oxitrack.cli import main
from oxitrack.store import Store

read = Store.read

def held_read(self, fn, **kwargs):
    with open(sys.argv[1], "w") as note:
        note.write("reading")
    sys.stdin.read()
    return read(self, fn, **kwargs)

Store.read = held_read
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("command", ["today", "report", "export", "sessions", "projects"])
def test_a_report_stopped_by_a_signal_leaves_no_copy_in_the_temporary_folder(
    tmp_path: Path, read_only_folder: Path, command: str, sig: str
):
    """A cleanly closed file in a folder the user cannot write is read from a private copy.
    Ctrl-C removed it; `timeout`, `kill` or a closed terminal left it there, as big as the
    database, for good: a status bar stopped that way left one each time."""
    db = read_only_folder / "ox.db"
    _fill(db, keep_open=False)
    read_only_folder.chmod(0o555)
    temporary = tmp_path / "tmp"
    temporary.mkdir(mode=0o777)
    temporary.chmod(0o777)  # the user the command runs as writes there
    note = temporary / "reading"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env.update(TMPDIR=str(temporary))
    script = [sys.executable, "-c", _HELD_WHILE_READING, str(note), command, "--db", str(db)]

    def its_copy_is_there() -> None:
        copies = [path for path in temporary.iterdir() if path != note]
        assert [path.name[:15] for path in copies] == ["oxitrack-check-"]

    code, said = stopped_while_held(
        [*_as_a_user(), *script], note, sig, when_held=its_copy_is_there, env=env
    )
    assert code == 130, said  # as Ctrl-C
    assert "Traceback" not in said
    assert list(temporary.iterdir()) == [note]
