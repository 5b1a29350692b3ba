"""`oxitrack serve` as a user runs it: a real process, a real port, a real SQLite file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.daemon_process import DaemonProcess

pytestmark = pytest.mark.e2e

SEED_QUERY = (
    "SELECT project_path, MAX(last_heartbeat) - start_time FROM sessions GROUP BY project_path;"
)


def test_seed_validation_walkthrough(daemon: DaemonProcess):
    """The seed's step 1: beat with an HTTP client, see the row with the seed's sqlite3 query."""
    for timestamp in (1_764_100_000, 1_764_100_180):
        answer = httpx.post(
            f"{daemon.url}/beat", json={"project_path": "/code/oxitrack", "timestamp": timestamp}
        )
        assert answer.status_code == 200
    assert answer.json()["duration_seconds"] == 180
    with sqlite3.connect(daemon.db_path) as conn:
        assert conn.execute(SEED_QUERY).fetchall() == [("/code/oxitrack", 180)]


def _serve(*args: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", "serve", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_second_daemon_on_busy_port_exits_with_one_clear_line(daemon: DaemonProcess, tmp_path):
    result = _serve("--db", str(tmp_path / "other.db"), "--port", str(daemon.port))
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "content", [b"this is not sqlite" * 100, b"SQLite format 3\x00" + b"\xff" * 5000]
)
def test_corrupt_database_exits_with_one_clear_line(tmp_path: Path, content: bytes):
    db = tmp_path / "corrupt.db"
    db.write_bytes(content)
    result = _serve("--db", str(db), "--port", "0")
    assert result.returncode == 1
    assert "not a valid OxiTrack database" in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == content  # never "repaired" by overwriting


def test_unwritable_database_folder_exits_with_one_clear_line(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    result = _serve("--db", str(blocker / "sub" / "x.db"), "--port", "0")
    assert result.returncode == 1
    assert "cannot create the folder" in result.stderr
    assert "Traceback" not in result.stderr


def _as_a_user() -> list[str]:
    """A command prefix that runs without root's power to write any file (``setpriv`` drops the
    capabilities that bypass file modes), or nothing when the tests already run as a user."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux) to act as a user")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_database_file_that_cannot_be_written_exits_with_one_clear_line(tmp_path: Path):
    """A file already in WAL mode at the current schema needs no write to open: the daemon used
    to start, say it listened and answer /health, then refuse every beat with a 503."""
    db = tmp_path / "oxitrack.db"
    Store(db).close()
    db.chmod(0o444)
    before = db.read_bytes()
    result = subprocess.run(
        [*_as_a_user(), sys.executable, "-m", "oxitrack", "serve", "--db", str(db), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=15,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip().count("\n") == 0
    assert f"cannot write to {db}: attempt to write a readonly database" in result.stderr
    assert "check the file and folder permissions" in result.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "command", [("serve", "--port", "0"), ("projects", "--via", "file", "rename", "1", "x")]
)
def test_database_that_cannot_be_written_in_a_folder_that_cannot_either(tmp_path: Path, command):
    """A read-only file in a read-only folder (a snapshot, another account's data) fails on
    its -wal, not on a page: it used to say "cannot open" a file that opened and reads well."""
    folder = tmp_path / "snapshot"
    folder.mkdir()
    db = folder / "oxitrack.db"
    Store(db).close()
    db.chmod(0o444)
    folder.chmod(0o555)
    before = db.read_bytes()
    try:
        result = subprocess.run(
            [
                *_as_a_user(),
                sys.executable,
                "-m",
                "oxitrack",
                *command[:1],
                "--db",
                str(db),
                *command[1:],
            ],
            capture_output=True,
            text=True,
            timeout=15,
        )
    finally:
        folder.chmod(0o755)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith(f"oxitrack: cannot write to {db}: attempt to write a readonly")
    assert "check the file and folder permissions" in result.stderr
    assert db.read_bytes() == before


def test_database_path_that_is_a_folder_exits_with_one_clear_line(tmp_path: Path):
    result = _serve("--db", str(tmp_path), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "it is a folder" in result.stderr
    assert str(tmp_path / "oxitrack.db") in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["today"], ["check"]])
