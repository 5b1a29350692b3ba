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
    "oxitrack.days",
    "oxitrack.reports",
    "oxitrack.report_text",
]
FORBIDDEN = ["sqlite3", "starlette", "asyncio", "uvicorn"]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_storage_or_web_stack(module: str):
    code = f"import sys, {module}; print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"{module} pulled in {loaded}"


def test_cli_start_does_not_import_the_web_stack():
    code = (
        "import sys; from oxitrack.cli import build_parser; build_parser(); "
        "print(','.join(m for m in ['starlette', 'uvicorn', 'asyncio'] if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


@pytest.mark.parametrize(
    "command", [["today"], ["today", "--json"], ["report", "--month"], ["sessions"]]
)
def test_report_commands_run_without_the_web_stack(command: list[str], tmp_path):
    from oxitrack.store import Store

    db = tmp_path / "x.db"
    Store(db).close()
    code = (
        "import sys; from oxitrack.cli import main; "
        f"code = main({[*command, '--db', str(db)]!r}); "
        "print(','.join(m for m in ['starlette', 'uvicorn', 'asyncio'] if m in sys.modules), "
        "file=sys.stderr); sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
