"""The WakaTime-compatible endpoints through the real app, with requests as clients send them."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import subprocess
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from oxitrack.api import wakatime as wakatime_api
from oxitrack.api import wakatime_summaries as summaries_api
from oxitrack.api.body import read_json_array
from oxitrack.config import Settings
from oxitrack.server import create_app
from oxitrack.statusbar import category_name
from oxitrack.store import Store
from oxitrack.wakatime import MAX_BULK_HEARTBEATS, MAX_HEARTBEAT_BYTES, slim_heartbeat
from tests.conftest import NOW, FakeClock
from tests.wakatime_recordings import (
    GO_CLI_HEADERS,
    KEY,
    PYTHON_CLI_HEADERS,
    basic,
    go_cli_heartbeat,
    python_cli_heartbeat,
)

BULK = "/api/v1/users/current/heartbeats.bulk"
SINGLE = "/api/v1/users/current/heartbeats"
SUMMARIES = "/api/v1/users/current/summaries"
STATUSBAR = "/api/v1/users/current/statusbar/today"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "src" / "a.py").write_text("print(1)\n")
    return root


def post(client: TestClient, path: str, body: Any, headers: dict[str, str] = GO_CLI_HEADERS):
    return client.post(path, content=json.dumps(body), headers=headers)


def spans(store: Store, project_path: str | None = None) -> list[tuple[str, int, int]]:
    return [(s.project_path, s.start_time, s.last_heartbeat) for s in store.sessions(project_path)]


def detail_count(store: Store) -> int:
    return store.read(lambda conn: conn.execute("SELECT count(*) FROM beat_details").fetchone()[0])


# -- heartbeats.bulk ----------------------------------------------------------------------------


def test_python_cli_bulk_request_becomes_one_session_for_the_repository(
    client: TestClient, store: Store, repo: Path
):
    body = [
        python_cli_heartbeat(str(repo), NOW - 300.5),
        python_cli_heartbeat(str(repo), NOW - 0.25, is_write=False),
    ]
    answer = post(client, BULK, body, PYTHON_CLI_HEADERS)
    assert answer.status_code == 201
    responses = answer.json()["responses"]
    assert [status for _, status in responses] == [201, 201]
    assert responses[1][0]["data"]["project_path"] == str(repo)
    assert responses[1][0]["data"]["duration_seconds"] == 300
    assert spans(store) == [(str(repo), NOW - 301, NOW - 1)]


def test_python_cli_forwarding_a_plugins_string_time_is_stored(
    client: TestClient, store: Store, repo: Path
):
    """The pure-Python client passes extra heartbeats on as the plugin wrote them, and a 400
    would make it drop the heartbeat."""
    extra = {**python_cli_heartbeat(str(repo), NOW), "time": f"{NOW - 120}.5"}
    answer = post(client, BULK, [extra], PYTHON_CLI_HEADERS)
    assert [status for _, status in answer.json()["responses"]] == [201]
    assert answer.json()["responses"][0][0]["data"]["time"] == NOW - 119.5
    assert spans(store) == [(str(repo), NOW - 120, NOW - 120)]


@pytest.mark.parametrize("path", [BULK, SINGLE])
def test_python_cli_file_name_that_is_not_utf_8_counts_in_its_repository(
    client: TestClient, store: Store, repo: Path, path: str
):
    """The pure-Python client sends the bytes of a name that is not UTF-8 as lone surrogates
    (``\\udcff``) and drops a heartbeat answered 400, with its time; wakatime-cli (Go) sends
    U+FFFD for them, and so they are kept."""
    heartbeat = python_cli_heartbeat(
        str(repo), NOW, entity=f"{repo}/src/caf\udce9.py", branch="f\udcffx", project="r\ud800"
    )
    body = [heartbeat] if path == BULK else heartbeat
    answer = post(client, path, body, PYTHON_CLI_HEADERS)
    assert answer.status_code == 201
    data = answer.json()["responses"][0][0]["data"] if path == BULK else answer.json()["data"]
    assert (data["project_path"], data["entity"]) == (str(repo), f"{repo}/src/caf\ufffd.py")
    assert spans(store) == [(str(repo), NOW, NOW)]
    stored = store.read(
        lambda conn: conn.execute("SELECT branch, project_name FROM beat_details").fetchall()
    )
    assert stored == [("f\ufffdx", "r\ufffd")]


def test_a_folder_named_by_its_wakatime_project_file_is_the_project_without_a_count(
    client: TestClient, store: Store, tmp_path: Path
):
    """A folder that is no repository, named by a ``.wakatime-project`` file: the pure-Python
    client sends no ``project_root_count`` (nor does wakatime-cli with hidden project names),
    and the heartbeats went by name into ``wakatime:Notes``, while the editor's own beats of
    the same folder went to the folder."""
    notes = tmp_path / "notes"
    (notes / "src").mkdir(parents=True)
    (notes / ".wakatime-project").write_text("Notes\n")
    body = [python_cli_heartbeat(str(notes), NOW, project="Notes")]
    answer = post(client, BULK, body, PYTHON_CLI_HEADERS)
    [[line, status]] = answer.json()["responses"]
    assert (status, line["data"]["project_path"]) == (201, str(notes))
    assert spans(store) == [(str(notes), NOW, NOW)]


def test_go_cli_bulk_request_uses_the_root_it_counted(client: TestClient, store: Store):
    body = [go_cli_heartbeat("/home/dev/app", NOW - 60), go_cli_heartbeat("/home/dev/app", NOW)]
    answer = post(client, BULK, body)
    assert answer.status_code == 201
    assert [status for _, status in answer.json()["responses"]] == [201, 201]
    assert spans(store) == [("/home/dev/app", NOW - 60, NOW)]
    language, editor, category = store.read(
        lambda conn: conn.execute(
            "SELECT DISTINCT language, editor, category FROM beat_details"
        ).fetchone()
    )
    assert (language, editor, category) == ("Python", "zed", "coding")


@pytest.mark.parametrize("client_kind", ["go-cli", "python-cli"])
def test_heartbeat_whose_entity_is_the_repository_folder_lands_in_it(
    client: TestClient, store: Store, repo: Path, client_kind: str
):
    """A directory buffer of the project: its folder, not ``wakatime:<name>``."""
    if client_kind == "go-cli":
        body = go_cli_heartbeat(str(repo), NOW, entity=str(repo))
    else:
        body = python_cli_heartbeat(str(repo), NOW, entity=str(repo))
    answer = post(client, BULK, [body])
    [[line, status]] = answer.json()["responses"]
    assert (status, line["data"]["project_path"]) == (201, str(repo))
    assert spans(store) == [(str(repo), NOW, NOW)]


@pytest.mark.parametrize(
    "named_only",
    [
        {"entity": "Untitled-1", "type": "file", "project": "proj"},  # VS Code's unsaved buffer
        {"entity": "claude code", "type": "app", "project": "proj", "category": "ai coding"},
    ],
    ids=["unsaved-buffer", "ai-agent-app"],
)
def test_heartbeat_known_only_by_name_joins_the_folder_of_that_name(
    client: TestClient, store: Store, named_only: dict[str, Any]
):
    """Not a second project ``wakatime:proj`` counting the same minutes again."""
    post(client, BULK, [go_cli_heartbeat("/home/dev/proj", NOW - 600)])
    answer = post(client, BULK, [{**named_only, "time": NOW - 300}])
    [[line, status]] = answer.json()["responses"]
    assert (status, line["data"]["project_path"]) == (201, "/home/dev/proj")
    assert spans(store) == [("/home/dev/proj", NOW - 600, NOW - 300)]
    today = client.get("/today", params={"format": "json", "tz": "UTC"}).json()
    assert [(p["project_path"], p["duration_seconds"]) for p in today["projects"]] == [
        ("/home/dev/proj", 300)
    ]
    sources = store.read(
        lambda conn: conn.execute(
            "SELECT project_source, project_name FROM beat_details ORDER BY time"
        ).fetchall()
    )
    assert sources == [("project_root_count", "app"), ("project_name_match", "proj")]


# What wakatime-cli sends for a folder it names "Billing API" ([projectmap] or a
# .wakatime-project file), when the heartbeat carries no path of that folder.
NAMED_BY_THE_CLIENT = [
    {"entity": "HIDDEN.py", "type": "file"},  # hide_file_names
    {"entity": "src/main.py", "type": "file"},  # hide_project_folder: relative to the folder
    {"entity": "Untitled-1", "type": "file"},  # --is-unsaved-entity
    {"entity": "ssh://devbox/home/dev/app/src/main.py", "type": "file"},  # a remote file
    {"entity": "claude code", "type": "app", "category": "ai coding"},  # an AI agent
]


@pytest.mark.parametrize(
    "heartbeat",
    NAMED_BY_THE_CLIENT,
    ids=["hidden-file-name", "hidden-project-folder", "unsaved", "remote", "ai-agent-app"],
)
def test_heartbeat_joins_the_folder_its_client_gave_that_name(
    client: TestClient, store: Store, heartbeat: dict[str, Any]
):
    """The name is no folder's last part: only the client's own earlier heartbeats, which
    placed a path under it, say which folder it means. Keyed ``wakatime:Billing API``, the
    same minutes counted again as a second project."""
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", NOW - 600, project="Billing API")])
    answer = post(client, BULK, [{**heartbeat, "project": "Billing API", "time": NOW - 300}])
    [[line, status]] = answer.json()["responses"]
    assert (status, line["data"]["project_path"]) == (201, "/home/dev/app")
    assert spans(store) == [("/home/dev/app", NOW - 600, NOW - 300)]
    today = client.get("/today", params={"format": "json", "tz": "UTC"}).json()
    assert [(p["project_path"], p["duration_seconds"]) for p in today["projects"]] == [
        ("/home/dev/app", 300)
    ]


def test_name_given_to_two_folders_means_the_one_worked_in_last(client: TestClient, store: Store):
    """``[projectmap]`` may give one name to several folders (old and new checkout)."""
    post(client, BULK, [go_cli_heartbeat("/home/dev/new", NOW - 600, project="Billing API")])
    post(client, BULK, [go_cli_heartbeat("/home/dev/old", NOW - 7200, project="Billing API")])
    answer = post(client, BULK, [{"entity": "HIDDEN.py", "project": "Billing API", "time": NOW}])
    assert answer.json()["responses"][0][0]["data"]["project_path"] == "/home/dev/new"


def test_name_only_heartbeats_join_the_folder_their_own_request_names(
    client: TestClient, store: Store
):
    """The offline queue's batch, or a plugin's buffer, brings a folder the daemon has not seen
    and heartbeats known only by its name in one request: all of them are that folder's."""
    body = [
        go_cli_heartbeat("/home/dev/app", NOW - 600, project="Billing API"),
        *(
            {**heartbeat, "project": "Billing API", "time": NOW - 500 + 60 * i}
            for i, heartbeat in enumerate(NAMED_BY_THE_CLIENT)
        ),
    ]
    answer = post(client, BULK, body)
    assert {line["data"]["project_path"] for line, _ in answer.json()["responses"]} == {
        "/home/dev/app"
    }
    assert spans(store) == [("/home/dev/app", NOW - 600, NOW - 260)]


