"""A WakaTime export imported over time OxiTrack already tracked live, against a real daemon:
the same moments are then recorded twice, and the export names no editor, machine or system.
The breakdown and WakaTime's summaries keep what the live heartbeats named."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from oxitrack.cli import main
from tests.daemon_process import DaemonProcess
from tests.git_repos import git, make_repo
from tests.sessions_model import stored_sessions
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

pytestmark = pytest.mark.e2e

DAY = "2025-11-24"
START = 1_763_974_800.5  # 2025-11-24 09:00:00.5 UTC: a past day, whatever the time now
VSCODE_USER_AGENT = (
    "wakatime/v1.102.1 (linux-6.8.0-49-generic-x86_64) go1.23.2 vscode/1.95.3 "
    "vscode-wakatime/24.6.2"
)
MOMENTS = [START + offset for offset in range(0, 1201, 120)]  # 20 minutes


def exported(root: Path, time: float) -> dict[str, Any]:
    """A heartbeat of WakaTime's export of that moment: the same file, language and branch,
    the editor and machine only as ids of the account's."""
    return {
        "id": f"beat-{time}",
        "entity": str(root / "src" / "main.py"),
        "type": "file",
        "category": "coding",
        "time": time,
        "project": "app",
        "project_root_count": len(str(root).split("/")),
        "branch": "main",
        "language": "Python",
        "is_write": False,
        "user_agent_id": "0b6c8f1e-2a3d-4e5f-8a9b-1c2d3e4f5a6b",
        "machine_name_id": "1d2e3f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a",
    }


@pytest.mark.parametrize("imported_into", ["the same folder", "a clone of the repository"])
def test_an_export_of_time_tracked_live_leaves_its_editor_and_machine_named(
    daemon: DaemonProcess,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    imported_into: str,
):
    live_root = _app_repository(tmp_path)
    import_root = live_root
    if imported_into != "the same folder":  # another folder of the same project
        import_root = tmp_path / "work" / "app"
        import_root.parent.mkdir()
        git(tmp_path, "clone", "-q", str(live_root), str(import_root))
        (import_root / "src").mkdir()
    _track_live(daemon, live_root, MOMENTS)
    before = _editors_and_machines(daemon)
    assert before["editor"] == {"vscode": 1200}, before

    _import(daemon, tmp_path, [exported(import_root, moment) for moment in MOMENTS], monkeypatch)
    assert "Imported 11 heartbeats" in capsys.readouterr().out

    assert daemon.db_path is not None
    folders = {folder for folder, _, _ in stored_sessions(daemon.db_path)}
    assert folders == {str(live_root), str(import_root)}
    # One project's 20 minutes, named as the live heartbeats named them.
    assert _editors_and_machines(daemon) == before


def _app_repository(folder: Path) -> Path:
    """A repository with a ``src`` folder at ``folder/code/app``: the project worked on."""
    root = folder / "code" / "app"
    make_repo(root)
    (root / "src").mkdir()
    return root


def _track_live(daemon: DaemonProcess, root: Path, moments: Sequence[float]) -> None:
    """Heartbeats at ``moments`` in ``root`` as VS Code's wakatime-cli on ``devbox`` sends them."""
    headers = {**GO_CLI_HEADERS, "User-Agent": VSCODE_USER_AGENT, "X-Machine-Name": "devbox"}
    live = [go_cli_heartbeat(str(root), at, user_agent=VSCODE_USER_AGENT) for at in moments]
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk", json=live, headers=headers
    )
    assert answer.status_code == 201, answer.text[:300]


def _import(
    daemon: DaemonProcess,
    folder: Path,
    beats: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``oxitrack import`` of an export of ``beats`` (written in ``folder``) into ``daemon``."""
    dump = folder / "wakatime.json"
    dump.write_text(json.dumps({"days": [{"date": DAY, "heartbeats": beats}]}))
    monkeypatch.setenv("OXITRACK_PORT", str(daemon.port))
    assert main(["import", str(dump), "--db", str(daemon.db_path)]) == 0


def _editors_and_machines(
    daemon: DaemonProcess, zone: str = "UTC", first: str = DAY, last: str = DAY
) -> dict[str, dict[str | None, int]]:
    """Seconds per value: the breakdown's editors and languages, the summaries' editors,
    machines and systems of the days, each day's summary apart (``<list> <date>``)."""
    found: dict[str, dict[str | None, int]] = {}
    for by in ("editor", "language", "category"):
        params = {"by": by, "from": first, "to": last, "tz": zone}
        answer = httpx.get(f"{daemon.url}/api/breakdown", params=params)
        assert answer.status_code == 200, answer.text
        found[by] = {row["name"]: row["duration_seconds"] for row in answer.json()["rows"]}
    params = {"start": first, "end": last, "timezone": zone}
    answer = httpx.get(f"{daemon.url}/api/v1/users/current/summaries", params=params)
    assert answer.status_code == 200, answer.text
    lists = ("projects", "editors", "machines", "operating_systems", "languages", "categories")
    for day in answer.json()["data"]:
        suffix = "" if first == last else f" {day['range']['date']}"
        for name in lists:
            entries = {entry["name"]: round(entry["total_seconds"]) for entry in day[name]}
            found[name + suffix] = entries
    return found


def test_an_export_over_live_time_across_midnight_in_another_zone_keeps_each_days_editor(
    daemon: DaemonProcess,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    """20 minutes from 23:50 in St. John's (UTC-3:30): each local day keeps its 10 minutes'
    editor and machine once the export, dated by UTC, is imported over them."""
    root = _app_repository(tmp_path)
    start = 1_763_954_400.5  # 2025-11-24 03:20:00.5 UTC: 2025-11-23 23:50:00.5 there
    moments = [start + offset for offset in range(0, 1201, 120)]
    _track_live(daemon, root, moments)
    days = ("America/St_Johns", "2025-11-23", "2025-11-24")
    before = _editors_and_machines(daemon, *days)
    assert before["editors 2025-11-23"] == before["editors 2025-11-24"] == {"vscode": 600}

    _import(daemon, tmp_path, [exported(root, at) for at in moments], monkeypatch)
    assert "Imported 11 heartbeats" in capsys.readouterr().out
    assert _editors_and_machines(daemon, *days) == before


@pytest.mark.parametrize("tracked_by", ["wakatime-cli", "the VS Code extension"])
def test_an_export_whose_heartbeats_fall_between_the_live_ones_leaves_their_editor_named(
    daemon: DaemonProcess,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tracked_by: str,
):
    """Tracked live by one editor while another sent the same time to WakaTime, 30 s after each
    live heartbeat: the export's heartbeats name no editor, and time runs from each heartbeat
    to the next of its own sender, so none cuts the live ones' pairs short."""
    root = _app_repository(tmp_path)
    if tracked_by == "wakatime-cli":
        _track_live(daemon, root, MOMENTS)
    else:
        for moment in MOMENTS:
            beat = {"project_path": str(root), "timestamp": int(moment)}
            answer = httpx.post(
                f"{daemon.url}/beat", json={**beat, "language": "Python", "editor": "vscode"}
            )
            assert answer.status_code == 200, answer.text

    later = [exported(root, moment + 30) for moment in MOMENTS]
    _import(daemon, tmp_path, later, monkeypatch)
    assert "Imported 11 heartbeats" in capsys.readouterr().out

    found = _editors_and_machines(daemon)
    assert found["projects"] == {"app": 1230}  # 09:00 to the last imported heartbeat
    assert found["editor"] == found["editors"] == {"vscode": 1230}
    assert found["language"] == found["languages"] == {"Python": 1230}
