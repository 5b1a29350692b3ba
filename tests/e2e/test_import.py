"""``oxitrack import FILE`` against a real daemon: a WakaTime export's heartbeats land in the
same projects and sessions as a plugin's, importing twice changes nothing, and every way it can
go wrong is one line."""

from __future__ import annotations

import gzip
import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from oxitrack.cli import main
from oxitrack.commands.imports import Tally
from oxitrack.sessions import SESSION_GAP_SECONDS
from tests.daemon_process import DaemonProcess
from tests.sessions_model import stored_sessions
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

DAY_1 = 1_763_942_400  # 2025-11-24 00:00 UTC
HOUR = 3600


def heartbeat(time: float, **fields: Any) -> dict[str, Any]:
    """A heartbeat as WakaTime's export writes it: its own fields and the server's (ids,
    line counts), the entity a path of the machine it came from."""
    return {
        "id": "5f8a2c7f-8b3a-4c2c-9b3f-1d2c4f5b6a7c",
        "entity": "/home/olduser/code/app/src/main.py",
        "type": "file",
        "category": "coding",
        "time": time,
        "project": "app",
        "project_root_count": 5,  # /home/olduser/code/app
        "branch": "main",
        "language": "Python",
        "is_write": False,
        "dependencies": ["os", "json"],
        "lines": 120,
        "lineno": 3,
        "cursorpos": 7,
        "user_agent_id": "0b6c8f1e-2a3d-4e5f-8a9b-1c2d3e4f5a6b",
        "machine_name_id": "1d2e3f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a",
        "created_at": "2025-11-24T09:00:00Z",
        **fields,
    }


