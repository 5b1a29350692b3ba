"""``/api/projects``: list, merge, rename through the HTTP app, errors naming their field."""

from __future__ import annotations

import asyncio
import shutil
import threading

import pytest

from tests.conftest import NOW
from tests.git_repos import make_repo


@pytest.fixture
def two_projects(client):
    for path, times in {
        "/code/api": (NOW - 3600, NOW - 3000),
        "/code/web": (NOW - 600, NOW),
    }.items():
        for timestamp in times:
            answer = client.post("/beat", json={"project_path": path, "timestamp": timestamp})
            assert answer.status_code == 200
    return client


def test_list_projects_gives_paths_identities_and_totals(two_projects):
    answer = two_projects.get("/api/projects")
    assert answer.status_code == 200
    [web, api] = answer.json()["projects"]
    assert web == {
        "id": 2,
        "name": "web",
        "custom_name": None,
        "latest_path": "/code/web",
        "identities": ["path:/code/web"],
        "paths": [
            {
                "project_path": "/code/web",
                "identity": "path:/code/web",
                "beat_count": 2,
                "last_beat": NOW,
            }
        ],
        "total_seconds": 600,
        "session_count": 1,
        "last_beat": NOW,
    }
    assert (api["name"], api["total_seconds"]) == ("api", 600)


def test_merge_moves_paths_and_adds_totals(two_projects):
    answer = two_projects.post("/api/projects/merge", json={"source": "web", "target": "/code/api"})
    assert answer.status_code == 200
    project = answer.json()["project"]
    assert (project["id"], project["total_seconds"], project["session_count"]) == (1, 1200, 2)
    assert [p["project_path"] for p in project["paths"]] == ["/code/web", "/code/api"]
    assert len(two_projects.get("/api/projects").json()["projects"]) == 1


def test_rename_and_reset(two_projects):
    answer = two_projects.post("/api/projects/rename", json={"project": 1, "name": "Backend"})
    assert answer.status_code == 200
    assert answer.json()["project"]["name"] == "Backend"
    answer = two_projects.post("/api/projects/rename", json={"project": "Backend", "name": None})
    assert answer.json()["project"]["name"] == "api"


def test_a_rename_answers_which_other_projects_it_now_shares_its_name_with(two_projects):
    """A name two projects share names neither where a name is typed: the rename says which
    others are shown under it (spelled in either Unicode form), for the dashboard and the
    command line to say so. It was worked out by each of them from a listing of their own."""
    answer = two_projects.post("/api/projects/rename", json={"project": 1, "name": "Caf\u00e9"})
    assert answer.json()["namesakes"] == []
    answer = two_projects.post("/api/projects/rename", json={"project": 2, "name": "Cafe\u0301"})
    assert answer.status_code == 200
    assert (answer.json()["project"]["id"], answer.json()["namesakes"]) == (2, [1])
    answer = two_projects.post("/api/projects/rename", json={"project": 1, "name": None})
    assert (answer.json()["project"]["name"], answer.json()["namesakes"]) == ("api", [])


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/api/projects/merge", {"target": "api"}, 422, "source"),
        ("/api/projects/merge", {"source": "api"}, 422, "target"),
        ("/api/projects/merge", {"source": "nope", "target": "api"}, 404, "source"),
        ("/api/projects/merge", {"source": "api", "target": "nope"}, 404, "target"),
        ("/api/projects/merge", {"source": "api", "target": "1"}, 422, "target"),
        ("/api/projects/merge", ["api", "web"], 422, "body"),
        ("/api/projects/rename", {"name": "x"}, 422, "project"),
        ("/api/projects/rename", {"project": "api"}, 422, "name"),
        ("/api/projects/rename", {"project": "api", "name": " "}, 422, "name"),
        ("/api/projects/rename", {"project": "api", "name": 5}, 422, "name"),
        ("/api/projects/rename", {"project": "api", "name": "2"}, 422, "name"),
        ("/api/projects/rename", {"project": 99, "name": "x"}, 404, "project"),
        ("/api/projects/merge", {"source": 10**23, "target": "api"}, 404, "source"),
        ("/api/projects/delete", {}, 422, "project"),
        ("/api/projects/delete", {"project": ["api"]}, 422, "project"),
        ("/api/projects/delete", {"project": "nope"}, 404, "project"),
    ],
    ids=[
        "merge without source",
        "merge without target",
        "merge unknown source",
        "merge unknown target",
        "merge into itself",
        "merge array body",
        "rename without project",
        "rename without name",
        "rename blank name",
        "rename number name",
        "rename digits name",
        "rename unknown project",
        "merge id beyond sqlite integers",
        "delete without project",
        "delete a list",
        "delete unknown project",
    ],
)
def test_bad_requests_name_the_field(two_projects, path, body, status, field):
    answer = two_projects.post(path, json=body)
    assert answer.status_code == status
    assert answer.json()["error"] == {404: "not_found", 422: "invalid_field"}[status]
    assert answer.json()["field"] == field
    assert field in answer.json()["message"]
    assert len(two_projects.get("/api/projects").json()["projects"]) == 2  # nothing changed


