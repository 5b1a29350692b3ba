"""A large file's upgrade at the daemon's start, stopped part-way or short of disk space: the
file stays as it was, the next start upgrades it whole, and the user is told what goes on.

Real ``oxitrack serve`` processes and real signals; the full disk is a small tmpfs, mounted in a
mount namespace of the test's own (skipped where that is not allowed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from oxitrack.store import Store
from oxitrack.store.schema import SCHEMA_VERSION, UPGRADE_NOTICE_SECONDS
from tests.daemon_process import DaemonProcess
from tests.fixtures.make_seed_db import SEED_DDL
from tests.small_mounts import in_small_mount

SESSIONS = 200_000
FOLDERS = 2
T = 1_700_000_000


@pytest.fixture(scope="module")
def large_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file as the seed's sketch leaves it (schema 0), with many sessions in few folders:
    its upgrade rebuilds the sessions table, and lasts seconds."""
    path = tmp_path_factory.mktemp("large") / "seed.db"
    conn = sqlite3.connect(path)
    try:
        conn.execute(SEED_DDL)
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO sessions (project_path, start_time, last_heartbeat)"
            " SELECT '/code/p' || (i % ?), ? + i * 2000, ? + i * 2000 + 600 FROM n",
            (SESSIONS - 1, FOLDERS, T, T),
        )
        conn.commit()
    finally:
        conn.close()
    return path


@pytest.fixture
def seed_copy(large_seed: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "oxitrack.db"
    shutil.copyfile(large_seed, copy)
    return copy


def _rows_digest(path: Path) -> tuple[int, str]:
    """The schema version and a digest of every session row, read without changing the file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        digest = hashlib.sha256()
        for row in conn.execute(
            "SELECT project_path, start_time, last_heartbeat FROM sessions"
            " ORDER BY project_path, start_time"
        ):
            digest.update(repr(row).encode())
        return version, digest.hexdigest()
    finally:
        conn.close()


def _oxitrack(*args: str) -> list[str]:
    return [sys.executable, "-m", "oxitrack", *args]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}


def test_a_large_seed_file_upgrades_in_seconds(seed_copy: Path):
    """Merging a folder's sessions looked through all of them for each one: a folder with
    100,000 sessions took many minutes, a start that looked hung."""
    done = subprocess.run(
        _oxitrack("projects", "--db", str(seed_copy), "--via", "file", "--json"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    with Store(seed_copy) as store:
        assert len(store.sessions()) == SESSIONS


def test_a_lasting_upgrade_by_a_command_is_said_once_in_its_one_line_shape(seed_copy: Path):
    """A command that opens an older file upgrades it too, and the notice comes from a timer
    thread while the command's own thread works: it must still be one "oxitrack: " line, said
    once, like every other warning of a command."""
    started = time.monotonic()
    done = subprocess.run(
        _oxitrack("today", "--db", str(seed_copy)),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=90,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert all(line.startswith("oxitrack: ") for line in lines), done.stderr
    notices = [line for line in lines if "upgrading" in line]
    # The notice comes after UPGRADE_NOTICE_SECONDS of upgrading; a run that lasted a second
    # more than that (start-up included) upgraded for longer. A faster machine may say nothing.
    if elapsed > UPGRADE_NOTICE_SECONDS + 1.0:
        assert len(notices) == 1, done.stderr
    assert len(notices) <= 1, done.stderr
    for notice in notices:
        assert notice.startswith(
            f"oxitrack: upgrading {seed_copy} from schema 0 to {SCHEMA_VERSION} ("
        ), notice
    assert "Today" in done.stdout


def _wait_for_line(process: subprocess.Popen[str], text: str, timeout: float) -> list[str]:
    """stderr's lines up to the first that holds ``text`` (read in a thread: a deadline)."""
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if text in line:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(timeout), f"no {text!r} within {timeout}s; stderr: {''.join(lines)}"
    return lines


@pytest.mark.parametrize(
    "sig",
    [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
    ids=["ctrl-c", "sigterm", "sigkill"],
)
def test_a_daemon_stopped_mid_upgrade_leaves_the_file_and_the_next_start_upgrades_it(
    seed_copy: Path, sig: int
):
    before = _rows_digest(seed_copy)
    process = subprocess.Popen(
        _oxitrack("serve", "--db", str(seed_copy), "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        # A shell runs background jobs with Ctrl-C ignored, and the daemon would inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = _wait_for_line(process, "upgrading", timeout=60)
        process.send_signal(sig)
        process.wait(30)
        assert process.stderr is not None
        said = "".join(lines) + process.stderr.read()
    finally:
        process.kill()
        process.wait()
        for pipe in (process.stdout, process.stderr):
            assert pipe is not None
            pipe.close()
    assert f"from schema 0 to {SCHEMA_VERSION}" in said
    assert "stopping it is safe" in said
    assert "Traceback" not in said
    assert _rows_digest(seed_copy) == before  # still schema 0, every row as it was

    daemon = DaemonProcess(seed_copy).start(timeout=120)
    try:
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    version, _ = _rows_digest(seed_copy)
    assert version == SCHEMA_VERSION
    with Store(seed_copy) as store:
        assert len(store.sessions()) == SESSIONS


def test_a_disk_that_fills_during_the_upgrade_says_so_and_changes_nothing(
    large_seed: Path, tmp_path: Path
):
    small = tmp_path / "small"
    small.mkdir()
    inside = small / "oxitrack.db"
    # The file is copied into the small mount, the daemon started on it, and the file copied
    # out again: all within the namespace, whose mount ends with it.
    script = (
        'cp "$1" "$2" && "$3" -m oxitrack serve --db "$2" --port 0; code=$?;'
        ' cp "$2" "$4"; exit $code'
    )
    out = tmp_path / "after.db"
    size_mib = large_seed.stat().st_size // (1 << 20) + 4
    done = in_small_mount(
        f"{size_mib}m",
        small,
        "sh",
        "-c",
        script,
        "sh",
        str(large_seed),
        str(inside),
        sys.executable,
        str(out),
        env=_env(),
    )
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if "upgrading" not in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"oxitrack: cannot upgrade {inside} from schema 0 to")
    assert "the disk is full. Nothing was changed." in lines[0]
    assert "MiB free beside the file" in lines[0]
    assert _rows_digest(out) == _rows_digest(large_seed)

    # With room, the next start upgrades it.
    daemon = DaemonProcess(out).start(timeout=120)
    try:
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    with Store(out) as store:
        assert len(store.sessions()) == SESSIONS


def test_a_quick_upgrade_says_nothing(tmp_path: Path):
    """The notice is for upgrades that last: a small file's upgrade is silent, as before."""
    db = tmp_path / "seed.db"
    shutil.copyfile(Path(__file__).parent / "fixtures" / "seed-v0.db", db)
    started = time.monotonic()
    done = subprocess.run(
        _oxitrack("projects", "--db", str(db), "--via", "file"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert done.returncode == 0
    if time.monotonic() - started < 1.0:  # a machine so slow that it took longer may say it
        assert done.stderr == ""
