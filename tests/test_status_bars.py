"""The CLI as status bars, prompts and cron jobs run it: real ``oxitrack`` processes, often with a
real daemon beside them, in the environments such scripts get (no terminal, another
``XDG_DATA_HOME``, the C locale, a closed stdout)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx2
import pytest

from oxitrack.sessions import Beat
from oxitrack.store import Store
from oxitrack.store.lock_wait import OPEN_WAIT_SECONDS
from tests.daemon_process import DaemonProcess
from tests.terminals import on_terminal


def oxitrack(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``oxitrack ARGS`` as a script runs it: no terminal, its own environment."""
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def script_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a script started apart from the daemon's shell: its own home and
    XDG folders, no OXITRACK_* variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OXITRACK_", "XDG_"))}
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    env.update(extra)
    return env


def beat(daemon: DaemonProcess, project_path: str, seconds_ago: int = 0) -> None:
    body = {"project_path": project_path, "timestamp": int(time.time()) - seconds_ago}
    answer = httpx2.post(f"{daemon.url}/beat", json=body)
    assert answer.status_code == 200, answer.text


def test_a_missing_database_names_the_one_the_running_daemon_records_into(
    daemon: DaemonProcess, tmp_path: Path
):
    """A bar started with another XDG_DATA_HOME than the daemon's reads another file: "start
    `oxitrack serve` once" would send the user to start a second daemon."""
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
    commands = [["today", "--json"], ["report"], ["sessions"], ["export"]]
    commands += [["projects"], ["projects", "rename", "1", "x"]]
    commands += [["projects", "delete", "1", "--yes"]]
    for command in commands:
        result = oxitrack(*command, env=env)
        assert result.returncode == 1, command
        assert result.stdout == b"", command
        [line] = result.stderr.decode().splitlines()
        expected = tmp_path / "data" / "oxitrack" / "oxitrack.db"
        assert line.startswith(f"oxitrack: no database at {expected}, but the daemon at")
        assert f"records into {daemon.db_path}: give --db {daemon.db_path}" in line


def test_a_nightly_backup_or_check_of_a_missing_database_names_the_daemons(
    daemon: DaemonProcess, tmp_path: Path
):
    """cron runs `oxitrack backup --force ~/backups/oxitrack.db` without the shell's
    XDG_DATA_HOME or OXITRACK_DB: it must name the file the daemon records into, not send the
    user to start a second daemon (and back up that one's empty file every night)."""
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
    copy = tmp_path / "copy.db"
    for command in (["backup", "--force", str(copy)], ["check"], ["check", "--json"]):
        result = oxitrack(*command, env=env)
        assert result.returncode == 1, command
        assert result.stdout == b"", command
        [line] = result.stderr.decode().splitlines()
        expected = tmp_path / "data" / "oxitrack" / "oxitrack.db"
        assert line.startswith(f"oxitrack: no database at {expected}, but the daemon at"), line
        assert f"records into {daemon.db_path}: give --db {daemon.db_path}" in line
    assert not copy.exists()
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("command", ["report", "sessions", "export", "report --by language"])
def test_a_missing_database_points_a_report_at_another_machines_dashboard(
    tmp_path: Path, command: str
):
    """A laptop whose editors send to a desktop's daemon has no file: "start `oxitrack serve`"
    alone made it a second daemon recording nothing; only `today` can ask the desktop."""
    result = oxitrack(*command.split(), env=script_env(tmp_path, OXITRACK_PORT="9"))
    assert (result.returncode, result.stdout) == (1, b"")
    expected = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    assert result.stderr.decode() == (
        f"oxitrack: no database at {expected} (start `oxitrack serve` once, or open the"
        " dashboard of a daemon on another machine)\n"
    )


def test_a_missing_database_without_a_daemon_says_to_start_one(tmp_path: Path):
    result = oxitrack("today", "--json", env=script_env(tmp_path, OXITRACK_PORT="9"))
    assert result.returncode == 1
    assert result.stdout == b""
    expected = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    assert result.stderr.decode() == (
        f"oxitrack: no database at {expected} (start `oxitrack serve` once, or ask a daemon on"
        " another machine: `oxitrack today --daemon URL`)\n"
    )