def test_delete_leaves_no_trace_in_any_report_and_the_other_project_as_it_was(two_projects):
    heartbeat = {"entity": "/code/api/main.py", "time": NOW - 3300, "project": "api"}
    heartbeat["project_root_count"] = 3  # "/", "code", "api"
    answer = two_projects.post("/api/v1/users/current/heartbeats.bulk", json=[heartbeat])
    assert answer.json()["responses"][0][1] == 201
    reads = {
        "/today": TODAY_JSON,
        "/api/days": {"tz": "UTC", "days": "2"},
        "/api/sessions": {"tz": "UTC"},
        "/api/projects": {},
    }

    def web_only() -> list[object]:
        today = two_projects.get("/today", params=TODAY_JSON).json()["projects"]
        filtered = ("/api/days", "/api/sessions")
        return [p for p in today if p["project_name"] == "web"] + [
            two_projects.get(path, params={**reads[path], "project": "web"}).json()
            for path in filtered
        ]

    web_before = web_only()
    for path, params in reads.items():
        assert "/code/api" in str(two_projects.get(path, params=params).json()), path
    answer = two_projects.post("/api/projects/delete", json={"project": "api"})
    assert answer.status_code == 200, answer.text
    deleted = answer.json()["project"]
    assert (deleted["id"], deleted["name"], deleted["session_count"]) == (1, "api", 1)
    for path, params in reads.items():
        read = two_projects.get(path, params=params).json()
        assert "/code/api" not in str(read) and "'api'" not in str(read), path
    assert web_only() == web_before  # nothing of the other project changed
    assert [p["name"] for p in two_projects.get("/api/projects").json()["projects"]] == ["web"]
    again = two_projects.post("/api/projects/delete", json={"project": 1})
    assert (again.status_code, again.json()["field"]) == (404, "project")
    assert "(project 1 was deleted)" in again.json()["message"]
    days = two_projects.get("/api/days", params={"tz": "UTC", "project": "1"})
    assert days.status_code == 404 and "(project 1 was deleted)" in days.json()["message"]


def test_merge_needs_json(two_projects):
    answer = two_projects.post(
        "/api/projects/merge", content=b"source=api", headers={"content-type": "text/plain"}
    )
    assert answer.status_code == 415


# -- reports group by project --------------------------------------------------------------------

TODAY_JSON = {"tz": "UTC", "format": "json"}


def test_repository_moved_mid_day_is_one_project_in_today(client, tmp_path):
    make_repo(tmp_path / "code" / "app")
    for minutes in (180, 170, 160):
        answer = client.post(
            "/beat",
            json={"project_path": str(tmp_path / "code" / "app"), "timestamp": NOW - minutes * 60},
        )
        assert answer.status_code == 200
    shutil.move(tmp_path / "code" / "app", tmp_path / "moved-app")
    for minutes in (60, 50, 40):
        answer = client.post(
            "/beat",
            json={"project_path": str(tmp_path / "moved-app"), "timestamp": NOW - minutes * 60},
        )
        assert answer.status_code == 200
    today = client.get("/today", params=TODAY_JSON).json()
    [project] = today["projects"]
    assert (project["project_path"], project["project_name"]) == (
        str(tmp_path / "moved-app"),
        "moved-app",
    )
    assert (project["duration_seconds"], project["session_count"]) == (2 * 1200, 2)
    assert today["total_seconds"] == 2400
    assert "moved-app" in client.get("/today", params={"tz": "UTC"}).text


