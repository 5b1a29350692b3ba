"""WakaTime-compatible plugins that post their heartbeats themselves, against a real daemon.

Some editor plugins skip wakatime-cli and post to the API URL directly, with the heartbeat
fields as they compute them. A heartbeat answered 400 is dropped by such a client for good, with
its time: a detail the daemon cannot use must not cost the heartbeat.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.sessions_model import stored_sessions
from tests.wakatime_recordings import basic

pytestmark = pytest.mark.e2e

API = "/api/v1/users/current"


def _plugin_heartbeat(entity: Path, at: float) -> dict[str, object]:
    """A file open outside every workspace folder, as a plugin that counts the folder's parts
    itself sends it: no folder, so a count of 0, and the window's name as the project."""
    return {
        "entity": str(entity),
        "type": "file",
        "time": at,
        "category": "coding",
        "project": "notes",
        "language": "markdown",
        "lineno": 3,
        "cursorpos": 1,
        "is_write": False,
        "project_root_count": 0,
    }


def test_a_project_root_count_of_0_means_no_folder_and_keeps_the_time(
    daemon: DaemonProcess, tmp_path: Path
):
    entity = tmp_path / "loose" / "todo.md"
    entity.parent.mkdir()
    entity.write_text("- [ ] ship\n")
    now = time.time()
    headers = {"Authorization": basic()}
    with httpx.Client(base_url=daemon.url, headers=headers, timeout=10) as client:
        single = client.post(f"{API}/heartbeats", json=_plugin_heartbeat(entity, now - 120))
        bulk = client.post(
            f"{API}/heartbeats.bulk",
            json=[_plugin_heartbeat(entity, now - 60), _plugin_heartbeat(entity, now - 1)],
        )
    assert single.status_code == 201, single.text
    assert bulk.status_code == 201, bulk.text
    assert [status for _, status in bulk.json()["responses"]] == [201, 201]
    assert single.json()["data"]["project_path"] == "wakatime:notes"
    # The name's project, as for any heartbeat that names no folder.
    assert stored_sessions(daemon.db_path) == [("wakatime:notes", int(now - 120), int(now - 1))]
