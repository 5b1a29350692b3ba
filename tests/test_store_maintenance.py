"""Backups, checks and counts on real SQLite files, healthy and deliberately damaged."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import stat
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.errors import StoreError
from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.checks import check
from oxitrack.store.maintenance import backup, database_stats
from oxitrack.store.schema import SCHEMA_VERSION
from tests.conftest import NOW
from tests.daemon_process import DaemonProcess
from tests.ended_processes import ended_pid, left_long_ago, partial_name

SEED_FIXTURE = Path(__file__).parent / "fixtures" / "seed-v0.db"


@pytest.fixture
def filled(db_path: Path) -> Path:
    """40 folders with 10 sessions each, 40 000 s apart; one more session in /code/p0."""
    with Store(db_path) as store:
        store.record_beats(
            [Beat(f"/code/p{i % 40}", NOW - 400_000 + i * 1000) for i in range(400)]
            + [Beat("/code/p0", NOW - 1)]
        )
    return db_path


def damage(path: Path) -> None:
    """Scribble over the cell pointers of one leaf page of ``sessions``, as a bad sector would.

    The leaf is the first child of the table's root page, so the damage hits session rows and
    not the schema, whatever else the file holds.
    """
    conn = sqlite3.connect(path)
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sessions'").fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    root_at = (root - 1) * page_size
    assert data[root_at] == 0x05, "sessions must span several pages (an interior root page)"
    first_cell = int.from_bytes(data[root_at + 12 : root_at + 14], "big")
    leaf = int.from_bytes(data[root_at + first_cell : root_at + first_cell + 4], "big")
    leaf_at = (leaf - 1) * page_size
    assert data[leaf_at] == 0x0D  # a table leaf page
    data[leaf_at + 8 : leaf_at + 200] = b"\xde\xad\xbe\xef" * 48
    path.write_bytes(bytes(data))


def raw(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def test_stats_count_what_is_stored(filled: Path):
    stats = database_stats(filled)
    assert (stats.session_count, stats.project_count, stats.beat_count) == (401, 40, 401)
    assert (stats.first_beat, stats.last_beat) == (NOW - 400_000, NOW - 1)
    assert stats.schema_version == SCHEMA_VERSION
    assert stats.size_bytes > 0


def test_stats_of_a_missing_file_do_not_create_it(tmp_path: Path):
    with pytest.raises(StoreError, match="no database at"):
        database_stats(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_backup_is_a_complete_single_file_copy(filled: Path, tmp_path: Path):
    copy = tmp_path / "copy.db"
    stats = backup(filled, copy)
    assert stats.session_count == 401
    assert sorted(tmp_path.iterdir()) == sorted(
        [filled, copy, *filled.parent.glob("oxitrack.db-*")]
    )
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.close()
    with Store(filled, read_only=True) as original, Store(copy, read_only=True) as copied:
        assert copied.sessions() == original.sessions()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_backup_is_private_even_of_a_database_readable_by_all(
    filled: Path, tmp_path: Path, umask_022
):
    filled.chmod(0o644)
    copy = tmp_path / "copy.db"
    copy.write_bytes(b"last night's copy")
    copy.chmod(0o644)
    backup(filled, copy)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600


def test_backup_of_a_damaged_file_keeps_the_previous_backup(filled: Path, tmp_path: Path):
    copy = tmp_path / "copy.db"
    backup(filled, copy)
    good = copy.read_bytes()
    damage(filled)
    with pytest.raises(StoreError, match="fails SQLite's check"):
        backup(filled, copy)
    assert copy.read_bytes() == good
    assert not list(tmp_path.glob(".oxitrack-partial-*"))


# Runs in a child process: the file size limit stands for a full disk, and must not reach the
# test runner's own files. A small page cache makes the copy spill pages (and its journal) to
# disk early, as a large database does. One attempt per limit, each into its own file.
_FULL_DISK = """
import os, resource, signal, sqlite3, sys
from pathlib import Path
from oxitrack.errors import StoreError
from oxitrack.store.maintenance import backup

source, folder = Path(sys.argv[1]), Path(sys.argv[2])
connect = sqlite3.connect

def small_cache(path, *args, **kwargs):
    conn = connect(path, *args, **kwargs)
    if ".oxitrack-partial-" in str(path):
        conn.execute("PRAGMA cache_size = 5")
    return conn

sqlite3.connect = small_cache
removed = []
unlink = os.unlink

