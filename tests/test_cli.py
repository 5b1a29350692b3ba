"""The command line as a whole: help, version, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from oxitrack import __version__
from oxitrack.cli import main


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]):
    assert main([]) == 2
    assert "serve" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_serve_help_ends_with_an_example(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--db" in out and "--port" in out and "--api-key" in out
    assert out.rstrip().splitlines()[-1].strip().startswith("oxitrack serve")


def test_settings_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]):
    assert main(["serve", "--port", "http"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("oxitrack: --port: port must be a whole number")
    assert err.count("\n") == 1


def test_python_dash_m_runs_the_same_cli():
    result = subprocess.run(
        [sys.executable, "-m", "oxitrack", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"oxitrack {__version__}"
