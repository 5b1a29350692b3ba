"""What the machine around a real ``oxitrack`` process may look like: locales without UTF-8,
folder names that are not UTF-8, odd ``HOME``, ``XDG_*`` and ``TZ`` values, a current folder
that was deleted. Each works, or says what is wrong in one line: never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.projects import list_projects
from tests.daemon_process import DaemonProcess
from tests.git_repos import make_repo

JAPANESE = "/home/u/code/\u30d7\u30ed\u30b8\u30a7\u30af\u30c8"
# Bytes no UTF-8 decoder accepts, as a folder name may hold them on Linux.
NOT_UTF8 = b"caf\xe9-\xff"
# What an editor (Node) names that folder: each invalid sequence as U+FFFD.
NOT_UTF8_AS_EDITORS_READ = "caf\ufffd-\ufffd"

# Python's own fallback under the C locale when UTF-8 mode and locale coercion are off: ASCII,
# with undecodable bytes kept as surrogates (`surrogateescape`) for stdout too.
C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


def oxitrack(
    *args: str | bytes, env: dict[str, str] | None = None, cwd: Path | bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m oxitrack ARGS`` with ``env`` laid over this process's environment (without
    its PYTHONIOENCODING, so that the locale decides)."""
    environ = {**os.environ, "NO_COLOR": "1"}
    environ.pop("PYTHONIOENCODING", None)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args],
        capture_output=True,
        env=environ,
        cwd=cwd,
        timeout=60,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[bytes], code: int = 2) -> str:
    """The refusal: exit ``code``, one ``oxitrack: ...`` line on stderr, no traceback."""
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == code, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("oxitrack: ") and stderr.count("\n") == 1, stderr
    return stderr


@pytest.fixture
def japanese_db(tmp_path: Path) -> Path:
    db = tmp_path / "x.db"
    now = int(time.time())
    with Store(db) as store:
        store.record_beat(Beat(project_path=JAPANESE, timestamp=now - 60))
    return db


# -- locales -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["today"], ["report", "--by", "day"], ["sessions"], ["projects", "--via", "file"]],
    ids=["today", "report", "sessions", "projects"],
)
def test_text_under_the_c_locale_without_utf8_mode_escapes_what_ascii_lacks(
    japanese_db: Path, argv: list[str]
):
    result = oxitrack(*argv, "--db", str(japanese_db), env=C_LOCALE)
    assert result.returncode == 0, result.stderr.decode()
    assert b"\\u30d7\\u30ed\\u30b8\\u30a7\\u30af\\u30c8" in result.stdout
    result.stdout.decode("ascii")


@pytest.mark.parametrize("env", [{}, C_LOCALE], ids=["utf8", "c-locale"])
def test_today_keeps_its_columns_with_a_japanese_name_written_or_escaped(
    japanese_db: Path, env: dict[str, str]
):
    """The path column starts at one column on every row, whether the name is written (two
    columns a character) or escaped (six)."""
    from oxitrack.report_text import display_width

    record(japanese_db, "/home/u/webapp")
    result = oxitrack("today", "--db", str(japanese_db), env=env)
    assert result.returncode == 0, result.stderr.decode()
    rows = [line for line in result.stdout.decode("utf-8").splitlines() if "/home/u/" in line]
    assert len(rows) == 2
    assert len({display_width(row[: row.index("/home/u/")]) for row in rows}) == 1, rows