def test_rename_finds_a_moved_repository_by_its_root_commit(client, tmp_path):
    """A folder of a moved repository names its project before it beats from there."""
    make_repo(tmp_path / "code" / "app")
    answer = client.post("/beat", json={"project_path": str(tmp_path / "code" / "app")})
    assert answer.status_code == 200
    shutil.move(tmp_path / "code" / "app", tmp_path / "moved-app")
    body = {"project": str(tmp_path / "moved-app"), "name": "App"}
    answer = client.post("/api/projects/rename", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["project"]["name"] == "App"
    merge = {"source": str(tmp_path / "nowhere"), "target": str(tmp_path / "moved-app")}
    answer = client.post("/api/projects/merge", json=merge)
    assert (answer.status_code, answer.json()["field"]) == (404, "source")


def test_merged_projects_add_up_exactly_in_today(two_projects):
    before = two_projects.get("/today", params=TODAY_JSON).json()
    assert len(before["projects"]) == 2
    answer = two_projects.post("/api/projects/merge", json={"source": "api", "target": "web"})
    assert answer.status_code == 200
    two_projects.post("/api/projects/rename", json={"project": "web", "name": "Product"})
    after = two_projects.get("/today", params=TODAY_JSON).json()
    [merged] = after["projects"]
    assert merged["project_name"] == "Product"
    assert merged["duration_seconds"] == sum(p["duration_seconds"] for p in before["projects"])
    assert merged["session_count"] == 2
    assert after["total_seconds"] == before["total_seconds"] == 1200
    days = two_projects.get("/api/days", params={"tz": "UTC", "project": "Product"}).json()
    assert days["total_seconds"] == 1200


def test_merged_projects_busy_at_once_count_the_time_once(client):
    for path, minutes in (("/code/a", (100, 90, 80)), ("/code/b", (95, 85, 75))):
        for minute in minutes:
            client.post("/beat", json={"project_path": path, "timestamp": NOW - minute * 60})
    before = client.get("/today", params=TODAY_JSON).json()
    assert [p["duration_seconds"] for p in before["projects"]] == [1200, 1200]
    assert before["total_seconds"] == 25 * 60  # two projects at once: the total counts it once
    text = client.get("/today", params={"tz": "UTC"}).text
    assert text.splitlines()[-1] == "0h 25m  total (0h 15m in two projects at once, counted once)"
    client.post("/api/projects/merge", json={"source": "/code/b", "target": "/code/a"})
    today = client.get("/today", params=TODAY_JSON).json()
    assert today["total_seconds"] == 25 * 60  # 100 to 75 minutes ago, once
    assert [p["duration_seconds"] for p in today["projects"]] == [25 * 60]


@pytest.mark.parametrize(
    ("action", "function", "body"),
    [
        ("delete", "delete_by_reference", {"project": "api"}),
        ("merge", "merge_by_reference", {"source": "api", "target": "web"}),
        ("rename", "rename_by_reference", {"project": "api", "name": "Backend"}),
    ],
)
def test_the_daemon_answers_others_while_a_project_write_runs(
    app, monkeypatch: pytest.MonkeyPatch, action: str, function: str, body: dict[str, object]
):
    """Deleting a project of 96k sessions took a second: on the event loop, every client
    (``/health``, reports, the dashboard) waited for it. The write is held here until
    ``/health`` has been answered, so on the loop it could never end; a beat sent meanwhile
    waits for the write lock and is stored after it."""
    import httpx2 as httpx

    from oxitrack.store import projects as store_projects

    begun, release = threading.Event(), threading.Event()
    write = getattr(store_projects, function)

    def held_write(*args: object) -> object:
        begun.set()
        if not release.wait(5):
            raise AssertionError("the project write ran where /health could not be answered")
        return write(*args)

    monkeypatch.setattr(store_projects, function, held_write)

    async def main() -> tuple[list[int], int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:3000") as c:
            for path in ("/code/api", "/code/web"):
                await c.post("/beat", json={"project_path": path, "timestamp": NOW - 60})
            writing = asyncio.ensure_future(c.post(f"/api/projects/{action}", json=body))
            assert await asyncio.to_thread(begun.wait, 10)
            health = await c.get("/health")
            beat = asyncio.ensure_future(
                c.post("/beat", json={"project_path": "/code/api", "timestamp": NOW})
            )
            release.set()
            answers = await asyncio.gather(writing, beat)
            return [answer.status_code for answer in answers], health.status_code

    assert asyncio.run(main()) == ([200, 200], 200)
