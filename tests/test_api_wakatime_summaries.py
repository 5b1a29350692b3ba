"""``GET …/users/current/summaries`` through the real app: days as WakaTime's API gives them."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.responses import JSONResponse
from starlette.testclient import TestClient

from oxitrack.api import wakatime_summaries as summaries_api
from oxitrack.config import Settings
from oxitrack.days import MAX_RANGE_DAYS
from oxitrack.server import create_app
from oxitrack.store import Store
from tests.conftest import NOW, FakeClock
from tests.daemon_process import DaemonProcess
from tests.wakatime_recordings import GO_CLI_HEADERS, go_cli_heartbeat

BULK = "/api/v1/users/current/heartbeats.bulk"
SUMMARIES = "/api/v1/users/current/summaries"
STATUSBAR = "/api/v1/users/current/statusbar/today"
DAY = 86400
# NOW is 20:46:40 on 2025-11-25 in Paris.


def post(client: TestClient, heartbeats: list[dict[str, Any]]) -> None:
    answer = client.post(BULK, content=json.dumps(heartbeats), headers=GO_CLI_HEADERS)
    assert answer.status_code == 201, answer.text


def summaries(client: TestClient, **params: str) -> dict[str, Any]:
    answer = client.get(SUMMARIES, params=params, headers=GO_CLI_HEADERS)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def refusal(client: TestClient, **params: str) -> tuple[int, str, str]:
    answer = client.get(SUMMARIES, params=params, headers=GO_CLI_HEADERS)
    body = answer.json()
    return answer.status_code, body.get("field"), body.get("message")


@pytest.fixture
def worked(client: TestClient) -> TestClient:
    """An hour of app today (half of it debugging), 20 minutes of lib two days ago."""
    post(client, [go_cli_heartbeat("/home/dev/app", t) for t in range(NOW - 3600, NOW - 1799, 600)])
    debugging = range(NOW - 1800, NOW + 1, 600)
    post(client, [go_cli_heartbeat("/home/dev/app", t, category="debugging") for t in debugging])
    two_days_ago = range(NOW - 2 * DAY - 1200, NOW - 2 * DAY + 1, 600)
    post(client, [go_cli_heartbeat("/home/dev/lib", t, language="Go") for t in two_days_ago])
    return client


def test_today_as_prompts_ask_for_it_is_the_status_bar_day(worked: TestClient):
    """oh-my-posh's WakaTime segment (and the old Python client's --today) ask
    ``?start=today&end=today`` and read ``cumulative_total``."""
    body = summaries(worked, start="today", end="today")
    statusbar = worked.get(STATUSBAR, headers=GO_CLI_HEADERS).json()
    assert body["data"] == [statusbar["data"]]
    assert body["cumulative_total"] == {
        "seconds": 3600.0,
        "text": "1 hr",
        "decimal": "1.00",
        "digital": "1:00",
    }
    assert [(c["name"], c["text"]) for c in body["data"][0]["categories"]] == [
        ("Coding", "30 mins"),
        ("Debugging", "30 mins"),
    ]
    assert (body["start"], body["end"]) == ("2025-11-24T23:00:00Z", "2025-11-25T23:00:00Z")


def test_a_range_of_dates_has_each_day_and_averages_the_days_worked(worked: TestClient):
    body = summaries(worked, start="2025-11-22", end="2025-11-25")
    days = [(d["range"]["date"], d["grand_total"]["total_seconds"]) for d in body["data"]]
    assert days == [
        ("2025-11-22", 0.0),
        ("2025-11-23", 1200.0),
        ("2025-11-24", 0.0),
        ("2025-11-25", 3600.0),
    ]
    assert [p["name"] for p in body["data"][1]["projects"]] == ["lib"]
    assert [lang["name"] for lang in body["data"][1]["languages"]] == ["Go"]
    assert body["cumulative_total"]["seconds"] == 4800.0
    assert (body["start"], body["end"]) == ("2025-11-21T23:00:00Z", "2025-11-25T23:00:00Z")
    assert body["daily_average"] == {
        "holidays": 2,
        "days_including_holidays": 4,
        "days_minus_holidays": 2,
        "seconds": 2400,
        "text": "40 mins",
        "seconds_including_other_language": 2400,
        "text_including_other_language": "40 mins",
    }
    # The same days and totals as the dashboard's report.
    report = worked.get("/api/days", params={"from": "2025-11-22", "to": "2025-11-25"}).json()
    assert [d["total_seconds"] for d in report["days"]] == [t for _, t in days]


def test_a_long_range_is_written_a_day_at_a_time(
    worked: TestClient, monkeypatch: pytest.MonkeyPatch
):
    """Each day is encoded as soon as it is made and let go. A year with 300 projects a day
    built as one dict first held ~70 MiB more of the daemon's memory, and its encoding in one
    call held the interpreter (and so every beat) for 0.3 s. Seen here by changing each day
    once the next is asked for: a day already written does not change."""
    made: list[dict[str, Any]] = []

    def noting(split: Any, zone: Any) -> dict[str, Any]:
        if made:
            made[-1]["machines"] = ["changed after it was made"]
        made.append(day_summary(split, zone))
        return made[-1]

    day_summary = summaries_api._day_summary
    monkeypatch.setattr(summaries_api, "_day_summary", noting)
    answer = worked.get(SUMMARIES, params={"start": "2025-09-01", "end": "2025-11-25"})
    assert answer.status_code == 200
    assert len(made) == 86  # three parts of up to 31 days
    assert "changed after it was made" not in answer.text
    assert answer.headers["content-type"] == "application/json"


def test_long_answers_are_written_as_json_responses_write_them(tmp_path: Path):
    """Written a day at a time, a year's summaries and ``/api/days`` are the same bytes a
    ``JSONResponse`` makes: compact, UTF-8 (a folder's name as it is), one JSON document."""
    daemon = DaemonProcess(tmp_path / "daemon.db").start()
    try:
        for folder, moment in (("/home/dev/café", NOW - 40 * DAY), ("/home/dev/app", NOW)):
            answer = httpx2.post(
                f"{daemon.url}{BULK}",
                content=json.dumps(
                    [go_cli_heartbeat(folder, t) for t in range(moment, moment + 900, 300)]
                ),
                headers=GO_CLI_HEADERS,
            )
            assert answer.status_code == 201, answer.text
        for path in (
            f"{SUMMARIES}?start=2025-01-01&end=2025-12-31",
            "/api/days?from=2025-01-01&to=2025-12-31",
        ):
            answer = httpx2.get(f"{daemon.url}{path}", timeout=30)
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"] == "application/json"
            assert answer.content == JSONResponse(json.loads(answer.content)).body
            assert "café".encode() in answer.content
    finally:
        daemon.kill()


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Today", "2025-11-25", "2025-11-25"),
        ("Yesterday", "2025-11-24", "2025-11-24"),
        ("Last 7 Days", "2025-11-19", "2025-11-25"),
        ("last_7_days", "2025-11-19", "2025-11-25"),
        ("Last 7 Days from Yesterday", "2025-11-18", "2025-11-24"),
        ("Last 14 Days", "2025-11-12", "2025-11-25"),
        ("Last 30 Days", "2025-10-27", "2025-11-25"),
        ("This Week", "2025-11-24", "2025-11-25"),  # a Tuesday: weeks start on Monday
        ("Last Week", "2025-11-17", "2025-11-23"),
        ("This Month", "2025-11-01", "2025-11-25"),
        ("Last Month", "2025-10-01", "2025-10-31"),
    ],
)
def test_wakatimes_named_ranges(client: TestClient, name: str, first: str, last: str):
    body = summaries(client, range=name)
    dates = [day["range"]["date"] for day in body["data"]]
    assert (dates[0], dates[-1], len(dates)) == (first, last, len(set(dates)))


