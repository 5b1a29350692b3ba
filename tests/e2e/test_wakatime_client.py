"""A real WakaTime client (wakatime 13.1.0) against a real ``oxitrack serve`` process.

The client runs as editor plugins run it: ``~/.wakatime.cfg`` with ``api_url`` and ``api_key``,
one call per heartbeat with ``--extra-heartbeats`` for the ones its plugin buffered, and its
offline queue in ``~/.wakatime.db`` (HOME is a temporary folder, so the user's files are
untouched). The queue is the client's own verdict: a heartbeat it did not see accepted stays there.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import KEY

pytestmark = pytest.mark.e2e

PLUGIN = "neovim/0.9.5 vim-wakatime/11.1.1"
SUCCESS, API_ERROR, AUTH_ERROR = 0, 102, 104  # the client's exit codes


class Editor:
    """One user's machine: a home folder with a WakaTime config, and a file in a git repo."""

    def __init__(self, client: Path, tmp_path: Path) -> None:
        self.client = client
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.repo = tmp_path / "code" / "project"
        (self.repo / "src" / "pkg").mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(self.repo)], check=True)
        self.file = self.repo / "src" / "pkg" / "module.py"
        self.file.write_text("import os\n\nprint(os.getcwd())\n")

    def configure(self, daemon_url: str, key: str = KEY, more_settings: str = "") -> None:
        """The lines docs/wakatime.md gives for the pure-Python client, and any others."""
        (self.home / ".wakatime.cfg").write_text(
            "[settings]\n"
            f"api_url = {daemon_url}/api/v1/users/current/heartbeats.bulk\n"
            f"api_key = {key}\n" + more_settings
        )

    def send(self, at: float, extra: list[dict[str, Any]] | None = None) -> int:
        """What a plugin does on a keystroke: one heartbeat, plus any it buffered on stdin."""
        args = [str(self.client), "--entity", str(self.file), "--plugin", PLUGIN]
        args += ["--time", f"{at:.3f}", "--write"]
        if extra is not None:
            args.append("--extra-heartbeats")
        env = {k: v for k, v in os.environ.items() if not k.startswith("WAKATIME")}
        env["HOME"] = str(self.home)
        result = subprocess.run(
            args,
            input=json.dumps(extra) + "\n" if extra is not None else None,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
        return result.returncode

    def heartbeat(self, at: float, **fields: Any) -> dict[str, Any]:
        return {"entity": str(self.file), "type": "file", "time": at, **fields}

    def queued(self) -> int:
        """Heartbeats waiting in the client's offline queue."""
        queue = self.home / ".wakatime.db"
        if not queue.exists():
            return 0
        with sqlite3.connect(queue) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if "heartbeat_2" not in tables:
                return 0
            return int(conn.execute("SELECT count(*) FROM heartbeat_2").fetchone()[0])

    def log(self) -> str:
        path = self.home / ".wakatime.log"
        return path.read_text() if path.exists() else ""


def now_to_the_millisecond() -> float:
    """Now, to the millisecond ``--time`` is written to: a time less than half a millisecond
    before a whole second went out rounded up to it, and the session it made was one second
    later than the one expected of the time itself (one run in about 2,000)."""
    return round(time.time(), 3)


def sessions(db_path: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT project_path, start_time, last_heartbeat FROM sessions ORDER BY start_time"
        ).fetchall()
    return [(str(path), int(start), int(last)) for path, start, last in rows]


@pytest.fixture
def editor(wakatime_client: Path, tmp_path: Path) -> Editor:
    return Editor(wakatime_client, tmp_path)


def test_heartbeats_from_a_git_repository_become_one_session_for_its_root(
    daemon: DaemonProcess, editor: Editor
):
    editor.configure(daemon.url)
    now = now_to_the_millisecond()
    buffered = [editor.heartbeat(now - 400.5), editor.heartbeat(now - 700.25, is_write=False)]
    assert editor.send(now - 100, extra=buffered) == SUCCESS, editor.log()
    assert editor.send(now - 10) == SUCCESS, editor.log()
    assert sessions(daemon.db_path) == [(str(editor.repo), int(now - 700.25), int(now - 10))]
    assert editor.queued() == 0
    with sqlite3.connect(daemon.db_path) as conn:
        kept = conn.execute(
            "SELECT DISTINCT language, branch, editor, project_name, project_source"
            " FROM beat_details"
        ).fetchall()
    assert kept == [("Python", "master", "neovim", "project", "repository")]


def test_queued_heartbeats_arrive_late_and_merge_when_the_daemon_is_back(
    daemon: DaemonProcess, editor: Editor
):
    editor.configure(daemon.url)
    now = now_to_the_millisecond()
    daemon.stop()
    assert editor.send(now - 1500, extra=[editor.heartbeat(now - 800)]) == API_ERROR
    assert editor.queued() == 2  # the client keeps what the daemon never answered
    daemon.start(port=daemon.port)
    assert editor.send(now - 100) == SUCCESS, editor.log()
    assert editor.queued() == 0  # sent from the queue, after the new heartbeat
    assert sessions(daemon.db_path) == [(str(editor.repo), int(now - 1500), int(now - 100))]


def test_heartbeat_that_can_never_be_stored_is_dropped_not_queued(
    daemon: DaemonProcess, editor: Editor
):
    editor.configure(daemon.url)
    now = now_to_the_millisecond()
    wrong_clock = {"entity": "Figma", "type": "app", "time": now + 3600}  # an hour ahead
    assert editor.send(now - 60, extra=[wrong_clock]) == SUCCESS, editor.log()
    assert editor.queued() == 0
    assert "s in the future; check the clock" in editor.log()
    assert sessions(daemon.db_path) == [(str(editor.repo), int(now - 60), int(now - 60))]


def test_heartbeat_with_no_folder_and_no_project_is_kept_as_unknown_project(
    daemon: DaemonProcess, editor: Editor
):
    editor.configure(daemon.url)
    now = now_to_the_millisecond()
    app = {"entity": "Figma", "type": "app", "time": now - 50}  # no project, no folder
    assert editor.send(now - 60, extra=[app]) == SUCCESS, editor.log()
    assert editor.queued() == 0
    assert sorted(sessions(daemon.db_path)) == [
        (str(editor.repo), int(now - 60), int(now - 60)),
        ("wakatime:Unknown Project", int(now - 50), int(now - 50)),
    ]


def test_hidden_file_names_join_the_folder_its_wakatime_project_file_names(
    daemon: DaemonProcess, editor: Editor
):
    """``.wakatime-project`` names the project "Billing API"; with ``hide_file_names`` the
    client sends ``HIDDEN.py`` and that name only, which the earlier heartbeats tie to the
    repository. Not a second project counting the same minutes."""
    (editor.repo / ".wakatime-project").write_text("Billing API\n")
    editor.configure(daemon.url)
    now = now_to_the_millisecond()
    assert editor.send(now - 600) == SUCCESS, editor.log()
    editor.configure(daemon.url, more_settings="hide_file_names = true\n")
    assert editor.send(now - 60) == SUCCESS, editor.log()
    assert editor.queued() == 0
    assert sessions(daemon.db_path) == [(str(editor.repo), int(now - 600), int(now - 60))]
    with sqlite3.connect(daemon.db_path) as conn:
        kept = conn.execute(
            "SELECT project_name, project_source FROM beat_details ORDER BY time"
        ).fetchall()
    assert kept == [("Billing API", "repository"), ("Billing API", "project_name_match")]


def test_a_hidden_file_sent_with_the_first_heartbeat_of_its_folder_joins_it(
    daemon: DaemonProcess, editor: Editor
):
    """``hide_file_names`` for some files only: the daemon has not seen the repository when a
    hidden file's heartbeat (``HIDDEN.py`` and the name "Billing API") comes in one request with
    a shown file's, which says which folder that name is."""
    (editor.repo / ".wakatime-project").write_text("Billing API\n")
    secret = editor.repo / "src" / "pkg" / "secret.py"
    secret.write_text("TOKEN = 1\n")
    editor.configure(daemon.url, more_settings="hide_file_names = secret\n")
    now = now_to_the_millisecond()
    hidden = {"entity": str(secret), "type": "file", "time": now - 30}
    assert editor.send(now - 60, extra=[hidden]) == SUCCESS, editor.log()
    assert editor.queued() == 0
    assert sessions(daemon.db_path) == [(str(editor.repo), int(now - 60), int(now - 30))]


def test_a_file_name_that_is_not_utf_8_counts_in_its_repository(
    daemon: DaemonProcess, editor: Editor
):
    """The client sends the name's bytes that are not UTF-8 as lone surrogates (``\\udce9``);
    answered 400, its heartbeat was dropped for good with its time."""
    editor.file = editor.repo / "src" / "pkg" / os.fsdecode(b"caf\xe9.py")  # Latin-1
    editor.file.write_text("print(1)\n")
    editor.configure(daemon.url)
    now = now_to_the_millisecond()
    assert editor.send(now - 60) == SUCCESS, editor.log()
    assert editor.queued() == 0
    assert sessions(daemon.db_path) == [(str(editor.repo), int(now - 60), int(now - 60))]


@pytest.mark.parametrize("is_write", ["true", "False", "1", 1])
def test_a_plugins_is_write_as_text_or_number_keeps_the_heartbeat(
    daemon: DaemonProcess, editor: Editor, is_write: object
):
    """The client passes a plugin's buffered heartbeats on as written, and drops one answered
    400 for good: wakatime-cli reads ``"true"`` as true and leaves a number unread."""
    editor.configure(daemon.url)
    now = now_to_the_millisecond()
    buffered = editor.heartbeat(now - 300, is_write=is_write)
    assert editor.send(now - 60, extra=[buffered]) == SUCCESS, editor.log()
    assert editor.queued() == 0
    assert sessions(daemon.db_path) == [(str(editor.repo), int(now - 300), int(now - 60))]


def test_daemon_with_a_key_takes_only_that_key(wakatime_client: Path, tmp_path: Path):
    daemon = DaemonProcess(tmp_path / "keyed.db", "--api-key", KEY).start()
    try:
        editor = Editor(wakatime_client, tmp_path)
        now = now_to_the_millisecond()
        editor.configure(daemon.url, key="00000000-0000-4000-8000-000000000000")
        assert editor.send(now - 30) == AUTH_ERROR
        assert editor.queued() == 1
        assert sessions(daemon.db_path) == []
        editor.configure(daemon.url, key=KEY)
        assert editor.send(now - 20) == SUCCESS, editor.log()
        assert editor.queued() == 0
        assert sessions(daemon.db_path) == [(str(editor.repo), int(now - 30), int(now - 20))]
    finally:
        daemon.kill()


def test_the_summaries_list_the_machine_the_client_names_and_its_system(
    midday_daemon: DaemonProcess, editor: Editor
):
    """The client sends its ``hostname`` setting (else the host name) as ``X-Machine-Name``,
    in UTF-8, on every request, its buffered heartbeats' too; its User-Agent names the
    system. Today's time is all on that machine and system."""
    editor.configure(midday_daemon.url, more_settings="hostname = laptop-ü\n")
    now = now_to_the_millisecond()
    assert editor.send(now - 100, extra=[editor.heartbeat(now - 400.5)]) == SUCCESS, editor.log()
    assert editor.send(now - 10) == SUCCESS, editor.log()
    answer = httpx.get(f"{midday_daemon.url}/api/v1/users/current/summaries?range=today")
    assert answer.status_code == 200, answer.text
    [day] = answer.json()["data"]
    total = day["grand_total"]["total_seconds"]
    assert total == int(now - 10) - int(now - 400.5)
    assert [(m["name"], m["total_seconds"]) for m in day["machines"]] == [("laptop-ü", total)]
    assert [(s["name"], s["total_seconds"]) for s in day["operating_systems"]] == [("Linux", total)]
