"""Time split by machine and by operating system: ``GET /api/breakdown?by=machine`` and
``oxitrack report --by machine`` (and ``operating_system``), offered as ``editor`` is, from a
real daemon's file: wakatime-cli's heartbeats and the VS Code extension's beats alike."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest

from oxitrack.cli import main
from oxitrack.days import days_between
from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

DAY = "2025-11-20"  # in the past: the same numbers whenever the tests run
[BERLIN_DAY] = days_between(date(2025, 11, 20), date(2025, 11, 20), ZoneInfo("Europe/Berlin"))
MORNING = BERLIN_DAY.start + 9 * 3600
RANGE = {"from": DAY, "to": DAY, "tz": "Europe/Berlin"}
CLI_RANGE = ["--from", DAY, "--to", DAY, "--tz", "Europe/Berlin"]


def heartbeat(daemon: DaemonProcess, root: str, time: int, machine: str) -> None:
    """A wakatime-cli heartbeat from Linux (its User-Agent), sent by ``machine``."""
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats",
        content=json.dumps(go_cli_heartbeat(root, time)),
        headers={**GO_CLI_HEADERS, "X-Machine-Name": machine},
    )
    assert answer.status_code == 201, answer.text


def beat(daemon: DaemonProcess, root: str, timestamp: int, **labels: str) -> None:
    body = {"project_path": root, "timestamp": timestamp, **labels}
    httpx.post(f"{daemon.url}/beat", json=body).raise_for_status()


def breakdown(daemon: DaemonProcess, by: str) -> dict:
    answer = httpx.get(f"{daemon.url}/api/breakdown", params={**RANGE, "by": by})
    assert answer.status_code == 200, answer.text
    body: dict = answer.json()
    return body


@pytest.mark.e2e
def test_time_splits_by_machine_and_system_with_unknown_for_time_naming_none(daemon):
    """10 min of wakatime-cli on devbox (Linux), 5 min of the extension on a Windows laptop,
    5 min of an older extension naming neither: the unknown row, as for the editor."""
    heartbeat(daemon, "/code/app", MORNING, "devbox")
    heartbeat(daemon, "/code/app", MORNING + 300, "devbox")
    labels = {"editor": "vscode", "machine": "laptop", "operating_system": "win32"}
    beat(daemon, "/code/app", MORNING + 600, **labels)
    beat(daemon, "/code/app", MORNING + 900, **labels)
    beat(daemon, "/code/app", MORNING + 1200)  # an older extension: no labels
    beat(daemon, "/code/app", MORNING + 1500)

    machines = breakdown(daemon, "machine")
    assert (machines["by"], machines["total_seconds"]) == ("machine", 1500)
    assert machines["rows"] == [
        {"name": "devbox", "duration_seconds": 600},
        {"name": None, "duration_seconds": 600},
        {"name": "laptop", "duration_seconds": 300},
    ]
    systems = breakdown(daemon, "operating_system")
    assert systems["rows"] == [
        {"name": "Linux", "duration_seconds": 600},
        {"name": None, "duration_seconds": 600},
        {"name": "Windows", "duration_seconds": 300},
    ]
    for field, answer in (("machine", machines), ("operating_system", systems)):
        assert json.loads(daemon.report("--by", field, *CLI_RANGE, "--json")) == answer

    lines = daemon.report("--by", "machine", *CLI_RANGE).splitlines()
    assert lines[0] == f"{DAY} to {DAY} (Europe/Berlin), by machine"
    assert [line.split()[:2] + line.split()[-1:] for line in lines[1:]] == [
        ["0h", "10m", "devbox"],
        ["0h", "10m", "unknown"],
        ["0h", "05m", "laptop"],
        ["0h", "25m", "total"],
    ]


@pytest.mark.e2e
@pytest.mark.parametrize("by", ["machines", "os", "Machine", ""])
def test_a_field_not_offered_is_422_listing_machine_and_operating_system(daemon, by):
    answer = httpx.get(f"{daemon.url}/api/breakdown", params={**RANGE, "by": by})
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert (body["error"], body["field"]) == ("invalid_field", "by")
    allowed = "one of language, category, editor, branch, machine, operating_system"
    assert allowed in body["message"]


def test_report_help_and_its_refusal_name_machine_and_operating_system(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--by FIELD" in help_text
    assert "branch, machine or operating_system, as WakaTime heartbeats" in help_text
    with pytest.raises(SystemExit) as refused:
        main(["report", "--by", "hosts"])
    assert refused.value.code == 2
    assert "'machine', 'operating_system'" in capsys.readouterr().err


def test_import_help_says_imported_time_names_no_machine_nor_system(capsys):
    """The export names machines by an id of the account only, as it does editors."""
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "imported time has no editor, machine or operating system" in help_text