def export(days: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """WakaTime's heartbeats export: the user, the range, then each day's heartbeats."""
    return {
        "user": {"id": "u-1", "username": "someone", "timezone": "UTC"},
        "range": {"start": DAY_1, "end": DAY_1 + 3 * 86400},
        "days": [{"date": date, "heartbeats": beats} for date, beats in days.items()],
    }


def two_days() -> dict[str, Any]:
    """An hour in app on the 24th (its last 20 minutes debugging), 30 minutes on the 25th."""
    first = [
        heartbeat(DAY_1 + 9 * HOUR + t + 0.5, category="debugging" if t >= 2400 else "coding")
        for t in range(0, HOUR + 1, 120)
    ]
    second = [heartbeat(DAY_1 + 86400 + 14 * HOUR + t) for t in range(0, 1801, 300)]
    return export({"2025-11-24": first, "2025-11-25": second})


def write(path: Path, body: object) -> Path:
    path.write_text(json.dumps(body))
    return path


def run(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    code = main(["import", *argv, "--db", str(daemon.db_path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def daemon_port(daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI finds the test's daemon as a user's finds theirs: by the configured port."""
    monkeypatch.setenv("OXITRACK_PORT", str(daemon.port))


def breakdown(daemon: DaemonProcess, by: str) -> dict[str | None, int]:
    params = {"by": by, "from": "2025-11-24", "to": "2025-11-26", "tz": "UTC"}
    answer = httpx.get(f"{daemon.url}/api/breakdown", params=params)
    return {row["name"]: row["duration_seconds"] for row in answer.json()["rows"]}


def heartbeat_rows(daemon: DaemonProcess) -> int:
    assert daemon.db_path is not None
    with sqlite3.connect(daemon.db_path) as conn:
        count: int = conn.execute("SELECT count(*) FROM heartbeats").fetchone()[0]
    return count


def test_an_export_lands_as_sessions_and_importing_it_again_changes_nothing(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    dump = write(tmp_path / "wakatime.json", two_days())
    code, out, err = run(daemon, capsys, str(dump))
    assert (code, err) == (0, "")
    assert out == f"Imported 38 heartbeats from {dump}, all new.\n"
    assert daemon.db_path is not None
    sessions = stored_sessions(daemon.db_path)
    # The folder is gone from this machine: the project is known by the name WakaTime gave it.
    assert sessions == [
        ("wakatime:app", DAY_1 + 9 * HOUR, DAY_1 + 10 * HOUR),
        ("wakatime:app", DAY_1 + 86400 + 14 * HOUR, DAY_1 + 86400 + 14 * HOUR + 1800),
    ]
    assert breakdown(daemon, "category") == {"coding": 2400 + 1800, "debugging": 1200}
    assert breakdown(daemon, "language") == {"Python": HOUR + 1800}
    # The export names editors by an account's id only: imported time names none.
    assert breakdown(daemon, "editor") == {None: HOUR + 1800}
    rows = heartbeat_rows(daemon)

    code, out, _ = run(daemon, capsys, str(dump))
    # Said as it is: a summary of "38 imported" read as if the time had been added twice.
    assert (code, out) == (0, f"Nothing new from {dump}: 38 heartbeats, all already recorded.\n")
    assert stored_sessions(daemon.db_path) == sessions
    assert heartbeat_rows(daemon) == rows == 38


def minutes(start: int, stop: int) -> dict[str, Any]:
    """An export of one heartbeat a minute, minutes ``start`` to ``stop - 1`` of the 24th."""
    return export({"2025-11-24": [heartbeat(DAY_1 + 60 * n) for n in range(start, stop)]})


def counts(answer: dict[str, Any]) -> tuple[int, int, int | None, int | None]:
    return answer["heartbeats"], answer["imported"], answer["new"], answer["already_recorded"]


def test_each_import_says_how_many_heartbeats_were_new_and_how_many_already_recorded(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """A file imported twice, then exports that overlap it: every heartbeat is answered 201,
    only the daemon's count tells the new from those it had."""
    first = write(tmp_path / "first.json", minutes(0, 20))
    code, out, _ = run(daemon, capsys, str(first), "--json")
    assert (code, counts(json.loads(out))) == (0, (20, 20, 20, 0))
    assert heartbeat_rows(daemon) == 20

    code, out, _ = run(daemon, capsys, str(first))
    assert (code, out) == (0, f"Nothing new from {first}: 20 heartbeats, all already recorded.\n")
    assert heartbeat_rows(daemon) == 20

    overlapping = write(tmp_path / "overlapping.json", minutes(10, 30))
    code, out, _ = run(daemon, capsys, str(overlapping))
    assert out == f"Imported 20 heartbeats from {overlapping}: 10 new, 10 already recorded.\n"
    assert heartbeat_rows(daemon) == 30

    later = write(tmp_path / "later.json", minutes(25, 40))
    code, out, _ = run(daemon, capsys, str(later), "--json")
    assert (code, counts(json.loads(out))) == (0, (15, 15, 10, 5))
    assert heartbeat_rows(daemon) == 40


def test_heartbeats_the_file_repeats_are_not_said_to_be_already_recorded(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """A first import of a file that holds some heartbeats twice (WakaTime's own ids and line
    numbers aside): nothing was recorded before it, and the summary says so; the repeats are
    counted apart, within a request and across requests (1000 heartbeats each). The daemon's
    answer is unchanged: every line 201, as WakaTime clients expect."""
    beats = [heartbeat(DAY_1 + 60 * n) for n in range(1100)]
    repeats = [
        heartbeat(DAY_1 + 60, id="another-id", lineno=40),  # same request as the first
        heartbeat(DAY_1 + 120),
        heartbeat(DAY_1, cursorpos=1),  # in the second request, the first's first heartbeat
    ]
    dump = write(
        tmp_path / "wakatime.json",
        export({"2025-11-24": beats[:1000] + repeats[:2] + beats[1000:] + repeats[2:]}),
    )
    code, out, _ = run(daemon, capsys, str(dump))
    assert (code, out) == (
        0,
        f"Imported 1103 heartbeats from {dump}: 1100 new, 3 repeated in the file.\n",
    )
    assert heartbeat_rows(daemon) == 1100

    code, out, _ = run(daemon, capsys, str(dump), "--json")
    answer = json.loads(out)
    assert (code, counts(answer), answer["repeated_in_file"]) == (0, (1103, 1103, 0, 1100), 3)
    code, out, _ = run(daemon, capsys, str(dump))
    assert out == (
        f"Nothing new from {dump}: 1103 heartbeats, 1100 already recorded,"
        " 3 repeated in the file.\n"
    )

    overlapping = write(
        tmp_path / "overlapping.json",
        export(
            {
                "2025-11-24": [
                    heartbeat(DAY_1 + 60 * 1099),
                    heartbeat(DAY_1 + 60 * 1100),
                    heartbeat(DAY_1 + 60 * 1100),
                ]
            }
        ),
    )
    code, out, _ = run(daemon, capsys, str(overlapping))
    assert out == (
        f"Imported 3 heartbeats from {overlapping}: 1 new, 1 already recorded,"
        " 1 repeated in the file.\n"
    )


def test_imports_at_once_and_an_editors_heartbeats_meanwhile_are_each_counted_once(
    daemon: DaemonProcess, tmp_path: Path
):
    """Two imports of the same heartbeats running together, one from the first, the other from
    the last, so that they meet somewhere in the middle; meanwhile an editor's plugin sends its
    own heartbeats, again and again (its queue re-sent). Each import counts new only the
    heartbeats its own requests stored: together, each heartbeat once."""
    count = 5500  # six requests each, whose bounds do not meet: a request may be half new
    beats = [heartbeat(DAY_1 + 60 * n) for n in range(count)]
    forwards = write(tmp_path / "forwards.json", export({"2025-11-24": beats}))
    backwards = write(tmp_path / "backwards.json", export({"2025-11-24": beats[::-1]}))
    env = {**os.environ, "OXITRACK_PORT": str(daemon.port)}
    command = [sys.executable, "-m", "oxitrack", "import", "--json", "--db", str(daemon.db_path)]
    imports = [
        subprocess.Popen(
            [*command, str(dump)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for dump in (forwards, backwards)
    ]
    editor = [go_cli_heartbeat("/home/me/app", DAY_1 + 60 * n + 30.5) for n in range(100)]
    editor_new = 0
    try:
        deadline = time.monotonic() + 120
        while any(process.poll() is None for process in imports):
            assert time.monotonic() < deadline, "the imports did not end"
            answer = httpx.post(
                f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
                json=editor,
                headers=GO_CLI_HEADERS,
                timeout=30,
            )
            assert answer.status_code == 201, answer.text
            editor_new += answer.json()["new_heartbeats"]
        answers = [json.loads(process.communicate(timeout=30)[0]) for process in imports]
    finally:
        for process in imports:
            process.kill()
    assert [process.returncode for process in imports] == [0, 0]
    assert [answer["imported"] for answer in answers] == [count, count]
    assert sum(answer["new"] for answer in answers) == count
    assert sum(answer["already_recorded"] for answer in answers) == count
    assert editor_new == len(editor)
    assert heartbeat_rows(daemon) == count + len(editor)


def test_a_daemon_that_does_not_count_new_heartbeats_gets_the_summary_it_can_be_given():
    """A daemon started before it counted them (still running after an upgrade) answers every
    heartbeat 201 and no count: the summary claims neither new nor already recorded."""
    taken = [{"data": {}}, 201]
    uncounted = Tally()
    uncounted.add({"responses": [taken, taken]}, [heartbeat(DAY_1), heartbeat(DAY_1 + 1)])
    assert uncounted.lines("f.json") == ["Imported 2 heartbeats from f.json."]
    assert counts(uncounted.to_json()) == (2, 2, None, None)
    once_again = Tally()
    once_again.add({"responses": [taken], "new_heartbeats": 0}, [heartbeat(DAY_1)])
    assert once_again.lines("f.json") == ["Nothing new from f.json: 1 heartbeat, already recorded."]


def test_heartbeats_of_a_project_tracked_here_join_its_folder(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """The export's paths are another machine's; its project name is that of a folder this
    machine tracks: its time goes there, beside the time tracked here."""
    answer = httpx.post(
        f"{daemon.url}/beat", json={"project_path": "/srv/code/app", "timestamp": DAY_1}
    )
    assert answer.status_code == 200
    dump = write(tmp_path / "wakatime.json", two_days())
    assert run(daemon, capsys, str(dump))[0] == 0
    assert daemon.db_path is not None
    assert {path for path, _, _ in stored_sessions(daemon.db_path)} == {"/srv/code/app"}


def test_folders_of_the_machine_the_export_came_from_go_by_project_name(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """The export's ``project_root_count`` names folders of the old machine, Windows ones too:
    their time goes by project name (to a folder tracked here under it); a folder that is here
    keeps its time."""
    answer = httpx.post(
        f"{daemon.url}/beat", json={"project_path": "/srv/code/app", "timestamp": DAY_1}
    )
    assert answer.status_code == 200
    here = tmp_path / "code" / "site"
    (here / "src").mkdir(parents=True)
    windows = r"C:\Users\olduser\code\tool\main.py"
    beats = [
        heartbeat(DAY_1 + 60),
        heartbeat(DAY_1 + 120, entity=windows, project="tool", project_root_count=5),
        heartbeat(
            DAY_1 + 180,
            entity=str(here / "src" / "main.py"),
            project="site",
            project_root_count=len(str(here).split("/")),
        ),
    ]
    dump = write(tmp_path / "wakatime.json", export({"2025-11-24": beats}))
    assert run(daemon, capsys, str(dump))[:2] == (
        0,
        f"Imported 3 heartbeats from {dump}, all new.\n",
    )
    assert daemon.db_path is not None
    assert {path for path, _, _ in stored_sessions(daemon.db_path)} == {
        "/srv/code/app",
        "wakatime:tool",
        str(here),
    }


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(
            lambda beats: {"data": beats, "start": "x", "timezone": "UTC"}, id="api-answer"
        ),
        pytest.param(lambda beats: beats, id="array"),
    ],
)
def test_a_heartbeats_api_answer_or_a_plain_array_is_read_too(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path, shape: Any
):
    beats = [heartbeat(DAY_1 + t) for t in range(0, 601, 60)]
    dump = write(tmp_path / "beats.json", shape(beats))
    assert run(daemon, capsys, str(dump))[:2] == (
        0,
        f"Imported 11 heartbeats from {dump}, all new.\n",
    )
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("wakatime:app", DAY_1, DAY_1 + 600)]


@pytest.mark.parametrize("packed", [bytes, gzip.compress], ids=["plain", "gzipped"])
def test_an_export_saved_with_a_byte_order_mark_is_read(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path, packed: Any
):
    """An export opened and saved again in an editor that writes a UTF-8 BOM (Notepad)."""
    text = json.dumps(export({"2025-11-24": [heartbeat(DAY_1 + t) for t in range(0, 601, 60)]}))
    dump = tmp_path / "wakatime.json"
    dump.write_bytes(packed(b"\xef\xbb\xbf" + text.encode()))
    assert run(daemon, capsys, str(dump))[:2] == (
        0,
        f"Imported 11 heartbeats from {dump}, all new.\n",
    )
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("wakatime:app", DAY_1, DAY_1 + 600)]


@pytest.mark.parametrize("packed", [bytes, gzip.compress], ids=["plain", "gzipped"])
def test_an_export_piped_in_is_read_from_standard_input(
    daemon: DaemonProcess, tmp_path: Path, packed: Any
):
    """``curl … | oxitrack import -``: a real pipe into a real command, 2,500 heartbeats (three
    requests), gzipped or not."""
    beats = [heartbeat(DAY_1 + 60 * n) for n in range(2500)]
    content = packed(json.dumps(export({"2025-11-24": beats})).encode())
    command = [sys.executable, "-m", "oxitrack", "import", "-", "--db", str(daemon.db_path)]
    env = {**os.environ, "OXITRACK_PORT": str(daemon.port)}
    done = subprocess.run(command, input=content, capture_output=True, env=env, timeout=60)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == b"Imported 2500 heartbeats from standard input, all new.\n"
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("wakatime:app", DAY_1, DAY_1 + 60 * 2499)]


def test_standard_input_on_a_terminal_is_refused_rather_than_waited_on(
    daemon: DaemonProcess, tmp_path: Path
):
    command = [sys.executable, "-m", "oxitrack", "import", "-", "--db", str(daemon.db_path)]
    env = {**os.environ, "OXITRACK_PORT": str(daemon.port)}
    keyboard, terminal = pty.openpty()
    try:
        done = subprocess.run(command, stdin=terminal, capture_output=True, env=env, timeout=60)
    finally:
        os.close(terminal)
        os.close(keyboard)
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr == (
        b"oxitrack: `-` reads the export from a pipe, and standard input is a terminal\n"
    )


def test_more_than_one_request_of_heartbeats_all_arrive(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """2,500 heartbeats, a minute apart: three bulk requests, one session."""
    beats = [heartbeat(DAY_1 + 60 * n) for n in range(2500)]
    dump = write(tmp_path / "wakatime.json", export({"2025-11-24": beats}))
    assert run(daemon, capsys, str(dump))[:2] == (
        0,
        f"Imported 2500 heartbeats from {dump}, all new.\n",
    )
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("wakatime:app", DAY_1, DAY_1 + 60 * 2499)]
    assert heartbeat_rows(daemon) == 2500


def test_refused_heartbeats_are_counted_with_the_daemons_reasons(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    beats = [
        heartbeat(DAY_1),
        heartbeat(DAY_1 + 60),
        heartbeat(946_684_799),  # before 2000
        heartbeat(DAY_1 + 120, entity=""),
        "not a heartbeat",
    ]
    dump = write(tmp_path / "wakatime.json", export({"2025-11-24": beats}))
    code, out, _ = run(daemon, capsys, str(dump))
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == [f"Imported 2 heartbeats from {dump}, all new.", "Refused 3:"]
    assert any("time: 946684799 is before 2000-01-01" in line for line in lines[2:]), lines
    assert any("entity:" in line for line in lines[2:]), lines
    assert any("heartbeat: must be a JSON object" in line for line in lines[2:]), lines
    code, out, _ = run(daemon, capsys, str(dump), "--json")
    answer = json.loads(out)
    assert (answer["heartbeats"], answer["imported"], answer["refused"]) == (5, 2, 3)
    assert sum(answer["reasons"].values()) == 3
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("wakatime:app", DAY_1, DAY_1 + 60)]


def test_a_request_whose_heartbeats_are_all_refused_leaves_the_others_counted_as_new(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """The daemon gives no count of new heartbeats to a request it took none of: the summary of
    the requests after it still tells new from already recorded."""
    refused = [heartbeat(946_684_799)] * 1000  # before 2000: the first request's worth
    beats = [*refused, heartbeat(DAY_1), heartbeat(DAY_1 + 60)]
    dump = write(tmp_path / "wakatime.json", export({"2025-11-24": beats}))
    code, out, _ = run(daemon, capsys, str(dump))
    assert code == 0
    assert out.splitlines()[:2] == [f"Imported 2 heartbeats from {dump}, all new.", "Refused 1000:"]
    code, out, _ = run(daemon, capsys, str(dump), "--json")
    assert (code, counts(json.loads(out))) == (0, (1002, 2, 0, 2))


#: Past 64 bits, past what a float holds (a number ``json.loads`` reads as infinite), and past
#: what CPython reads from text at all (4300 digits).
PAST_64_BITS = "123456789012345678901234567890"
PAST_A_FLOAT = "1e400"
PAST_READING = "9" * 5000


def test_numbers_past_64_bits_are_refused_by_their_field_and_the_rest_imported(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """Valid JSON whose numbers no 64-bit integer or float holds, before the heartbeats and in
    them: each heartbeat whose time is one is refused with the daemon's reason, naming the
    field; one with such a line number (which OxiTrack does not keep) is imported."""
    numbers = {"@64": PAST_64_BITS, "@float": PAST_A_FLOAT, "@reading": PAST_READING}
    beats = [
        heartbeat(DAY_1),
        heartbeat(DAY_1 + 60, lineno="@64"),
        heartbeat(DAY_1 + 120, lineno="@reading", cursorpos="@float"),
        *(heartbeat(number) for number in numbers),  # type: ignore[arg-type]
    ]
    body = export({"2025-11-24": beats})
    body["user"]["id"] = "@64"
    text = json.dumps(body)
    for number, digits in numbers.items():
        text = text.replace(f'"{number}"', digits)
    # Valid JSON: Python reads it all once told to keep integers as their digits.
    assert json.loads(text, parse_int=str)["user"]["id"] == PAST_64_BITS
    dump = tmp_path / "wakatime.json"
    dump.write_text(text)

    code, out, err = run(daemon, capsys, str(dump))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Imported 3 heartbeats from {dump}, all new.",
        "Refused 3:",
        "       2  time: the number is out of range; send Unix seconds",
        "       1  time: 1.23e+29 is out of range; send Unix seconds",
    ]
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("wakatime:app", DAY_1, DAY_1 + 120)]


def test_an_exponent_past_what_a_decimal_holds_is_refused_by_its_field_not_a_traceback(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """``1e99999999999999999999`` is valid JSON, but its exponent is past what Python's
    ``Decimal`` (which the reader makes of a number with an exponent) holds: the import went on,
    the heartbeat whose time it is refused by that field, the one whose line number it is
    imported, the one after them too."""
    huge = "1e99999999999999999999"
    beats = [heartbeat(DAY_1, lineno="@huge"), heartbeat("@huge"), heartbeat(DAY_1 + 60)]  # type: ignore[arg-type]
    dump = tmp_path / "wakatime.json"
    dump.write_text(json.dumps(export({"2025-11-24": beats})).replace('"@huge"', huge))
    assert json.loads(dump.read_text())["days"][0]["heartbeats"][1]["time"] == float("inf")

    code, out, err = run(daemon, capsys, str(dump))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Imported 2 heartbeats from {dump}, all new.",
        "Refused 1:",
        "       1  time: must be a finite number",
    ]
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("wakatime:app", DAY_1, DAY_1 + 60)]

    twice = tmp_path / "twice.json"
    beats = [heartbeat(DAY_1 + 120, is_write="@huge")] * 2
    twice.write_text(json.dumps(export({"2025-11-24": beats})).replace('"@huge"', huge))
    code, out, _ = run(daemon, capsys, str(twice))
    assert out == f"Imported 2 heartbeats from {twice}: 1 new, 1 repeated in the file.\n"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (PAST_64_BITS, "1.23e+29 is out of range; send Unix seconds"),
        (f"-{PAST_64_BITS}", "-1.23e+29 is out of range; send Unix seconds"),
        (PAST_A_FLOAT, "the number is out of range; send Unix seconds"),
        (PAST_READING, "the number is out of range; send Unix seconds"),
    ],
    ids=["past-64-bits", "negative", "past-a-float", "past-reading"],
)
def test_the_daemon_names_the_field_whose_number_is_out_of_range(
    daemon: DaemonProcess, number: str, message: str
):
    """What the import's refusals come from, said the same to ``POST /beat`` and to a WakaTime
    plugin: the field and "out of range", in the usual refusal of each (never "not valid
    JSON", never a 500); such a number in a field the daemon does not read is no matter."""
    json_body = {"Content-Type": "application/json"}
    beat = f'{{"project_path": "/srv/code/app", "timestamp": {number}}}'.encode()
    answer = httpx.post(f"{daemon.url}/beat", content=beat, headers=json_body)
    assert (answer.status_code, answer.json()) == (
        422,
        {"error": "invalid_field", "message": f"timestamp: {message}", "field": "timestamp"},
    )
    wakatime = {**GO_CLI_HEADERS, **json_body}
    refused = json.dumps(go_cli_heartbeat("/srv/code/app", DAY_1)).replace(str(DAY_1), number)
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats", content=refused, headers=wakatime
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"error": "invalid_field", "message": f"time: {message}", "field": "time"},
    )
    taken = json.dumps({**go_cli_heartbeat("/srv/code/app", DAY_1), "lineno": "@"})
    answer = httpx.post(
        f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
        content="[" + taken.replace('"@"', number) + ", " + refused + "]",
        headers=wakatime,
    )
    assert answer.status_code == 201, answer.text
    assert [status for _, status in answer.json()["responses"]] == [201, 400]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "wakatime.json is empty: nothing to import"),
        (b'{"days": [{"heartbeats": [', "not valid JSON"),
        (b"<html>Sign in</html>", "not valid JSON"),
        (b'{"user": {"id": 1}, "range": {}}', "holds no heartbeats"),
        (b"42", "holds no heartbeats"),
        (b'[{"time": 1763942400, "x": ' + b"[" * 5000, "lists and objects nest more than 1000"),
    ],
    ids=["empty", "cut-short", "html", "no-days", "a-number", "too-deep"],
)
def test_a_file_that_is_no_export_is_one_line_and_sends_nothing(
    daemon: DaemonProcess,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: bytes,
    words: str,
):
    dump = tmp_path / "wakatime.json"
    dump.write_bytes(content)
    code, out, err = run(daemon, capsys, str(dump))
    assert (code, out) == (1, "")
    assert err.startswith("oxitrack: ") and words in err and err.count("\n") == 1, err
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == []


