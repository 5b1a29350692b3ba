"""GET /today, /api/days, /api/sessions and the dashboard's files, through the real app."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from oxitrack.api import reports as api_reports
from oxitrack.config import Settings
from oxitrack.server import create_app
from oxitrack.store import Store
from tests.conftest import NOW, FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
TZ = {"tz": "Europe/Berlin"}
HOUR = 3600
TODAY = "2025-11-25"  # NOW is 20:46:40 in Berlin on this day


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


def beat(client: TestClient, project_path: str, timestamp: int) -> None:
    answer = client.post(
        "/beat",
        content=json.dumps({"project_path": project_path, "timestamp": timestamp}),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 200, answer.text


def insert(store: Store, project_path: str, start: int, last: int) -> None:
    def write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO sessions (project_path, start_time, last_heartbeat) VALUES (?, ?, ?)",
            (project_path, start, last),
        )

    store.write(write)


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    """2h 05m in /code/oxitrack this morning, 42 min in /code/notes ending 4 minutes ago."""
    for minute in range(0, 126, 5):
        beat(client, "/code/oxitrack", at(f"{TODAY} 09:00") + min(minute, 125) * 60)
    for minute in (0, 10, 20, 30, 40, 42):
        beat(client, "/code/notes", NOW - 4 * 60 - (42 - minute) * 60)
    return client


def test_today_is_plain_text_by_default_for_curl(seeded: TestClient):
    answer = seeded.get("/today", params=TZ)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text == "2h 05m  /code/oxitrack\n0h 42m  /code/notes\n2h 47m  total\n"


def test_today_text_writes_control_characters_of_a_folder_as_escapes(client: TestClient):
    """A folder named with ESC sequences (an archive, another account's beat) set the terminal's
    title and cleared it under `curl localhost:3000/today`; JSON keeps the path as stored."""
    hostile = "/tmp/a\x1b]0;TITLE\x07\x1b[2J\nx 99:00 fake line"
    beat(client, hostile, NOW - 60)
    text = client.get("/today", params=TZ).text
    assert "\x1b" not in text and text.count("\n") == 2
    assert "/tmp/a\\x1b]0;TITLE\\x07\\x1b[2J\\nx 99:00 fake line" in text
    today = client.get("/today", params={**TZ, "format": "json"}).json()
    assert today["projects"][0]["project_path"] == hostile


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"format": "json"}, {}), ({}, {"accept": "application/json"})],
    ids=["format-param", "accept-header"],
)
def test_today_json_has_the_contract_shape(seeded: TestClient, params, headers):
    answer = seeded.get("/today", params={**TZ, **params}, headers=headers)
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert (body["date"], body["timezone"], body["total_seconds"]) == (
        TODAY,
        "Europe/Berlin",
        2 * HOUR + 47 * 60,
    )
    assert body["projects"] == [
        {
            "project_path": "/code/oxitrack",
            "project_name": "oxitrack",
            "duration_seconds": 2 * HOUR + 5 * 60,
            "session_count": 1,
            "first_beat": at(f"{TODAY} 09:00"),
            "last_beat": at(f"{TODAY} 11:05"),
            "is_active": False,
            "folders": ["/code/oxitrack"],
        },
        {
            "project_path": "/code/notes",
            "project_name": "notes",
            "duration_seconds": 42 * 60,
            "session_count": 1,
            "first_beat": NOW - 46 * 60,
            "last_beat": NOW - 4 * 60,
            "is_active": True,
            "folders": ["/code/notes"],
        },
    ]


def test_format_text_wins_over_accept_json(seeded: TestClient):
    answer = seeded.get(
        "/today", params={**TZ, "format": "text"}, headers={"accept": "application/json"}
    )
    assert answer.text.endswith("total\n")


def test_project_stops_being_active_5_minutes_after_its_last_beat(
    seeded: TestClient, clock: FakeClock
):
    def notes_active() -> bool:
        body = seeded.get("/today", params={**TZ, "format": "json"}).json()
        return next(p for p in body["projects"] if p["project_name"] == "notes")["is_active"]

    clock.now = NOW + 59  # last beat (NOW - 240) is 299 s old
    assert notes_active()
    clock.now = NOW + 60  # 300 s old
    assert not notes_active()


def test_after_the_clock_is_put_back_only_new_beats_make_a_project_active(
    client: TestClient, clock: FakeClock
):
    """Beats stamped (by the daemon, no timestamp sent) while the clock ran an hour fast."""

    def active() -> list[bool]:
        body = client.get("/today", params={**TZ, "format": "json"}).json()
        return [p["is_active"] for p in body["projects"]]

    clock.now = NOW + HOUR
    for _ in range(6):
        assert client.post("/beat", json={"project_path": "/code/a"}).status_code == 200
        clock.now += 5 * 60
    clock.now = NOW  # corrected by an hour
    assert active() == [False]
    assert client.post("/beat", json={"project_path": "/code/a"}).status_code == 200
    assert active() == [True]


def test_today_counts_only_the_part_after_local_midnight(client: TestClient):
    for time in ("2025-11-24 23:50", "2025-11-24 23:58", "2025-11-25 00:06"):
        beat(client, "/code/late", at(time))
    today = client.get("/today", params={**TZ, "format": "json"}).json()
    assert today["total_seconds"] == 6 * 60
    days = client.get("/api/days", params={**TZ, "days": "2"}).json()
    assert [d["total_seconds"] for d in days["days"]] == [10 * 60, 6 * 60]
    assert days["projects"][0]["session_count"] == 1


def test_a_merged_project_lists_every_folder_it_was_worked_in_today(client: TestClient):
    """The editor finds its window's project by its own folder, also when it is not the latest."""
    beat(client, "/old/api", at(f"{TODAY} 09:00"))
    beat(client, "/old/api", at(f"{TODAY} 09:10"))
    beat(client, "/new/api", at(f"{TODAY} 10:00"))
    beat(client, "/new/api", at(f"{TODAY} 10:05"))
    merged = client.post("/api/projects/merge", json={"source": "/old/api", "target": "/new/api"})
    assert merged.status_code == 200
    [project] = client.get("/today", params={**TZ, "format": "json"}).json()["projects"]
    assert (project["project_path"], project["duration_seconds"]) == ("/new/api", 15 * 60)
    assert project["folders"] == ["/new/api", "/old/api"]


def test_today_follows_the_time_zone(client: TestClient):
    beat(client, "/code/x", at("2025-11-25 08:00"))
    beat(client, "/code/x", at("2025-11-25 08:10"))
    tokyo = client.get("/today", params={"tz": "Asia/Tokyo", "format": "json"}).json()
    assert (tokyo["date"], tokyo["timezone"], tokyo["total_seconds"]) == (
        "2025-11-26",
        "Asia/Tokyo",
        0,
    )


def test_a_zone_typed_in_another_case_is_that_zone_and_a_typo_gets_a_hint(client: TestClient):
    lowered = client.get("/today", params={"tz": "asia/tokyo", "format": "json"})
    assert lowered.json()["timezone"] == "Asia/Tokyo"
    typo = client.get("/api/days", params={"tz": "Asia/Tokio"})
    assert typo.status_code == 422
    assert typo.json()["message"].endswith("(did you mean Asia/Tokyo?)")


def test_default_time_zone_is_the_machines(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "America/New_York")
    body = client.get("/today", params={"format": "json"}).json()
    assert (body["timezone"], body["date"]) == ("America/New_York", "2025-11-25")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/today", {"tz": "Mars/Olympus"}, "tz"),
        ("/today", {"format": "xml"}, "format"),
        ("/api/days", {"tz": "nope"}, "tz"),
        ("/api/days", {"from": "2025-02-30"}, "from"),
        ("/api/days", {"to": "soon"}, "to"),
        ("/api/days", {"from": "2025-02-01", "to": "2025-01-01"}, "from"),
        ("/api/days", {"days": "0"}, "days"),
        ("/api/days", {"days": "seven"}, "days"),
        ("/api/days", {"days": "3661"}, "days"),
        ("/api/days", {"days": "1e3"}, "days"),  # as short as a number: int() refuses it
        ("/api/days", {"from": "2025-11-01", "days": "3"}, "days"),
        ("/api/days", {"from": "2000-01-01", "to": "2025-01-01"}, "from"),
        ("/api/sessions", {"limit": "0"}, "limit"),
        ("/api/sessions", {"limit": "1001"}, "limit"),
        ("/api/sessions", {"project": " "}, "project"),
        ("/today", {"project": ""}, "project"),
        ("/api/sessions", {"from": "1969-12-31"}, "from"),
        ("/api/sessions", {"from": "2025-02-01", "to": "2025-01-01"}, "from"),
        ("/api/days", {"from": "2025-W47", "to": "2025-W48"}, "from"),
    ],
    ids=[
        "unknown-tz",
        "unknown-format",
        "days-unknown-tz",
        "february-30",
        "word-date",
        "backwards-range",
        "zero-days",
        "days-not-a-number",
        "days-over-ten-years",
        "days-in-exponent-form",
        "days-and-from",
        "range-over-ten-years",
        "limit-zero",
        "limit-over-1000",
        "blank-project",
        "today-empty-project",
        "before-1970",
        "sessions-backwards-range",
        "iso-week-date",
    ],
)
def test_bad_query_parameter_is_422_naming_it(client: TestClient, path, params, field):
    answer = client.get(path, params=params)
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid_field"
    assert answer.json()["field"] == field


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/days", {"from": "2026-02-29"}, "from"),
        ("/api/sessions", {"to": "2025-11-31"}, "to"),
        ("/api/v1/users/current/summaries", {"start": "2025-11-01", "end": "2025-11-31"}, "end"),
    ],
    ids=["days", "sessions", "wakatime-summaries"],
)
def test_a_date_written_right_that_no_calendar_has_is_said_so(
    client: TestClient, path: str, params: dict[str, str], field: str
):
    """Said to be "not a date like 2025-01-31", it sent the reader looking at how it was
    written, which was right: the command line already said "no day of the calendar"."""
    answer = client.get(path, params=params)
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert answer.json()["message"] == f"{field}: {params[field]!r} is no day of the calendar"


