"""``oxitrack import LAPTOP.db`` against real daemons: the laptop's history (sessions,
heartbeats, projects) joins the desktop's by the session rule, a second import adds nothing,
and a file that cannot be imported is refused in one line with nothing written anywhere."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import httpx2 as httpx
import pytest

from oxitrack.cli import main
from oxitrack.store.ownership import APPLICATION_ID
from oxitrack.store.schema import SCHEMA_VERSION
from tests.daemon_process import DaemonProcess
from tests.git_repos import git
from tests.sessions_model import model_sessions, stored_sessions

DAY_1 = 1_763_942_400  # 2025-11-24 00:00 UTC
HOUR = 3600
SHARED = "/srv/oxitrack-nowhere/notes"  # a folder of the same path on both machines
GO_CLIENT = "wakatime/v1.90.0 (linux-6.1.0-amd64) go1.22.0 vscode/1.90.0 vscode-wakatime/24.6.0"


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[DaemonProcess]:
    process = DaemonProcess(tmp_path / "laptop.db").start()
    try:
        yield process
    finally:
        process.kill()


def beat(daemon: DaemonProcess, path: str | Path, timestamp: int, **labels: str) -> None:
    body = {"project_path": str(path), "timestamp": timestamp, **labels}
    answer = httpx.post(f"{daemon.url}/beat", json=body)
    assert answer.status_code == 200, answer.text


def heartbeat(daemon: DaemonProcess, entity: Path, time: float, machine: str) -> None:
    item = {"entity": str(entity), "type": "file", "time": time, "language": "Go"}
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
        json=[item],
        headers={"User-Agent": GO_CLIENT, "X-Machine-Name": machine},
    )
    assert answer.json()["responses"][0][1] == 201, answer.text


def backup(daemon: DaemonProcess, copy: Path) -> Path:
    assert main(["backup", "--db", str(daemon.db_path), str(copy)]) == 0
    return copy


def run(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    # The CLI finds the daemon as a user's finds theirs: by the configured port.
    with mock.patch.dict(os.environ, {"OXITRACK_PORT": str(daemon.port)}):
        code = main(["import", *argv, "--db", str(daemon.db_path)])
    out, err = capsys.readouterr()
    return code, out, err


def clones(tmp_path: Path) -> tuple[Path, Path]:
    """One repository cloned twice: where the laptop has it, and where the desktop does."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    git(origin, "commit", "-q", "--allow-empty", "-m", "first")
    laptop_clone, desktop_clone = tmp_path / "laptop-home" / "app", tmp_path / "desktop" / "app"
    for clone in (laptop_clone, desktop_clone):
        clone.parent.mkdir()
        git(clone.parent, "clone", "-q", str(origin), clone.name)
    return laptop_clone, desktop_clone


def breakdown(daemon: DaemonProcess, by: str) -> dict[str | None, int]:
    params = {"by": by, "from": "2025-11-24", "to": "2025-11-25", "tz": "UTC"}
    answer = httpx.get(f"{daemon.url}/api/breakdown", params=params)
    return {row["name"]: row["duration_seconds"] for row in answer.json()["rows"]}


def heartbeat_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        count: int = conn.execute("SELECT count(*) FROM heartbeats").fetchone()[0]
    return count


def projects(daemon: DaemonProcess) -> list[dict[str, Any]]:
    """Each project, its folders as a list of paths."""
    answer: list[dict[str, Any]] = httpx.get(f"{daemon.url}/api/projects").json()["projects"]
    return [{**p, "paths": [path["project_path"] for path in p["paths"]]} for p in answer]


