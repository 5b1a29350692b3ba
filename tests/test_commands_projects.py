"""``oxitrack projects`` in-process on a real file, and through a real daemon process."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.cli import main
from oxitrack.commands.projects import _daemon
from oxitrack.config import resolve
from oxitrack.daemon_client import DaemonClient, DaemonUnavailable
from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.conftest import NOW
from tests.daemon_process import DaemonProcess
from tests.git_repos import make_repo


@pytest.fixture
def filled_db(db_path: Path) -> Path:
    with Store(db_path) as store:
        store.record_beats(
            [
                Beat("/code/api", NOW - 7200),
                Beat("/code/api", NOW - 3600),  # a new session: 0 s each
                Beat("/code/api", NOW - 3000),
                Beat("/code/api-old", NOW - 86_400),
                Beat("/code/api-old", NOW - 86_000),
            ]
        )
    return db_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_paths_identities_and_time(filled_db: Path, capsys):
    code, out, _ = run(capsys, "projects", "--db", str(filled_db), "--via", "file")
    assert code == 0
    assert "api  0h 10m in 2 sessions" in out  # the reports' format
    assert "path      /code/api  (3 beats)" in out
    assert "identity  path:/code/api-old" in out
    assert out.index("/code/api ") < out.index("/code/api-old")  # latest activity first


def test_list_json(filled_db: Path, capsys):
    code, out, _ = run(capsys, "projects", "list", "--db", str(filled_db), "--json")
    assert code == 0
    projects = json.loads(out)["projects"]
    assert [(p["name"], p["total_seconds"]) for p in projects] == [("api", 600), ("api-old", 400)]


def test_list_of_an_empty_database_says_so(db_path: Path, capsys):
    Store(db_path).close()
    code, out, _ = run(capsys, "projects", "--db", str(db_path))
    assert (code, out.strip()) == (0, "No projects yet: they appear with the first beat.")


def test_list_of_a_missing_database_fails_in_words(tmp_path: Path, capsys):
    code, _, err = run(capsys, "projects", "--db", str(tmp_path / "none.db"))
    assert code == 1
    assert "no database at" in err


@pytest.mark.parametrize(
    "argv", [["merge", "a", "b"], ["rename", "a", "b"]], ids=["merge", "rename"]
)
def test_merge_or_rename_of_a_missing_database_fails_and_creates_nothing(
    tmp_path: Path, capsys, argv: list[str]
):
    missing = tmp_path / "typo.db"
    code, _, err = run(capsys, "projects", *argv, "--db", str(missing), "--via", "file")
    assert code == 1
    assert f"no database at {missing}" in err
    assert not missing.exists()


def test_merge_on_the_file_adds_up_exactly(filled_db: Path, capsys):
    code, out, _ = run(capsys, "projects", "merge", "api-old", "/code/api", "--db", str(filled_db))
    assert code == 0
    assert "Merged 'api-old' into project 1:" in out
    assert "api  0h 16m in 3 sessions" in out
    code, out, _ = run(capsys, "projects", "--db", str(filled_db), "--json")
    assert [p["total_seconds"] for p in json.loads(out)["projects"]] == [1000]


def test_merge_of_an_unknown_project_fails_naming_it(filled_db: Path, capsys):
    code, _, err = run(capsys, "projects", "merge", "nope", "api", "--db", str(filled_db))
    assert code == 2
    assert "source: no project matches 'nope'" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["merge", "api", "api"], "source and target are the same project"),
        (["merge", "nosuch", "api"], "source: no project matches 'nosuch'"),
        (["rename", "99", "foo"], "project: no project matches '99'"),
        (["rename", "1", ""], "name"),
        (["rename", "api-old", "1"], "name: must not be only digits"),
        (["rename", "api-old", "."], "name: must not be written as a folder"),
    ],
    ids=[
        *("merge-into-itself", "merge-unknown", "rename-unknown", "rename-to-empty"),
        *("to-an-id", "to-a-folder"),
    ],
)
def test_refusals_of_what_was_typed_exit_2(filled_db: Path, capsys, argv: list[str], words: str):
    """Exit 1 means the database cannot be used; a wrong argument is a usage error."""
    code, out, err = run(capsys, "projects", *argv, "--db", str(filled_db), "--via", "file")
    assert (code, out) == (2, "")
    assert err.startswith("oxitrack: ") and words in err and err.count("\n") == 1


def test_rename_and_reset_on_the_file(filled_db: Path, capsys):
    code, out, _ = run(capsys, "projects", "rename", "api", "Backend API", "--db", str(filled_db))
    assert code == 0
    assert "1  Backend API" in out
    code, out, _ = run(capsys, "projects", "rename", "1", "--reset", "--db", str(filled_db))
    assert "1  api  " in out


@pytest.mark.parametrize("argv", [["api"], ["api", "x", "--reset"]], ids=["neither", "both"])
def test_rename_needs_a_name_or_reset(filled_db: Path, capsys, argv: list[str]):
    code, _, err = run(capsys, "projects", "rename", *argv, "--db", str(filled_db))
    assert code == 2
    assert "give a NAME or --reset" in err or "or --reset for the name of its folder" in err


# -- through a real daemon -----------------------------------------------------------------------


def beat(daemon: DaemonProcess, path: Path | str, timestamp: int) -> None:
    answer = httpx.post(
        f"{daemon.url}/beat", json={"project_path": str(path), "timestamp": timestamp}
    )
    answer.raise_for_status()


@pytest.fixture
def daemon_env(daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch) -> DaemonProcess:
    """The CLI's settings point at the daemon's port (its database comes with --db)."""
    monkeypatch.setenv("OXITRACK_PORT", str(daemon.port))
    return daemon


@pytest.mark.e2e
def test_moved_repository_is_one_project_through_the_daemon(daemon_env, tmp_path, capsys):
    now = int(__import__("time").time())
    make_repo(tmp_path / "repo" / "app")
    beat(daemon_env, tmp_path / "repo" / "app", now - 1200)
    beat(daemon_env, tmp_path / "repo" / "app", now - 900)
    shutil.move(tmp_path / "repo" / "app", tmp_path / "moved-app")
    beat(daemon_env, tmp_path / "moved-app", now - 600)
    beat(daemon_env, tmp_path / "moved-app", now - 300)
    db = str(daemon_env.db_path)
    code, out, _ = run(capsys, "projects", "--db", db, "--via", "daemon", "--json")
    assert code == 0
    [project] = json.loads(out)["projects"]
    assert project["name"] == "moved-app"
    assert len(project["paths"]) == 2
    # One session per folder; the 300 s between the last beat before the move and the first after
    # it belong to neither (time is never invented across folders).
    assert project["total_seconds"] == 600


@pytest.mark.e2e
def test_dot_in_a_moved_repository_names_its_project_through_the_daemon(
    daemon_env, tmp_path, capsys, monkeypatch: pytest.MonkeyPatch
):
    """The daemon reads the folder's repository as it does for a beat's."""
    now = int(__import__("time").time())
    make_repo(tmp_path / "repo" / "app")
    beat(daemon_env, tmp_path / "repo" / "app", now - 600)
    shutil.move(tmp_path / "repo" / "app", tmp_path / "moved-app")
    monkeypatch.chdir(tmp_path / "moved-app")
    db = str(daemon_env.db_path)
    code, out, err = run(capsys, "projects", "rename", ".", "App", "--db", db, "--via", "daemon")
    assert (code, err) == (0, "")
    assert "  1  App  " in out


@pytest.mark.e2e
def test_merge_and_rename_through_the_daemon(daemon_env, capsys):
    for path, start in (("/code/a", 1_764_000_000), ("/code/b", 1_764_010_000)):
        beat(daemon_env, path, start)
        beat(daemon_env, path, start + 500)
    db = str(daemon_env.db_path)
    code, out, _ = run(
        capsys, "projects", "merge", "b", "a", "--db", db, "--via", "daemon", "--json"
    )
    assert code == 0
    assert json.loads(out)["project"]["total_seconds"] == 1000
    assert json.loads(out)["project"]["name"] == "a"  # the target's name, though b beat last
    code, out, _ = run(capsys, "projects", "rename", "a", "Alpha", "--db", db, "--via", "daemon")
    assert code == 0 and "Alpha" in out
    code, _, err = run(capsys, "projects", "merge", "zzz", "a", "--db", db, "--via", "daemon")
    assert code == 2  # what was typed names nothing, through the daemon as on the file
    assert "source: no project matches 'zzz'" in err
    listed = httpx.get(f"{daemon_env.url}/api/projects").json()["projects"]
    assert [(p["name"], p["session_count"]) for p in listed] == [("Alpha", 2)]


@pytest.mark.e2e
def test_a_retried_delete_through_the_daemon_takes_no_project_named_by_its_id(daemon_env, capsys):
    """A delete retried after its answer was lost (a timeout under load, a second click) named
    a deleted id: it then deleted the project of a folder called by that number, all its time
    gone. It must say what became of the id and leave every other project as it was."""
    for path in ("/code/alpha", "/code/3", "/code/beta"):  # projects 1, 2 ("3") and 3
        beat(daemon_env, path, 1_764_000_000)
    db = str(daemon_env.db_path)
    delete = ("projects", "delete", "3", "--yes", "--db", db, "--via", "daemon", "--json")
    code, out, _ = run(capsys, *delete)
    assert (code, json.loads(out)["project"]["latest_path"]) == (0, "/code/beta")
    code, _, err = run(capsys, *delete)
    assert code == 2
    assert "no project matches '3' (project 3 was deleted)" in err
    listed = httpx.get(f"{daemon_env.url}/api/projects").json()["projects"]
    assert sorted((p["id"], p["latest_path"]) for p in listed) == [
        (1, "/code/alpha"),
        (2, "/code/3"),
    ]


@pytest.mark.e2e
def test_auto_goes_through_the_daemon_only_when_it_uses_the_same_file(daemon_env, tmp_path):
    args = argparse.Namespace(via=None)
    same = resolve({"db": daemon_env.db_path})
    other = resolve({"db": tmp_path / "other.db"})
    chosen = _daemon(args, same)
    assert isinstance(chosen, DaemonClient) and chosen.url == daemon_env.url
    assert _daemon(args, other) is None
    with pytest.raises(DaemonUnavailable, match="no OxiTrack daemon using"):
        _daemon(argparse.Namespace(via="daemon"), other)
    assert _daemon(argparse.Namespace(via="file"), same) is None


def test_auto_uses_the_file_when_no_daemon_answers(filled_db: Path, monkeypatch, capsys):
    monkeypatch.setenv("OXITRACK_PORT", "1")  # nothing listens on port 1
    code, out, _ = run(capsys, "projects", "--db", str(filled_db), "--json")
    assert code == 0 and len(json.loads(out)["projects"]) == 2
    code, _, err = run(capsys, "projects", "--db", str(filled_db), "--via", "daemon")
    assert code == 1
    assert "start it with `oxitrack serve`" in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_flags_given_before_or_after_the_action_both_count(
    filled_db: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, where: str
):
    """`projects --db X rename ...` once renamed in the default database instead of X."""
    monkeypatch.setenv("OXITRACK_DB", str(tmp_path / "default.db"))
    flags = ["--db", str(filled_db), "--via", "file", "--json"]
    action = ["rename", "api", "API"]
    argv = [*flags, *action] if where == "before" else [*action, *flags]
    code, out, _ = run(capsys, "projects", *argv)
    assert code == 0
    assert json.loads(out)["project"]["name"] == "API"
    assert not (tmp_path / "default.db").exists()
    code, out, _ = run(capsys, "projects", "--db", str(filled_db), "--json", "list")
    assert "API" in [project["name"] for project in json.loads(out)["projects"]]


def test_a_merge_repeated_after_a_new_folder_appeared_merges_nothing(filled_db: Path, capsys):
    """Project ids are never given out twice: the second `merge 2 1` used to merge the new
    folder, which had been handed the merged project's id."""
    code, _, _ = run(capsys, "projects", "merge", "2", "1", "--db", str(filled_db))
    assert code == 0
    with Store(filled_db) as store:
        store.record_beat(Beat("/code/new", NOW))
    code, out, _ = run(capsys, "projects", "--db", str(filled_db), "--json")
    ids = {p["latest_path"]: p["id"] for p in json.loads(out)["projects"]}
    assert ids == {"/code/api": 1, "/code/new": 3}
    code, _, err = run(capsys, "projects", "merge", "2", "1", "--db", str(filled_db))
    assert code == 2
    assert "no project matches '2' (project 2 was merged into project 1)" in err
    code, out, _ = run(capsys, "projects", "--db", str(filled_db), "--json")
    assert len(json.loads(out)["projects"]) == 2