def test_days_default_to_the_last_7_days_ending_today(seeded: TestClient):
    body = seeded.get("/api/days", params=TZ).json()
    assert (body["from"], body["to"]) == ("2025-11-19", TODAY)
    assert [d["date"] for d in body["days"]][-2:] == ["2025-11-24", TODAY]
    assert [d["total_seconds"] for d in body["days"]] == [0] * 6 + [2 * HOUR + 47 * 60]
    assert body["total_seconds"] == 2 * HOUR + 47 * 60
    today = seeded.get("/today", params={**TZ, "format": "json"}).json()
    assert body["days"][-1]["projects"] == today["projects"]


def test_days_from_a_date_run_to_today(seeded: TestClient):
    body = seeded.get("/api/days", params={**TZ, "from": "2025-11-23"}).json()
    assert (body["from"], body["to"], len(body["days"])) == ("2025-11-23", TODAY, 3)


def test_days_between_dates_and_for_one_project(seeded: TestClient):
    body = seeded.get(
        "/api/days", params={**TZ, "from": "2025-11-20", "to": TODAY, "project": "notes"}
    ).json()
    assert len(body["days"]) == 6
    assert [p["project_name"] for p in body["projects"]] == ["notes"]
    assert body["total_seconds"] == 42 * 60


def test_today_for_one_project_as_a_status_bar_asks_it(seeded: TestClient):
    """``/today?project=`` keeps one project, named by folder, name or id as in ``/api/days``:
    a status bar shows the time of the folder open, not the whole day's."""
    for project in ("/code/notes", "notes", "2"):
        text = seeded.get("/today", params={**TZ, "project": project}).text
        assert text == "0h 42m  /code/notes\n0h 42m  total\n"
    today = seeded.get("/today", params={**TZ, "project": "oxitrack", "format": "json"}).json()
    assert [p["project_path"] for p in today["projects"]] == ["/code/oxitrack"]
    assert today["total_seconds"] == 2 * HOUR + 5 * 60
    # A folder not worked in today (or never) is a day of nothing, as /api/days answers it: a
    # status bar polling the folder just opened shows 0 minutes, not an error.
    nothing = seeded.get("/today", params={**TZ, "project": "/code/new", "format": "json"})
    assert (nothing.status_code, nothing.json()["total_seconds"]) == (200, 0)
    assert nothing.json()["projects"] == []


