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


def test_command_map_names_every_registered_command_and_its_module():
    import argparse

    from oxitrack.commands import COMMANDS, command_modules

    for module in command_modules():
        parser = argparse.ArgumentParser()
        module.register(parser.add_subparsers())
        names = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
        expected = {name for name, owner in COMMANDS.items() if module.__name__.endswith(owner)}
        assert names == expected, module.__name__


def test_a_known_command_builds_only_its_own_parser():
    from oxitrack.cli import build_parser

    choices = build_parser("today")._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(choices) == {"today", "report", "sessions", "export"}
    everything = build_parser("no-such-command")._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"serve", "today", "projects", "service", "backup", "check"} <= set(everything)


def test_unknown_command_is_a_usage_error_listing_the_commands(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err
    assert "serve" in err and "today" in err