def test_a_batchs_own_folder_wins_over_one_known_for_the_name(client: TestClient, store: Store):
    """A batch from the offline queue says which folder its client called so at the time."""
    post(client, BULK, [go_cli_heartbeat("/home/dev/new", NOW - 60, project="app")])
    old_batch = [
        go_cli_heartbeat("/home/dev/old", NOW - 86400, project="app"),
        {"entity": "Untitled-1", "project": "app", "time": NOW - 86300},
    ]
    answer = post(client, BULK, old_batch)
    assert answer.json()["responses"][1][0]["data"]["project_path"] == "/home/dev/old"


def test_name_is_matched_as_its_key_is_made_trimmed(client: TestClient, store: Store):
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", NOW - 60, project=" Billing API ")])
    answer = post(client, BULK, [{"entity": "HIDDEN.py", "project": "Billing API", "time": NOW}])
    assert answer.json()["responses"][0][0]["data"]["project_path"] == "/home/dev/app"


def test_heartbeat_with_no_name_is_not_led_by_a_folder_labelled_unknown_project(
    client: TestClient, store: Store
):
    """``Unknown Project`` is what the daemon calls a heartbeat without a name (Slack, a
    browser): a folder whose heartbeats came labelled so does not make it that folder's."""
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", NOW - 60, project="Unknown Project")])
    answer = post(client, BULK, [{**UNPLACEABLE[0], "time": NOW}])
    assert answer.json()["responses"][0][0]["data"]["project_path"] == "wakatime:Unknown Project"