@pytest.mark.parametrize(
    "env",
    [C_LOCALE, {"PYTHONIOENCODING": "latin-1"}, {"PYTHONIOENCODING": "ascii"}],
    ids=["c-locale", "latin-1", "ascii"],
)
@pytest.mark.parametrize("argv", [["report", "--help"], ["export", "--help"]])
def test_help_with_characters_the_output_lacks_is_shown_escaped(
    env: dict[str, str], argv: list[str]
):
    result = oxitrack(*argv, env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert b"usage: oxitrack" in result.stdout


@pytest.mark.parametrize(
    "name", [NOT_UTF8, b"\x80-\xc0"], ids=["latin-1-text", "lowest-bytes-no-utf8-starts-with"]
)
def test_a_folder_name_that_is_not_utf8_is_written_back_as_its_bytes_under_the_c_locale(
    tmp_path: Path, name: bytes
):
    """What ``ls`` does: the bytes are the name; under a UTF-8 locale the same name shows with
    escapes instead (Python's own choice for a strict output)."""
    folder = os.fsencode(tmp_path) + b"/" + name
    os.mkdir(folder)
    db = folder + b"/x.db"
    assert oxitrack("check", "--db", db, env=C_LOCALE).returncode == 1  # no database yet
    with Store(os.fsdecode(db)):
        pass
    result = oxitrack("check", "--db", db, env=C_LOCALE)
    assert result.returncode == 0, result.stderr.decode()
    assert db in result.stdout


@pytest.mark.parametrize("env", [{}, C_LOCALE], ids=["utf8", "c-locale"])
def test_an_error_naming_a_folder_that_is_not_utf8_gives_its_bytes(
    folder_not_utf8: bytes, env: dict[str, str]
):
    """As ``ls`` and the output do: ``\\udce9`` on stderr was a name no one can type back."""
    db = folder_not_utf8 + b"/missing.db"
    result = oxitrack("today", "--db", db, env=env)
    assert_one_clear_line(result, code=1)
    assert db in result.stderr
    assert b"\\udc" not in result.stderr


# -- JSON of names that are not UTF-8 ------------------------------------------------------------


@pytest.mark.parametrize("env", [{}, C_LOCALE], ids=["utf8", "c-locale"])
def test_json_naming_a_database_in_a_folder_that_is_not_utf8_is_valid_utf8(
    tmp_path: Path, env: dict[str, str]
):
    folder = os.fsencode(tmp_path) + b"/" + NOT_UTF8
    os.mkdir(folder)
    db = folder + b"/x.db"
    with Store(os.fsdecode(db)):
        pass
    result = oxitrack("check", "--json", "--db", db, env=env)
    assert result.returncode == 0, result.stderr.decode()
    shown = json.loads(result.stdout.decode("utf-8"))["db_path"]
    assert shown == f"{tmp_path}/{NOT_UTF8_AS_EDITORS_READ}/x.db"


# -- project references from the command line ----------------------------------------------------


@pytest.fixture
def folder_not_utf8(tmp_path: Path) -> bytes:
    folder = os.fsencode(tmp_path) + b"/" + NOT_UTF8
    os.mkdir(folder)
    return folder


def record(db: Path, *paths: str) -> None:
    now = int(time.time())
    with Store(db) as store:
        for path in paths:
            store.record_beat(Beat(project_path=path, timestamp=now - 60))


@pytest.mark.parametrize("env", [{}, C_LOCALE], ids=["utf8", "c-locale"])
def test_dot_in_a_folder_whose_name_is_not_utf8_is_the_project_an_editor_recorded(
    tmp_path: Path, folder_not_utf8: bytes, env: dict[str, str]
):
    """The editor sends the folder's name as Node reads it; ``.`` there must mean that project,
    not be refused as "a lone surrogate" the user never typed."""
    db = tmp_path / "x.db"
    recorded = f"{tmp_path}/{NOT_UTF8_AS_EDITORS_READ}"
    record(db, recorded, "/elsewhere")
    report = oxitrack("report", "--project", ".", "--json", "--db", str(db), cwd=folder_not_utf8)
    assert report.returncode == 0, report.stderr.decode()
    [project] = json.loads(report.stdout)["projects"]
    assert project["project_path"] == recorded
    rename = oxitrack(
        "projects", "rename", ".", "cafe", "--via", "file", "--db", str(db), cwd=folder_not_utf8
    )
    assert rename.returncode == 0, rename.stderr.decode()
    with Store(db, read_only=True) as store:
        names = {p.name for p in store.read(list_projects)}
    assert names == {"cafe", "elsewhere"}


@pytest.mark.parametrize("env", [{}, C_LOCALE], ids=["utf8", "c-locale"])
def test_dot_in_a_subfolder_of_a_japanese_project_is_that_project(
    tmp_path: Path, env: dict[str, str]
):
    """``.`` typed in ``src/`` of a project walks up to the project's folder; under the C
    locale the walk must still see that the Japanese folder exists (not name nothing)."""
    db = tmp_path / "x.db"
    project = tmp_path / "\u30d7\u30ed\u30b8\u30a7\u30af\u30c8"
    (project / "src").mkdir(parents=True)
    record(db, str(project), "/elsewhere")
    rename = oxitrack(
        "projects",
        "rename",
        ".",
        "app",
        "--via",
        "file",
        "--db",
        str(db),
        env=env,
        cwd=project / "src",
    )
    assert rename.returncode == 0, rename.stderr.decode()
    with Store(db, read_only=True) as store:
        names = {p.name for p in store.read(list_projects)}
    assert names == {"app", "elsewhere"}


def test_a_name_typed_under_the_c_locale_is_read_as_utf8(tmp_path: Path):
    db = tmp_path / "x.db"
    record(db, "/home/u/app")
    result = oxitrack(
        "projects",
        "rename",
        "/home/u/app",
        "Über",
        "--json",
        "--via",
        "file",
        "--db",
        str(db),
        env=C_LOCALE,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["project"]["name"] == "Über"


def test_dot_in_a_deleted_folder_is_the_folder_the_shell_was_in(tmp_path: Path):
    """``rm -r`` of the project from another terminal: its beats are still there."""
    db = tmp_path / "x.db"
    folder = tmp_path / "gone"
    folder.mkdir()
    record(db, str(folder), "/elsewhere")
    script = f'cd "{folder}" && rmdir "{folder}" && exec "$@"'
    argv = [sys.executable, "-m", "oxitrack", "report", "--project", ".", "--json", "--db", str(db)]
    result = subprocess.run(["sh", "-c", script, "sh", *argv], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    [project] = json.loads(result.stdout)["projects"]
    assert project["project_path"] == str(folder)

    without_shell = subprocess.run(
        [
            "sh",
            "-c",
            f'mkdir "{folder}" && cd "{folder}" && rmdir "{folder}" && exec "$@"',
            "sh",
            "env",
            "-u",
            "PWD",
            *argv,
        ],
        capture_output=True,
        timeout=60,
    )
    assert "current folder no longer exists" in assert_one_clear_line(without_shell)


def test_a_relative_database_in_a_deleted_folder_is_one_clear_line(tmp_path: Path):
    folder = tmp_path / "gone"
    folder.mkdir()
    script = f'cd "{folder}" && rmdir "{folder}" && exec "$@"'
    argv = [sys.executable, "-m", "oxitrack", "today", "--db", "x.db"]
    result = subprocess.run(["sh", "-c", script, "sh", *argv], capture_output=True, timeout=60)
    assert "current folder no longer exists" in assert_one_clear_line(result, code=1)


def test_tilde_of_no_such_user_is_a_project_name(tmp_path: Path):
    """A project may be named ``~scratch``; with no user of that name it is no folder."""
    db = tmp_path / "x.db"
    record(db, "/home/u/app", "/elsewhere")
    renamed = oxitrack(
        "projects", "rename", "/home/u/app", "~nosuchuser", "--via", "file", "--db", str(db)
    )
    assert renamed.returncode == 0, renamed.stderr.decode()
    result = oxitrack("report", "--project", "~nosuchuser", "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr.decode()
    [project] = json.loads(result.stdout)["projects"]
    assert project["project_path"] == "/home/u/app"


# -- TZ ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tz", [" Asia/Tokyo", "Asia/Tokyo ", ": Asia/Tokyo"])
def test_a_tz_name_with_spaces_around_it_is_that_zone(japanese_db: Path, tz: str):
    result = oxitrack("today", "--json", "--db", str(japanese_db), env={"TZ": tz})
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["timezone"] == "Asia/Tokyo"


def test_a_daemon_started_with_a_tz_name_with_spaces_answers_today(tmp_path: Path):
    daemon = DaemonProcess(tmp_path / "d.db", env={"TZ": " Asia/Tokyo"}).start()
    try:
        answer = httpx2.get(f"{daemon.url}/today?format=json", timeout=10)
    finally:
        daemon.stop()
    assert answer.status_code == 200, answer.text
    assert answer.json()["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(("tz", "noted"), [("<+03>-3", True), ("Asia/Tokyo", False)])
def test_a_daemon_started_with_a_tz_it_cannot_follow_says_so_once(
    tmp_path: Path, tz: str, noted: bool
):
    """Its reports count days in another zone than ``date`` in the same shell: said at start."""
    daemon = DaemonProcess(tmp_path / "d.db", env={"TZ": tz}).start()
    assert daemon.stop() == 0
    notes = [line for line in daemon.stderr_lines if "TZ=" in line]
    if noted:
        assert len(notes) == 1, daemon.stderr_lines
        assert notes[0].startswith("oxitrack: note: TZ='<+03>-3' is a POSIX rule")
        assert "?tz=Area/City" in notes[0]
    else:
        assert notes == []


@pytest.mark.parametrize("tz", ["<+03>-3", "CET-1CEST,M3.5.0,M10.5.0/3", "Nowhere/Bogus"])
@pytest.mark.parametrize("argv", [["today"], ["report", "--by", "day", "--json"]])
def test_a_tz_no_zone_is_named_by_gets_a_note_naming_the_zone_used(
    japanese_db: Path, tz: str, argv: list[str]
):
    result = oxitrack(*argv, "--db", str(japanese_db), env={"TZ": tz})
    assert result.returncode == 0, result.stderr.decode()
    note = result.stderr.decode()
    said = "names no time zone known here" if tz == "Nowhere/Bogus" else "is a POSIX rule"
    assert note.startswith(f"oxitrack: note: TZ='{tz}' {said}") and note.count("\n") == 1
    zone = "UTC" if "--json" not in argv else json.loads(result.stdout)["timezone"]
    assert "days are in" in note and zone in note


@pytest.mark.parametrize("tz", ["", ":/etc/localtime", "Europe/Berlin", ":Europe/Berlin"])
def test_a_tz_that_is_followed_gets_no_note(japanese_db: Path, tz: str):
    result = oxitrack("today", "--db", str(japanese_db), env={"TZ": tz})
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()


def test_tz_flag_needs_no_note_whatever_tz_says(japanese_db: Path):
    result = oxitrack(
        "today", "--tz", "Asia/Tokyo", "--db", str(japanese_db), env={"TZ": "<+03>-3"}
    )
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()


# -- the daemon ----------------------------------------------------------------------------------


def post_beat(daemon: DaemonProcess, path: str) -> httpx2.Response:
    return httpx2.post(f"{daemon.url}/beat", json={"project_path": path}, timeout=10)


def test_a_daemon_under_the_c_locale_records_a_japanese_folder_through_its_symlink(
    tmp_path: Path,
):
    """Under LC_ALL=C with UTF-8 mode off, Python encodes str paths as ASCII: resolving the
    folder's symlinks failed, a 500 for every beat from it."""
    real = tmp_path / "\u30d7\u30ed\u30b8\u30a7\u30af\u30c8"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    daemon = DaemonProcess(tmp_path / "d.db", env=C_LOCALE).start()
    try:
        answer = post_beat(daemon, str(tmp_path / "link"))
    finally:
        daemon.stop()
    assert answer.status_code == 200, answer.text
    assert answer.json()["project_path"] == str(real)


def test_a_beat_through_a_symlink_to_a_folder_whose_name_is_not_utf8_is_recorded(
    tmp_path: Path, folder_not_utf8: bytes
):
    (tmp_path / "link").symlink_to(os.fsdecode(folder_not_utf8))
    daemon = DaemonProcess(tmp_path / "d.db").start()
    try:
        answer = post_beat(daemon, str(tmp_path / "link"))
    finally:
        daemon.stop()
    assert answer.status_code == 200, answer.text
    assert answer.json()["project_path"] == f"{tmp_path}/{NOT_UTF8_AS_EDITORS_READ}"


@pytest.mark.parametrize("tz", [" Asia/Tokyo", "Asia/Tokyo"])
def test_projects_shows_the_last_beat_in_the_zone_sessions_use(tmp_path: Path, tz: str):
    """The C library reads `TZ=" Asia/Tokyo"` as UTC; the reports read Tokyo."""
    db = tmp_path / "x.db"
    with Store(db) as store:
        store.record_beat(Beat(project_path="/home/u/app", timestamp=1_764_100_000))
    env = {"TZ": tz}
    projects = oxitrack("projects", "--via", "file", "--db", str(db), env=env)
    sessions = oxitrack("sessions", "--db", str(db), env=env)
    assert projects.returncode == 0 and sessions.returncode == 0, projects.stderr.decode()
    assert b"last beat 2025-11-26 04:46" in projects.stdout  # 19:46 UTC
    assert b"2025-11-26 04:46" in sessions.stdout


def test_a_daemon_on_a_database_in_a_folder_whose_name_is_not_utf8_answers_health(
    tmp_path: Path, folder_not_utf8: bytes
):
    """``/health`` names the database: a 500 there also made ``projects`` and ``service
    status`` say that no daemon answers."""
    db = Path(os.fsdecode(folder_not_utf8)) / "x.db"
    daemon = DaemonProcess(db).start()
    try:
        health = httpx2.get(f"{daemon.url}/health", timeout=10)
        assert post_beat(daemon, "/home/u/app").status_code == 200
        env = {"OXITRACK_PORT": str(daemon.port)}
        projects = oxitrack("projects", "--via", "daemon", "--db", os.fsencode(db), env=env)
    finally:
        daemon.stop()
    assert health.status_code == 200, health.text
    assert health.json()["db_path"] == f"{tmp_path}/{NOT_UTF8_AS_EDITORS_READ}/x.db"
    assert projects.returncode == 0, projects.stderr.decode()
    assert b"/home/u/app" in projects.stdout


def test_a_daemon_under_the_c_locale_names_a_japanese_repository_by_its_root_commit(
    tmp_path: Path,
):
    """The folder was resolved as UTF-8 bytes, but its repository was looked for through str
    paths the C locale encodes as ASCII: no folder was found, so the project was named by its
    path and lost its history on the first move."""
    root = make_repo(tmp_path / "\u30d7\u30ed")
    daemon = DaemonProcess(tmp_path / "d.db", env=C_LOCALE).start()
    try:
        assert post_beat(daemon, str(tmp_path / "\u30d7\u30ed")).status_code == 200
        projects = httpx2.get(f"{daemon.url}/api/projects", timeout=10).json()["projects"]
    finally:
        daemon.stop()
    assert [project["identities"] for project in projects] == [[f"git:{root}"]]