def test_rename_takes_the_folder_you_are_in_or_one_inside_it(
    tmp_path: Path, db_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    """``.`` works in ``projects`` as in ``report --project``: the folder a beat was recorded for,
    or from a folder inside it the nearest one above that is a project's."""
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    with Store(db_path) as store:
        store.record_beats([Beat(str(app), NOW - 60)])
    monkeypatch.chdir(app / "src")
    code, out, _ = run(capsys, "projects", "rename", ".", "App", "--db", str(db_path))
    assert (code, "1  App" in out) == (0, True)
    monkeypatch.chdir(app)
    code, out, _ = run(capsys, "projects", "rename", "./", "--reset", "--db", str(db_path))
    assert (code, "1  app" in out) == (0, True)


@pytest.mark.parametrize("inside", ["", "src"], ids=["root", "subfolder"])
def test_dot_in_a_moved_repository_names_its_project_before_it_beats_there(
    tmp_path: Path, db_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, inside: str
):
    """The repository's root commit is known from its old folder: ``.`` in the new one is that
    project, not "no project matches", before any editor sent a beat from there."""
    make_repo(tmp_path / "old" / "app")
    with Store(db_path) as store:
        store.record_beats([Beat(str(tmp_path / "old" / "app"), NOW - 60)])
    shutil.move(tmp_path / "old" / "app", tmp_path / "new-app")
    (tmp_path / "new-app" / "src").mkdir()
    monkeypatch.chdir(tmp_path / "new-app" / inside)
    code, out, err = run(capsys, "projects", "rename", ".", "App", "--db", str(db_path))
    assert (code, err) == (0, "")
    assert "  1  App  " in out and f"path      {tmp_path / 'old' / 'app'}" in out
    code, out, err = run(capsys, "projects", "merge", "9", ".", "--db", str(db_path))
    assert "source: no project matches '9'" in err  # the target was found: the source is not


def test_a_folder_no_project_holds_is_not_the_file_systems_root(
    tmp_path: Path, db_path: Path, capsys
):
    """One beat sent for ``/`` made ``/`` a project; a folder no project holds must not be
    taken for part of it."""
    with Store(db_path) as store:
        store.record_beats([Beat("/", NOW - 120), Beat("/code/api", NOW - 60)])
    code, _, err = run(capsys, "projects", "rename", str(tmp_path), "X", "--db", str(db_path))
    assert code == 2 and f"no project matches {str(tmp_path)!r}" in err
    (tmp_path / "api" / "src").mkdir(parents=True)
    with Store(db_path) as store:
        store.record_beats([Beat(str(tmp_path / "api"), NOW - 30)])
    code, out, _ = run(
        capsys, "projects", "rename", str(tmp_path / "api" / "src"), "X", "--db", str(db_path)
    )
    assert (code, "X  " in out) == (0, True)


def test_a_name_with_a_slash_is_a_name_not_a_folder_here(
    tmp_path: Path, db_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    """A project named "client/web", renamed from inside another tracked folder, renamed that
    folder's project instead: any name with a "/" was read as a path from here."""
    (tmp_path / "work" / "app").mkdir(parents=True)
    with Store(db_path) as store:
        store.record_beats(
            [Beat(str(tmp_path / "work" / "app"), NOW - 60), Beat("/code/web", NOW - 30)]
        )
    assert (
        run(capsys, "projects", "rename", "/code/web", "client/web", "--db", str(db_path))[0] == 0
    )
    monkeypatch.chdir(tmp_path / "work" / "app")
    code, out, _ = run(capsys, "projects", "rename", "client/web", "Web", "--db", str(db_path))
    assert code == 0
    assert "Web  " in out and "path      /code/web" in out
    code, out, _ = run(capsys, "projects", "--db", str(db_path), "--json")
    names = {p["name"] for p in json.loads(out)["projects"]}
    assert names == {"Web", "app"}


@pytest.mark.parametrize("via", ["file", "daemon"])
def test_a_merge_run_again_says_it_is_done_already(
    filled_db: Path, capsys, via: str, monkeypatch: pytest.MonkeyPatch
):
    """A merge whose first run went through (killed before it said so, or timed out) and is
    run again: the folders are one project now, which is what the refusal says."""
    daemon = None
    if via == "daemon":
        daemon = DaemonProcess(filled_db).start()
        monkeypatch.setenv("OXITRACK_PORT", str(daemon.port))
    try:
        merge = ("projects", "merge", "/code/api-old", "/code/api", "--db", str(filled_db))
        first, _, _ = run(capsys, *merge, "--via", via)
        assert first == 0
        again, out, err = run(capsys, *merge, "--via", via)
    finally:
        if daemon is not None:
            daemon.stop()
    assert (again, out) == (2, "")
    assert "nothing to merge: they are one already (merged before?)" in err
    assert err.count("\n") == 1


# -- delete --------------------------------------------------------------------------------------


def project_names(capsys: pytest.CaptureFixture[str], db: Path) -> list[str]:
    code, out, _ = run(capsys, "projects", "--db", str(db), "--json", "--via", "file")
    assert code == 0
    return [project["name"] for project in json.loads(out)["projects"]]


def test_delete_with_yes_on_the_file_says_what_went_and_how_to_stop_it(filled_db: Path, capsys):
    code, out, err = run(capsys, "projects", "delete", "api", "--yes", "--db", str(filled_db))
    assert (code, err) == (0, "")
    assert out.startswith("Deleted project 1:\n  1  api  0h 10m in 2 sessions")
    assert "path      /code/api  (3 beats)" in out
    assert "The next beat from its folders starts a new project" in out
    assert "oxitrack.excludePatterns" in out
    assert project_names(capsys, filled_db) == ["api-old"]
    code, _, err = run(capsys, "projects", "delete", "1", "--yes", "--db", str(filled_db))
    assert code == 2
    assert "project: no project matches '1' (project 1 was deleted)" in err


def test_delete_json_prints_what_was_deleted(filled_db: Path, capsys):
    code, out, _ = run(
        capsys, "projects", "delete", "/code/api-old", "--yes", "--json", "--db", str(filled_db)
    )
    assert code == 0
    deleted = json.loads(out)["project"]
    assert (deleted["id"], deleted["name"], deleted["total_seconds"]) == (2, "api-old", 400)


def test_delete_without_a_terminal_or_yes_refuses_and_deletes_nothing(
    filled_db: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # a pipe: no one to ask
    code, out, err = run(capsys, "projects", "delete", "api", "--db", str(filled_db))
    assert (code, out) == (2, "")
    assert "add --yes" in err and err.count("\n") == 1
    assert project_names(capsys, filled_db) == ["api", "api-old"]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="terminals are POSIX")
@pytest.mark.parametrize(
    ("answer", "via", "left"),
    [("y", "file", ["api-old"]), ("n", "file", ["api", "api-old"]), ("y", "daemon", ["api-old"])],
)
def test_delete_at_a_terminal_shows_what_goes_and_asks(
    filled_db: Path, capsys, answer: str, via: str, left: list[str]
):
    daemon = DaemonProcess(filled_db).start() if via == "daemon" else None
    env = {**os.environ, "OXITRACK_PORT": str(daemon.port if daemon else 1)}
    leader, follower = os.openpty()
    command = [sys.executable, "-m", "oxitrack", "projects", "delete", "api", "--via", via]
    try:
        with subprocess.Popen(
            [*command, "--db", str(filled_db)],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        ) as process:
            os.close(follower)
            os.write(leader, f"{answer}\n".encode())
            out, err = process.communicate(timeout=60)
    finally:
        os.close(leader)
        if daemon is not None:
            daemon.stop()
    assert process.returncode == 0, err
    assert "This deletes, for good:\n  1  api  0h 10m in 2 sessions" in err
    assert "path      /code/api  (3 beats)" in err
    assert "`oxitrack backup FILE` first keeps a copy" in err
    assert "Delete it? [y/N]" in err
    assert ("Deleted project 1:" in out) == (answer == "y")
    assert ("Nothing deleted." in err) == (answer == "n")
    assert project_names(capsys, filled_db) == left


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is how Ctrl-C reaches a process")
@pytest.mark.parametrize(
    ("journal_mode", "hold"),
    [
        ("wal", "BEGIN EXCLUSIVE"),
        # A file another program switched back to a rollback journal: its reader, or its
        # writer, blocks the switch to WAL, made as the file is opened.
        ("delete", "BEGIN EXCLUSIVE"),
        ("delete", "SELECT count(*) FROM sessions"),
    ],
)
def test_ctrl_c_while_another_program_holds_the_file_ends_the_command_at_once(
    filled_db: Path, capsys, journal_mode: str, hold: str
):
    """A rename waits (up to 120 s, and says so) while another program holds the database;
    Ctrl-C must end that wait at once. SQLite's own busy wait, 5 s a try, did not hear it."""
    holder = sqlite3.connect(filled_db, isolation_level=None)
    holder.execute(f"PRAGMA journal_mode = {journal_mode}")
    if hold.startswith("SELECT"):
        holder.execute("BEGIN")
    holder.execute(hold).fetchall()
    command = [sys.executable, "-m", "oxitrack", "projects", "rename", "api", "web"]
    process = subprocess.Popen(
        [*command, "--via", "file", "--db", str(filled_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        said = process.stderr.readline()  # blocks until the wait is announced
        assert "database is locked (another program holds the database)" in said
        assert "waiting up to 120 s" in said
        time.sleep(0.5)  # the user presses Ctrl-C a moment into the wait, not the instant it began
        interrupted_at = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        took = time.monotonic() - interrupted_at
    finally:
        process.kill()
        process.communicate()
        holder.execute("ROLLBACK")
        holder.close()
    assert process.returncode == 130
    assert took < 2.5  # one SQLite busy wait was 5 s; Python's own waits are 50 ms
    assert project_names(capsys, filled_db) == ["api", "api-old"]


@pytest.mark.e2e
def test_delete_through_the_daemon_leaves_the_other_project_and_starts_afresh(
    daemon_env: DaemonProcess, capsys
):
    now = int(__import__("time").time())
    for path in ("/code/work", "/private/notes"):  # notes is 2, the newest id
        for timestamp in (now - 1200, now - 900, now - 600):
            beat(daemon_env, path, timestamp)
        heartbeat = {"entity": f"{path}/a.md", "time": now - 700.5, "project_root_count": 3}
        answer = httpx.post(
            f"{daemon_env.url}/api/v1/users/current/heartbeats.bulk", json=[heartbeat]
        )
        assert answer.json()["responses"][0][1] == 201
    db = daemon_env.db_path

    def rows_of(folder: str) -> list[tuple]:
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT 'session', id, start_time, last_heartbeat FROM sessions"
                " WHERE project_path = ? UNION ALL SELECT 'heartbeat', h.time, h.context_id,"
                " h.is_write FROM heartbeats AS h JOIN beat_contexts AS c ON c.id = h.context_id"
                " WHERE c.project_path = ? ORDER BY 1, 2",
                (folder, folder),
            ).fetchall()

    work = rows_of("/code/work")
    assert [kind for kind, *_ in rows_of("/private/notes")] == ["heartbeat", "session"]
    flags = ("--yes", "--json", "--db", str(db), "--via", "daemon")
    code, out, _ = run(capsys, "projects", "delete", "/private/notes", *flags)
    assert code == 0
    assert json.loads(out)["project"]["id"] == 2
    assert rows_of("/private/notes") == [] and rows_of("/code/work") == work
    beat(daemon_env, "/private/notes", now)  # right after: a new project, counted from zero
    code, _, err = run(capsys, "projects", "delete", "2", *flags)  # retried: deletes nothing
    assert code == 2 and "(project 2 was deleted)" in err
    listed = httpx.get(f"{daemon_env.url}/api/projects").json()["projects"]
    fresh = {p["latest_path"]: p for p in listed}["/private/notes"]
    assert (fresh["id"], fresh["session_count"], fresh["total_seconds"]) == (3, 1, 0)
    assert fresh["paths"][0]["beat_count"] == 1
    assert rows_of("/code/work") == work


@pytest.mark.parametrize("via", ["file", "daemon"])
def test_a_renamed_project_is_still_named_by_its_folders_last_parts(
    daemon_env: DaemonProcess, capsys, via: str
):
    """``--project notes`` kept finding /code/notes after a rename to "Notes", as the docs say
    of every project reference, but ``projects merge notes …`` and ``rename code/app …`` said
    no project matches: the projects commands read only the name shown."""
    for path, start in (("/code/notes", 1_764_000_000), ("/code/app", 1_764_010_000)):
        beat(daemon_env, path, start)
        beat(daemon_env, path, start + 500)
    db = ["--db", str(daemon_env.db_path), "--via", via]
    assert run(capsys, "projects", "rename", "notes", "Notes", *db)[0] == 0
    assert run(capsys, "projects", "rename", "code/app", "App", *db)[0] == 0
    code, out, err = run(capsys, "projects", "merge", "notes", "code/app", *db, "--json")
    assert (code, err) == (0, "")
    merged = json.loads(out)["project"]
    assert (merged["name"], merged["total_seconds"]) == ("App", 1000)


def test_last_parts_two_projects_share_are_refused_with_their_ids(db_path: Path, capsys):
    with Store(db_path) as store:
        store.record_beats([Beat("/one/api", NOW - 60), Beat("/two/api", NOW - 30)])
    for folder, name in (("/one/api", "First"), ("/two/api", "Second")):
        assert run(capsys, "projects", "rename", folder, name, "--db", str(db_path))[0] == 0
    code, _, err = run(capsys, "projects", "rename", "api", "X", "--db", str(db_path))
    assert code == 2
    assert "'api' names several projects (1, 2); give the id" in err
    code, out, _ = run(capsys, "projects", "rename", "two/api", "X", "--db", str(db_path))
    assert code == 0 and "2  X  " in out


@pytest.mark.parametrize("via", ["file", "daemon"])
def test_a_rename_to_another_projects_name_says_how_to_make_them_one(
    daemon_env: DaemonProcess, capsys, via: str
):
    """Renaming /code/b "a" to fold it into /code/a left two projects called "a", and every
    ``--project a`` refused from then on, without a word at the rename itself."""
    for path, start in (("/code/a", 1_764_000_000), ("/code/b", 1_764_010_000)):
        beat(daemon_env, path, start)
    db = ["--db", str(daemon_env.db_path), "--via", via]
    code, out, err = run(capsys, "projects", "rename", "b", "a", *db)
    assert code == 0 and "2  a  " in out
    assert err == (
        "oxitrack: note: project 1 is called 'a' too, so 'a' now names neither (give the id);"
        " to count them as one project: oxitrack projects merge 2 1\n"
    )
    code, out, err = run(capsys, "projects", "rename", "2", "Bee", *db)
    assert (code, err) == (0, "")
    code, out, _ = run(capsys, "projects", "rename", "1", "Bee", "--json", *db)
    assert code == 0 and json.loads(out)["namesakes"] == [2]