def test_name_placed_by_name_alone_does_not_vouch_for_a_folder(client: TestClient, store: Store):
    """Only a heartbeat whose path gave the folder tells what the client calls it: one placed
    by its name tells nothing new, and a ``wakatime:`` key is no folder."""
    post(client, BULK, [{"entity": "Untitled-1", "project": "notes", "time": NOW - 60}])
    answer = post(client, BULK, [{"entity": "Untitled-2", "project": "notes", "time": NOW}])
    assert answer.json()["responses"][0][0]["data"]["project_path"] == "wakatime:notes"
    sources = store.read(
        lambda conn: conn.execute("SELECT DISTINCT project_source FROM beat_details").fetchall()
    )
    assert sources == [("project_name",)]


def noting_the_loop(real: Callable[..., Any], on_loop: list[bool]) -> Callable[..., Any]:
    """``real``, noting in ``on_loop`` for each call whether it ran on an event loop."""

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real(*args, **kwargs)

    return spy


def test_looking_up_folders_by_name_runs_off_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    """A bulk request may name many projects, and the read may wait for a report: on the
    loop, every beat would wait with it."""
    on_loop: list[bool] = []
    spy = noting_the_loop(wakatime_api.wakatime_store.folders_meant_by, on_loop)
    monkeypatch.setattr(wakatime_api.wakatime_store, "folders_meant_by", spy)
    post(client, BULK, [go_cli_heartbeat("/home/dev/proj", NOW - 600)])
    post(client, BULK, [{"entity": "Untitled-1", "project": "proj", "time": NOW - 300}])
    assert on_loop == [False]


def test_heartbeat_named_after_a_renamed_project_joins_its_folder(client: TestClient, store: Store):
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", NOW - 60)])
    [project] = client.get("/api/projects").json()["projects"]
    client.post("/api/projects/rename", json={"project": project["id"], "name": "Billing"})
    answer = post(client, SINGLE, {"entity": "Untitled-2", "time": NOW, "project": "Billing"})
    assert (answer.status_code, answer.json()["data"]["project_path"]) == (201, "/home/dev/app")
    assert spans(store) == [("/home/dev/app", NOW - 60, NOW)]


def test_heartbeat_named_after_no_known_folder_keeps_its_name_key(client: TestClient, store: Store):
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", NOW - 60)])
    answer = post(client, BULK, [{"entity": "Untitled-1", "time": NOW, "project": "notes"}])
    assert answer.json()["responses"][0][0]["data"]["project_path"] == "wakatime:notes"
    assert spans(store, "wakatime:notes") == [("wakatime:notes", NOW, NOW)]


