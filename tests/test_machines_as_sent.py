"""Machines and systems as scripts and other clients send them, through a real daemon: the words
they use for a system are one row with an editor's, and a machine's name that reads the same is
one machine, whichever way its letters were typed."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest

from oxitrack.fields import machine_label
from oxitrack.wakatime import machine_name
from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

DAY = "2025-11-20"  # in the past: the same numbers whenever the tests run
MORNING = int(datetime(2025, 11, 20, 9, tzinfo=ZoneInfo("Europe/Berlin")).timestamp())
RANGE = {"from": DAY, "to": DAY, "tz": "Europe/Berlin"}


def _beats(daemon: DaemonProcess, *labels: dict[str, str]) -> None:
    """One beat per ``labels``, five minutes apart in one folder, then a last one."""
    for place, named in enumerate([*labels, {"editor": "vscode"}]):
        body = {"project_path": "/code/app", "timestamp": MORNING + 300 * place, **named}
        httpx.post(f"{daemon.url}/beat", json=body).raise_for_status()


def _rows(daemon: DaemonProcess, by: str) -> list[tuple[str | None, int]]:
    answer = httpx.get(f"{daemon.url}/api/breakdown", params={**RANGE, "by": by})
    assert answer.status_code == 200, answer.text
    return [(row["name"], row["duration_seconds"]) for row in answer.json()["rows"]]


@pytest.mark.e2e
def test_a_scripts_words_for_windows_are_the_editors_windows(daemon):
    """Node's ``os.type()`` says ``Windows_NT`` (a script's easy pick beside ``process.platform``'s
    ``win32``), Python's ``sys.platform`` ``freebsd14``: each is the system an editor names."""
    _beats(
        daemon,
        {"editor": "vscode", "operating_system": "win32"},
        {"editor": "script", "operating_system": "Windows_NT"},
        {"editor": "script", "operating_system": "Windows"},
        {"editor": "script", "operating_system": "win-amd64"},
        {"editor": "script", "operating_system": "freebsd14"},
        {"editor": "script", "operating_system": "sunos5"},
    )
    assert _rows(daemon, "operating_system") == [
        ("Windows", 1200),
        ("FreeBSD", 300),
        ("Solaris", 300),
    ]


@pytest.mark.e2e
def test_a_name_typed_composed_or_not_is_one_machine(daemon):
    """``José`` with ``é`` as one letter (as typed) or as ``e`` and an accent (as macOS keeps
    file names): they read the same, so they are one machine, from a beat or a heartbeat."""
    composed = "Jos\u00e9-MacBook"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    _beats(
        daemon,
        {"editor": "vscode", "machine": composed},
        {"editor": "vscode", "machine": decomposed},
    )
    heartbeat = go_cli_heartbeat("/code/app", MORNING + 450)
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats",
        content=json.dumps(heartbeat),
        headers={**GO_CLI_HEADERS, "X-Machine-Name": decomposed.encode()},
    )
    assert answer.status_code == 201, answer.text
    assert _rows(daemon, "machine") == [(composed, 600)]


@pytest.mark.e2e
def test_names_that_differ_in_case_are_two_machines(daemon):
    """As WakaTime's summaries list them: the name as sent (documented in reports.md)."""
    _beats(
        daemon,
        {"editor": "vscode", "machine": "Laptop"},
        {"editor": "vscode", "machine": "laptop"},
    )
    assert _rows(daemon, "machine") == [("Laptop", 300), ("laptop", 300)]


# Unicode's default-ignorable code points beyond the zero-width and bidi controls first dropped:
# each is drawn as nothing, so a name of them alone is an empty row and a name with one is a
# second machine that reads as the first.
DRAWN_AS_NOTHING = [
    "\u00ad",  # soft hyphen
    "\u034f",  # combining grapheme joiner
    "\u061c",  # Arabic letter mark: a bidi mark like U+200F
    "\u115f",  # Hangul choseong filler
    "\u180e",  # Mongolian vowel separator
    "\u2060",  # word joiner
    "\u2063",  # invisible separator
    "\u206a",  # inhibit symmetric swapping
    "\u3164",  # Hangul filler
    "\ufe0f",  # variation selector 16
    "\uffa0",  # halfwidth Hangul filler
    "\U0001d173",  # musical symbol begin beam
    "\U000e0041",  # tag latin capital letter A
    "\U000e0100",  # variation selector 17
]


@pytest.mark.parametrize("mark", DRAWN_AS_NOTHING, ids=lambda mark: f"U+{ord(mark):04X}")
def test_a_character_drawn_as_nothing_is_no_part_of_a_machines_name(mark: str):
    assert machine_label(f"lap{mark}top{mark}") == "laptop"
    assert machine_label(mark * 3) is None
    assert machine_name(f" {mark}devbox".encode().decode("latin-1")) == "devbox"


@pytest.mark.e2e
def test_a_machine_named_with_characters_drawn_as_nothing_is_the_machine_or_none(daemon):
    """Through the daemon: ``laptop`` with a word joiner is ``laptop``; a name of invisible
    characters alone is no name (the unknown row), not a row that shows nothing."""
    _beats(
        daemon,
        {"editor": "vscode", "machine": "laptop"},
        {"editor": "vscode", "machine": "lap\u2060top\u061c"},
        {"editor": "vscode", "machine": "\u3164\u2060\ufe0f"},
    )
    assert _rows(daemon, "machine") == [("laptop", 600), (None, 300)]


@pytest.mark.e2e
def test_a_scripts_beats_naming_only_a_machine_leave_the_editors_time_as_it_was(daemon):
    """A beat naming a machine and nothing else (curl, a shell hook) is kept as a heartbeat that
    names no editor, so it pairs apart from the editor's, as an export's does: the editor's
    language and editor keep all their time, and the script's beats name the machine."""
    editor = {"editor": "vscode", "language": "Python", "machine": "laptop"}
    beats = [(t, editor) for t in range(MORNING, MORNING + 601, 60)]
    beats += [(t, {"machine": "laptop"}) for t in range(MORNING + 10, MORNING + 600, 45)]
    for timestamp, labels in sorted(beats, key=lambda beat: beat[0]):
        body = {"project_path": "/code/app", "timestamp": timestamp, **labels}
        httpx.post(f"{daemon.url}/beat", json=body).raise_for_status()
    assert _rows(daemon, "language") == [("Python", 600)]
    assert _rows(daemon, "editor") == [("vscode", 600)]
    assert _rows(daemon, "machine") == [("laptop", 600)]