def test_the_database_the_daemon_records_into_is_read_as_it_is(
    daemon: DaemonProcess, tmp_path: Path
):
    project = tmp_path / "app"
    project.mkdir()
    beat(daemon, str(project))
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
    result = oxitrack("today", "--json", "--db", str(daemon.db_path), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""


@pytest.mark.skipif(sys.platform != "linux", reason="who holds a file: Linux's F_GETLK")
def test_an_old_file_beside_the_daemons_is_said_to_be_another_database(
    daemon: DaemonProcess, tmp_path: Path
):
    """You read a database that exists (an old one, left where the data was before `service
    install --db` moved it) while the daemon records elsewhere: "nothing tracked" all day."""
    old = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    old.parent.mkdir(parents=True)
    Store(old).close()
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
    commands = (["today", "--json"], ["today"], ["report", "--json"], ["report", "--by", "editor"])
    for command in commands:
        code, out, shown = on_terminal(*command, env=env)
        assert code == 0, shown
        if "--json" in command:
            assert json.loads(out)["total_seconds"] == 0
        [line] = shown.splitlines()
        assert line.startswith(f"oxitrack: note: nothing in {old}; the daemon at {daemon.url}")
        assert f"records into {daemon.db_path}: give --db {daemon.db_path}" in line

    # A bar or a script shows no stderr and polls: it is not told, nor is the daemon asked.
    bar = oxitrack("today", "--json", env=env)
    assert (bar.returncode, bar.stderr) == (0, b"")


@pytest.mark.skipif(sys.platform != "linux", reason="who holds a file: Linux's F_GETLK")
def test_a_file_with_time_in_the_range_is_not_said_to_be_another_database(
    daemon: DaemonProcess, tmp_path: Path
):
    """The note is for a file with nothing to show: one with time in the range, or with the
    project asked for, is the file meant, whichever daemon records elsewhere."""
    old = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    old.parent.mkdir(parents=True)
    now = int(time.time())
    with Store(old) as store:
        store.record_beats([Beat("/code/app", now - 600), Beat("/code/app", now)])
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
    code, out, shown = on_terminal("report", "--by", "language", "--days", "1", env=env)
    assert code == 0, shown
    assert out.decode().splitlines()[-1].startswith("0h 10m  total")
    assert shown == ""
    day = ["--from", "2025-11-20", "--to", "2025-11-20"]
    code, out, shown = on_terminal(
        "report", "--by", "language", "--project", "/code/app", *day, env=env
    )
    assert code == 0, shown
    assert out.decode().splitlines()[-1].startswith("0h 00m  total")
    assert shown == ""


def test_a_file_another_daemon_records_into_is_not_second_guessed(
    daemon: DaemonProcess, tmp_path: Path
):
    """A second daemon (another port) records into the file read: it is the file meant, and
    no daemon is asked, however long nothing is tracked in it."""
    second = DaemonProcess(tmp_path / "second.db").start()
    try:
        env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port))
        code, out, shown = on_terminal("today", "--json", "--db", str(second.db_path), env=env)
        assert code == 0, shown
        assert json.loads(out)["total_seconds"] == 0
        assert shown == ""
    finally:
        second.kill()


# -- the recipes in docs/cli.md, run as the bars run them ---------------------------------------

CLI_DOCS = Path(__file__).parent.parent / "docs" / "cli.md"


def scripts_section() -> str:
    text = CLI_DOCS.read_text()
    start = text.index("## Scripts, status bars and prompts")
    return text[start : text.index("\n## ", start + 1)]


def code_block(after: str) -> str:
    """The first fenced block after the text ``after`` in the scripts section."""
    section = scripts_section()
    start = section.index("```", section.index(after))
    body_start = section.index("\n", start) + 1
    return section[body_start : section.index("```", body_start)]


def shell(command: str, env: dict[str, str], cwd: Path) -> str:
    """``command`` as a bar runs it: ``sh -c``, no terminal; its standard output."""
    result = subprocess.run(
        ["sh", "-c", command],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        timeout=60,
        text=True,
    )
    return result.stdout


@pytest.fixture
def bar_env(daemon: DaemonProcess, tmp_path: Path) -> dict[str, str]:
    """A bar's environment: the installed ``oxitrack`` on PATH, the daemon's database."""
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    folder = Path(sys.executable).parent
    env = script_env(tmp_path, OXITRACK_DB=str(daemon.db_path))
    env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{folder}{os.pathsep}{env['PATH']}"
    return env