def test_a_fifo_or_device_given_as_database_is_one_clear_line_not_a_hang(
    tmp_path: Path, command: list[str]
):
    """SQLite waited for ever on a FIFO (opening it waits for a writer), and called
    ``/dev/null`` a "disk I/O error"."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a FIFO"), (Path(os.devnull), "a device")):
        result = subprocess.run(
            [sys.executable, "-m", "oxitrack", *command, "--db", str(path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr == (
            f"oxitrack: cannot open the database {path}: it is {kind}, not a file; give a file"
            " path\n"
        )


def test_public_address_without_api_key_is_refused(tmp_path: Path):
    result = _serve("--db", str(tmp_path / "x.db"), "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2
    assert "API key" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_default_database_goes_to_user_data_folder(tmp_path: Path):
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    process = DaemonProcess(None, env=env).start()
    try:
        expected = tmp_path / "data" / "oxitrack" / "oxitrack.db"
        assert expected.exists()
        httpx.post(f"{process.url}/beat", json={"project_path": "/code/x"}).raise_for_status()
        with sqlite3.connect(expected) as conn:
            assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (1,)
    finally:
        process.kill()


@pytest.mark.parametrize("read_before", [False, True], ids=["reader-not-open", "reader-open"])
def test_a_daemon_stops_once_a_newer_oxitrack_upgraded_its_database(
    daemon: DaemonProcess, read_before: bool
):
    """After a package upgrade, the new version's first command upgrades the file while the old
    daemon still runs: the old code must not go on writing a schema it does not know. It stops
    with a reason and a non-zero status, so that a service starts it again with the new code."""
    from oxitrack.store.schema import SCHEMA_VERSION

    if read_before:
        assert httpx.get(f"{daemon.url}/today").status_code == 200
    with sqlite3.connect(daemon.db_path) as newer:
        newer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    assert daemon.process is not None
    assert daemon.process.wait(timeout=15) == 1
    said = "".join(daemon.stderr_lines)
    assert f"a newer OxiTrack upgraded {daemon.db_path} (schema {SCHEMA_VERSION + 1}" in said
    assert "start the daemon again" in said
    assert "Traceback" not in said


@pytest.mark.parametrize(
    "how",
    [
        "folder-removed",
        "backup-moved-over",
        "backup-moved-over-alone",
        "file-moved-away",
        "file-moved-alone",
    ],
    ids=str,
)
def test_a_daemon_whose_database_was_removed_or_replaced_keeps_no_beat_it_would_lose(
    tmp_path: Path, how: str
):
    """Deleting the data folder to start over, moving a backup over the file, or moving the
    file and its side files elsewhere (to give it to ``--db`` there) while the daemon runs: its
    open file is then one nothing reads. A beat must get a 503 (the editor keeps it and sends it
    again), never a 200 for a beat that is gone; the daemon stops, and once started again it
    records into the file now at the path, or a new one: the daemon stopping leaves no empty
    file there that the next start would refuse.

    ``-alone``: the file moved as users move one file (`mv backup.db oxitrack.db`, `mv
    oxitrack.db elsewhere/`), the daemon's -wal and -shm left at the path. The restart found
    the old -wal beside the backup and refused the backup as malformed (a service failed five
    times), and a file moved away alone lacked the beats its -wal held: the daemon stopping
    copies its WAL into the file it has open, wherever that is now, and removes its own side
    files."""
    folder = tmp_path / "data"
    db = folder / "oxitrack.db"
    replaced = how.startswith("backup-moved-over")
    moved_away = how.startswith("file-moved")
    elsewhere = tmp_path / "elsewhere"
    daemon = DaemonProcess(db).start()
    try:
        beat = {"project_path": "/code/kept", "timestamp": 1_764_100_000}
        assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200
        if moved_away:
            elsewhere.mkdir()
            for suffix in ("", "-wal", "-shm") if how == "file-moved-away" else ("",):
                Path(f"{db}{suffix}").rename(elsewhere / f"oxitrack.db{suffix}")
        elif replaced:
            backup = tmp_path / "backup.db"
            with Store(backup) as restored:
                restored.record_beat(Beat(project_path="/code/restored", timestamp=1_764_000_000))
            backup.replace(db)
            if how == "backup-moved-over":
                for suffix in ("-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
        else:
            shutil.rmtree(folder)
        late = {"project_path": "/code/kept", "timestamp": 1_764_100_060}
        answer = httpx.post(f"{daemon.url}/beat", json=late)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "store_unavailable"
        assert "removed or replaced" in answer.json()["message"]
        assert daemon.wait_exit(timeout=15) == 1
        said = "".join(daemon.stderr_lines)
        assert f"the database {db} was removed or replaced while the daemon ran" in said
        assert "Traceback" not in said
        # Its own side files left the path with it: by the rule that they were there when it
        # opened them (or made by it since), not by their name.
        assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
        daemon.start()  # as a service manager would
        assert httpx.post(f"{daemon.url}/beat", json=late).status_code == 200
    finally:
        daemon.kill()
    with Store(db, read_only=True) as store:
        projects = {session.project_path for session in store.sessions()}
    assert projects == ({"/code/restored", "/code/kept"} if replaced else {"/code/kept"})
    if moved_away:
        # The file moved keeps what it held (the 503'd beat too, committed before the check).
        with Store(elsewhere / "oxitrack.db", read_only=True) as moved:
            assert [s.start_time for s in moved.sessions()] == [1_764_100_000]


def test_a_backup_moved_over_with_its_own_wal_keeps_it(tmp_path: Path):
    """A backup copied with its -wal and -shm (taken while a program had it open) and moved
    over the daemon's three files: the daemon stopping takes away only the side files it
    opened itself; the backup's -wal, where its latest beat is, stays for the restart."""
    db = tmp_path / "oxitrack.db"
    daemon = DaemonProcess(db).start()
    try:
        beat = {"project_path": "/code/kept", "timestamp": 1_764_100_000}
        assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200
        backup = tmp_path / "backup.db"
        with Store(backup) as restored:
            restored.record_beat(Beat(project_path="/code/restored", timestamp=1_764_000_000))
            copies = {suffix: tmp_path / f"copy{suffix}" for suffix in ("", "-wal", "-shm")}
            for suffix, copy in copies.items():
                shutil.copyfile(f"{backup}{suffix}", copy)
        assert copies["-wal"].stat().st_size > 0  # the beat is in the -wal, not yet in the file
        for suffix, copy in copies.items():
            copy.replace(f"{db}{suffix}")
        backup_wal = os.stat(f"{db}-wal")
        late = {"project_path": "/code/kept", "timestamp": 1_764_100_060}
        assert httpx.post(f"{daemon.url}/beat", json=late).status_code == 503
        assert daemon.wait_exit(timeout=15) == 1
        kept = os.stat(f"{db}-wal")
        assert (kept.st_ino, kept.st_size) == (backup_wal.st_ino, backup_wal.st_size)
        daemon.start()
        assert httpx.post(f"{daemon.url}/beat", json=late).status_code == 200
    finally:
        daemon.kill()
    with Store(db, read_only=True) as store:
        projects = {session.project_path for session in store.sessions()}
    assert projects == {"/code/restored", "/code/kept"}


def test_a_file_moved_alone_while_read_leaves_the_side_files_the_reader_uses(tmp_path: Path):
    """A program reading the database (``sqlite3 oxitrack.db``) when it is moved away alone
    and the daemon stops: every beat goes into the moved file, but the -wal and -shm stay at
    the path, where the reader still reads through them (removed, the next program would make
    a second index of a WAL that one is using)."""
    db = tmp_path / "oxitrack.db"
    elsewhere = tmp_path / "elsewhere.db"
    daemon = DaemonProcess(db).start()
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        beat = {"project_path": "/code/kept", "timestamp": 1_764_100_000}
        assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM sessions").fetchone() == (1,)
        db.rename(elsewhere)
        assert daemon.stop() == 0
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
        assert reader.execute("SELECT count(*) FROM sessions").fetchone() == (1,)
    finally:
        reader.close()
        daemon.kill()
    with Store(elsewhere, read_only=True) as moved:
        assert [s.start_time for s in moved.sessions()] == [1_764_100_000]
