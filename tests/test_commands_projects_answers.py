"""``oxitrack projects … --json`` with no daemon prints what ``POST /api/projects/…`` answers.

The command line writes the file itself when no daemon runs; it once built its own merge and
delete answers beside the API's. Two copies of one database take the same changes: a real daemon
answers the API on one, the command line (no daemon at the address it asks) writes the other.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.cli import main
from oxitrack.sessions import Beat
from oxitrack.store import Store
from tests.conftest import NOW
from tests.daemon_process import DaemonProcess
from tests.git_repos import make_repo


def _fill(db_path: Path, repo: Path) -> None:
    """The same beats in each copy: a repository (a ``git:`` identity, project 1) and three
    plain folders (2 to 4), the first beating twice with a gap (two sessions)."""
    with Store(db_path) as store:
        store.record_beats(
            [
                Beat(str(repo), NOW - 7200),
                Beat(str(repo), NOW - 6600),
                Beat("/code/app-old", NOW - 86_400),
                Beat("/code/app-old", NOW - 86_000),
                Beat("/code/app-old", NOW - 50_000),
                Beat("/code/web", NOW - 600),
                Beat("/code/web", NOW),
                Beat("/code/notes", NOW - 300),
            ]
        )


# (the API's action and body, the command's arguments, the API's status): in this order on both.
STEPS = [
    ("rename", {"project": "app", "name": "Backend"}, ["rename", "app", "Backend"], 200),
    ("merge", {"source": "app-old", "target": "Backend"}, ["merge", "app-old", "Backend"], 200),
    ("delete", {"project": "/code/web"}, ["delete", "/code/web", "--yes"], 200),
    ("merge", {"source": "web", "target": "Backend"}, ["merge", "web", "Backend"], 404),  # gone
    ("delete", {"project": 4}, ["delete", "4", "--yes"], 200),
]


@pytest.mark.e2e
def test_the_commands_answers_on_the_file_are_the_apis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    repo = tmp_path / "app"
    make_repo(repo)
    served, on_file = tmp_path / "served.db", tmp_path / "file.db"
    _fill(served, repo)
    _fill(on_file, repo)
    monkeypatch.setenv("OXITRACK_PORT", "1")  # nothing listens there: the command writes the file
    daemon = DaemonProcess(served).start()
    try:
        for action, body, argv, status in STEPS:
            api = httpx.post(f"{daemon.url}/api/projects/{action}", json=body)
            code = main(["projects", *argv, "--json", "--db", str(on_file)])
            out, err = capsys.readouterr()
            assert api.status_code == status, (action, api.text)
            if status != 200:  # refused alike, in the same words
                assert (code, out) == (2, "") and api.json()["message"] in err, (action, err)
                continue
            assert (code, err) == (0, ""), action
            assert json.loads(out) == api.json(), action
            assert api.json()["project"]["paths"]  # an answer with something in it to compare
        listed = httpx.get(f"{daemon.url}/api/projects").json()
    finally:
        daemon.stop()
    code = main(["projects", "--json", "--db", str(on_file)])
    assert (code, json.loads(capsys.readouterr().out)) == (0, listed)
    assert [project["name"] for project in listed["projects"]] == ["Backend"]