def noting_unlink(path, *args, **kwargs):
    unlink(path, *args, **kwargs)
    removed.append(os.fspath(path))

os.unlink = noting_unlink
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
limits = range(1024, source.stat().st_size, 1024)
failed = 0
for limit in limits:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        backup(source, folder / f"copy-{limit}.db")
    except StoreError:
        failed += 1
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
print(len(limits), failed, sum(name.endswith("-journal") for name in removed))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="file size limits are POSIX")
def test_a_backup_that_fails_on_a_full_disk_leaves_no_partial_files(filled: Path, tmp_path: Path):
    """A write error mid-copy left ``.oxitrack-partial-PID-journal`` behind, one per attempt."""
    # A WAL-mode file with no -wal beside it is first copied to a private folder to be read,
    # which the size limit would stop first: a rollback-mode source (a backup) is read in place.
    raw(filled, "PRAGMA journal_mode = DELETE")
    folder = tmp_path / "backups"
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(filled), str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    attempts, failed, journals_removed = map(int, done.stdout.split())
    assert failed == attempts > 0
    assert sorted(folder.iterdir()) == []
    assert journals_removed > 0, "no attempt failed after SQLite had written its journal"


def test_a_backup_whose_last_write_finds_the_disk_full_says_so(
    filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """On a disk that allocates late (NFS, some FUSE mounts) the copy's writes succeed and its
    fsync is what fails, as an OSError: that full disk is said as SQLite's is, and last
    night's copy stays. (The fsync's answer is the one edge here that cannot be made real.)"""
    target = tmp_path / "nightly.db"
    target.write_text("last night")

    def full_disk(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(StoreError) as refused:
        backup(filled, target)
    assert f"the disk of {tmp_path} is full" in str(refused.value)
    assert sorted(path.name for path in tmp_path.iterdir() if path.name != filled.name) == [
        "nightly.db"
    ]
    assert target.read_text() == "last night"


@pytest.mark.skipif(sys.platform == "win32", reason="nothing is removed on Windows")
def test_backup_leaves_partials_of_live_programs_and_every_other_file(filled: Path, tmp_path: Path):
    """Only what a program that has ended left (its partial copy, the journal beside it) is
    removed: never a file of a program at work, another machine's, a link, nor another name."""
    folder = tmp_path / "backups"
    (folder / "sub").mkdir(parents=True)
    ended = ended_pid()
    precious = tmp_path / "precious"
    precious.write_text("keep")
    with subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    ) as live:
        try:
            removed = [
                partial_name(ended),
                partial_name(ended) + "-journal",
                f".oxitrack-partial-{ended}",  # as names were before they held the machine's
                f".oxitrack-partial-{ended}-wal",
            ]
            kept = [
                partial_name(live.pid),  # a backup at work
                partial_name(live.pid) + "-journal",
                partial_name(1),  # init: alive (and another user's, unless we are root)
                partial_name(9_999_999_999),  # no process can have that pid
                f".oxitrack-partial-other-machine-{ended}",  # a shared folder's other writer
                partial_name(ended) + ".bak",
                partial_name(ended) + "-journal.old",
                partial_name(ended)[1:],
                f".oxitrack-partial-0{ended}",
                f".oxitrack-partial-{ended}x",
                f"sub/{partial_name(ended)}",  # only the backup's own folder is looked at
            ]
            for name in removed + kept:
                (folder / name).write_bytes(b"x")
            (folder / f"{partial_name(ended)}-wal").mkdir()
            (folder / f"{partial_name(ended)}-shm").symlink_to(precious)
            left_long_ago(*folder.rglob("*"))
            backup(filled, folder / "copy.db")
            left = sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))
            assert live.poll() is None, "asking whether a program lives must not end it"
        finally:
            live.kill()
            live.wait(30)
    odd = [f"{partial_name(ended)}-wal", f"{partial_name(ended)}-shm", "sub"]
    assert left == sorted([*kept, *odd, "copy.db"])
    assert precious.read_text() == "keep"
    assert database_stats(folder / "copy.db").session_count == 401