UNPLACEABLE = [
    {"entity": "Slack", "type": "app", "category": "communicating"},  # WakaTime's desktop app
    {"entity": "github.com", "type": "domain", "category": "browsing"},
    {"entity": "Untitled-1", "type": "file"},  # an unsaved buffer in a window with no folder
    {"entity": "/home/dev/app/HIDDEN.py", "type": "file", "project_root_count": 40},
]


def test_heartbeats_with_no_folder_and_no_name_are_kept_as_unknown_project(
    client: TestClient, store: Store
):
    """wakatime-cli drops a 400 for good: refusing these would lose their time."""
    body = [{**fields, "time": NOW - 60 * i} for i, fields in enumerate(UNPLACEABLE)]
    answer = post(client, BULK, body)
    assert answer.status_code == 201
    responses = answer.json()["responses"]
    assert [status for _, status in responses] == [201] * len(UNPLACEABLE)
    assert {line["data"]["project_path"] for line, _ in responses} == {"wakatime:Unknown Project"}
    assert spans(store) == [("wakatime:Unknown Project", NOW - 180, NOW)]
    [project] = client.get("/api/projects").json()["projects"]
    assert project["name"] == "Unknown Project"


def test_heartbeats_with_no_project_join_a_project_named_unknown_project(
    client: TestClient, store: Store
):
    post(client, BULK, [go_cli_heartbeat("/home/dev/misc", NOW - 300)])
    [project] = client.get("/api/projects").json()["projects"]
    client.post("/api/projects/rename", json={"project": project["id"], "name": "Unknown Project"})
    answer = post(client, SINGLE, {**UNPLACEABLE[0], "time": NOW})
    assert (answer.status_code, answer.json()["data"]["project_path"]) == (201, "/home/dev/misc")
    assert spans(store) == [("/home/dev/misc", NOW - 300, NOW)]


def test_bad_heartbeat_is_answered_on_its_own_line_and_good_ones_are_stored(
    client: TestClient, store: Store, caplog: pytest.LogCaptureFixture
):
    """wakatime-cli pairs the answer's lines with its heartbeats by position: it drops those
    answered 400 (a 400 line must carry an ``error`` string, or it cannot read the answer and
    keeps the whole batch) and is done with those answered 201."""
    caplog.set_level(logging.INFO, logger="oxitrack")
    body = [
        go_cli_heartbeat("/home/dev/app", NOW - 30),
        {**go_cli_heartbeat("/home/dev/app", NOW - 20), "time": "soon"},
        "not a heartbeat",
        go_cli_heartbeat("/home/dev/app", NOW - 10, project_root_count="5"),
        go_cli_heartbeat("/home/dev/app", NOW + 601),  # a clock over 10 minutes ahead
        go_cli_heartbeat("/home/dev/app", NOW),
    ]
    answer = post(client, BULK, body)
    assert answer.status_code == 201
    responses = answer.json()["responses"]
    assert [status for _, status in responses] == [201, 400, 400, 400, 400, 201]
    assert [line.get("field") for line, _ in responses] == [
        None,
        "time",
        "heartbeat",
        "project_root_count",
        "time",
        None,
    ]
    assert [line["data"]["time"] for line, status in responses if status == 201] == [NOW - 30, NOW]
    assert all(line["error"] == "invalid_field" for line, status in responses if status == 400)
    assert spans(store) == [("/home/dev/app", NOW - 30, NOW)]
    # wakatime-cli logs only the code; the daemon's log (--verbose) has each reason.
    reasons = [r.getMessage() for r in caplog.records if "heartbeat refused" in r.getMessage()]
    assert [reason.split(": ", 1)[1] for reason in reasons] == [
        line["message"] for line, status in responses if status == 400
    ]


def test_bulk_of_only_bad_heartbeats_is_still_a_201_so_the_cli_drops_them(
    client: TestClient, store: Store
):
    answer = post(client, BULK, [go_cli_heartbeat("/a", 5), {"entity": "/x"}])
    assert answer.status_code == 201
    assert [status for _, status in answer.json()["responses"]] == [400, 400]
    assert store.sessions() == []


def test_out_of_order_bulk_merges_exactly_like_late_beats(client: TestClient, store: Store):
    times = [NOW - 5000, NOW - 4990, NOW - 3000, NOW - 2200, NOW - 1400, NOW - 600, NOW]
    shuffled = random.Random(5).sample(times, len(times))
    post(client, BULK, [go_cli_heartbeat("/code/waka", t) for t in shuffled[:4]])
    post(client, BULK, [go_cli_heartbeat("/code/waka", t) for t in shuffled[4:]])
    for t in times:
        beat = {"project_path": "/code/beat", "timestamp": t}
        client.post("/beat", content=json.dumps(beat), headers={"content-type": "application/json"})
    via_wakatime = [(start, last) for _, start, last in spans(store, "/code/waka")]
    via_beat = [(start, last) for _, start, last in spans(store, "/code/beat")]
    assert via_wakatime == via_beat == [(NOW - 5000, NOW - 4990), (NOW - 3000, NOW)]