def test_the_laptops_history_joins_the_desktops_and_importing_again_adds_nothing(
    daemon: DaemonProcess,
    laptop: DaemonProcess,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
):
    laptop_clone, desktop_clone = clones(tmp_path)
    start = DAY_1 + 9 * HOUR
    desktop_beats = [(SHARED, start), (SHARED, start + 600), (str(desktop_clone), start)]
    laptop_beats = [(SHARED, start + 1400), (SHARED, start + 2000), (str(laptop_clone), start)]
    for path, timestamp in desktop_beats:
        beat(daemon, path, timestamp, language="Python", editor="vscode")
    for path, timestamp in laptop_beats:
        beat(laptop, path, timestamp, language="Rust", editor="neovim")
    beat(laptop, laptop_clone, start + 1200, language="Rust", editor="neovim")
    laptop_beats.append((str(laptop_clone), start + 1200))
    heartbeat(laptop, laptop_clone / "main.go", start + 1300.5, "laptop")
    beat(laptop, laptop_clone, start + 1800, language="Rust", editor="neovim")
    laptop_beats += [(str(laptop_clone), start + 1300), (str(laptop_clone), start + 1800)]
    copy = backup(laptop, tmp_path / "laptop-copy.db")
    shutil.rmtree(laptop_clone)  # the laptop's folder is nowhere on the desktop

    code, out, err = run(daemon, capsys, str(copy))
    assert (code, err) == (0, "")
    assert out.startswith(f"Imported from {copy}:\n"), out
    assert "  sessions:   3 added or grown (+0h 33m), 0 already here\n" in out, out
    assert "  heartbeats: 6 new, 0 already here\n" in out, out
    assert daemon.db_path is not None
    # The shared folder's sessions 800 s apart became one; the clones are two folders.
    sessions = stored_sessions(daemon.db_path)
    assert sessions == model_sessions(desktop_beats + laptop_beats)
    assert (SHARED, start, start + 2000) in sessions
    # The clones are one project: the repository's, whatever the folder.
    [repository] = [p for p in projects(daemon) if str(desktop_clone) in p["paths"]]
    assert sorted(repository["paths"]) == sorted([str(desktop_clone), str(laptop_clone)])
    assert len(projects(daemon)) == 2
    # What the laptop's heartbeats told comes along.
    assert breakdown(daemon, "language")["Rust"] > 0
    assert breakdown(daemon, "editor")["neovim"] > 0
    assert breakdown(daemon, "machine")["laptop"] > 0
    rows = heartbeat_rows(daemon.db_path)
    # Every folder has its project, every heartbeat lies in its folder's sessions.
    capsys.readouterr()
    assert main(["check", "--db", str(daemon.db_path)]) == 0, capsys.readouterr()

    code, out, err = run(daemon, capsys, str(copy), "--json")
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer["sessions"] == {"read": 3, "added": 0, "already_recorded": 3, "left_out": 0}
    assert answer["heartbeats"]["new"] == 0 and answer["seconds_added"] == 0
    assert answer["projects"]["new"] == 0 and answer["stopped"] is None
    assert stored_sessions(daemon.db_path) == sessions
    assert heartbeat_rows(daemon.db_path) == rows

    # Weeks later: a new backup holds the first one and more; only the new time comes in.
    beat(laptop, SHARED, start + 2800)
    code, out, err = run(daemon, capsys, str(backup(laptop, tmp_path / "later.db")))
    assert code == 0 and "  sessions:   1 added or grown (+0h 13m), 2 already here" in out, out
    assert stored_sessions(daemon.db_path) == model_sessions(
        [*desktop_beats, *laptop_beats, (SHARED, start + 2800)]
    )


def test_a_name_given_on_the_desktop_is_kept_and_one_given_only_on_the_laptop_is_taken(
    daemon: DaemonProcess,
    laptop: DaemonProcess,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
):
    beat(daemon, SHARED, DAY_1)
    beat(daemon, "/srv/oxitrack-nowhere/site", DAY_1)
    beat(laptop, SHARED, DAY_1 + HOUR)
    beat(laptop, "/srv/oxitrack-nowhere/site", DAY_1 + HOUR)
    for process, project, name in [
        (daemon, SHARED, "Notes (desktop)"),
        (laptop, SHARED, "Notes (laptop)"),
        (laptop, "/srv/oxitrack-nowhere/site", "Website"),
    ]:
        body = {"project": project, "name": name}
        assert httpx.post(f"{process.url}/api/projects/rename", json=body).status_code == 200
    code, out, err = run(daemon, capsys, str(backup(laptop, tmp_path / "copy.db")))
    assert (code, err) == (0, "")
    assert "kept the name 'Notes (desktop)' given here (named 'Notes (laptop)' there)" in out
    assert "named a project 'Website' here, as it was named there" in out
    assert sorted(p["name"] for p in projects(daemon)) == ["Notes (desktop)", "Website"]


def test_a_file_of_an_older_schema_is_upgraded_in_a_copy_and_left_as_it_was(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """The first OxiTrack's file: the seed's one table, no mark, two sessions that overlap."""
    old = tmp_path / "old-laptop.db"
    with sqlite3.connect(old) as conn:
        conn.execute(
            "CREATE TABLE sessions (id INTEGER PRIMARY KEY, project_path TEXT,"
            " start_time INTEGER, last_heartbeat INTEGER,"
            " UNIQUE(project_path, start_time) ON CONFLICT REPLACE)"
        )
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            [(SHARED, DAY_1, DAY_1 + 600), (SHARED, DAY_1 + 300, DAY_1 + 900)],
        )
    conn.close()
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    code, out, err = run(daemon, capsys, str(old))
    assert (code, err) == (0, "") and "  sessions:   1 added or grown (+0h 15m)" in out, out
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [(SHARED, DAY_1, DAY_1 + 900)]
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("old")) == [
        "old-laptop.db"
    ]