@pytest.mark.skipif(sys.platform == "win32", reason="nothing is removed on Windows")
def test_a_partial_written_to_lately_is_left_for_a_later_backup(filled: Path, tmp_path: Path):
    """Its pid is no process here, but a folder may be shared with a machine that names itself
    alike, or that writes the older names: a file it wrote lately may be its backup at work."""
    folder = tmp_path / "backups"
    folder.mkdir()
    ended = ended_pid()
    recent = [folder / partial_name(ended), folder / f".oxitrack-partial-{ended}"]
    for path in recent:
        path.write_bytes(b"x")
    backup(filled, folder / "copy.db")
    assert all(path.exists() for path in recent)
    left_long_ago(*recent)  # a day later: nothing wrote to them since
    backup(filled, folder / "copy.db")
    assert sorted(path.name for path in folder.iterdir()) == ["copy.db"]


_NOBODY = 65534


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() != 0, reason="runs a backup as another user"
)
def test_backup_as_another_user_leaves_roots_files_and_partials_alone(filled: Path):
    """A partial named for a live process of another user (``os.kill`` says PermissionError)
    is kept, and so is one of another user whose process has ended: only our own go."""
    # pytest's own temporary folders are readable by root only.
    shared = Path(tempfile.mkdtemp(prefix="oxitrack-"))
    try:
        shared.chmod(0o755)
        db = shared / "ox.db"
        shutil.copyfile(filled, db)
        raw(db, "PRAGMA journal_mode = DELETE")  # read in place, not through a private copy
        folder = shared / "backups"
        folder.mkdir()
        for path in (db, folder):
            os.chown(path, _NOBODY, _NOBODY)
        ended = ended_pid()
        of_a_live_root_process = folder / partial_name(os.getpid())
        of_an_ended_one = folder / partial_name(ended)
        roots = folder / f".oxitrack-partial-{ended}"
        for path in (of_a_live_root_process, of_an_ended_one, roots):
            path.write_bytes(b"x")
        for path in (of_a_live_root_process, of_an_ended_one):
            os.chown(path, _NOBODY, _NOBODY)
        left_long_ago(of_a_live_root_process, of_an_ended_one, roots)
        # A child of this process, made nobody: the interpreter's own folder may be root's only.
        problem = shared / "problem"
        problem.touch()
        os.chown(problem, _NOBODY, _NOBODY)
        child = os.fork()
        if child == 0:
            try:
                os.setgroups([])
                os.setgid(_NOBODY)
                os.setuid(_NOBODY)
                backup(db, folder / "copy.db")
            except BaseException as exc:
                problem.write_text(repr(exc))
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0, problem.read_text()
        assert (folder / "copy.db").stat().st_uid == _NOBODY
        assert sorted(path.name for path in folder.iterdir()) == sorted(
            [of_a_live_root_process.name, roots.name, "copy.db"]
        )
    finally:
        shutil.rmtree(shared)


def test_check_of_a_healthy_database(filled: Path):
    report = check(filled)
    assert report.problems == [] and report.notes == []
    assert report.stats is not None and report.stats.session_count == 401


def test_check_of_a_damaged_file_says_so(filled: Path):
    damage(filled)
    report = check(filled)
    [problem] = report.problems
    # Depending on the page hit, the integrity check lists faults or SQLite stops reading.
    assert problem.startswith(
        ("SQLite's integrity check finds the file damaged: ", "SQLite cannot read the file: ")
    )
    assert "damaged" in problem and "Restore a backup" in problem


def test_check_of_a_file_that_is_no_database(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("just some text " * 500)
    [problem] = check(path).problems
    assert "not a database" in problem


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ("CREATE TABLE foo (x)", "it has other tables: foo"),
        ("CREATE TABLE sessions (id INTEGER PRIMARY KEY, title TEXT)", "sessions table"),
    ],
)
def test_check_of_another_programs_database_says_whose_it_is_not(
    tmp_path: Path, schema: str, words: str
):
    """Not "restore a backup" nor "the daemon upgrades it": the daemon refuses such a file."""
    path = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(schema)
        conn.commit()
    [problem] = check(path).problems
    assert problem.startswith("this is not an OxiTrack database: ")
    assert words in problem


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        (
            "INSERT INTO sessions (project_path, start_time, last_heartbeat)"
            f" VALUES ('/code/p0', {NOW - 400_000 - 5}, {NOW - 400_000 + 5})",
            "overlaps the one before it",
        ),
        (
            "INSERT INTO sessions (project_path, start_time, last_heartbeat)"
            f" VALUES ('/code/p0', {NOW - 400_000 + 100}, {NOW - 400_000 + 200})",
            "starts 100 s after the one before",
        ),
        (
            "INSERT INTO sessions (project_path, start_time, last_heartbeat)"
            f" VALUES ('/code/zz', {NOW}, {NOW - 5})",
            "end before they start",
        ),
        (
            "INSERT INTO sessions (project_path, start_time, last_heartbeat)"
            f" VALUES ('/code/unregistered', {NOW}, {NOW})",
            "1 folder(s) with sessions belong to no project",
        ),
        (
            "UPDATE project_paths SET project_id = 999 WHERE project_path = '/code/p1'",
            "point at a project that does not exist",
        ),
    ],
    ids=["overlap", "too close", "backwards", "unregistered folder", "dangling project"],
)
def test_check_finds_inconsistent_rows(filled: Path, statement: str, words: str):
    raw(filled, statement)
    report = check(filled)
    assert any(words in problem for problem in report.problems), report.problems