def test_repeated_batch_changes_nothing(client: TestClient, store: Store):
    body = [go_cli_heartbeat("/home/dev/app", t) for t in (NOW - 120, NOW - 60.5, NOW)]
    first = post(client, BULK, body)
    before = (spans(store), detail_count(store))
    again = post(client, BULK, body)
    assert first.status_code == again.status_code == 201
    assert [s for _, s in again.json()["responses"]] == [201, 201, 201]
    assert (
        (spans(store), detail_count(store))
        == before
        == (
            [("/home/dev/app", NOW - 120, NOW)],
            3,
        )
    )


def test_bulk_larger_than_other_bodies_is_accepted(client: TestClient, store: Store):
    dependencies = [f"package.module_{i:04d}" for i in range(150)]
    body = [
        go_cli_heartbeat("/home/dev/app", NOW - i, dependencies=dependencies) for i in range(25)
    ]
    assert len(json.dumps(body)) > 64 * 1024
    answer = post(client, BULK, body)
    assert answer.status_code == 201
    assert len(answer.json()["responses"]) == 25


def test_a_batch_as_large_as_wakatime_cli_makes_is_stored(client: TestClient, store: Store):
    """wakatime-cli sends up to 25 heartbeats a request, each with up to 1000 dependency names
    of up to 200 bytes: 5 MB, which the daemon refused for its size; the Go client kept the
    batch and sent it again forever, and the time was never counted."""
    dependencies = [f"{n:04d}" + "m" * 196 for n in range(1000)]
    body = [
        go_cli_heartbeat("/home/dev/app", NOW - n, dependencies=dependencies) for n in range(25)
    ]
    assert len(json.dumps(body)) > 5_000_000
    answer = post(client, BULK, body)
    assert answer.status_code == 201
    assert [status for _, status in answer.json()["responses"]] == [201] * 25
    assert spans(store) == [("/home/dev/app", NOW - 24, NOW)]
    assert detail_count(store) == 25


def test_a_heartbeat_larger_than_any_client_sends_is_refused_on_its_own_line(
    client: TestClient, store: Store
):
    """Skipped as it streams, not parsed; the others of the batch are stored."""
    huge = go_cli_heartbeat("/home/dev/app", NOW - 10, dependencies=["x" * 200] * 11_000)
    body = [
        go_cli_heartbeat("/home/dev/app", NOW - 20),
        huge,
        go_cli_heartbeat("/home/dev/app", NOW),
    ]
    answer = post(client, BULK, body)
    responses = answer.json()["responses"]
    assert (answer.status_code, [status for _, status in responses]) == (201, [201, 400, 201])
    assert responses[1][0]["field"] == "heartbeat"
    assert f"at most {2 * 1024 * 1024} for a heartbeat" in responses[1][0]["message"]
    assert spans(store) == [("/home/dev/app", NOW - 20, NOW)]


