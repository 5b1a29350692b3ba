"""The folder a heartbeat's own path gives it, at the edges: a repository found here names a
project as a counted folder does, a count past a folder written with its trailing slash, and a
path at and past the length of a project path."""

from __future__ import annotations

from oxitrack.beats import MAX_PROJECT_PATH_BYTES
from oxitrack.wakatime import Heartbeat, parse_heartbeat
from oxitrack.wakatime_projects import folders_given_names, project_root_from_count
from tests.conftest import NOW
from tests.wakatime_recordings import python_cli_heartbeat


def parse(body: dict[str, object], repository: str | None = None) -> Heartbeat:
    def finder(path: str) -> str | None:
        return repository if repository and path.startswith(repository + "/") else None

    return parse_heartbeat(body, now=NOW, user_agent=None, find_repo_root=finder)


def test_a_folder_found_as_a_repository_leads_its_name_there_too():
    """The pure-Python client sends no count: its heartbeats' folders are the repositories
    found here, and name the project just as well."""
    placed = parse(python_cli_heartbeat("/code/repo", NOW, project="repo"), "/code/repo")
    assert placed.details.project_source == "repository"
    by_name = parse({"entity": "Untitled-1", "project": "repo", "time": NOW})
    assert folders_given_names([placed, by_name]) == {"repo": "/code/repo"}


def test_a_count_past_a_folder_written_with_its_trailing_slash_gives_no_folder():
    """``/home/me/code/app/`` is 5 parts as wakatime-cli counts them, as without the slash."""
    assert project_root_from_count("/home/me/code/app/", 6) is None
    assert project_root_from_count("C:\\Users\\me\\app\\", 5) is None


def entity_of(size_bytes: int, letter: str = "a") -> str:
    """A file path of ``size_bytes`` bytes of UTF-8 under ``/home/me/app``."""
    head, tail = "/home/me/app/", ".py"
    letters, rest = divmod(size_bytes - len(head) - len(tail), len(letter.encode()))
    return head + letter * letters + "b" * rest + tail


def test_a_file_path_as_long_as_a_project_path_may_be_is_read_as_one():
    entity = entity_of(MAX_PROJECT_PATH_BYTES)
    body = {"entity": entity, "time": NOW, "project": "app", "project_root_count": 4}
    heartbeat = parse(body)
    assert (heartbeat.beat.project_path, heartbeat.details.project_source) == (
        "/home/me/app",
        "project_root_count",
    )


def test_a_file_path_longer_than_a_project_path_goes_by_its_project_name():
    """No such path is a file's on Linux (PATH_MAX): its time is kept under its name."""
    body = {"entity": entity_of(MAX_PROJECT_PATH_BYTES + 1), "time": NOW, "project": "app"}
    heartbeat = parse(body | {"project_root_count": 4}, "/home/me/app")
    assert (heartbeat.beat.project_path, heartbeat.details.project_source) == (
        "wakatime:app",
        "project_name",
    )


def test_a_path_long_in_bytes_not_in_characters_goes_by_its_project_name_not_refused():
    """A folder whose name takes two bytes a letter: fewer characters than a project path's
    bound, more bytes. Refused, the heartbeat would be dropped with its time by wakatime-cli,
    where the same path in plain letters is kept under its project name."""
    folder = "/home/" + "é" * (MAX_PROJECT_PATH_BYTES // 2)
    assert len(folder) < MAX_PROJECT_PATH_BYTES < len(folder.encode())
    body = {"entity": folder + "/src/a.py", "time": NOW, "project": "app"}
    for heartbeat in [parse(body | {"project_root_count": 3}), parse(body, folder)]:
        assert (heartbeat.beat.project_path, heartbeat.details.project_source) == (
            "wakatime:app",
            "project_name",
        )


def test_a_counted_folder_inside_a_repository_stays_as_counted():
    """wakatime-cli counted a package folder of a monorepo (a `.wakatime-project` there): the
    repository found around it lies above the folder counted, not below it (a worktree kept
    elsewhere), so the counted folder stays the project."""
    body = {
        "entity": "/code/mono/packages/web/src/app.py",
        "type": "file",
        "time": NOW,
        "project_root_count": 5,
    }
    placed = parse(body, "/code/mono")
    assert (placed.beat.project_path, placed.details.project_source) == (
        "/code/mono/packages/web",
        "project_root_count",
    )