def hours_minutes(seconds: int) -> str:
    minutes = seconds // 60
    return f"{minutes // 60}h {minutes % 60}m"


def test_the_documented_bar_commands_print_todays_time(
    daemon: DaemonProcess, bar_env: dict[str, str], tmp_path: Path
):
    project, other = tmp_path / "app", tmp_path / "notes"
    for folder, ago in ((project, 300), (project, 0), (other, 1500), (other, 700), (other, 0)):
        folder.mkdir(exist_ok=True)
        beat(daemon, str(folder), seconds_ago=ago)
    # What the recipes should print, from the JSON they read (a day may end between two runs).
    today = json.loads(oxitrack("today", "--json", env=bar_env).stdout)
    line = hours_minutes(today["total_seconds"])
    in_app = json.loads(
        oxitrack("report", "--days", "1", "--project", str(project), "--json", env=bar_env).stdout
    )
    assert in_app["total_seconds"] < today["total_seconds"]

    i3blocks = code_block("**i3blocks**").splitlines()
    [command] = [row.removeprefix("command=") for row in i3blocks if row.startswith("command=")]
    assert shell(command, bar_env, tmp_path) == line + "\n"

    waybar = json.loads("{" + code_block("**waybar**") + "}")["custom/oxitrack"]
    shown = json.loads(shell(waybar["exec"], bar_env, tmp_path))
    assert shown["text"] == line
    assert shown["tooltip"] == "\n".join(
        f"{entry['project_name']}: {entry['duration_seconds'] // 60} min"
        for entry in today["projects"]
    )

    starship = tomllib.loads(code_block("**starship**"))["custom"]["oxitrack"]["command"]
    assert shell(starship, bar_env, project) == hours_minutes(in_app["total_seconds"]) + "\n"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert shell(starship, bar_env, elsewhere) == ""  # no project here: an empty module

    script = tmp_path / "bin" / "oxitrack-today"
    script.parent.mkdir()
    script.write_text(code_block("**tmux**"))
    script.chmod(0o755)
    assert shell("oxitrack-today", bar_env, tmp_path) == line + "\n"
    missing = {**bar_env, "OXITRACK_DB": str(tmp_path / "none.db")}
    assert shell("oxitrack-today", missing, tmp_path) == ""  # no database: nothing shown