def test_a_project_of_thousands_of_digits_names_nothing_rather_than_failing(client: TestClient):
    """Found by the fuzz test: int() refuses over 4300 digits, and the id lookup answered 500."""
    for endpoint in ("/today", "/api/days", "/api/sessions"):
        answer = client.get(endpoint, params={**TZ, "project": "9" * 5000})
        assert answer.status_code == 200, answer.text


def test_project_may_be_named_by_its_id_and_a_shared_name_is_refused(client: TestClient):
    """``?project=`` reads a project as ``/api/projects`` lists it; two projects named "app" are
    one too many, as in ``/api/projects/rename``."""
    for path, minutes in (("/a/app", 0), ("/a/app", 10), ("/b/app", 20), ("/b/app", 25)):
        beat(client, path, NOW - 3600 + minutes * 60)
    ids = {
        p["paths"][0]["project_path"]: p["id"]
        for p in client.get("/api/projects").json()["projects"]
    }
    for path, seconds in (("/a/app", 600), ("/b/app", 300)):
        for endpoint in ("/api/days", "/api/sessions"):
            answer = client.get(endpoint, params={**TZ, "project": str(ids[path])})
            assert answer.status_code == 200
            found = answer.json()
            assert {s["project_path"] for s in found.get("sessions", [])} <= {path}
        days = client.get("/api/days", params={**TZ, "project": str(ids[path])}).json()
        assert days["total_seconds"] == seconds
    for endpoint in ("/today", "/api/days", "/api/sessions"):
        answer = client.get(endpoint, params={**TZ, "project": "app"})
        assert answer.status_code == 422
        assert answer.json()["field"] == "project"
        assert "'app' names several projects" in answer.json()["message"]