def test_a_batch_costs_the_daemon_about_one_heartbeat_not_its_size():
    """Parsed whole, 10 MB of two-letter names took 130 MB of Python objects; item by item, and
    keeping only the fields parsing reads, about one item's worth at a time."""
    heartbeat = go_cli_heartbeat("/home/dev/app", NOW, dependencies=["ab"] * 300_000)
    body = json.dumps([heartbeat] * 7).encode()
    assert len(body) > 10_000_000
    pieces = [body[start : start + 65536] for start in range(0, len(body), 65536)]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": pieces.pop(0), "more_body": len(pieces) > 0}

    scope = {"type": "http", "method": "POST", "headers": [(b"content-type", b"application/json")]}
    tracemalloc.start()
    try:
        items = asyncio.run(
            read_json_array(
                Request(scope, receive),
                max_bytes=wakatime_api.BULK_MAX_BODY_BYTES,
                max_item_bytes=MAX_HEARTBEAT_BYTES,
                keep=slim_heartbeat,
                max_items=MAX_BULK_HEARTBEATS,
            )
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert items == [slim_heartbeat(heartbeat)] * 7
    assert "dependencies" not in items[0]
    assert peak < 30_000_000, peak


def test_bulk_over_32_mib_is_a_400_so_it_is_not_sent_again_forever(client: TestClient):
    """More than 25 of the largest heartbeats wakatime-cli makes; the pure-Python client drops
    a 400 (no client sends such a batch)."""
    heartbeat = json.dumps(go_cli_heartbeat("/a", NOW, dependencies=["x" * 200] * 9_000))
    content = "[" + ",".join([heartbeat] * 19) + "]"
    assert len(content) > 32 * 1024 * 1024
    answer = client.post(BULK, content=content, headers=GO_CLI_HEADERS)
    assert answer.status_code == 400
    assert answer.json()["error"] == "body_too_large"


NOT_JSON = {**GO_CLI_HEADERS, "Content-Type": "text/plain"}


@pytest.mark.parametrize(
    ("path", "content", "headers", "code"),
    [
        (BULK, '{"entity": "/a"}', GO_CLI_HEADERS, "invalid_field"),
        (BULK, "[{", GO_CLI_HEADERS, "invalid_json"),
        (BULK, "[]", NOT_JSON, "unsupported_media_type"),
        (
            BULK,
            json.dumps({"entity": "/a", "pad": "x" * (3 << 20)}),
            GO_CLI_HEADERS,
            "body_too_large",
        ),
        (BULK, '[{"entity": "/a"}] ]', GO_CLI_HEADERS, "invalid_json"),
        (BULK, "", GO_CLI_HEADERS, "invalid_json"),
        (SINGLE, "{", GO_CLI_HEADERS, "invalid_json"),
        (SINGLE, json.dumps(go_cli_heartbeat("/a", NOW)), NOT_JSON, "unsupported_media_type"),
        (SINGLE, "[]", GO_CLI_HEADERS, "invalid_field"),
        (
            SINGLE,
            json.dumps(go_cli_heartbeat("/a", NOW, dependencies=["x" * 1000] * 70)),
            GO_CLI_HEADERS,
            "body_too_large",
        ),
    ],
    ids=[
        "bulk-object-not-array",
        "bulk-broken-json",
        "bulk-not-json-media-type",
        "bulk-object-over-2-mib",
        "bulk-text-after-the-array",
        "bulk-empty",
        "single-broken-json",
        "single-not-json-media-type",
        "single-array",
        "single-over-64-kib",
    ],
)
def test_a_body_that_can_never_be_stored_is_a_400_in_the_one_error_shape(
    client: TestClient, store: Store, path: str, content: str, headers: dict[str, str], code: str
):
    """Any other status (413, 415) makes a client queue it and send the same body forever."""
    answer = client.post(path, content=content, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"] == code
    assert set(answer.json()) <= {"error", "message", "field"}
    assert store.sessions() == []


def test_a_bulk_answer_counts_the_new_heartbeats_beside_lines_that_stay_201(client: TestClient):
    """The same heartbeats sent again are answered as before, line for line (a status other
    than 201 or 400 makes wakatime-cli queue them forever): only OxiTrack's own top-level
    count says nothing was added. A refused line is counted in neither."""
    sent = [go_cli_heartbeat("/a/b", NOW - 60), go_cli_heartbeat("/a/b", NOW), {"time": NOW}]
    first, again = post(client, BULK, sent), post(client, BULK, sent)
    for answer in (first, again):
        assert answer.status_code == 201
        assert [status for _, status in answer.json()["responses"]] == [201, 201, 400]
    assert (first.json()["new_heartbeats"], again.json()["new_heartbeats"]) == (2, 0)
    assert first.json()["responses"][:2] == again.json()["responses"][:2]
    # One heartbeat alone answers only ``data``, as WakaTime's own does.
    single = post(client, SINGLE, go_cli_heartbeat("/a/b", NOW - 30))
    assert (single.status_code, set(single.json())) == (201, {"data"})


def test_empty_bulk_is_an_empty_answer(client: TestClient):
    answer = post(client, BULK, [])
    assert (answer.status_code, answer.json()) == (201, {"responses": []})


@pytest.mark.parametrize("user", ["current", "alice"], ids=["current", "named-user"])
def test_bulk_route_accepts_any_user_name(client: TestClient, store: Store, user: str):
    answer = post(client, f"/api/v1/users/{user}/heartbeats.bulk", [go_cli_heartbeat("/a/b", NOW)])
    assert answer.status_code == 201
    assert spans(store) == [("/a/b", NOW, NOW)]


# -- heartbeats (single) ------------------------------------------------------------------------


def test_single_heartbeat_is_created(client: TestClient, store: Store):
    answer = post(client, SINGLE, go_cli_heartbeat("/home/dev/app", NOW - 0.5))
    assert answer.status_code == 201
    data = answer.json()["data"]
    assert (data["project_path"], data["time"], data["category"]) == (
        "/home/dev/app",
        NOW - 0.5,
        "coding",
    )
    assert spans(store) == [("/home/dev/app", NOW - 1, NOW - 1)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([go_cli_heartbeat("/a", NOW)], "heartbeat"),
        (go_cli_heartbeat("/a", NOW, is_write="yes"), "is_write"),
        (go_cli_heartbeat("/a", None), "time"),
    ],
    ids=["array", "bad-is-write", "no-time"],
)
def test_single_bad_heartbeat_is_400_naming_the_field(
    client: TestClient, store: Store, body: Any, field: str
):
    answer = post(client, SINGLE, body)
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert store.sessions() == []


# -- auth ---------------------------------------------------------------------------------------


@pytest.fixture
def keyed_client(store: Store, db_path: Path, clock: FakeClock) -> Iterator[TestClient]:
    app = create_app(store, settings=Settings(db=db_path, api_key=KEY), clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:3000") as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (basic(KEY), 201),
        (f"Bearer {KEY}", 201),
        (basic("00000000-0000-4000-8000-000000000000"), 401),
        (f"Basic {KEY}", 401),  # not base64
        (None, 401),
    ],
    ids=["basic-base64-key", "bearer", "basic-wrong-key", "basic-not-encoded", "missing"],
)
def test_daemon_with_key_requires_it(
    keyed_client: TestClient, store: Store, authorization: str | None, status: int
):
    headers = {k: v for k, v in GO_CLI_HEADERS.items() if k != "Authorization"}
    if authorization is not None:
        headers["Authorization"] = authorization
    answer = post(keyed_client, BULK, [go_cli_heartbeat("/a/b", NOW)], headers)
    assert answer.status_code == status
    assert len(store.sessions()) == (1 if status == 201 else 0)
    assert keyed_client.get(STATUSBAR, headers=headers).status_code == (
        200 if status == 201 else 401
    )


