"""``GET /api/breakdown`` from a real daemon and ``oxitrack report --by`` on the same file."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest

from oxitrack.days import days_between
from oxitrack.sessions import Beat
from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

DAY = "2025-11-20"  # in the past: the same numbers whenever the tests run
[BERLIN_DAY] = days_between(date(2025, 11, 20), date(2025, 11, 20), ZoneInfo("Europe/Berlin"))
MORNING = BERLIN_DAY.start + 9 * 3600
RANGE = {"from": DAY, "to": DAY, "tz": "Europe/Berlin"}
CLI_RANGE = ["--from", DAY, "--to", DAY, "--tz", "Europe/Berlin"]


def heartbeats(daemon: DaemonProcess, root: str, *times_and_changes: tuple[int, dict]) -> None:
    body = [go_cli_heartbeat(root, time, **changes) for time, changes in times_and_changes]
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
        content=json.dumps(body),
        headers=GO_CLI_HEADERS,
    )
    assert answer.status_code == 201, answer.text


def beat(daemon: DaemonProcess, root: str, timestamp: int, **labels: str) -> None:
    body = {"project_path": root, "timestamp": timestamp, **labels}
    answer = httpx.post(f"{daemon.url}/beat", json=body)
    answer.raise_for_status()


def api(daemon: DaemonProcess, route: str, **params: str) -> httpx.Response:
    return httpx.get(f"{daemon.url}{route}", params={**RANGE, **params})


@pytest.mark.e2e
def test_cli_prints_what_the_api_answers_and_rows_add_up_to_the_projects(daemon):
    heartbeats(
        daemon,
        "/code/app",
        (MORNING, {"language": "Python", "category": "coding"}),
        (MORNING + 600, {"language": "Rust", "category": "debugging", "branch": "fix"}),
        (MORNING + 900, {"language": "Rust", "category": "debugging", "branch": "fix"}),
    )
    heartbeats(daemon, "/code/lib", (MORNING + 100, {"language": "Python", "branch": "main"}))
    beat(daemon, "/code/lib", MORNING + 400)  # the VS Code extension's beats: no language
    beat(daemon, "/code/app", MORNING + 1500)
    projects = api(daemon, "/api/days").json()["projects"]
    project_total = sum(project["duration_seconds"] for project in projects)
    assert project_total == 1500 + 300

    answer = api(daemon, "/api/breakdown", by="language")
    assert answer.status_code == 200
    assert answer.json() == {
        "from": DAY,
        "to": DAY,
        "timezone": "Europe/Berlin",
        "by": "language",
        "total_seconds": project_total,
        "rows": [
            {"name": None, "duration_seconds": 600 + 300},
            {"name": "Python", "duration_seconds": 600},
            {"name": "Rust", "duration_seconds": 300},
        ],
    }
    for field in ("language", "category", "editor", "branch"):
        expected = api(daemon, "/api/breakdown", by=field).json()
        assert json.loads(daemon.report("--by", field, *CLI_RANGE, "--json")) == expected
        assert expected["total_seconds"] == project_total
    branches = api(daemon, "/api/breakdown", by="branch").json()["rows"]
    assert [(row["name"], row["project_name"], row["duration_seconds"]) for row in branches] == [
        ("main", "app", 600),
        (None, "app", 600),
        ("fix", "app", 300),
        (None, "lib", 300),
    ]
    lines = daemon.report("--by", "language", *CLI_RANGE).splitlines()
    assert lines[0] == f"{DAY} to {DAY} (Europe/Berlin), by language"
    assert [line.split()[:2] + line.split()[-1:] for line in lines[1:-1]] == [
        ["0h", "15m", "unknown"],
        ["0h", "10m", "Python"],
        ["0h", "05m", "Rust"],
    ]
    # The rows hold lib's 5 minutes beside app's, as the project rows do; the total, once.
    assert lines[-1] == "0h 25m  total (0h 05m in two projects at once, counted once)"
    only_lib = api(daemon, "/api/breakdown", by="language", project="lib").json()["rows"]
    assert only_lib == [{"name": None, "duration_seconds": 300}]
    assert json.loads(daemon.report("--by", "language", *CLI_RANGE, "--project", "lib", "--json"))[
        "rows"
    ] == [{"name": None, "duration_seconds": 300}]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"by": "project"}, "by", "must be one of language, category, editor, branch"),
        ({}, "by", "is required: one of language, category, editor, branch"),
        ({"by": "language", "from": "2025-13-01"}, "from", ""),
        ({"by": "language", "days": "0"}, "days", ""),
        ({"by": "language", "project": " "}, "project", "must not be empty"),
    ],
    ids=["not-a-field", "missing", "bad-date", "zero-days", "empty-project"],
)
def test_bad_parameters_are_422_naming_the_field(daemon, params, field, words):
    answer = httpx.get(f"{daemon.url}/api/breakdown", params=params)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_field"
    assert body["field"] == field
    assert words in body["message"]


@pytest.mark.e2e
def test_no_heartbeats_is_one_unknown_row_and_no_time_is_an_empty_report(daemon):
    assert api(daemon, "/api/breakdown", by="language").json()["rows"] == []
    assert daemon.report("--by", "language", *CLI_RANGE).splitlines()[1:] == [
        "0h 00m  total (nothing tracked)"
    ]
    beat(daemon, "/code/app", MORNING)
    beat(daemon, "/code/app", MORNING + 600)  # the VS Code extension alone
    beat(daemon, "/code/app", MORNING + 1200)
    assert api(daemon, "/api/breakdown", by="language").json()["rows"] == [
        {"name": None, "duration_seconds": 1200}
    ]
    [row, total] = daemon.report("--by", "editor", *CLI_RANGE).splitlines()[1:]
    assert row.split()[:2] + row.split()[-1:] == ["0h", "20m", "unknown"]
    assert total == "0h 20m  total"


@pytest.mark.e2e
def test_the_tables_total_is_the_time_worked_as_report_by_project_says_it(daemon):
    """Two projects at once, in one editor: ``report`` said "0h 15m  total (0h 05m in two
    projects at once, counted once)", ``report --by editor`` "0h 20m  total" with no word why,
    more time than passed. The rows still add up to the project rows (and the JSON's total)."""
    for root, start in (("/code/app", MORNING), ("/code/lib", MORNING + 300)):
        beat(daemon, root, start, editor="vscode")
        beat(daemon, root, start + 600, editor="vscode")
    total = "0h 15m  total (0h 05m in two projects at once, counted once)"
    assert daemon.report(*CLI_RANGE).splitlines()[-1] == total
    lines = daemon.report("--by", "editor", *CLI_RANGE).splitlines()
    assert [line.split()[:2] + line.split()[-1:] for line in lines[1:-1]] == [
        ["0h", "20m", "vscode"]
    ]
    assert lines[-1] == total
    answer = json.loads(daemon.report("--by", "editor", *CLI_RANGE, "--json"))
    assert answer["total_seconds"] == 1200  # unchanged: the sum of the rows


@pytest.mark.e2e
def test_beats_naming_their_language_split_time_with_heartbeats_of_the_same_folder(daemon):
    """The VS Code extension's beats name the file's language and the editor: its time is no
    longer all "unknown", and pairs of a beat and a heartbeat count as two heartbeats do."""
    heartbeats(daemon, "/code/app", (MORNING, {"language": "Python"}))
    heartbeats(daemon, "/code/app", (MORNING + 300, {"language": "Python"}))
    beat(daemon, "/code/app", MORNING + 600, language="TypeScript", editor="vscode")
    beat(daemon, "/code/app", MORNING + 900, language="TypeScript", editor="vscode")
    beat(daemon, "/code/app", MORNING + 900, language="TypeScript", editor="vscode")  # again
    beat(daemon, "/code/app", MORNING + 1200)  # an older extension: no labels
    by_language = api(daemon, "/api/breakdown", by="language").json()
    assert by_language["total_seconds"] == 1200
    assert by_language["rows"] == [
        {"name": "Python", "duration_seconds": 600},
        {"name": "TypeScript", "duration_seconds": 300},
        {"name": None, "duration_seconds": 300},
    ]
    assert json.loads(daemon.report("--by", "language", *CLI_RANGE, "--json")) == by_language
    editors = api(daemon, "/api/breakdown", by="editor").json()["rows"]
    assert [(row["name"], row["duration_seconds"]) for row in editors] == [
        ("zed", 600),
        ("vscode", 300),
        (None, 300),
    ]


def test_a_long_breakdown_takes_a_long_report_slot(client):
    # Both slots held (two long /api/days reports being made): a long breakdown waits its turn.
    slots = client.app.state.long_report_slots
    assert slots.take(None) and slots.take(None)
    try:
        params = {"by": "language", "tz": "Europe/Berlin"}
        refused = client.get("/api/breakdown", params={**params, "days": "93"})
        assert refused.status_code == 503
        assert refused.json()["error"] == "reports_busy"
        assert client.get("/api/breakdown", params={**params, "days": "92"}).status_code == 200
    finally:
        slots.give_back(None)
        slots.give_back(None)
    assert client.get("/api/breakdown", params={**params, "days": "93"}).status_code == 200


def test_a_range_of_days_is_named_by_its_first_and_last_day(client, store):
    next_morning = MORNING + 86_400
    times = [MORNING, MORNING + 600, next_morning, next_morning + 300]
    store.record_beats([Beat("/code/app", at) for at in times])
    params = {"by": "language", "tz": "Europe/Berlin", "from": "2025-11-19", "to": "2025-11-22"}
    answer = client.get("/api/breakdown", params=params).json()
    assert (answer["from"], answer["to"]) == ("2025-11-19", "2025-11-22")
    assert answer["rows"] == [{"name": None, "duration_seconds": 900}]


@pytest.mark.parametrize("project", ["nope", "/code/nope"], ids=["name", "folder"])
def test_cli_refuses_a_project_that_matches_nothing(store, db_path, capsys, project):
    from oxitrack.cli import main

    store.record_beat(Beat("/code/app", MORNING))
    code = main(
        ["report", "--by", "branch", *CLI_RANGE, "--project", project, "--db", str(db_path)]
    )
    assert code == 2
    assert f"--project: no project matches {project!r}" in capsys.readouterr().err


def test_cli_reads_this_week_by_default_and_refuses_a_range_past_the_cap(
    store, db_path, capsys, monkeypatch
):
    """As ``report --by project`` does: no range flag is the week so far, ten years at most."""
    from oxitrack.cli import main
    from oxitrack.commands import reports

    monkeypatch.setattr(reports, "clock", lambda: MORNING)  # Thursday 2025-11-20
    zone = ["--tz", "Europe/Berlin", "--db", str(db_path)]
    assert main(["report", "--by", "language", *zone]) == 0
    title = capsys.readouterr().out.splitlines()[0]
    assert title == "2025-11-17 to 2025-11-20 (Europe/Berlin), by language"
    too_long = ["--from", "2015-01-01", "--to", DAY]
    assert main(["report", "--by", "language", *too_long, *zone]) == 2
    assert capsys.readouterr().err.startswith("oxitrack: --from:")