def test_a_merged_projects_id_is_a_404_saying_where_it_went(client: TestClient):
    """``?project=2`` after ``merge 2 1`` answered "no time" while the time is in project 1."""
    for path, minutes in (("/a/app", 0), ("/a/app", 10), ("/b/app", 20), ("/b/app", 25)):
        beat(client, path, NOW - 3600 + minutes * 60)
    merged = client.post("/api/projects/merge", json={"source": 2, "target": 1})
    assert merged.status_code == 200
    for endpoint in ("/today", "/api/days", "/api/sessions"):
        answer = client.get(endpoint, params={**TZ, "project": "2"})
        assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
        assert answer.json()["field"] == "project"
        assert "(project 2 was merged into project 1)" in answer.json()["message"]
    days = client.get("/api/days", params={**TZ, "project": "1"}).json()
    assert days["total_seconds"] == 900


@pytest.mark.parametrize(
    ("day", "hours"),
    [("2025-03-30", 23), ("2025-10-26", 25)],
    ids=["spring-forward-day-has-23h", "fall-back-day-has-25h"],
)
def test_days_across_daylight_saving_changes(client: TestClient, store: Store, day, hours):
    insert(store, "/code/marathon", at(f"{day} 00:00") - 60, at(f"{day} 00:00") + 3 * 86400)
    body = client.get("/api/days", params={**TZ, "from": day, "to": day}).json()
    assert body["days"][0]["total_seconds"] == hours * HOUR