def test_check_notes_an_older_schema_and_an_empty_project(filled: Path):
    raw(filled, "INSERT INTO projects (id, name) VALUES (500, 'orphan')")
    assert check(filled).notes == ["1 project(s) have no folder left"]
    raw(filled, "PRAGMA user_version = 1")
    report = check(filled)
    assert report.problems == []
    assert f"schema 1 is older than {SCHEMA_VERSION}" in report.notes[0]


def test_check_refuses_a_newer_schema(filled: Path):
    raw(filled, "PRAGMA user_version = 99")
    assert "newer than this OxiTrack knows" in check(filled).problems[0]


def test_check_only_reads(filled: Path):
    raw(filled, "PRAGMA user_version = 1")
    before = filled.read_bytes()
    check(filled)
    assert filled.read_bytes() == before


def test_check_lists_the_faults_of_a_damaged_table(db_path: Path):
    with Store(db_path) as store:
        store.record_beats(
            [Beat(f"/code/p{i % 50}", NOW - 3_100_000 + i * 1000) for i in range(3000)]
        )
    damage(db_path)
    [problem] = check(db_path).problems
    assert problem.startswith("SQLite's integrity check finds the file damaged: On tree page ")
    assert "more)." in problem


@pytest.mark.parametrize(
    ("error", "restore"),
    [
        ("unable to open database file", False),
        ("attempt to write a readonly database", False),
        ("database disk image is malformed", True),
        ("file is not a database", True),
    ],
)
def test_check_advises_a_restore_only_for_a_damaged_file(error: str, restore: bool):
    """A whole file on a read-only disk must not send its owner to restore a backup over it."""
    from oxitrack.store.checks import _advice

    assert ("Restore a backup" in _advice(sqlite3.OperationalError(error))) is restore


# -- a killed daemon's files ------------------------------------------------------------------

OLD_SESSIONS = 20  # in the database file itself, from before the daemon started
NEW_SESSIONS = 200  # beats 1000 s apart through a real daemon, each its own session and commit


def kill_a_daemon(folder: Path) -> Path:
    """The files a real daemon leaves in ``folder`` when killed (SIGKILL): the database, its
    -shm, and a -wal holding every beat it acknowledged (fewer than 30 s: no checkpoint ran)."""
    db = folder / "ox.db"
    with Store(db) as store:
        store.record_beats(
            [Beat("/code/old", NOW - 900_000 + i * 1000) for i in range(OLD_SESSIONS)]
        )
    daemon = DaemonProcess(db).start()
    start = int(time.time()) - 30 * 86_400
    try:
        with httpx.Client(base_url=daemon.url) as client:
            for i in range(NEW_SESSIONS):
                beat = {"project_path": "/code/new", "timestamp": start + i * 1000}
                client.post("/beat", json=beat).raise_for_status()
    finally:
        daemon.kill()
    return db