@pytest.mark.parametrize(
    "authorization",
    [basic("00000000-0000-4000-8000-000000000000"), basic("anything"), None],
    ids=["some-uuid-key", "any-key", "no-header"],
)
def test_daemon_without_key_accepts_any_key_on_loopback(
    client: TestClient, store: Store, authorization: str | None
):
    headers = {k: v for k, v in GO_CLI_HEADERS.items() if k != "Authorization"}
    if authorization is not None:
        headers["Authorization"] = authorization
    assert post(client, BULK, [go_cli_heartbeat("/a/b", NOW)], headers).status_code == 201
    assert len(store.sessions()) == 1


# -- statusbar/today ----------------------------------------------------------------------------


def statusbar(client: TestClient, zone: str | None = None) -> dict[str, Any]:
    headers = {k: v for k, v in GO_CLI_HEADERS.items() if k != "Timezone"}
    if zone is not None:
        headers["Timezone"] = zone
    answer = client.get(STATUSBAR, headers=headers)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_statusbar_shows_todays_total_as_plugins_read_it(client: TestClient):
    post(
        client,
        BULK,
        [go_cli_heartbeat("/home/dev/app", t) for t in range(NOW - 3600, NOW + 1, 600)],
    )
    post(client, BULK, [go_cli_heartbeat("/home/dev/lib", t) for t in (NOW - 1020, NOW - 600)])
    data = statusbar(client, "Europe/Paris")["data"]
    # lib's 7 minutes lie inside app's hour: the day's total counts them once.
    assert data["grand_total"]["text"] == "1 hr"
    assert data["grand_total"]["total_seconds"] == 3600.0
    assert [(p["name"], p["total_seconds"]) for p in data["projects"]] == [
        ("app", 3600.0),
        ("lib", 420.0),
    ]
    # One category, the day's total (lib's minutes counted once): wakatime-cli prints "1 hr".
    assert [(c["name"], c["total_seconds"]) for c in data["categories"]] == [("Coding", 3600.0)]
    assert (data["range"]["date"], data["range"]["timezone"]) == ("2025-11-25", "Europe/Paris")


def test_statusbar_counts_only_the_part_of_a_session_inside_today(client: TestClient):
    # NOW is 09:46:40 on the 26th in Kiritimati (UTC+14); its day began 9 h 46 min 40 s ago.
    since_midnight = 9 * 3600 + 46 * 60 + 40
    times = range(NOW - 36000, NOW + 1, 600)  # a session from 800 s before that midnight to NOW
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", t) for t in times])
    data = statusbar(client, "Pacific/Kiritimati")["data"]
    assert data["range"]["date"] == "2025-11-26"
    assert data["grand_total"]["total_seconds"] == since_midnight
    assert data["grand_total"]["text"] == "9 hrs 46 mins"


def test_statusbar_without_or_with_unknown_zone_uses_the_local_zone(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert statusbar(client)["data"]["range"]["timezone"] == "Asia/Tokyo"
    assert statusbar(client, "Mars/Olympus_Mons")["data"]["range"]["timezone"] == "Asia/Tokyo"


def test_statusbar_total_is_the_same_as_today_endpoint(client: TestClient):
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", t) for t in range(NOW - 3000, NOW, 300)])
    post(client, BULK, [go_cli_heartbeat("/home/dev/lib", t) for t in (NOW - 700, NOW - 100)])
    for zone in ("Europe/Paris", "Pacific/Kiritimati", "America/Los_Angeles"):
        today = client.get("/today", params={"format": "json", "tz": zone}).json()
        data = statusbar(client, zone)["data"]
        assert data["grand_total"]["total_seconds"] == today["total_seconds"]
        assert [p["total_seconds"] for p in data["projects"]] == [
            p["duration_seconds"] for p in today["projects"]
        ]
        assert data["range"]["date"] == today["date"]


@pytest.mark.parametrize(
    ("path", "read"),
    [(STATUSBAR, "read_day_splits"), (SUMMARIES + "?range=today", "day_splits_by_part")],
)
def test_reading_routes_read_the_database_off_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str, read: str
):
    """A read on the loop would stall every beat meanwhile; a plain-def handler runs in a thread."""
    on_loop: list[bool] = []
    spy = noting_the_loop(getattr(summaries_api, read), on_loop)
    monkeypatch.setattr(summaries_api, read, spy)
    assert client.get(path, headers=GO_CLI_HEADERS).status_code == 200
    assert on_loop == [False]


def todays_breakdown(client: TestClient, field: str, zone: str) -> list[tuple[str | None, int]]:
    answer = client.get("/api/breakdown", params={"by": field, "days": "1", "tz": zone})
    assert answer.status_code == 200
    return [(row["name"], row["duration_seconds"]) for row in answer.json()["rows"]]


def status_text(data: dict[str, Any]) -> str:
    """What wakatime-cli prints for ``--today`` from this body: the categories once two or more
    have time, else the grand total."""
    categories = data["categories"]
    if len(categories) < 2:
        return str(data["grand_total"]["text"])
    return ", ".join(f"{c['text']} {c['name']}" for c in categories)