@pytest.mark.parametrize("form", ["json", "csv"])
def test_oxitracks_own_export_is_said_to_be_no_import_and_backup_named(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path, form: str
):
    """Sessions exported with ``oxitrack export`` (kept as a backup, or to move to a new
    machine) hold no heartbeats to send again: the import must say what the file is and what
    restores OxiTrack's data, not only that it is no WakaTime export (or no JSON at all)."""
    beat = {"project_path": "/code/app", "timestamp": DAY_1}
    assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200
    exported = tmp_path / f"sessions.{form}"
    argv = ["export", "--db", str(daemon.db_path), "--format", form, "-o", str(exported)]
    assert main(argv) == 0
    capsys.readouterr()
    code, out, err = run(daemon, capsys, str(exported))
    assert (code, out) == (1, "")
    assert err.startswith("oxitrack: ") and err.count("\n") == 1, err
    assert "OxiTrack's own export of sessions" in err and "oxitrack backup" in err, err
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("/code/app", DAY_1, DAY_1)]


def test_a_packed_backup_of_the_database_is_said_to_be_one_and_how_to_import_it(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """`oxitrack import` of a gzipped copy `oxitrack backup` made said "the file is not
    valid JSON (lexical error: invalid char in json text.)": it must say the file is a
    database, how to import it, and send nothing. (A plain copy is imported: see
    ``test_import_other_machine.py``.)"""
    beat = {"project_path": "/code/app", "timestamp": DAY_1}
    assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200
    copy = tmp_path / "oxitrack-old-laptop.db"
    assert main(["backup", "--db", str(daemon.db_path), str(copy)]) == 0
    copy.write_bytes(gzip.compress(copy.read_bytes()))
    capsys.readouterr()
    code, out, err = run(daemon, capsys, str(copy))
    assert (code, out) == (1, "")
    assert err.startswith("oxitrack: the file is a SQLite database") and err.count("\n") == 1
    assert "Unpack it (gunzip)" in err and "docs/operations.md" in err, err
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("/code/app", DAY_1, DAY_1)]


