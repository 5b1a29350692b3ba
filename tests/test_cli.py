"""The command line as a whole: help, version, exit codes."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oxitrack import __version__
from oxitrack.cli import main
from oxitrack.commands._options import settings_from
from oxitrack.store import Store


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]):
    assert main([]) == 2
    assert "serve" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_help_before_a_command_lists_every_command(capsys: pytest.CaptureFixture[str]):
    """``oxitrack -h today`` is the top level's help: it listed only the report commands."""
    with pytest.raises(SystemExit) as exited:
        main(["-h", "today"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert all(command in out for command in ("serve", "today", "report", "projects", "check"))


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
    assert set(choices) == {"today"}  # not the other report commands either: ~1 ms each
    choices = build_parser("export")._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(choices) == {"export"}
    everything = build_parser("no-such-command")._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"serve", "today", "projects", "service", "backup", "check"} <= set(everything)


def test_unknown_command_is_a_usage_error_listing_the_commands(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err
    assert "serve" in err and "today" in err


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["report", "--bogus"], "usage: oxitrack report "),
        (["sessions", "--limit", "3", "--bogus"], "usage: oxitrack sessions "),
        (["projects", "merge", "a", "b", "--bogus"], "usage: oxitrack projects merge "),
        (["service", "status", "--bogus"], "usage: oxitrack service status "),
    ],
    ids=["report", "sessions", "projects-merge", "service-status"],
)
def test_unknown_flag_shows_the_usage_of_the_command_it_was_given_to(argv, usage):
    """It printed the top-level usage, which lists commands, not the flags that were wrong."""
    result = subprocess.run(
        [sys.executable, "-m", "oxitrack", *argv], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.startswith(usage)
    assert result.stderr.rstrip().splitlines()[-1].endswith("unrecognized arguments: --bogus")


@pytest.mark.parametrize(
    ("argv", "refused"),
    [
        (["projects", "--port", "3000"], "--port 3000"),
        (["projects", "--port", "3000", "list"], "--port 3000"),
        (["projects", "-p", "3000"], "-p 3000"),
        (["service", "--port", "3000", "status"], "--port 3000"),
    ],
    ids=["projects", "before-action", "short", "service"],
)
def test_unknown_flag_before_an_action_is_named_not_its_value(argv, refused, capsys):
    """``projects --port 3000`` said "invalid choice: '3000'": argparse took the unknown flag's
    value for the action, so the message named the number and not the flag that was wrong."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    last_line = capsys.readouterr().err.rstrip().splitlines()[-1]
    assert last_line.endswith(f"unrecognized arguments: {refused}"), last_line


@pytest.mark.parametrize(
    ("argv", "action"),
    [
        (["projects", "lsit"], "lsit"),
        # Flags of its own before it, written out, abbreviated or with "=": not the fault.
        (["projects", "--db", "x.db", "lsit"], "lsit"),
        (["projects", "--d", "x.db", "lsit"], "lsit"),
        (["projects", "--db=x.db", "lsit"], "lsit"),
        # After "--" nothing is a flag: argparse's own words (it names "--" on Python 3.11).
        (["projects", "--", "-lsit", "x.db"], None),
    ],
    ids=[
        "alone",
        "after-its-flag",
        "after-its-flag-abbreviated",
        "after-flag-equals",
        "after-dashes",
    ],
)
def test_a_mistyped_action_is_still_called_an_invalid_choice(capsys, argv, action):
    with pytest.raises(SystemExit):
        main(argv)
    err = capsys.readouterr().err
    assert f"invalid choice: '{action}'" in err if action else "invalid choice: " in err
    assert "unrecognized" not in err


@pytest.mark.parametrize("command", ["today", "report", "sessions", "export", "backup", "check"])
def test_db_help_names_every_place_the_database_comes_from(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "$OXITRACK_DB" in out and "`db` in the config file" in out


def test_report_help_says_what_project_takes_and_fits_80_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    flat = " ".join(out.split())
    assert "or . for the current folder" in flat and "`projects rename`" in flat
    assert "--month --to 2025-10-15" in flat


def test_every_help_fits_80_columns(monkeypatch):
    """Descriptions are wrapped by hand (they keep their line breaks), so check them all."""
    import argparse

    from oxitrack.cli import build_parser

    monkeypatch.setenv("COLUMNS", "80")
    pending = [build_parser()]
    while pending:
        parser = pending.pop()
        text = parser.format_help()
        assert max(len(line) for line in text.splitlines()) <= 80, parser.prog
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())


def test_only_serve_refuses_a_public_host_without_a_key(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    """A config meant for the daemon (host 0.0.0.0, key in the service's environment only)
    must not stop `oxitrack today` from reading the database."""
    from oxitrack.store import Store

    db = tmp_path / "x.db"
    Store(db).close()
    monkeypatch.setenv("OXITRACK_HOST", "0.0.0.0")
    monkeypatch.delenv("OXITRACK_API_KEY", raising=False)
    assert main(["today", "--db", str(db)]) == 0
    assert main(["projects", "--db", str(db), "--via", "file"]) == 0
    capsys.readouterr()
    assert main(["serve", "--db", str(db)]) == 2
    assert "without an API key" in capsys.readouterr().err


def _python_output(buffering: str) -> dict[str, str]:
    """This environment with Python's standard output buffered (as in a user's shell) or not
    (``PYTHONUNBUFFERED``, as in many containers and CI runners)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    return env if buffering == "buffered" else {**env, "PYTHONUNBUFFERED": "1"}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("buffering", ["buffered", "unbuffered"])
@pytest.mark.parametrize("command", ["today", "export", "sessions", "--help"])
def test_output_that_cannot_be_written_is_one_line_and_exit_1(
    tmp_path, command: str, buffering: str
):
    """Buffered, a short output was written only at Python's exit, whose failure printed
    "Exception ignored ... OSError" and exited 120."""
    from oxitrack.store import Store

    db = tmp_path / "x.db"
    Store(db).close()
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "oxitrack", command, "--db", str(db)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=_python_output(buffering),
        )
    assert result.returncode == 1
    assert result.stderr == "oxitrack: cannot write the output: No space left on device\n"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE's exit status is POSIX")
