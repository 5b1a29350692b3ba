"""A project known only by its WakaTime name, once merged into a folder project, is that folder.

An IDE with ``hide_file_names`` (or ``hide_project_folder``) sends its project's name and no
folder; before any heartbeat placed by a path gave that name, its time is ``wakatime:<name>``. The
user then runs ``oxitrack projects merge <name> <folder project>``: from then on the name's
heartbeats must join the folder's sessions, as another editor's beats there do, not keep a
parallel session under the merged-away key (whose first heartbeat then counted nothing beside
the folder's live session, and which split the time at every switch between editors).
"""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from oxitrack.store import Store
from tests.conftest import NOW
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

BULK = "/api/v1/users/current/heartbeats.bulk"


def hidden(time: float, project: str) -> dict[str, Any]:
    """A heartbeat sent with ``hide_file_names``: the name and no folder."""
    heartbeat = go_cli_heartbeat("/elsewhere", time, entity="HIDDEN.java", project=project)
    del heartbeat["project_root_count"]
    return heartbeat


def placed(client: TestClient, heartbeat: dict[str, Any]) -> str:
    answer = client.post(BULK, json=[heartbeat], headers=GO_CLI_HEADERS)
    [[line, status]] = answer.json()["responses"]
    assert status == 201
    return str(line["data"]["project_path"])


def test_a_name_merged_into_a_folder_project_joins_that_folders_sessions(
    client: TestClient, store: Store
):
    assert placed(client, hidden(NOW - 3000, "MyApp")) == "wakatime:MyApp"
    beat = client.post("/beat", json={"project_path": "/code/app", "timestamp": NOW - 120})
    assert beat.status_code == 200
    merged = client.post("/api/projects/merge", json={"source": "MyApp", "target": "/code/app"})
    assert merged.status_code == 200, merged.text

    assert placed(client, hidden(NOW - 60, "MyApp")) == "/code/app"
    sessions = store.read(
        lambda conn: conn.execute(
            "SELECT project_path, start_time, last_heartbeat FROM sessions ORDER BY start_time"
        ).fetchall()
    )
    assert sessions == [
        ("wakatime:MyApp", NOW - 3000, NOW - 3000),
        ("/code/app", NOW - 120, NOW - 60),
    ]
    today = client.get("/today", params={"format": "json", "tz": "UTC"}).json()
    assert [(p["project_name"], p["duration_seconds"]) for p in today["projects"]] == [("app", 60)]


def test_a_name_merged_into_another_name_only_project_stays_where_it_was(
    client: TestClient, store: Store
):
    """With no real folder in the project, the name's own key is all there is."""
    assert placed(client, hidden(NOW - 3000, "MyApp")) == "wakatime:MyApp"
    assert placed(client, hidden(NOW - 2000, "Other")) == "wakatime:Other"
    merged = client.post("/api/projects/merge", json={"source": "MyApp", "target": "Other"})
    assert merged.status_code == 200, merged.text
    assert placed(client, hidden(NOW - 60, "MyApp")) == "wakatime:MyApp"