def test_an_export_cut_short_after_some_heartbeats_says_how_far_it_got(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """A download that broke off: what came before is in, and running it again is safe. The
    line counts what went in as a finished import's summary does, new and already recorded;
    ``--json`` gives the same keys as a finished import, and why it stopped."""
    earlier = write(tmp_path / "earlier.json", minutes(0, 400))
    assert run(daemon, capsys, str(earlier))[0] == 0
    text = json.dumps(export({"2025-11-24": [heartbeat(DAY_1 + 60 * n) for n in range(1500)]}))
    dump = tmp_path / "wakatime.json"
    # Cut inside the 1201st heartbeat: 1200 whole ones before it, 200 past the first request's
    # worth (1000), which are sent too.
    dump.write_text(text[: text.index(json.dumps(heartbeat(DAY_1 + 60 * 1200))) + 20])
    code, out, err = run(daemon, capsys, str(dump))
    assert (code, out) == (1, "")
    assert err.startswith(
        "oxitrack: stopped after 1200 heartbeats (1200 imported: 800 new, 400 already recorded): "
    ), err
    assert "not valid JSON" in err and "Importing the file again is safe" in err
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == [("wakatime:app", DAY_1, DAY_1 + 60 * 1199)]

    code, out, err = run(daemon, capsys, str(dump), "--json")
    assert code == 1 and "stopped after 1200 heartbeats (1200 imported, all already" in err, err
    answer = json.loads(out)
    code, finished, _ = run(daemon, capsys, str(earlier), "--json")
    assert answer.keys() == json.loads(finished).keys()
    assert counts(answer) == (1200, 1200, 0, 1200)
    assert answer["stopped"].startswith("the file is not valid JSON")


def test_ctrl_c_says_how_far_it_got_and_importing_again_completes_it(
    daemon: DaemonProcess, tmp_path: Path
):
    """An import of minutes, stopped by Ctrl-C once some requests are in: one line that says
    so, the exit code of an interrupted command, whole requests only; the next run completes it."""
    count = 30_000
    beats = [heartbeat(DAY_1 + 10 * n) for n in range(count)]
    dump = write(tmp_path / "wakatime.json", export({"2025-11-24": beats}))
    command = [sys.executable, "-m", "oxitrack", "import", str(dump), "--db", str(daemon.db_path)]
    importing = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        # Two requests stored: the answer to the first has reached the command.
        while heartbeat_rows(daemon) < 2000 and importing.poll() is None:
            assert time.monotonic() < deadline, "no heartbeat arrived"
            time.sleep(0.02)
        importing.send_signal(signal.SIGINT)
        out, err = importing.communicate(timeout=30)
    finally:
        importing.kill()
    assert (importing.returncode, out) == (130, ""), err
    assert err.startswith("oxitrack: stopped after ") and err.count("\n") == 1, err
    assert "imported, all new): interrupted. Importing the file again is safe" in err, err
    assert heartbeat_rows(daemon) % 1000 == 0
    code = main(["import", str(dump), "--db", str(daemon.db_path)])
    assert code == 0
    assert heartbeat_rows(daemon) == count


def test_a_missing_file_is_one_line(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    code, out, err = run(daemon, capsys, str(tmp_path / "nowhere.json"))
    assert (code, out) == (1, "")
    assert err == f"oxitrack: cannot read {tmp_path / 'nowhere.json'}: No such file or directory\n"


def test_without_a_daemon_on_that_database_it_says_to_start_one(
    daemon: DaemonProcess,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
):
    """Sent elsewhere, the heartbeats would land in another database: nothing is sent, and the
    line names the database the daemon on that port records into (starting another daemon
    there would find the port taken)."""
    dump = write(tmp_path / "wakatime.json", two_days())
    code, out, err = (
        main(["import", str(dump), "--db", str(tmp_path / "other.db")]),
        *capsys.readouterr(),
    )
    assert (code, out) == (1, "")
    assert f"records into {daemon.db_path}: give --db {daemon.db_path}" in err, err
    assert "start it first" not in err and err.count("\n") == 1, err
    daemon.stop()
    code, out, err = run(daemon, capsys, str(dump))
    assert (code, out) == (1, "")
    assert "none answers" in err, err
    assert daemon.db_path is not None
    assert stored_sessions(daemon.db_path) == []


@pytest.mark.parametrize("kind", ["backup", "export", "missing"])
def test_a_file_that_is_no_export_is_said_so_before_a_daemon_is_asked_for(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
):
    """On a new machine with no daemon yet, `oxitrack import oxitrack-move.db` said "none
    answers ...: start it first"; started, that daemon made the database the backup must then
    replace, and only then did the import say the file was no export. What the file is (or
    that there is none) comes first."""
    beat = {"project_path": "/code/app", "timestamp": DAY_1}
    assert httpx.post(f"{daemon.url}/beat", json=beat).status_code == 200
    brought = tmp_path / "brought"
    if kind == "backup":
        assert main(["backup", "--db", str(daemon.db_path), str(brought)]) == 0
    elif kind == "export":
        assert main(["export", "--db", str(daemon.db_path), "-o", str(brought)]) == 0
    capsys.readouterr()
    daemon.stop()
    new_machine = tmp_path / "new" / "oxitrack.db"
    code, out, err = main(["import", str(brought), "--db", str(new_machine)]), *capsys.readouterr()
    assert (code, out) == (1, "") and err.count("\n") == 1, err
    assert "start it first" not in err, err
    assert kind == "backup" or "none answers" not in err, err
    said = {
        "backup": "the file is an OxiTrack database: to move to this machine, put it in the"
        " database's place",
        "export": "OxiTrack's own export of sessions",
        "missing": f"cannot read {brought}: No such file or directory",
    }
    assert said[kind] in err, err
    assert not new_machine.parent.exists()


def test_heartbeats_far_apart_make_sessions_of_their_own(
    daemon: DaemonProcess, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """The session rule is the daemon's: heartbeats a gap apart are two sessions."""
    beats = [heartbeat(DAY_1), heartbeat(DAY_1 + 60), heartbeat(DAY_1 + 60 + SESSION_GAP_SECONDS)]
    dump = write(tmp_path / "wakatime.json", export({"2025-11-24": beats}))
    assert run(daemon, capsys, str(dump))[0] == 0
    assert daemon.db_path is not None
    gap_later = DAY_1 + 60 + SESSION_GAP_SECONDS
    assert stored_sessions(daemon.db_path) == [
        ("wakatime:app", DAY_1, DAY_1 + 60),
        ("wakatime:app", gap_later, gap_later),
    ]


def test_a_daemon_with_an_api_key_takes_the_import_with_the_key_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The CLI sends the configured key, as for every request; without it, nothing is sent
    and the line says why."""
    key = "8a2b4c6d-1e3f-4a5b-9c7d-0e1f2a3b4c5d"
    keyed = DaemonProcess(tmp_path / "keyed.db", env={"OXITRACK_API_KEY": key}).start()
    try:
        monkeypatch.setenv("OXITRACK_PORT", str(keyed.port))
        dump = write(tmp_path / "wakatime.json", two_days())
        code, out, err = run(keyed, capsys, str(dump))
        assert (code, out) == (1, "")
        assert "answers, but it refuses the request" in err and "api_key" in err, err
        assert "oxitrack serve" not in err, err
        monkeypatch.setenv("OXITRACK_API_KEY", key)
        assert run(keyed, capsys, str(dump))[:2] == (
            0,
            f"Imported 38 heartbeats from {dump}, all new.\n",
        )
        assert keyed.db_path is not None
        assert len(stored_sessions(keyed.db_path)) == 2
    finally:
        keyed.kill()