@pytest.mark.parametrize("buffering", ["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "argv",
    [
        ["today"],
        ["today", "--json"],
        ["projects", "--via", "file"],
        ["check"],
        ["--version"],
        ["report", "--help"],
    ],
    ids=["today", "today-json", "projects", "check", "version", "help"],
)
def test_a_reader_gone_before_a_short_output_gets_exit_141_and_nothing_on_stderr(
    tmp_path: Path, argv: list[str], buffering: str
):
    """`oxitrack today | true`, or a bar whose command failed: the output fits in Python's
    buffer, which was written only at exit: "Exception ignored ... BrokenPipeError", exit 120."""
    db = tmp_path / "x.db"
    Store(db).close()
    reading, writing = os.pipe()
    os.close(reading)  # the reader is gone before anything is written
    try:
        result = subprocess.run(
            [sys.executable, "-m", "oxitrack", *argv, "--db", str(db)],
            stdout=writing,
            stderr=subprocess.PIPE,
            env=_python_output(buffering),
        )
    finally:
        os.close(writing)
    assert (result.returncode, result.stderr) == (141, b"")


def test_ctrl_c_while_a_module_loads_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Python turns a KeyboardInterrupt inside a class body's __set_name__ into a RuntimeError;
    Ctrl-C during `serve`'s imports ended in that traceback and exit 1."""
    from oxitrack.commands import serve as serve_command

    def interrupted_import(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance") from exc

    monkeypatch.setattr(serve_command, "run", interrupted_import)
    assert main(["serve", "--port", "0"]) == 130
    assert capsys.readouterr().err == ""


def test_another_system_error_is_one_line_of_its_own(tmp_path, capsys: pytest.CaptureFixture[str]):
    """Not every OSError is the output's: a folder removed under the shell's feet (getcwd fails
    for `--project .`) must not be called "cannot write the output"."""
    gone = tmp_path / "gone"
    gone.mkdir()
    script = (
        "import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]);"
        " from oxitrack.cli import main; sys.exit(main(sys.argv[2:]))"
    )
    db = tmp_path / "x.db"
    from oxitrack.store import Store

    Store(db).close()
    result = subprocess.run(
        [sys.executable, "-c", script, str(gone), "report", "--project", ".", "--db", str(db)],
        capture_output=True,
        text=True,
    )
    # `.` names a folder that is gone (and this process's $PWD is another folder): refused
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot write the output" not in result.stderr
    assert "the current folder no longer exists" in result.stderr


@pytest.mark.parametrize("tz", [None, "Europe/Berlin"], ids=["system-zone", "named-zone"])
def test_reports_work_where_the_system_has_no_zone_database(tmp_path: Path, tz: str | None):
    """Windows and slim containers have no /usr/share/zoneinfo: `today` was a traceback there
    ("No time zone found with key UTC"). The tzdata package stands in for the system's files."""
    env = {**os.environ, "PYTHONTZPATH": str(tmp_path / "no-zoneinfo"), "TZ": "Asia/Kolkata"}
    args = ["today", "--json", "--db", str(tmp_path / "x.db")] + (["--tz", tz] if tz else [])
    Store(tmp_path / "x.db").close()
    result = subprocess.run(
        [sys.executable, "-m", "oxitrack", *args], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["timezone"] == (tz or "Asia/Kolkata")


def _with_stdout_closed(*argv: str) -> subprocess.CompletedProcess[str]:
    """``oxitrack ARGV >&-``, as a shell runs it: Python then has ``sys.stdout = None``."""
    script = 'exec "$0" -m oxitrack "$@" >&-'
    command = ["sh", "-c", script, sys.executable, *argv]
    return subprocess.run(command, stderr=subprocess.PIPE, text=True)


@pytest.mark.skipif(sys.platform == "win32", reason="closes fd 1 with a POSIX shell")
@pytest.mark.parametrize(
    "argv",
    [
        ["today"],
        ["report"],
        ["sessions"],
        ["export"],
        ["projects", "--via", "file"],
        ["check"],
        ["backup", "copy.db"],
        ["service", "status"],
    ],
    ids=lambda argv: argv[0],
)
def test_a_closed_stdout_is_one_line_and_exit_1_before_anything_is_done(
    tmp_path: Path, argv: list[str]
):
    db = tmp_path / "x.db"
    Store(db).close()
    argv = [str(tmp_path / arg) if arg == "copy.db" else arg for arg in argv]
    result = _with_stdout_closed(*argv, "--db", str(db))
    assert result.returncode == 1
    assert result.stderr == "oxitrack: the standard output is closed; nothing was done\n"
    assert not (tmp_path / "copy.db").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="closes fd 1 with a POSIX shell")
def test_serve_runs_with_a_closed_stdout():
    """Its work is listening, not printing: a launcher may close its stdout. (A bad port shows
    that it got past the stdout check without starting a daemon.)"""
    result = _with_stdout_closed("serve", "--port", "http")
    assert result.returncode == 2
    assert result.stderr.startswith("oxitrack: --port: port must be a whole number")


@pytest.mark.parametrize(
    ("db", "words"),
    [(":memory:", "database in memory"), ("file:data/x.db?mode=ro", "a SQLite URI")],
    ids=["memory", "uri"],
)
@pytest.mark.parametrize("command", ["serve", "today", "backup"])
def test_a_db_sqlite_reads_its_own_way_is_refused_and_leaves_nothing(
    tmp_path: Path, monkeypatch, capsys, db: str, words: str, command: str
):
    """`--db :memory:` made a file `:memory:` here, which later commands then opened as an
    empty database in memory; a `file:` URI made a folder `file:`."""
    monkeypatch.chdir(tmp_path)
    argv = [command, "--db", db] + (["copy.db"] if command == "backup" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"oxitrack: --db: {db!r} is") and words in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def _database_of_many_sessions(db: Path, count: int) -> None:
    from oxitrack.sessions import SESSION_GAP_SECONDS, Beat

    store = Store(db)
    try:
        gap = SESSION_GAP_SECONDS + 1
        store.record_beats(Beat("/work/app", 1_700_000_000 + i * gap) for i in range(count))
    finally:
        store.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE's exit status is POSIX")
@pytest.mark.parametrize("format", ["csv", "json"])
def test_a_reader_that_leaves_early_gets_no_traceback_and_exit_141(tmp_path: Path, format: str):
    """`oxitrack export | head -1`, or a pipe to a program that failed: silent as `cat`, but
    not exit 0, which told a script the export was delivered."""
    db = tmp_path / "x.db"
    _database_of_many_sessions(db, 3000)  # ~300 KB: more than a pipe holds
    argv = ["export", "--db", str(db), "--format", format]
    assert _exit_when_the_reader_leaves_after_one_line(argv, dict(os.environ)) == (141, b"")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE's exit status is POSIX")
@pytest.mark.parametrize("buffering", ["buffered", "unbuffered"])
@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["table", "json"])
def test_a_reader_that_leaves_a_long_list_early_gets_exit_141(
    tmp_path: Path, buffering: str, json_flag: list[str]
):
    """`oxitrack sessions --limit 3000 | head -1` under PYTHONUNBUFFERED: Python wrote the list
    in one write, kept the part the pipe took and dropped the rest without an error: a cut
    list, exit 0."""
    db = tmp_path / "x.db"
    _database_of_many_sessions(db, 3000)  # ~200 KB: more than a pipe holds
    argv = ["sessions", "--limit", "3000", *json_flag, "--db", str(db)]
    env = _python_output(buffering)
    assert _exit_when_the_reader_leaves_after_one_line(argv, env) == (141, b"")


def _exit_when_the_reader_leaves_after_one_line(
    argv: list[str], env: dict[str, str]
) -> tuple[int, bytes]:
    """``oxitrack ARGV | head -1``: the exit status and what was said on stderr."""
    oxitrack = str(Path(sys.executable).with_name("oxitrack"))
    process = subprocess.Popen(
        [oxitrack, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()
    process.stdout.close()
    with process.stderr:
        stderr = process.stderr.read()
    return process.wait(timeout=60), stderr


def test_ctrl_c_while_the_parser_is_built_exits_130_without_a_traceback(tmp_path: Path):
    """Ctrl-C right after Enter lands while the command's module loads, before it runs."""
    script = (
        "import sys\n"
        "def interrupt(event, args):\n"  # as the module that registers `check` starts to run
        "    name = getattr(args[0], 'co_filename', '') if event == 'exec' else ''\n"
        "    if name.endswith(('commands/maintenance.py', 'commands\\\\maintenance.py')):\n"
        "        raise KeyboardInterrupt\n"
        "sys.addaudithook(interrupt)\n"
        "from oxitrack.cli import main\n"
        "sys.exit(main(['check', '--db', sys.argv[1]]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (130, "", "")


def test_settings_are_resolved_once_unless_the_flags_changed_since(tmp_path: Path):
    """A command reads its settings once; a copy of its flags with one changed (as
    ``service status`` makes) is resolved again, not handed the first answer."""
    args = argparse.Namespace(db=str(tmp_path / "a.db"), port=None, week_start="sun")
    first = settings_from(args)
    assert settings_from(args) is first and first.week_start == 6
    changed = argparse.Namespace(**{**vars(args), "port": "3005"})
    assert settings_from(changed).port == 3005


def _help_at(columns: str | None) -> str:
    """``oxitrack report --help`` with no terminal, ``$COLUMNS`` unset when ``None``."""
    env = {name: value for name, value in os.environ.items() if name != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    argv = [sys.executable, "-m", "oxitrack", "report", "--help"]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("columns", [None, "0", "-3", "wide"])
def test_help_without_a_terminal_or_a_width_is_80_columns_wide(columns: str | None):
    """As ``shutil`` reads them: ``COLUMNS=0`` or a negative value is no width (help came out
    one word a line), and with no terminal either, help is 80 columns wide."""
    assert _help_at(columns) == _help_at("80") != _help_at("79")