def test_sessions_are_newest_first_with_limit_and_filters(seeded: TestClient):
    body = seeded.get("/api/sessions", params={**TZ, "limit": "1"}).json()
    [latest] = body["sessions"]
    assert latest["project_name"] == "notes"
    assert latest["duration_seconds"] == 42 * 60
    assert latest["is_active"] is True
    assert latest["date"] == TODAY
    assert set(latest) == {
        "session_id",
        "project_path",
        "project_name",
        "project_latest_path",
        "start_time",
        "last_heartbeat",
        "duration_seconds",
        "date",
        "start_local",
        "end_local",
        "is_active",
    }
    # In the report's zone with its offset, as the CSV export writes them.
    assert (latest["start_local"], latest["end_local"]) == (
        "2025-11-25T20:00:40+01:00",
        "2025-11-25T20:42:40+01:00",
    )
    tokyo = seeded.get("/api/sessions", params={"tz": "Asia/Tokyo", "limit": "1"}).json()
    assert tokyo["sessions"][0]["start_local"] == "2025-11-26T04:00:40+09:00"
    filtered = seeded.get("/api/sessions", params={**TZ, "project": "/code/oxitrack"}).json()
    assert [s["project_name"] for s in filtered["sessions"]] == ["oxitrack"]
    empty = seeded.get("/api/sessions", params={**TZ, "to": "2025-11-24"}).json()
    assert (empty["to"], empty["sessions"]) == ("2025-11-24", [])


def test_days_and_limit_take_their_largest_values(client: TestClient):
    """Both bounds are inclusive: ten years of days (3660), a thousand sessions."""
    days = client.get("/api/days", params={**TZ, "days": "3660"})
    assert days.status_code == 200, days.text
    assert len(days.json()["days"]) == 3660
    sessions = client.get("/api/sessions", params={**TZ, "limit": "1000"})
    assert sessions.status_code == 200, sessions.text


def test_sessions_may_span_all_time_but_not_run_backwards(seeded: TestClient):
    """A list is not a row per day: the per-day reports' 3660-day cap does not apply."""
    all_time = seeded.get("/api/sessions", params={**TZ, "from": "1990-01-01", "to": TODAY})
    assert all_time.status_code == 200
    assert len(all_time.json()["sessions"]) == len(seeded.get("/api/sessions").json()["sessions"])
    backwards = seeded.get("/api/sessions", params={**TZ, "from": TODAY, "to": "1990-01-01"})
    assert (backwards.status_code, backwards.json()["field"]) == (422, "from")
    per_day = seeded.get("/api/days", params={**TZ, "from": "1990-01-01", "to": TODAY})
    assert per_day.status_code == 422 and "3660 days" in per_day.json()["message"]


def test_sessions_from_a_date_alone_run_to_today_as_days_do(seeded: TestClient):
    """`from` alone ends today, as in /api/days and the CLI: not an open "to": null."""
    body = seeded.get("/api/sessions", params={**TZ, "from": "2025-11-24"}).json()
    assert (body["from"], body["to"], len(body["sessions"])) == ("2025-11-24", TODAY, 2)
    days = seeded.get("/api/days", params={**TZ, "from": "2025-11-24"}).json()
    assert (days["from"], days["to"]) == (body["from"], body["to"])
    future = seeded.get("/api/sessions", params={**TZ, "from": "2025-11-26"})
    assert (future.status_code, future.json()["field"]) == (422, "from")


def test_sessions_of_the_last_days_as_days_and_the_cli_take_them(seeded: TestClient):
    """``?days=2`` was ignored without a word (all sessions came back), though ``/api/days``
    and ``oxitrack sessions --days`` take it."""
    body = seeded.get("/api/sessions", params={**TZ, "days": "2"}).json()
    listed = seeded.get("/api/sessions", params={**TZ, "from": "2025-11-24"}).json()
    assert (body["from"], body["to"]) == ("2025-11-24", TODAY)
    assert body["sessions"] == listed["sessions"]
    ended = seeded.get("/api/sessions", params={**TZ, "days": "1", "to": "2025-11-24"}).json()
    assert (ended["from"], ended["to"]) == ("2025-11-24", "2025-11-24")
    for params, words in (
        ({"days": "0"}, "days"),
        ({"days": "2", "from": "2025-11-24"}, "not both"),
    ):
        refused = seeded.get("/api/sessions", params={**TZ, **params})
        assert refused.status_code == 422 and refused.json()["field"] == "days"
        assert words in refused.json()["message"]