def with_stderr_closed(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """``oxitrack ARGS 2>&-``: the process starts with no fd 2 at all."""
    return subprocess.run(
        ["sh", "-c", 'exec "$@" 2>&-', "sh", sys.executable, "-m", "oxitrack", *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
    )


def test_with_stderr_closed_errors_and_notes_never_reach_stdout(
    daemon: DaemonProcess, tmp_path: Path
):
    """Python gives such a process no sys.stderr, and print(file=None) writes to stdout: the
    error was read as data, the TZ note spoilt the JSON."""
    env = script_env(tmp_path, OXITRACK_PORT="9")
    missing = with_stderr_closed("today", "--json", "--db", str(tmp_path / "none.db"), env=env)
    assert (missing.returncode, missing.stdout) == (1, b"")
    refused = with_stderr_closed("today", "--json", "--bogus", env=env)
    assert (refused.returncode, refused.stdout) == (2, b"")
    noted = with_stderr_closed(
        "today", "--json", "--db", str(daemon.db_path), env={**env, "TZ": "<+03>-3"}
    )
    assert noted.returncode == 0
    assert json.loads(noted.stdout)["timezone"]


DATABASE_FIELDS = {
    "db_path",
    "size_bytes",
    "schema_version",
    "session_count",
    "project_count",
    "beat_count",
    "first_beat",
    "last_beat",
}


def test_the_other_json_outputs_have_the_documented_fields(daemon: DaemonProcess, tmp_path: Path):
    """The shapes docs/cli.md gives for `service status`, `check` and `backup`."""
    beat(daemon, str(tmp_path))
    env = script_env(tmp_path, OXITRACK_PORT=str(daemon.port), OXITRACK_DB=str(daemon.db_path))

    status = oxitrack("service", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    answer = json.loads(status.stdout)
    assert set(answer) == {"service", "daemon", "database"}
    assert set(answer["daemon"]) == {
        "url",
        "answers",
        "health",
        "refusal",
        "older_than_this",
        "other_build",
    }
    assert answer["daemon"]["answers"] is True
    assert set(answer["database"]) == DATABASE_FIELDS | {"wal_pending_bytes", "wal_readers"}

    check = oxitrack("check", "--json", env=env)
    assert check.returncode == 0, check.stderr
    answer = json.loads(check.stdout)
    assert set(answer) == {"db_path", "ok", "problems", "notes", "stats"}
    assert answer["ok"] is True
    assert set(answer["stats"]) == DATABASE_FIELDS

    backup = oxitrack("backup", str(tmp_path / "copy.db"), "--json", env=env)
    assert backup.returncode == 0, backup.stderr
    assert set(json.loads(backup.stdout)) == {"backup"}
    assert set(json.loads(backup.stdout)["backup"]) == DATABASE_FIELDS

    daemon.stop()
    status = oxitrack("service", "status", "--json", env=env)
    assert status.returncode == 3
    assert json.loads(status.stdout)["daemon"]["answers"] is False


def test_a_columns_that_is_no_width_leaves_help_at_the_usual_width(tmp_path: Path):
    """COLUMNS=0 (or negative) is no width, as `shutil` reads it: help was one word a line."""
    env = script_env(tmp_path)
    env.pop("COLUMNS", None)  # and no terminal: 80 columns
    usual = oxitrack("today", "--help", env=env)
    for columns in ("0", "-5"):
        result = oxitrack("today", "--help", env={**env, "COLUMNS": columns})
        assert result.returncode == 0
        assert result.stdout == usual.stdout


def test_waiting_for_a_locked_file_is_said_in_one_oxitrack_line(tmp_path: Path):
    """The store's "waiting" warning came out bare, unlike every other line the CLI writes."""
    db = tmp_path / "seed.db"  # the seed's file: a rollback journal, which a lock closes
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute(
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY, project_path TEXT NOT NULL,"
        " start_time INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL,"
        " UNIQUE(project_path, start_time))"
    )
    holder.execute("BEGIN EXCLUSIVE")
    # `report`: `today`, which status bars poll, gives up after 2 s (test_status_bar_failures).
    command = [sys.executable, "-m", "oxitrack", "report", "--json", "--db", str(db)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=script_env(tmp_path)
    ) as process:
        assert process.stderr is not None
        first = process.stderr.readline().decode()  # blocks until the command says it waits
        holder.execute("COMMIT")
        holder.close()
        out, rest = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert first.startswith(f"oxitrack: cannot open the database {db}: database is locked")
    assert first.rstrip().endswith(f"waiting up to {OPEN_WAIT_SECONDS:.0f} s for it")
    assert rest == b""
    assert json.loads(out)["total_seconds"] == 0


def test_a_missing_database_beside_a_program_that_is_no_daemon_says_to_start_one(
    tmp_path: Path,
):
    """Another program answers on the daemon's port (a dev server): there is no daemon to
    name a file of, so the line is the one for no daemon, not a traceback."""
    import http.server
    import threading

    class NotOxitrack(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotOxitrack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = script_env(tmp_path, OXITRACK_PORT=str(server.server_address[1]))
        result = oxitrack("today", "--json", env=env)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1
    expected = tmp_path / "data" / "oxitrack" / "oxitrack.db"
    assert result.stderr.decode() == (
        f"oxitrack: no database at {expected} (start `oxitrack serve` once, or ask a daemon on"
        " another machine: `oxitrack today --daemon URL`)\n"
    )


def test_a_daemon_at_another_address_than_the_usual_ones_is_asked_where_it_records(
    tmp_path: Path,
):
    """Only for the usual local addresses is the daemon looked for among this machine's
    listening sockets before it is asked; at any other host (here another loopback address,
    as a daemon on another machine would be) it is asked, and named."""
    daemon = DaemonProcess(tmp_path / "daemon.db", "--host", "127.0.0.2").start()
    try:
        env = script_env(tmp_path, OXITRACK_HOST="127.0.0.2", OXITRACK_PORT=str(daemon.port))
        result = oxitrack("today", "--json", env=env)
    finally:
        daemon.kill()
    assert result.returncode == 1
    assert f"records into {daemon.db_path}: give --db {daemon.db_path}" in result.stderr.decode()
