"""Service files and their installation, with temporary folders and a recording runner.

Nothing here runs the real ``systemctl --user`` or ``launchctl``: the runner is a recorder.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from oxitrack import service
from oxitrack.service import (
    ServiceFile,
    UnsupportedPlatform,
    install,
    installed_serve_options,
    oxitrack_command,
    service_file,
    state,
    systemd_quote,
    systemd_unit,
    uninstall,
)


class Recorder:
    """A runner that records commands and answers with a fixed (code, output) per verb."""

    def __init__(self, answers: dict[str, tuple[int, str]] | None = None) -> None:
        self.commands: list[tuple[str, ...]] = []
        self.answers = answers or {}

    def __call__(self, argv: Sequence[str]) -> tuple[int, str]:
        self.commands.append(tuple(argv))
        for verb, answer in self.answers.items():
            if verb in argv:
                return answer
        return 0, ""


def found(name: str) -> str | None:
    return f"/usr/bin/{name}"


def missing(name: str) -> str | None:
    return None


def systemd(tmp_path: Path, command: Sequence[str] = ("/opt/ox/bin/oxitrack", "serve")):
    return service_file(
        "linux", command, home=tmp_path / "home", config_home=tmp_path / "config", uid=1000
    )


def launchd(tmp_path: Path) -> ServiceFile:
    return service_file(
        "darwin",
        ["/opt/ox/bin/oxitrack", "serve"],
        home=tmp_path / "home",
        config_home=tmp_path,
        uid=501,
    )


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("/usr/bin/oxitrack", "/usr/bin/oxitrack"),
        ("--port", "--port"),
        ("/home/me/My Data/ox.db", '"/home/me/My Data/ox.db"'),
        ("100%", '"100%%"'),
        ("$HOME", '"$$HOME"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
    ],
    ids=["plain", "flag", "space", "percent", "dollar", "quote", "backslash"],
)
def test_systemd_quote(arg: str, expected: str):
    assert systemd_quote(arg) == expected


def test_systemd_unit_runs_the_command_and_restarts_on_crash_not_on_bad_settings():
    unit = systemd_unit(["/opt/ox/bin/oxitrack", "serve", "--db", "/data/ox.db", "--port", "3001"])
    lines = unit.splitlines()
    assert "ExecStart=/opt/ox/bin/oxitrack serve --db /data/ox.db --port 3001" in lines
    assert "Restart=on-failure" in lines
    assert "RestartPreventExitStatus=2" in lines
    assert "WantedBy=default.target" in lines
    # A daemon that cannot start is left failed after a few tries, not restarted every 5 s.
    unit_section = lines[lines.index("[Unit]") : lines.index("[Service]")]
    assert "StartLimitIntervalSec=300" in unit_section
    assert "StartLimitBurst=5" in unit_section
    assert lines.index("[Unit]") < lines.index("[Service]") < lines.index("[Install]")


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (Debian package systemd); the unit's text is still "
    "checked by the other tests",
)
def test_systemd_analyze_verifies_the_unit(tmp_path: Path):
    folder = tmp_path / "odd folder %h"
    folder.mkdir()
    executable = folder / "oxitrack"
    executable.write_text("#!/bin/sh\nexit 0\n")
    executable.chmod(0o755)
    unit = tmp_path / "oxitrack.service"
    unit.write_text(systemd_unit([str(executable), "serve", "--db", str(tmp_path / "my db.db")]))
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stderr
    assert "oxitrack.service" not in verified.stderr  # no warning about our unit


def test_launchd_plist_is_a_keepalive_login_agent(tmp_path: Path):
    agent = launchd(tmp_path)
    assert (
        agent.path == tmp_path / "home" / "Library" / "LaunchAgents" / "org.oxitrack.daemon.plist"
    )
    plist = plistlib.loads(agent.content)
    assert plist == {
        "Label": "org.oxitrack.daemon",
        "ProgramArguments": ["/opt/ox/bin/oxitrack", "serve"],
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ProcessType": "Background",
        "StandardOutPath": str(tmp_path / "home" / "Library" / "Logs" / "oxitrack.log"),
        "StandardErrorPath": str(tmp_path / "home" / "Library" / "Logs" / "oxitrack.log"),
    }
    assert agent.start == (("launchctl", "bootstrap", "gui/501", str(agent.path)),)


TRICKY_DB = '/home/me/My Data/100% "ox" $HOME\\x.db'


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_installed_serve_options_read_back_what_install_wrote(tmp_path: Path, platform: str):
    command = ["/opt/ox/bin/oxitrack", "serve", "--db", TRICKY_DB, "--port", "3001", "--verbose"]
    written = service_file(
        platform, command, home=tmp_path / "home", config_home=tmp_path / "config", uid=501
    )
    assert installed_serve_options(written) == {}  # nothing installed yet
    written.path.parent.mkdir(parents=True)
    written.path.write_bytes(written.content)
    assert installed_serve_options(written) == {"db": TRICKY_DB, "port": "3001"}


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"ExecStart=/bin/true 'unclosed"])
def test_installed_serve_options_of_an_unreadable_unit_are_empty(tmp_path: Path, content: bytes):
    unit = systemd(tmp_path)
    unit.path.parent.mkdir(parents=True)
    unit.path.write_bytes(content)
    assert installed_serve_options(unit) == {}


def test_other_systems_get_a_clear_message():
    with pytest.raises(UnsupportedPlatform, match="Task Scheduler") as refused:
        service_file(
            "win32", ["C:\\ox\\oxitrack.exe", "serve"], home=Path("."), config_home=Path("."), uid=0
        )
    assert "C:\\ox\\oxitrack.exe serve" in str(refused.value)


def test_install_writes_the_unit_then_enables_and_starts_it(tmp_path: Path):
    unit = systemd(tmp_path)
    runner = Recorder()
    outcome = install(unit, run=runner, which=found)
    assert outcome.ok
    assert unit.path == tmp_path / "config" / "systemd" / "user" / "oxitrack.service"
    assert unit.path.read_bytes() == unit.content
    assert runner.commands == [
        ("systemctl", "--user", "daemon-reload"),
        ("systemctl", "--user", "enable", "--now", "oxitrack.service"),
    ]
    assert outcome.lines[0] == f"Wrote the systemd service {unit.path}"


def test_install_without_systemctl_says_what_to_run(tmp_path: Path):
    unit = systemd(tmp_path)
    runner = Recorder()
    outcome = install(unit, run=runner, which=missing)
    assert outcome.ok and unit.path.exists() and runner.commands == []
    assert "systemctl was not found; to start it at login and now, run:" in outcome.lines
    assert "  systemctl --user enable --now oxitrack.service" in outcome.lines


def test_install_reports_a_failing_systemctl_and_what_to_run(tmp_path: Path):
    unit = systemd(tmp_path)
    runner = Recorder({"enable": (1, "Failed to connect to bus: No medium found")})
    outcome = install(unit, run=runner, which=found)
    assert not outcome.ok and unit.path.exists()
    assert outcome.lines == [
        f"Wrote the systemd service {unit.path}",
        "Ran: systemctl --user daemon-reload",
    ]
    assert outcome.problem == [
        "`systemctl --user enable --now oxitrack.service` failed (exit 1):"
        " Failed to connect to bus: No medium found",
        "The file is in place; to start it at login and now, run:",
        "  systemctl --user daemon-reload",
        "  systemctl --user enable --now oxitrack.service",
    ]


def test_reinstalling_a_launchd_agent_unloads_the_old_one_first(tmp_path: Path):
    agent = launchd(tmp_path)
    runner = Recorder()
    install(agent, run=runner, which=found)
    install(agent, run=runner, which=found)
    assert runner.commands == [
        ("launchctl", "bootstrap", "gui/501", str(agent.path)),
        ("launchctl", "bootout", "gui/501/org.oxitrack.daemon"),
        ("launchctl", "bootstrap", "gui/501", str(agent.path)),
    ]


def test_uninstall_stops_and_removes(tmp_path: Path):
    unit = systemd(tmp_path)
    install(unit, run=Recorder(), which=found)
    runner = Recorder()
    outcome = uninstall(unit, run=runner, which=found)
    assert outcome.ok and not unit.path.exists()
    assert runner.commands == [
        ("systemctl", "--user", "disable", "--now", "oxitrack.service"),
        ("systemctl", "--user", "daemon-reload"),
    ]
    assert outcome.lines[-1] == f"Removed {unit.path}"


def test_uninstall_with_a_failing_systemctl_says_the_file_is_gone_and_what_to_run(
    tmp_path: Path,
):
    unit = systemd(tmp_path)
    install(unit, run=Recorder(), which=found)
    failing = Recorder({"disable": (1, "Failed to connect to bus: No medium found")})
    outcome = uninstall(unit, run=failing, which=found)
    assert not outcome.ok and not unit.path.exists()
    assert outcome.lines == []
    assert outcome.problem == [
        "`systemctl --user disable --now oxitrack.service` failed (exit 1):"
        " Failed to connect to bus: No medium found",
        f"Removed {unit.path} anyway; to stop it, run:",
        "  systemctl --user disable --now oxitrack.service",
        "  systemctl --user daemon-reload",
    ]


def test_uninstall_when_nothing_is_installed(tmp_path: Path):
    outcome = uninstall(systemd(tmp_path), run=Recorder(), which=found)
    assert outcome.ok and "No systemd service to remove" in outcome.lines[0]


def test_state_in_words(tmp_path: Path):
    unit = systemd(tmp_path)
    assert state(unit, run=Recorder(), which=found).startswith("not installed")
    install(unit, run=Recorder(), which=found)
    said = state(unit, run=Recorder({"is-active": (0, "active")}), which=found)
    assert said == f"installed at {unit.path}; systemd says: active"
    said = state(unit, run=Recorder({"is-active": (3, "failed")}), which=found)
    assert said.endswith("systemd says: failed (why: journalctl --user -u oxitrack.service -n 20)")
    assert "systemctl not found" in state(unit, run=Recorder(), which=missing)


def test_oxitrack_command_is_an_absolute_runnable_command():
    command = oxitrack_command()
    assert Path(command[0]).is_absolute()
    assert os.access(command[0], os.X_OK)
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=30)
    assert done.stdout.startswith("oxitrack ")


def test_run_command_reports_a_missing_program():
    code, output = service.run_command(["/nonexistent/systemctl", "--user"])
    assert code == 127 and "nonexistent" in output