@pytest.mark.parametrize("path", ["/api/days", "/api/breakdown", "/api/sessions"])
def test_a_month_is_asked_by_name_as_the_commands_take_it(seeded: TestClient, path: str):
    """The dashboard's months: ``month=2025-10`` is that month whole, ``last`` the one before
    this one, and this one runs to today, as ``--month``; each read in the report's zone."""
    by = {"by": "language"} if path == "/api/breakdown" else {}
    for month, span in (
        ("2025-10", ("2025-10-01", "2025-10-31")),
        ("last", ("2025-10-01", "2025-10-31")),
        ("2025-11", ("2025-11-01", TODAY)),
        ("2024-02", ("2024-02-01", "2024-02-29")),
    ):
        body = seeded.get(path, params={**TZ, **by, "month": month}).json()
        assert (body["from"], body["to"]) == span
    this_month = seeded.get(path, params={**TZ, **by, "month": "2025-11"}).json()
    assert this_month == seeded.get(path, params={**TZ, **by, "from": "2025-11-01"}).json()
    # Past midnight in Tokyo (NOW is 04:46 there on the 26th), November is still this month.
    tokyo = seeded.get(path, params={**by, "tz": "Asia/Tokyo", "month": "2025-11"}).json()
    assert tokyo["to"] == "2025-11-26"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"month": "2025-13"}, "'2025-13' is not a month: write it as 2025-10, or last"),
        ({"month": "October"}, "is not a month"),
        ({"month": "1969-12"}, "outside the years 1970 to 9998"),
        ({"month": "last", "days": "7"}, "give either month or days, not both"),
        ({"month": "last", "from": "2025-10-01"}, "give either month or from, not both"),
        ({"month": "last", "to": "2025-10-31"}, "give either month or to, not both"),
    ],
)
@pytest.mark.parametrize("path", ["/api/days", "/api/breakdown", "/api/sessions"])
def test_what_is_no_month_or_a_second_range_is_refused_naming_month(
    client: TestClient, path: str, params: dict[str, str], words: str
):
    by = {"by": "language"} if path == "/api/breakdown" else {}
    answer = client.get(path, params={**TZ, **by, **params})
    assert answer.status_code == 422
    assert answer.json()["field"] == "month"
    assert words in answer.json()["message"]


def _page_modules(client: TestClient) -> set[str]:
    """Every module the page's script imports, followed from app.js: all must be installed."""
    found: set[str] = set()
    waiting = ["/static/app.js"]
    while waiting:
        src = waiting.pop()
        answer = client.get(src)
        assert answer.status_code == 200, src
        found.add(src)
        for name in re.findall(r'^import [^;]*? from "\./([\w.]+\.js)";', answer.text, re.M):
            if f"/static/{name}" not in found:
                waiting.append(f"/static/{name}")
    return found


