"""WakaTime's summaries for one project named as the WakaTime clients name it.

A JetBrains IDE names its project as the IDE does (``MyApp``), ``[projectmap]`` or a
``.wakatime-project`` file as the user does; the time goes to the folder wakatime-cli found
(``/home/dev/app``), shown by the folder's name. A status bar widget asking WakaTime's
summaries for ``project=MyApp`` (the name its plugin shows) gets that folder's time, as the
heartbeats known only by that name are placed there, not an empty day.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import NOW
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

BULK = "/api/v1/users/current/heartbeats.bulk"
SUMMARIES = "/api/v1/users/current/summaries"


def summaries(client: TestClient, project: str) -> dict[str, Any]:
    params = {"start": "today", "end": "today", "timezone": "UTC", "project": project}
    answer = client.get(SUMMARIES, params=params, headers=GO_CLI_HEADERS)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_name_the_plugin_gave_a_folder_finds_that_folders_time(client: TestClient):
    beats = [go_cli_heartbeat("/home/dev/app", t, project="MyApp") for t in (NOW - 600, NOW - 300)]
    other = [go_cli_heartbeat("/home/dev/lib", t, project="Lib") for t in (NOW - 900, NOW)]
    answer = client.post(BULK, content=json.dumps(beats + other), headers=GO_CLI_HEADERS)
    assert answer.status_code == 201, answer.text

    body = summaries(client, "MyApp")
    assert body["cumulative_total"]["seconds"] == 300
    assert [p["name"] for p in body["data"][0]["projects"]] == ["app"]
    assert summaries(client, "app")["cumulative_total"]["seconds"] == 300  # the folder's name
    assert summaries(client, "Nothing")["cumulative_total"]["seconds"] == 0


def test_unknown_project_is_no_folder_labelled_so(client: TestClient):
    """A folder whose heartbeats came labelled ``Unknown Project`` is not that project
    (docs/wakatime.md, step 4), here as where heartbeats go."""
    beats = [
        go_cli_heartbeat("/home/dev/app", t, project="Unknown Project") for t in (NOW - 600, NOW)
    ]
    answer = client.post(BULK, content=json.dumps(beats), headers=GO_CLI_HEADERS)
    assert answer.status_code == 201, answer.text
    assert summaries(client, "Unknown Project")["cumulative_total"]["seconds"] == 0


def test_every_report_takes_the_name_the_plugin_shows(client: TestClient, db_path, capsys):
    """`report --project MyApp` said "no project matches" and `/api/days?project=MyApp` gave an
    empty range, while the IDE's own status bar and WakaTime's summaries showed MyApp's time."""
    from oxitrack.cli import main

    beats = [go_cli_heartbeat("/home/dev/app", t, project="MyApp") for t in (NOW - 600, NOW - 300)]
    other = [go_cli_heartbeat("/home/dev/lib", t, project="Lib") for t in (NOW - 900, NOW)]
    answer = client.post(BULK, content=json.dumps(beats + other), headers=GO_CLI_HEADERS)
    assert answer.status_code == 201, answer.text
    day = {"from": "2000-01-01", "to": "2999-12-31"}  # all of it, whenever NOW is
    asked = client.get("/api/sessions", params={**day, "project": "MyApp"}).json()
    assert [each["project_path"] for each in asked["sessions"]] == ["/home/dev/app"]
    listed = client.get("/api/sessions", params={**day, "project": "Nothing"}).json()
    assert listed["sessions"] == []
    assert main(["sessions", "--db", str(db_path), "--project", "MyApp", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [each["duration_seconds"] for each in printed["sessions"]] == [300]
    assert main(["sessions", "--db", str(db_path), "--project", "Nothing"]) == 2
    assert "no project matches 'Nothing'" in capsys.readouterr().err