def test_statusbar_splits_today_by_category_language_and_editor(client: TestClient):
    """The status bar reads "48 mins Coding, 15 mins Debugging" as WakaTime's own server would,
    from the same split as ``GET /api/breakdown``: a heartbeat without a category (wakatime-cli
    leaves ``coding`` out) and a beat naming none are Coding; time no heartbeat gives a language
    or an editor is Other."""
    coding = [
        go_cli_heartbeat("/home/dev/app", t, category=None)
        for t in range(NOW - 3900, NOW - 1500, 600)
    ]
    post(client, BULK, coding)  # 40 minutes of Python in zed, to the next heartbeat
    debugging = [
        go_cli_heartbeat("/home/dev/app", t, category="debugging", language="Go")
        for t in (NOW - 1500, NOW - 900)
    ]
    post(client, BULK, debugging)  # 15 minutes of Go, to the next heartbeat
    # VS Code's beats: two naming Rust (5 minutes), then one naming nothing (no pair: unknown).
    for at, language in [(NOW - 600, "Rust"), (NOW - 300, "Rust"), (NOW - 100, None)]:
        labels = {"language": language, "editor": "vscode"} if language else {}
        beat = {"project_path": "/home/dev/app", "timestamp": at, **labels}
        assert client.post("/beat", json=beat).status_code == 200
    data = statusbar(client, "UTC")["data"]
    shown = {
        key: [(row["name"], int(row["total_seconds"])) for row in data[key]]
        for key in ("categories", "languages", "editors")
    }
    assert shown == {
        "categories": [("Coding", 2400 + 300 + 200), ("Debugging", 900)],
        "languages": [("Python", 2400), ("Go", 900), ("Rust", 300), ("Other", 200)],
        "editors": [("zed", 3300), ("vscode", 300), ("Other", 200)],
    }
    assert status_text(data) == "48 mins Coding, 15 mins Debugging"
    assert data["grand_total"]["total_seconds"] == 3800
    for field, key in {
        "category": "categories",
        "language": "languages",
        "editor": "editors",
    }.items():
        as_shown: dict[str, int] = {}
        for value, seconds in todays_breakdown(client, field, "UTC"):
            name = category_name(value) if field == "category" else value or "Other"
            as_shown[name] = as_shown.get(name, 0) + seconds
        assert dict(shown[key]) == as_shown, field


def test_statusbar_with_one_category_prints_the_days_total(client: TestClient):
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", t) for t in (NOW - 1200, NOW - 600)])
    client.post("/beat", json={"project_path": "/home/dev/app", "timestamp": NOW})
    data = statusbar(client, "UTC")["data"]
    assert [c["name"] for c in data["categories"]] == ["Coding"]
    assert status_text(data) == "20 mins"


def test_statusbar_with_nothing_tracked(client: TestClient):
    data = statusbar(client, "UTC")["data"]
    assert (data["grand_total"]["text"], data["projects"]) == ("0 secs", [])
    assert (data["categories"], data["languages"], data["editors"]) == ([], [], [])


def test_statusbar_shows_the_name_a_project_was_given(client: TestClient):
    post(client, BULK, [go_cli_heartbeat("/home/dev/app", t) for t in (NOW - 600, NOW - 300)])
    [project] = client.get("/api/projects").json()["projects"]
    renamed = client.post(
        "/api/projects/rename",
        json={"project": project["id"], "name": "Billing app"},
    )
    assert renamed.status_code == 200, renamed.text
    data = statusbar(client, "UTC")["data"]
    assert [p["name"] for p in data["projects"]] == ["Billing app"]


@pytest.mark.parametrize(
    ("path", "meant"),
    [
        ("/users/current/heartbeats.bulk", BULK),  # api_url = http://127.0.0.1:3000
        ("/api/users/current/heartbeats.bulk", BULK),  # api_url = …/api
        ("/users/current/statusbar/today", STATUSBAR),
        ("/api/users/current/file_experts", "/api/v1/users/current/file_experts"),
    ],
)
def test_a_wakatime_route_asked_outside_api_v1_says_what_api_url_to_write(
    client: TestClient, store: Store, path: str, meant: str
):
    """An ``api_url`` without its ``/api/v1`` had every heartbeat answered 404 and kept in the
    client's queue, and the answer said only "see docs/api.md"."""
    body = [go_cli_heartbeat("/code/app", NOW)] if "heartbeats" in path else {}
    method = "GET" if "statusbar" in path else "POST"
    answer = client.request(method, path, content=json.dumps(body), headers=GO_CLI_HEADERS)
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
    assert answer.json()["message"] == (
        f"no route {path}; WakaTime clients' api_url ends in /api/v1 (api_url ="
        f" http://127.0.0.1:3000/api/v1 in ~/.wakatime.cfg), where this is {meant}"
    )
    assert spans(store) == []


def test_other_unknown_routes_point_to_the_api_docs(client: TestClient):
    for path in ("/users", "/api/v2/users/current/heartbeats.bulk", "/users/a/b/heartbeats"):
        answer = client.get(path)
        assert answer.json()["message"] == f"no route {path}; see docs/api.md for the endpoints"