@pytest.fixture(scope="module")
def killed_daemon(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kill_a_daemon(tmp_path_factory.mktemp("killed"))


@pytest.fixture
def killed(killed_daemon: Path, tmp_path: Path) -> Path:
    """A copy of the killed daemon's files, for one test to do as it likes with."""
    folder = tmp_path / "data"
    shutil.copytree(killed_daemon.parent, folder)
    return folder / killed_daemon.name


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_killed_daemons_beats_are_in_its_wal_only(killed: Path):
    """What the tests below rely on: the -wal holds what the database file does not."""
    assert sorted(files_of(killed.parent)) == ["ox.db", "ox.db-shm", "ox.db-wal"]
    uri = f"{killed.as_uri()}?immutable=1"  # reads the file alone, ignoring its -wal
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (OLD_SESSIONS,)


def test_check_and_stats_leave_a_killed_daemons_files_as_they_were(killed: Path):
    """A read/write connection's close folded the -wal into the file and deleted the -wal and
    -shm; one opened read-only rebuilt the -shm."""
    before = files_of(killed.parent)
    report = check(killed)
    assert report.problems == []
    assert report.stats is not None
    assert report.stats.session_count == OLD_SESSIONS + NEW_SESSIONS
    assert database_stats(killed).session_count == OLD_SESSIONS + NEW_SESSIONS
    assert files_of(killed.parent) == before


def test_backup_of_a_killed_daemons_files_copies_what_is_only_in_the_wal(
    killed: Path, tmp_path: Path
):
    before = files_of(killed.parent)
    copy = tmp_path / "copy.db"
    assert backup(killed, copy).session_count == OLD_SESSIONS + NEW_SESSIONS
    assert files_of(killed.parent) == before
    with Store(copy, read_only=True) as copied:
        new = [s.start_time for s in copied.sessions() if s.project_path == "/code/new"]
    assert len(new) == NEW_SESSIONS


@pytest.mark.parametrize("left", [["-wal"], []], ids=["wal without shm", "no side files"])
def test_check_reads_a_copy_where_sqlite_would_create_or_replay_files(
    killed: Path, tmp_path: Path, left: list[str]
):
    """Without its -shm, SQLite would make one and replay the -wal into the file; a WAL-mode
    file alone gets a -wal and -shm made beside it. Both are read from a private copy."""
    for suffix in {"-wal", "-shm"} - set(left):
        Path(f"{killed}{suffix}").unlink()
    before = files_of(killed.parent)
    report = check(killed)
    assert report.problems == []
    assert report.stats is not None
    assert report.stats.session_count == OLD_SESSIONS + (NEW_SESSIONS if left else 0)
    assert files_of(killed.parent) == before


# -- a damaged WAL ----------------------------------------------------------------------------


def wal_frames(wal: Path) -> list[tuple[int, bool, bool]]:
    """Each whole frame of ``wal``: its offset, whether it has the header's salts (the WAL's
    current generation), and whether it is a commit frame."""
    data = wal.read_bytes()
    (page_size,) = struct.unpack(">I", data[8:12])
    size = 24 + page_size
    return [
        (at, data[at + 8 : at + 16] == data[16:24], data[at + 4 : at + 8] != bytes(4))
        for at in range(32, len(data) - size + 1, size)
    ]


def flip(path: Path, at: int, count: int = 2) -> None:
    """Invert ``count`` bytes of ``path`` from offset ``at``, as a bad sector would change them."""
    data = bytearray(path.read_bytes())
    for i in range(at, at + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_check_says_what_a_damaged_wal_frame_hides(killed: Path):
    """SQLite reads the -wal up to its first damaged frame and skips the rest: check said OK,
    and its own close then checkpointed the shortened view and deleted the -wal."""
    wal = Path(f"{killed}-wal")
    frames = wal_frames(wal)
    assert all(current for _, current, _ in frames)
    middle = len(frames) // 2
    flip(wal, frames[middle][0] + 24 + 100)  # inside the frame's page
    hidden_commits = sum(commit for _, _, commit in frames[middle:])
    before = files_of(killed.parent)
    report = check(killed)
    [problem] = report.problems
    assert problem.startswith(f"{wal} holds writes SQLite cannot read: frame {middle + 1} is")
    assert f"skips the {len(frames) - middle - 1} frame(s) written after it" in problem
    assert f"({hidden_commits} commit(s): beats that were saved)" in problem
    assert f"keep a copy of {wal}" in problem
    assert files_of(killed.parent) == before
    # What SQLite reads lacks those commits: the frames are there, unread.
    assert database_stats(killed).session_count < OLD_SESSIONS + NEW_SESSIONS
    assert files_of(killed.parent) == before


def test_check_says_a_damaged_wal_header_hides_every_frame(killed: Path):
    wal = Path(f"{killed}-wal")
    frames = len(wal_frames(wal))
    flip(wal, 17)  # in salt-1: the header's checksum no longer holds
    [problem] = check(killed).problems
    assert f"its header is damaged, so SQLite reads none of the {frames} frame(s)" in problem
    assert database_stats(killed).session_count == OLD_SESSIONS


def test_check_takes_no_earlier_generation_nor_a_torn_last_frame_for_damage(
    db_path: Path, tmp_path: Path
):
    """After a rewind the -wal is written again from its start, and the frames of the earlier
    generation stay after the new ones; a crash may cut the last frame short. Neither hides a
    commit that was saved."""
    crash = tmp_path / "crash"
    crash.mkdir()
    with Store(db_path) as store:
        for i in range(100):
            store.record_beat(Beat("/code/a", NOW - 500_000 + i * 1000))
        store.checkpoint(rewind=True)
        for i in range(3):
            store.record_beat(Beat("/code/b", NOW - 100_000 + i * 1000))
        for suffix in ("", "-wal", "-shm"):  # while open and idle: what a kill would leave
            shutil.copyfile(f"{db_path}{suffix}", crash / f"ox.db{suffix}")
    copy = crash / "ox.db"
    frames = wal_frames(Path(f"{copy}-wal"))
    current = [at for at, same, _ in frames if same]
    assert 0 < len(current) < len(frames), "frames of the earlier generation should follow"
    assert check(copy).problems == []
    flip(Path(f"{copy}-wal"), current[-1] + 24 + 100)
    report = check(copy)
    assert report.problems == []
    assert report.stats is not None and report.stats.session_count == 102  # the last beat cut


# -- a file in use ----------------------------------------------------------------------------

# Holds the database locked until its standard input closes.
_HOLD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "exclusive-mode":
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO sessions (project_path, start_time, last_heartbeat)"
                 " VALUES ('/code/held', 1, 1)")
    conn.execute("COMMIT")  # the lock stays: exclusive locking mode
else:
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("SELECT count(*) FROM sessions").fetchone()
print("held", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("how", ["begin-exclusive", "exclusive-mode"])
def test_check_of_a_file_another_program_holds_says_it_is_in_use(
    killed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
):
    """It said "Restore a backup": over a whole file in use, that throws away newer data."""
    from oxitrack.store import reading

    monkeypatch.setattr(reading, "BUSY_TIMEOUT_MS", 50)
    if how == "begin-exclusive":  # a rollback-mode file: the seed's
        killed = tmp_path / "seed.db"
        shutil.copyfile(SEED_FIXTURE, killed)
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(killed), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline() == "held\n"
        try:
            [problem] = check(killed).problems
        finally:
            holder.stdin.close()
    assert "database is locked" in problem
    assert "in use, not damaged" in problem and "Try again" in problem
    assert "Restore a backup" not in problem


# -- an older schema --------------------------------------------------------------------------


def test_check_of_a_seed_file_notes_what_the_upgrade_repairs(tmp_path: Path):
    """At schema 0 the upgrade's first step merges and splits these sessions: they were called
    problems (exit 1), though nothing needed repair by hand."""
    path = tmp_path / "seed.db"
    shutil.copyfile(SEED_FIXTURE, path)
    raw(
        path,
        "INSERT INTO sessions (project_path, start_time, last_heartbeat)"
        " VALUES ('/home/you/code/steady', 1735219700, 1735220000)",  # overlaps session 1
        "INSERT INTO sessions (project_path, start_time, last_heartbeat)"
        " VALUES ('/home/you/code/steady', 1735220100, 1735220200)",  # 100 s after that
    )
    report = check(path)
    assert report.problems == []
    assert report.upgrade_pending
    assert report.notes[0] == (
        f"schema 0 is older than {SCHEMA_VERSION}; the daemon upgrades it when it next opens"
        " the file, as does any report of this version (`oxitrack today`)"
    )
    assert report.notes[1].startswith(
        "session(s) 3, 8 end before they start; the upgrade repairs them"
    )
    assert sorted(report.notes[2:]) == [
        "session 10 of /home/you/code/steady overlaps the one before it; the upgrade merges them",
        "session 11 of /home/you/code/steady starts 100 s after the one before; the upgrade"
        " merges them",
    ]
    # Past the step that repairs them, they are what they were: problems.
    raw(path, "PRAGMA user_version = 1")
    report = check(path)
    assert len(report.problems) == 3 and not report.upgrade_pending


def test_check_notes_folders_the_upgrade_registers(filled: Path):
    raw(
        filled,
        "INSERT INTO sessions (project_path, start_time, last_heartbeat)"
        f" VALUES ('/code/unregistered', {NOW}, {NOW})",
        "PRAGMA user_version = 3",
    )
    report = check(filled)
    assert report.problems == []
    assert "1 folder(s) with sessions belong to no project yet; the upgrade registers them" in (
        report.notes
    )