def test_dashboard_and_its_files_are_served_from_the_package(client: TestClient):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for src in ("/static/app.js", "/static/style.css", "/static/vendor/chart-4.6.1.min.js"):
        assert src in page.text
        answer = client.get(src)
        assert answer.status_code == 200, src
    # app.js is a module importing the page's other modules: each needs a JavaScript media type.
    modules = _page_modules(client)
    assert {"/static/app.js", "/static/chart.js", "/static/refresh.js"} <= modules
    for src in modules:
        assert client.get(src).headers["content-type"].startswith("text/javascript"), src
    assert "Chart.js v4.6.1" in client.get("/static/vendor/chart-4.6.1.min.js").text
    missing = client.get("/static/nope.js")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_reports_refuse_other_web_origins(seeded: TestClient):
    foreign = seeded.get("/api/days", headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403
    cross_site = seeded.get("/today", headers={"sec-fetch-site": "cross-site"})
    assert cross_site.status_code == 403
    own = seeded.get("/api/days", headers={"sec-fetch-site": "same-origin"})
    assert own.status_code == 200


def test_with_an_api_key_the_page_loads_but_reports_need_the_key(store: Store, db_path: Path):
    app = create_app(store, settings=Settings(db=db_path, api_key="s3cret"), clock=FakeClock())
    with TestClient(app, base_url="http://127.0.0.1:3000") as keyed:
        assert keyed.get("/").status_code == 200
        assert keyed.get("/static/app.js").status_code == 200
        assert keyed.get("/today").status_code == 401
        authorized = keyed.get("/today", headers={"authorization": "Bearer s3cret"})
        assert authorized.status_code == 200


def _pause_reports(monkeypatch: pytest.MonkeyPatch, at_row: int = 0):  # type: ignore[no-untyped-def]
    """Make a long /api/days stop after reading its first rows, until ``go`` is set; ``inside``
    is released once for each report that got there. The report itself stays real."""
    inside, go = threading.Semaphore(0), threading.Event()
    real = api_reports.range_report

    def paused(rows, days, now):  # type: ignore[no-untyped-def]
        if len(days) <= 92:
            return real(rows, days, now)

        def rows_then_wait():  # type: ignore[no-untyped-def]
            for number, row in enumerate(rows):
                if number == at_row:
                    inside.release()
                    assert go.wait(30)
                yield row

        return real(rows_then_wait(), days, now)

    monkeypatch.setattr(api_reports, "range_report", paused)
    return inside, go


def _sessions_every_day(store: Store, days: int) -> None:
    for day in range(days):
        start = at(TODAY + " 09:00") - day * 86_400
        insert(store, "/code/oxitrack", start, start + HOUR)


def test_a_long_report_leaves_the_reading_connection_free_between_its_parts(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
):
    """Ten years of a heavy user's sessions held the one reading connection for seconds, and
    /today and the status bars waited as long: a long range is read a month at a time."""
    _sessions_every_day(store, 400)
    inside, go = _pause_reports(monkeypatch, at_row=40)
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(client.get, "/api/days", params={**TZ, "days": "400"})
        assert inside.acquire(timeout=30)
        try:
            assert store.read(lambda conn: 1, wait=False) == 1  # ReaderBusy while held
            assert client.get("/today", params=TZ).status_code == 200
        finally:
            go.set()
        answer = report.result(timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["total_seconds"] == 400 * HOUR
    assert sum(day["total_seconds"] for day in answer.json()["days"]) == 400 * HOUR


def test_long_reports_beyond_two_at_once_are_refused_with_a_retry_not_queued(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
):
    """Eight ten-year reports at once took a minute and a half of CPU, with /today taking
    seconds and beats up to one meanwhile: a third long report is a 503 to ask again later,
    while short reports and beats are answered as usual."""
    _sessions_every_day(store, 100)
    inside, go = _pause_reports(monkeypatch)
    long_range = {**TZ, "days": "93"}
    with ThreadPoolExecutor(2) as pool:
        running = [pool.submit(client.get, "/api/days", params=long_range) for _ in range(2)]
        try:
            for _ in running:
                assert inside.acquire(timeout=30)
            refused = client.get("/api/days", params=long_range)
            assert refused.status_code == 503
            assert refused.json()["error"] == "reports_busy"
            assert "92 days" in refused.json()["message"]
            assert refused.headers["retry-after"] == "5"
            assert client.get("/api/days", params={**TZ, "days": "92"}).status_code == 200
            beat(client, "/code/notes", NOW)
        finally:
            go.set()
        assert [future.result(timeout=60).status_code for future in running] == [200, 200]
    assert client.get("/api/days", params=long_range).status_code == 200
