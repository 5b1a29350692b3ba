"""``oxitrack report --daemon URL``: the laptop of a desktop-and-laptop pair, which has no
database file, asks the desktop's daemon for a range's report. Through a real daemon process
(with an API key, as one on the network has) and the real command, compared with what
``oxitrack report`` reads from the file: the same table under a title naming the daemon, and
the same JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
import pytest

from oxitrack.commands.report_remote import LONG_RANGE_DAYS
from oxitrack.days import days_between
from tests.daemon_process import DaemonProcess
from tests.test_today_from_daemon import KEY, answering, keyed_daemon, oxitrack

__all__ = ["keyed_daemon"]  # the fixture, shared with the `today --daemon` tests

[NOV_20, NOV_21] = days_between(date(2025, 11, 20), date(2025, 11, 21), ZoneInfo("Europe/Berlin"))
RANGE = ["--from", "2025-11-20", "--to", "2025-11-21", "--tz", "Europe/Berlin"]


def beat(daemon: DaemonProcess, root: str, timestamp: int, **labels: str) -> None:
    body = {"project_path": root, "timestamp": timestamp, **labels}
    answer = httpx2.post(
        f"{daemon.url}/beat", json=body, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture
def two_days(keyed_daemon: DaemonProcess) -> DaemonProcess:
    """Two past days (the same figures whenever the tests run) in two projects, two languages
    and two machines, with time in both projects at once on the first day."""
    morning = NOV_20.start + 9 * 3600
    for offset in range(0, 1801, 300):
        beat(keyed_daemon, "/home/me/code/api", morning + offset, language="Python")
    for offset in range(600, 1201, 300):
        beat(keyed_daemon, "/home/me/code/notes", morning + offset, language="Markdown")
    evening = NOV_21.start + 20 * 3600
    for offset in range(0, 2401, 600):
        beat(keyed_daemon, "/home/me/code/notes", evening + offset, machine="laptop")
    return keyed_daemon


@pytest.mark.parametrize("by", ["project", "day", "language", "machine"])
def test_the_laptop_sees_the_desktops_report_as_the_desktop_does(two_days: DaemonProcess, by: str):
    asked = oxitrack("report", "--daemon", two_days.url, "--by", by, *RANGE)
    read = oxitrack("report", "--db", str(two_days.db_path), "--by", by, *RANGE)
    assert asked.returncode == read.returncode == 0, asked.stderr + read.stderr
    title, *table = asked.stdout.splitlines()
    assert title == f"{read.stdout.splitlines()[0]} at {two_days.url}"
    assert table == read.stdout.splitlines()[1:]
    assert table[-1].strip().startswith("1h 10m  total"), table  # 30 min at once counted once
    as_json = oxitrack("report", "--daemon", two_days.url, "--by", by, *RANGE, "--json")
    read_json = oxitrack("report", "--db", str(two_days.db_path), "--by", by, *RANGE, "--json")
    assert json.loads(as_json.stdout) == json.loads(read_json.stdout)


def test_a_project_is_named_as_the_desktop_names_it_and_one_unknown_is_refused(
    two_days: DaemonProcess, tmp_path: Path
):
    notes = oxitrack("report", "--daemon", two_days.url, *RANGE, "--project", "notes")
    assert notes.returncode == 0, notes.stderr
    read = oxitrack("report", "--db", str(two_days.db_path), *RANGE, "--project", "notes")
    assert notes.stdout.splitlines()[1:] == read.stdout.splitlines()[1:]
    assert notes.stdout.splitlines()[0].endswith(f", project notes at {two_days.url}")
    folder = oxitrack(
        "report", "--daemon", two_days.url, *RANGE, "--by", "day", "--project", ".", cwd=tmp_path
    )
    assert (folder.returncode, folder.stdout) == (2, ""), folder.stdout
    assert folder.stderr.startswith(f"oxitrack: --project: no project matches '.' ({tmp_path})")
    for by in ("project", "language"):
        typo = oxitrack("report", "--daemon", two_days.url, *RANGE, "--by", by, "--project", "nots")
        assert (typo.returncode, typo.stdout) == (2, "")
        assert typo.stderr == (
            f"oxitrack: --project: no project matches 'nots' at the daemon at {two_days.url}\n"
        )


def test_the_range_flags_are_read_on_this_machine_and_sent_as_days(two_days: DaemonProcess):
    month = oxitrack(
        "report", "--daemon", two_days.url, "--month", "2025-11", "--tz", "Europe/Berlin", "--json"
    )
    assert month.returncode == 0, month.stderr
    answer = json.loads(month.stdout)
    assert (answer["from"], answer["to"], answer["total_seconds"]) == (
        "2025-11-01",
        "2025-11-30",
        70 * 60,
    )
    wrong = oxitrack("report", "--daemon", two_days.url, "--month", "2025-13")
    assert (wrong.returncode, wrong.stdout) == (2, "")
    assert wrong.stderr.startswith("oxitrack: --month: '2025-13' is not a month"), wrong.stderr


@pytest.mark.parametrize("limit", ["1", "3", "50"])
def test_the_laptop_lists_the_desktops_sessions_as_the_desktop_does(
    two_days: DaemonProcess, limit: str
):
    flags = ["--limit", limit, *RANGE]
    asked = oxitrack("sessions", "--daemon", two_days.url, *flags)
    read = oxitrack("sessions", "--db", str(two_days.db_path), *flags)
    assert asked.returncode == read.returncode == 0, asked.stderr + read.stderr
    *rows, count = asked.stdout.splitlines()
    assert rows == read.stdout.splitlines()[:-1] and len(rows) == min(int(limit), 3)
    # "3 sessions, times in Europe/Berlin", "1 session (the latest 1; …), times in …"
    listed = read.stdout.splitlines()[-1]
    number, _, cut = listed.removesuffix(", times in Europe/Berlin").partition(" (")
    at = f"{number} at {two_days.url}" + (f" ({cut}" if cut else "")
    assert count == f"{at}, times in Europe/Berlin", count
    assert bool(cut) == (limit == "1")
    as_json = oxitrack("sessions", "--daemon", two_days.url, *flags, "--json")
    read_json = oxitrack("sessions", "--db", str(two_days.db_path), *flags, "--json")
    assert json.loads(as_json.stdout) == json.loads(read_json.stdout)
    too_many = oxitrack("sessions", "--daemon", two_days.url, "--limit", "1001")
    assert (too_many.returncode, too_many.stdout) == (2, "")
    assert too_many.stderr == "oxitrack: --limit: at most 1000 with --daemon, as its API lists\n"


def test_sessions_list_up_to_the_apis_limit_and_refuse_a_project_unknown(
    two_days: DaemonProcess,
):
    most = oxitrack("sessions", "--daemon", two_days.url, "--limit", "1000", *RANGE)
    assert most.returncode == 0, most.stderr
    assert most.stdout.splitlines()[-1] == f"3 sessions at {two_days.url}, times in Europe/Berlin"
    typo = oxitrack("sessions", "--daemon", two_days.url, *RANGE, "--project", "nots")
    assert (typo.returncode, typo.stdout) == (2, "")
    assert typo.stderr == (
        f"oxitrack: --project: no project matches 'nots' at the daemon at {two_days.url}\n"
    )


def test_refusals_absence_and_what_is_no_daemon_are_one_line_each(keyed_daemon: DaemonProcess):
    refused = oxitrack("report", "--daemon", keyed_daemon.url, key=None)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.startswith(f"oxitrack: the daemon at {keyed_daemon.url} answers,")
    session: dict[str, object] = {"project_path": "/a", "project_latest_path": "/a"}
    session.update(project_name="a", start_time=0, last_heartbeat=60, session_id=1)
    seconds = {"duration_seconds": 60}
    for command, route, body in (
        (["report"], "/api/days", {"status": "ok"}),
        (["report", "--by", "branch"], "/api/breakdown", {"status": "ok"}),
        (["report", "--by", "branch"], "/api/breakdown", {"rows": [{"name": 3, **seconds}]}),
        (["sessions"], "/api/sessions", {"status": "ok"}),
        (["sessions"], "/api/sessions", {"sessions": [{**session, "project_name": 3}]}),
        (["sessions"], "/api/sessions", {"sessions": [{**session, "project_path": None}]}),
    ):
        with answering(json.dumps(body).encode()) as url:
            stranger = oxitrack(*command, "--daemon", url)
        assert (stranger.returncode, stranger.stdout) == (1, "")
        assert (
            stranger.stderr
            == f"oxitrack: what answers at {url} is no OxiTrack daemon (GET {route})\n"
        )
    both = oxitrack("report", "--daemon", keyed_daemon.url, "--db", "x.db")
    assert both.returncode == 2
    assert "--db reads a database file, --daemon asks a daemon" in both.stderr
    keyed_daemon.kill()
    gone = oxitrack("report", "--daemon", keyed_daemon.url)
    assert (gone.returncode, gone.stdout) == (1, "")
    assert gone.stderr.startswith(f"oxitrack: no OxiTrack daemon answers at {keyed_daemon.url}")


def test_a_long_range_is_given_the_time_the_daemon_takes_for_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """The daemon makes a range of more than 92 days as a long report (seconds for years of
    sessions); the command gives such a range a minute, as the dashboard does. Here the times
    are made shorter than the answer takes, and the long one longer."""
    from oxitrack.api.reports import LONG_RANGE_DAYS as DAEMONS
    from oxitrack.cli import main
    from oxitrack.commands import report_remote

    assert LONG_RANGE_DAYS == DAEMONS == 92
    monkeypatch.setattr(report_remote, "REPORT_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(report_remote, "LONG_REPORT_TIMEOUT_SECONDS", 30.0)
    nothing = {"days": [], "projects": [], "total_seconds": 0}
    with answering(json.dumps(nothing).encode(), late=1.0) as url:
        for last, code in (("2025-04-02", 1), ("2025-04-03", 0)):  # 92 days, 93 days
            flags = ["--from", "2025-01-01", "--to", last, "--tz", "UTC"]
            assert main(["report", "--daemon", url, *flags]) == code
            said = capsys.readouterr()
            if code:
                assert said.err.startswith(f"oxitrack: no OxiTrack daemon answers at {url}")
            else:
                assert said.out.startswith(f"2025-01-01 to {last} (UTC), by project at {url}")
