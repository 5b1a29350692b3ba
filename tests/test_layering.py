"""Pure modules stay pure: no SQL, no web stack, no event loop."""

import subprocess
import sys

import pytest

PURE_MODULES = [
    "oxitrack.sessions",
    "oxitrack.beats",
    "oxitrack.projects",
    "oxitrack.errors",
    "oxitrack.wakatime",
    "oxitrack.wakatime_projects",
    "oxitrack.wakatime_answers",
    "oxitrack.json_items",
    "oxitrack.json_bodies",
    "oxitrack.statusbar",
    "oxitrack.days",
    "oxitrack.zones",
    "oxitrack.reports",
    "oxitrack.report_text",
    "oxitrack.session_exports",
    "oxitrack.breakdown",
    "oxitrack.breakdown_covering",
    "oxitrack.breakdown_pairs",
    "oxitrack.systems",
]
FORBIDDEN = ["sqlite3", "starlette", "asyncio", "uvicorn"]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_storage_or_web_stack(module: str):
    code = f"import sys, {module}; print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"{module} pulled in {loaded}"


# The store and the commands speak SQL and argparse, never the web stack: the CLI reads the
# file through them with the daemon stopped.
NO_WEB_STACK = ["oxitrack.store.breakdown", "oxitrack.commands.breakdown"]


@pytest.mark.parametrize("module", NO_WEB_STACK)
def test_store_and_command_modules_import_no_web_stack(module: str):
    web = ["starlette", "uvicorn", "asyncio"]
    code = f"import sys, {module}; print(','.join(m for m in {web!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"{module} pulled in {loaded}"


# Building every command's parser must stay cheap: ``oxitrack today`` has a 40 ms budget, and
# each of these costs milliseconds at start-up (HTTP client, git, service files, SQLite).
HEAVY_FOR_START = [
    *("starlette", "uvicorn", "asyncio", "sqlite3", "http", "email", "ssl", "socket"),
    *("subprocess", "plistlib", "dataclasses", "tomllib", "shutil", "zoneinfo"),
]


def test_cli_start_imports_nothing_heavy():
    code = (
        "import sys; from oxitrack.cli import build_parser; build_parser(); "
        f"print(','.join(m for m in {HEAVY_FOR_START!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


# What the report commands must not load at all: the web stack, and what ``oxitrack.records``
# and ``oxitrack.config`` avoid on purpose (``typing``, ``pathlib``: ~8 ms together); ``logging``
# (~4 ms with what it loads) only once there is a warning to say (``errors.warn``).
NOT_FOR_REPORTS = [
    *("starlette", "uvicorn", "asyncio", "typing", "pathlib", "dataclasses", "shutil"),
    "logging",
]


@pytest.mark.parametrize(
    "command",
    [
        ["today"],
        ["today", "--json"],
        ["report", "--month"],
        ["report", "--by", "language"],
        ["sessions"],
    ],
)
def test_report_commands_run_without_the_web_stack(command: list[str], tmp_path):
    assert _loaded_by(command, NOT_FOR_REPORTS, tmp_path) == ""


# Reports printed as text encode no JSON: ``json`` (~1.3 ms with the regexes it compiles) loads
# for ``--json`` only.
@pytest.mark.parametrize(
    "command", [["today"], ["report", "--month"], ["report", "--by", "language"], ["sessions"]]
)
def test_text_reports_load_no_json(command: list[str], tmp_path):
    assert _loaded_by(command, ["json"], tmp_path) == ""


def test_today_as_json_loads_no_text_tables(tmp_path):
    """Status bars and prompts run ``oxitrack today --json`` every second or so."""
    assert _loaded_by(["today", "--json"], ["oxitrack.report_text"], tmp_path) == ""


def _loaded_by(command: list[str], modules: list[str], tmp_path) -> str:
    """Which of ``modules`` the command loads, run on an empty database in a new process."""
    from oxitrack.store import Store

    db = tmp_path / "x.db"
    Store(db).close()
    code = (
        "import sys; from oxitrack.cli import main; "
        f"code = main({[*command, '--db', str(db)]!r}); "
        f"print(','.join(m for m in {modules!r} if m in sys.modules), "
        "file=sys.stderr); sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def test_a_missing_database_with_nothing_listening_loads_no_http_client(tmp_path):
    """A status bar polling before the first ``oxitrack serve`` fails at once: with no program
    listening on the daemon's port (as Linux's ``/proc/net`` tells) there is nobody to ask where
    it records, and the HTTP client is not loaded to find that out."""
    import os
    import socket

    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("who listens is known from Linux's /proc/net only")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens on it
    code = (
        "import sys; from oxitrack.cli import main; "
        f"code = main(['today', '--json', '--db', {str(tmp_path / 'missing.db')!r}]); "
        "print('http.client' in sys.modules, file=sys.stderr); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "OXITRACK_PORT": str(port)},  # the tests' settings: no config file
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "False", result.stderr


ON_FIRST_USE = [
    "oxitrack.api.breakdown",
    "oxitrack.api.wakatime_summaries",
    "oxitrack.breakdown",
    "oxitrack.statusbar",
    "oxitrack.store.day_splits",
    "oxitrack.wakatime_summaries",
]


def test_an_idle_daemon_holds_no_breakdown_nor_wakatime_report_modules(tmp_path):
    """Their 0.2 MiB are out of an idle daemon's memory, at the 35 MiB target (issue #2), until
    the first breakdown or WakaTime read asks for them, which is answered as ever."""
    code = (
        "import sys; from starlette.testclient import TestClient;"
        " from oxitrack.server import create_app; from oxitrack.store import Store;"
        f" store = Store({str(tmp_path / 'x.db')!r}); app = create_app(store);"
        f" print(','.join(m for m in {ON_FIRST_USE!r} if m in sys.modules));"
        " client = TestClient(app, base_url='http://127.0.0.1:3000');"
        " answers = [client.get(path).status_code for path in ('/api/breakdown?by=language',"
        " '/api/v1/users/current/statusbar/today')];"
        f" print(answers, ','.join(m for m in {ON_FIRST_USE!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    idle, used = result.stdout.splitlines()
    assert idle == ""
    assert used == f"[200, 200] {','.join(ON_FIRST_USE)}"