@pytest.mark.parametrize(
    ("week_start", "this_week", "last_week"),
    [
        (6, ("2025-11-23", "2025-11-25"), ("2025-11-16", "2025-11-22")),  # from Sunday
        (1, ("2025-11-25", "2025-11-25"), ("2025-11-18", "2025-11-24")),  # Tuesday is today
    ],
)
def test_weeks_start_on_the_day_the_daemon_is_set_to(
    store: Store,
    clock: FakeClock,
    week_start: int,
    this_week: tuple[str, str],
    last_week: tuple[str, str],
):
    """``week_start`` (``serve --week-start sunday``) for This Week and Last Week."""
    settings = Settings(db=store.path, week_start=week_start)
    app = create_app(store, settings=settings, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:3000") as client:
        for name, (first, last) in {"This Week": this_week, "last_week": last_week}.items():
            dates = [day["range"]["date"] for day in summaries(client, range=name)["data"]]
            assert (dates[0], dates[-1], len(dates)) == (first, last, len(set(dates))), name


def test_days_are_in_the_zone_asked_for(worked: TestClient):
    """The ``timezone`` parameter, else the ``Timezone`` header wakatime-cli sends."""
    tokyo = summaries(worked, start="today", end="today", timezone="Asia/Tokyo")
    [day] = tokyo["data"]
    # 04:46 on the 26th in Tokyo: the whole hour worked is that day's.
    assert (day["range"]["date"], day["range"]["timezone"]) == ("2025-11-26", "Asia/Tokyo")
    assert day["grand_total"]["total_seconds"] == 3600.0
    [paris] = summaries(worked, range="today")["data"]
    assert paris["range"]["timezone"] == "Europe/Paris"
    # A "+" typed in the address arrives as a space, as for the reports' ?tz=.
    answer = worked.get(SUMMARIES + "?range=today&timezone=Etc/GMT+5", headers=GO_CLI_HEADERS)
    assert answer.json()["data"][0]["range"]["timezone"] == "Etc/GMT+5"


def test_a_range_with_nothing_tracked_averages_nothing(worked: TestClient):
    """Every day a "holiday": the average is 0, not a division by no days worked."""
    body = summaries(worked, start="2025-11-20", end="2025-11-21")
    assert body["cumulative_total"]["seconds"] == 0.0
    average = body["daily_average"]
    assert (average["holidays"], average["days_minus_holidays"]) == (2, 0)
    assert (average["seconds"], average["text"]) == (0, "0 secs")


def test_only_the_project_asked_for(worked: TestClient):
    body = summaries(worked, start="2025-11-23", end="2025-11-25", project="lib")
    assert [d["grand_total"]["total_seconds"] for d in body["data"]] == [1200.0, 0.0, 0.0]


def test_one_projects_days_list_its_branches_as_wakatime_does(client: TestClient):
    """With ``project``, each day lists the project's branches (WakaTime lists them then, and
    its files, which OxiTrack does not keep), adding up to the day's total; time no heartbeat
    names a branch of (a plain ``POST /beat``) is Other. Without, there is no such list."""
    on = {
        "main": range(NOW - 3600, NOW - 1799, 600),
        "fix/login": range(NOW - 1800, NOW - 599, 600),
    }
    for branch, times in on.items():
        post(client, [go_cli_heartbeat("/home/dev/app", t, branch=branch) for t in times])
    assert client.post("/beat", json={"project_path": "/home/dev/app", "timestamp": NOW}).is_success
    post(client, [go_cli_heartbeat("/home/dev/lib", t) for t in (NOW - 900, NOW - 300)])
    [day] = summaries(client, range="today", project="app")["data"]
    shown = [(b["name"], b["total_seconds"]) for b in day["branches"]]
    assert shown == [("main", 1800.0), ("fix/login", 1200.0), ("Other", 600.0)]
    assert sum(seconds for _, seconds in shown) == day["grand_total"]["total_seconds"]
    assert day["entities"] == []
    [everything] = summaries(client, range="today")["data"]
    assert "branches" not in everything and "entities" not in everything


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({}, "start", "is required"),
        ({"start": "today"}, "end", "is required"),
        ({"start": "2025-11-31", "end": "today"}, "start", "no day of the calendar"),
        ({"start": "today", "end": "tomorrow"}, "end", "not a date"),
        ({"start": "2025-11-25", "end": "2025-11-24"}, "start", "is after the end"),
        ({"start": "2000-01-01", "end": "2025-11-25"}, "start", f"{MAX_RANGE_DAYS}"),
        ({"range": "Last 8 Days"}, "range", "yesterday, last 7 days, last 7 days from"),
        ({"range": "today", "start": "today"}, "range", "not both"),
        ({"range": "today", "timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"range": "today", "project": " "}, "project", "must not be empty"),
    ],
)
def test_a_wrong_request_is_a_422_naming_its_field(
    client: TestClient, params: dict[str, str], field: str, words: str
):
    status, named, message = refusal(client, **params)
    assert (status, named) == (422, field)
    assert words in message


# A report whose read never ends by itself: its heartbeats are read by a query that counts
# without end, row by row, once it has said (a file) that it holds the reading connection.
_ENDLESS_READ = """
import os
import oxitrack.store.day_splits as day_splits

def _endless(conn, fields, start, end):
    rows = conn.execute(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n"
    )
    next(rows)
    open(os.environ["HELD_MARK"], "w").close()
    for _ in rows:
        pass

day_splits.part_beats = _endless
"""


def test_sigterm_during_a_long_report_stops_at_once_and_removes_the_wal(tmp_path: Path):
    """A report still reading at SIGTERM is cut short (503) and the daemon stops at once,
    its last close removing the -wal and -shm. Before, uvicorn waited its graceful 10 s for
    the report (then answered it 500): whatever kills a daemon that takes 10 s to stop (a
    service manager, a script) killed it first, and the files stayed until the next start."""
    db = tmp_path / "daemon.db"
    mark = tmp_path / "held"
    daemon = DaemonProcess(db, env={"HELD_MARK": str(mark)}, prelude=_ENDLESS_READ).start()
    answers: list[int | str] = []

    def ask_for_a_year() -> None:
        url = f"{daemon.url}{SUMMARIES}?start=2025-01-01&end=2025-12-31"
        try:
            answers.append(httpx2.get(url, timeout=30).status_code)
        except httpx2.HTTPError as exc:
            answers.append(type(exc).__name__)

    try:
        assert httpx2.post(f"{daemon.url}/beat", json={"project_path": "/code/app"}).is_success
        report = threading.Thread(target=ask_for_a_year)
        report.start()
        deadline = time.monotonic() + 30
        while not mark.exists():
            assert time.monotonic() < deadline, "".join(daemon.stderr_lines)
            time.sleep(0.01)
        assert Path(f"{db}-wal").exists()
        stopping = time.monotonic()
        code = daemon.stop(timeout=30)
        stopped_after = time.monotonic() - stopping
        report.join(30)
    finally:
        daemon.kill()
    assert code == 0
    assert not Path(f"{db}-wal").exists()
    assert not Path(f"{db}-shm").exists()
    assert stopped_after < 5  # not uvicorn's graceful 10 s, nor the report's own time
    assert answers == [503]
    # A stop is no database error: nothing in the log says one happened.
    stderr = "".join(daemon.stderr_lines)
    assert "database error" not in stderr and "ERROR" not in stderr, stderr
