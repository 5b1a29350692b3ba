"""``POST /beat``'s ``machine`` and ``operating_system``: read as a WakaTime heartbeat's are
(the ``X-Machine-Name`` header, the User-Agent's system word) and kept beside the session."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from oxitrack.beats import BeatLabels, PostedBeat, check_system, parse_beat
from oxitrack.errors import InvalidField
from oxitrack.fields import MAX_LABEL_CHARS, MAX_TEXT_CHARS
from oxitrack.sessions import Beat
from oxitrack.wakatime import machine_name
from tests.conftest import NOW
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

BEAT = {"project_path": "/a", "timestamp": NOW}


def test_a_beat_keeps_its_machine_and_system():
    body = {**BEAT, "machine": "devbox", "operating_system": "linux"}
    expected = BeatLabels(None, None, machine="devbox", operating_system="linux")
    assert parse_beat(body, now=NOW) == PostedBeat(Beat("/a", NOW), expected)


@pytest.mark.parametrize(
    ("system", "kept"),
    [
        ("linux", "linux"),
        ("darwin", "darwin"),
        ("win32", "windows"),  # Node's process.platform
        ("windows", "windows"),  # Go's GOOS
        ("cygwin", "windows"),
        ("sunos", "solaris"),
        ("freebsd", "freebsd"),
        ("Mac", "darwin"),  # WakaTime's names
        ("Windows", "windows"),
        ("Linux", "linux"),
        ("DragonFly BSD", "dragonfly"),
        ("  WIN32 ", "windows"),
        ("Linux-6.1-x86_64-with-glibc2.36", "linux"),  # platform.platform()
        ("haiku", "haiku"),  # one with no other name: its word
        ("\u00e9t\u00e9", None),  # no word of a system: not kept, the beat is
        ("-linux", None),
        ("9front", None),
        ("x" * 300, "x" * MAX_LABEL_CHARS),
        ("", None),
        (None, None),
    ],
)
def test_the_system_is_kept_as_a_wakatime_heartbeat_names_it(system: str | None, kept: str):
    assert check_system(system) == kept
    posted = parse_beat({**BEAT, "operating_system": system}, now=NOW)
    assert (posted.labels and posted.labels.operating_system) == kept


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("devbox", "devbox"),
        ("  devbox  ", "devbox"),
        ("laptop-\u00fc", "laptop-\u00fc"),  # JSON gives text: not read again as bytes
        ("two\tparts\x1b[2J\x07", "two parts[2J"),
        ("a\u2028b\x00c", "a bc"),  # a NUL too: a control, dropped rather than refused
        ("x" * (MAX_TEXT_CHARS + 1), "x" * MAX_LABEL_CHARS),  # cut, never refused
        ("\ud800host", "\ufffdhost"),
        ("\x01\x02 ", None),
        ("", None),
    ],
)
def test_the_machine_is_cleaned_as_the_wakatime_header_is(name: str, kept: str | None):
    """One cleaning for both ways in: a name the header would keep is never refused here."""
    posted = parse_beat({**BEAT, "machine": name}, now=NOW)
    assert (posted.labels and posted.labels.machine) == kept
    as_header = name.encode("utf-8", "replace").decode("latin-1")  # ASGI's reading of its bytes
    assert machine_name(as_header) == (kept if "\ud800" not in name else "?host")


@pytest.mark.parametrize("field", ["machine", "operating_system"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (42, "must be a string or null, not a number"),
        (True, "must be a string or null, not a boolean"),
        (["devbox"], "must be a string or null, not an array"),
        ({"name": "devbox"}, "must be a string or null, not an object"),
    ],
    ids=["number", "boolean", "array", "object"],
)
def test_a_machine_or_system_not_text_is_refused_naming_it(field: str, value, problem: str):
    with pytest.raises(InvalidField) as refused:
        parse_beat({**BEAT, field: value}, now=NOW)
    assert (refused.value.field, refused.value.problem) == (field, problem)


def test_the_http_answer_names_a_wrong_machine(client: TestClient):
    answer = client.post("/beat", json={**BEAT, "timestamp": NOW, "machine": 7})
    assert answer.status_code == 422
    assert (answer.json()["field"], answer.json()["message"]) == (
        "machine",
        "machine: must be a string or null, not a number",
    )


def _details(db_path: Path) -> list[tuple[str | None, ...]]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT timestamp, editor, machine, operating_system FROM beat_details ORDER BY 1"
        ).fetchall()
    conn.close()
    return rows


def test_a_posted_machine_and_system_are_stored_and_listed_as_wakatime_lists_them(
    client: TestClient, db_path: Path
):
    """Stored beside the session as a heartbeat's are: WakaTime's summaries list the editor's
    time on its machine and system with wakatime-cli's on the same ones."""
    for timestamp in (NOW - 1200, NOW - 600):
        body = {"project_path": "/home/dev/app", "timestamp": timestamp, "editor": "vscode"}
        body |= {"machine": "devbox", "operating_system": "win32"}
        assert client.post("/beat", json=body).status_code == 200
    heartbeat = go_cli_heartbeat("/home/dev/app", NOW)  # Linux, X-Machine-Name devbox
    answer = client.post("/api/v1/users/current/heartbeats", json=heartbeat, headers=GO_CLI_HEADERS)
    assert answer.status_code == 201, answer.text
    assert _details(db_path) == [
        (NOW - 1200, "vscode", "devbox", "windows"),
        (NOW - 600, "vscode", "devbox", "windows"),
        (NOW, "zed", "devbox", "linux"),
    ]
    answer = client.get(
        "/api/v1/users/current/summaries",
        params={"start": "2025-11-25", "end": "2025-11-25", "timezone": "UTC"},
        headers=GO_CLI_HEADERS,
    )
    [day] = answer.json()["data"]
    assert [(item["name"], item["total_seconds"]) for item in day["machines"]] == [
        ("devbox", 1200.0)
    ]
    assert [(item["name"], item["total_seconds"]) for item in day["operating_systems"]] == [
        ("Windows", 1200.0)
    ]


def test_a_beat_naming_only_its_machine_is_kept_and_one_naming_none_stores_nothing(
    client: TestClient, db_path: Path
):
    client.post("/beat", json={**BEAT, "machine": " ", "operating_system": "\u00e9"})
    assert _details(db_path) == []
    client.post("/beat", json={**BEAT, "timestamp": NOW + 1, "machine": "devbox"})
    assert _details(db_path) == [(NOW + 1, None, "devbox", None)]
