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
    "oxitrack.reports",
    "oxitrack.report_text",
    "oxitrack.breakdown",
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
    from oxitrack.store import Store

    db = tmp_path / "x.db"
    Store(db).close()
    code = (
        "import sys; from oxitrack.cli import main; "
        f"code = main({[*command, '--db', str(db)]!r}); "
        f"print(','.join(m for m in {NOT_FOR_REPORTS!r} if m in sys.modules), "
        "file=sys.stderr); sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