def _foreign(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("PRAGMA application_id = 1234")
    conn.close()
    return "is not an OxiTrack database"


def _newer(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY)")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    return "was written by a newer OxiTrack"


def _damaged(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA page_size = 1024")
        conn.execute(
            "CREATE TABLE sessions (id INTEGER PRIMARY KEY, project_path TEXT,"
            " start_time INTEGER, last_heartbeat INTEGER)"
        )
        conn.executemany(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            [(f"/code/p{n}", DAY_1 + n, DAY_1 + n) for n in range(500)],
        )
    conn.close()
    data = bytearray(path.read_bytes())
    data[2048:4096] = b"\xff" * 2048  # the table's pages, past the header
    path.write_bytes(bytes(data))
    return "nothing was imported"


@pytest.mark.parametrize("make", [_foreign, _newer, _damaged], ids=["foreign", "newer", "damaged"])
def test_a_file_that_cannot_be_imported_is_refused_in_one_line_and_nothing_is_written(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path, make: Any
):
    beat(daemon, SHARED, DAY_1)
    file = tmp_path / "other.db"
    words = make(file)
    before = file.read_bytes()
    code, out, err = run(daemon, capsys, str(file))
    assert (code, out) == (1, "")
    assert err.startswith("oxitrack: ") and err.count("\n") == 1 and words in err, err
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [(SHARED, DAY_1, DAY_1)]
    assert file.read_bytes() == before


def test_the_daemons_own_database_is_refused(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    beat(daemon, SHARED, DAY_1)
    assert daemon.db_path is not None
    link = tmp_path / "link.db"
    link.symlink_to(daemon.db_path)
    for given in (daemon.db_path, link):
        code, out, err = run(daemon, capsys, str(given))
        assert (code, out) == (1, "")
        assert "is the database this daemon records into" in err and err.count("\n") == 1, err
    assert stored_sessions(daemon.db_path) == [(SHARED, DAY_1, DAY_1)]


def test_bad_batches_are_refused_naming_the_field(daemon: DaemonProcess):
    route = f"{daemon.url}/api/import/oxitrack"
    for body, field in [
        ({"sessions": [[SHARED, DAY_1 + 10, DAY_1]]}, "sessions[0]"),
        ({"sessions": [["", DAY_1, DAY_1]]}, "sessions[0][0]"),
        ({"heartbeats": [{"time": "x"}]}, "heartbeats[0].time"),
        ({"projects": [{"identities": [], "paths": [{"project_path": SHARED}]}]}, "identity"),
        ({"sessions": [], "heartbeats": []}, "body"),
    ]:
        answer = httpx.post(route, json=body)
        assert answer.status_code == 422 and field in answer.json()["message"], answer.text
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == []


def test_a_file_larger_than_a_batch_is_merged_whole_a_batch_at_a_time(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """2500 sessions and heartbeats, over the 1000 rows a request carries: the batches' edges
    lose and double nothing; the desktop's own sessions between them join."""
    from oxitrack.beats import parse_beat
    from oxitrack.store import Store

    laptop_beats = [(SHARED, DAY_1 + 1000 * n) for n in range(2500)]
    with Store(tmp_path / "laptop.db") as store:
        store.record_beats(
            parse_beat({"project_path": p, "timestamp": t, "language": "Rust"}, now=t + 60)
            for p, t in laptop_beats
        )
    desktop_beats = [(SHARED, DAY_1 + 1000 * n + 500) for n in range(0, 2500, 7)]
    for path, timestamp in desktop_beats:
        beat(daemon, path, timestamp)
    code, out, err = run(daemon, capsys, str(tmp_path / "laptop.db"), "--json")
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer["sessions"]["read"] == 2500 and answer["heartbeats"]["new"] == 2500
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == model_sessions(laptop_beats + desktop_beats)


def test_a_daemon_of_an_older_version_is_said_to_be_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """A daemon started before this version has no import route: its 404 "no route" is said
    as what to do (restart it), not as an import stopped part-way."""
    from oxitrack.sessions import Beat
    from oxitrack.store import Store

    older = DaemonProcess(
        tmp_path / "desktop.db",
        prelude=(
            "import oxitrack.server as server\n"
            "server.routes[:] = [r for r in server.routes"
            " if getattr(r, 'path', '') != '/api/import/oxitrack']\n"
        ),
    ).start()
    try:
        beat(older, SHARED, DAY_1)
        laptop = tmp_path / "laptop.db"
        with Store(laptop) as store:
            store.record_beat(Beat(SHARED, DAY_1 + HOUR))
        code, out, err = run(older, capsys, str(laptop))
        assert (code, out) == (1, "")
        assert "runs an older OxiTrack" in err and err.count("\n") == 1, err
        assert "restart it" in err and "stopped part-way" not in err, err
        assert stored_sessions(tmp_path / "desktop.db") == [(SHARED, DAY_1, DAY_1)]
    finally:
        older.kill()
