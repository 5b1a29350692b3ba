"""``oxitrack export --daemon URL``: the laptop of a desktop-and-laptop pair writes the desktop's
sessions to a file for an invoice, byte for byte what ``export`` on the desktop writes. Through
a real daemon process with an API key and the real command; the daemon lists 1000 sessions at a
time, so a longer history is read in pages."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
import pytest

from oxitrack.days import days_between
from tests.daemon_process import DaemonProcess
from tests.test_report_from_daemon import RANGE, two_days
from tests.test_today_from_daemon import KEY, keyed_daemon, oxitrack

__all__ = ["keyed_daemon", "two_days"]  # the fixtures, shared with the other --daemon tests

BERLIN = ZoneInfo("Europe/Berlin")


def _beats(daemon: DaemonProcess, beats: list[tuple[str, int]]) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx2.Client(base_url=daemon.url, headers=headers, timeout=30) as client:
        for project_path, timestamp in beats:
            body = {"project_path": project_path, "timestamp": timestamp}
            answer = client.post("/beat", json=body)
            assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("format_", ["csv", "json"])
@pytest.mark.parametrize("span", [RANGE, ["--tz", "Europe/Berlin", "--from", "2025-11-21"], []])
def test_the_laptop_exports_the_desktops_sessions_as_the_desktop_does(
    two_days: DaemonProcess, format_: str, span: list[str]
):
    flags = ["--format", format_, *span]
    asked = oxitrack("export", "--daemon", two_days.url, *flags)
    read = oxitrack("export", "--db", str(two_days.db_path), *flags)
    assert asked.returncode == read.returncode == 0, asked.stderr + read.stderr
    if format_ == "json":  # is_active is read at each command's own moment
        assert json.loads(asked.stdout) == json.loads(read.stdout)
    else:
        assert asked.stdout == read.stdout
    assert len(asked.stdout.splitlines()) > 1


def test_an_export_to_a_file_says_what_it_holds_and_whose_it_is(
    two_days: DaemonProcess, tmp_path: Path
):
    target = tmp_path / "november.csv"
    done = oxitrack("export", "--daemon", two_days.url, *RANGE, "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        f"wrote 3 sessions to {target} (2025-11-20 to 2025-11-21, Europe/Berlin)"
        f" from {two_days.url}\n"
    )
    read = oxitrack("export", "--db", str(two_days.db_path), *RANGE)
    assert target.read_text() == read.stdout
    again = oxitrack("export", "--daemon", two_days.url, *RANGE, "-o", str(target))
    assert again.returncode != 0 and "--force" in again.stderr, "an invoice is not replaced"


def test_a_project_unknown_and_a_file_beside_the_daemon_are_refused(two_days: DaemonProcess):
    typo = oxitrack("export", "--daemon", two_days.url, "--project", "nots")
    assert (typo.returncode, typo.stdout) == (2, "")
    assert typo.stderr == (
        f"oxitrack: --project: no project matches 'nots' at the daemon at {two_days.url}\n"
    )
    notes = oxitrack("export", "--daemon", two_days.url, *RANGE, "--project", "notes")
    read = oxitrack("export", "--db", str(two_days.db_path), *RANGE, "--project", "notes")
    assert notes.stdout == read.stdout and len(notes.stdout.splitlines()) == 3
    both = oxitrack("export", "--daemon", two_days.url, "--db", str(two_days.db_path))
    assert (both.returncode, both.stdout) == (2, "")
    assert "give one of them" in both.stderr
    refused = oxitrack("export", "--daemon", two_days.url, key=None)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith(f"oxitrack: the daemon at {two_days.url} answers, but ")


def test_a_history_of_more_sessions_than_a_page_is_exported_whole_once_each(
    keyed_daemon: DaemonProcess,
):
    """1100 sessions over 13 days: the daemon lists 1000 at a time, newest first; the pages meet
    on a day asked twice, whose sessions are written once."""
    first = int(datetime(2025, 3, 1, tzinfo=BERLIN).timestamp())
    _beats(keyed_daemon, [("/code/long", first + 1000 * n) for n in range(1100)])
    asked = oxitrack("export", "--daemon", keyed_daemon.url, "--tz", "Europe/Berlin")
    read = oxitrack("export", "--db", str(keyed_daemon.db_path), "--tz", "Europe/Berlin")
    assert asked.returncode == read.returncode == 0, asked.stderr + read.stderr
    assert asked.stdout == read.stdout
    assert len(asked.stdout.splitlines()) == 1 + 1100


def test_a_day_of_more_sessions_than_a_page_is_refused_not_asked_forever(
    keyed_daemon: DaemonProcess,
):
    [day] = days_between(date(2025, 3, 3), date(2025, 3, 3), BERLIN)
    _beats(keyed_daemon, [(f"/code/p{n}", day.start + 36000 + n) for n in range(1001)])
    done = oxitrack("export", "--daemon", keyed_daemon.url, "--tz", "Europe/Berlin")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"oxitrack: the daemon at {keyed_daemon.url} lists more than 1000 sessions with time on"
        " 2025-03-03: export that day on its machine\n"
    )
