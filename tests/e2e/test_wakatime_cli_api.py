"""Requests built as wakatime-cli (Go) builds them, against a real ``oxitrack serve``.

Each request has the client's method, path under ``api_url``, headers (``Authorization: Basic``
of the bare key, its User-Agent, ``X-Machine-Name``, ``TimeZone``) and body; each answer is read
as the client reads it: the statuses it accepts, and JSON fields of the types its structs
declare (a Go ``int`` field refuses ``50.0``, so the whole answer would be an error).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.sessions_model import stored_sessions
from tests.wakatime_recordings import GO_CLI_HEADERS, basic, go_cli_heartbeat
from tests.zones import midday_zone

pytestmark = pytest.mark.e2e

API = "/api/v1/users/current"
WAKA_KEY = "waka_3f9d6c2a-8b1e-4c7d-9a2f-5e6b7c8d9e0f"  # the Go CLI's other key form

# The fields of one entry of a day's lists, as the CLI's summary types declare them.
_COUNTER_TYPES = {
    "decimal": str,
    "digital": str,
    "hours": int,
    "minutes": int,
    "name": str,
    "percent": float,
    "seconds": int,
    "text": str,
    "total_seconds": float,
}
_LISTS = ("categories", "dependencies", "editors", "languages", "machines", "operating_systems")


def assert_read_as_the_cli_reads_a_summary(body: dict[str, Any]) -> None:
    """``body`` parses into wakatime-cli's summary type: wrong JSON types fail the whole read."""
    assert isinstance(body["cached_at"], str) and body["has_team_features"] is False
    data = body["data"]
    for name in (*_LISTS, "projects"):
        for entry in data[name]:
            for field, kind in _COUNTER_TYPES.items():
                value = entry[field]
                assert isinstance(value, kind) and not isinstance(value, bool), (name, field)
    grand_total = data["grand_total"]
    for field in ("decimal", "digital", "hours", "minutes", "text", "total_seconds"):
        assert isinstance(grand_total[field], _COUNTER_TYPES[field]), field
    assert all(isinstance(data["range"][field], str) for field in ("date", "start", "end"))


@pytest.fixture
def keyed_daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    """A daemon started with a key in the Go CLI's ``waka_`` form, in a zone where it is now
    midday (the last hour's heartbeats are today's whenever the tests run)."""
    zone = midday_zone(time.time())
    process = DaemonProcess(tmp_path / "keyed.db", "--api-key", WAKA_KEY, env={"TZ": zone}).start()
    try:
        yield process
    finally:
        process.kill()


def _cli_headers(key: str = WAKA_KEY) -> dict[str, str]:
    # The recording's own `Timezone` replaced, not sent beside a second spelling: the daemon read
    # the first, Europe/Paris, whose day starts at 23:00 UTC, and an hour a day the tests failed.
    return {**GO_CLI_HEADERS, "Authorization": basic(key), "Timezone": midday_zone(time.time())}


def test_status_bar_today_in_both_spellings_is_todays_total(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    """wakatime-cli reads ``statusbar/today``; WakaTime's API documents ``status_bar/today``,
    which status bar widgets read, some with the key as ``Basic base64(key:)`` or in the
    address. Both spellings are one answer, and a key is asked for both."""
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    now = int(time.time())
    times = [now - 660.75, now - 0.25]  # sent with fractions; whole seconds count: 660 s
    heartbeats = [go_cli_heartbeat(str(root), at) for at in times]
    with httpx.Client(base_url=keyed_daemon.url + API, timeout=10) as client:
        sent = client.post("/heartbeats.bulk", json=heartbeats, headers=_cli_headers())
        assert sent.status_code == 201, sent.text
        answers = [
            client.get("/statusbar/today", headers=_cli_headers()),
            client.get("/status_bar/today", headers=_cli_headers()),
            client.get("/status_bar/today", headers={"Authorization": basic(WAKA_KEY + ":")}),
            client.get(f"/status_bar/today?api_key={WAKA_KEY}"),
        ]
        refused = client.get("/status_bar/today")
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert_read_as_the_cli_reads_a_summary(answer.json())
        assert answer.json()["data"]["grand_total"]["text"] == "11 mins"
    assert refused.status_code == 401
    assert stored_sessions(keyed_daemon.db_path) == [(str(root), now - 661, now - 1)]


def test_file_experts_is_an_empty_list_the_cli_prints_as_nothing(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    """``--file-experts`` (a Neovim command; VS Code's team status bar, shown only when the
    status bar says ``has_team_features``) posts the file, its project and root count. OxiTrack
    keeps no time per file: an empty list, which the CLI prints as an empty line, exit 0. A 404
    was an API error (exit 102) shown by the editor."""
    entity = tmp_path / "app" / "src" / "main.py"
    asked = {"entity": str(entity), "project": "app", "project_root_count": len(entity.parts) - 2}
    with httpx.Client(base_url=keyed_daemon.url + API, timeout=10) as client:
        answer = client.post("/file_experts", json=asked, headers=_cli_headers())
        refused = client.post("/file_experts", json=asked)
    assert answer.status_code == 200, answer.text  # the CLI takes 200 and 202
    assert answer.json() == {"data": []}
    assert refused.status_code == 401


def test_a_goal_is_a_404_the_cli_reports_not_a_goal_it_cannot_read(daemon: DaemonProcess):
    """``--today-goal ID`` reads the last ``data.chart_data`` entry of a 200 and crashes on an
    empty list; OxiTrack keeps no goals, so a 404 in the one error shape (exit 102, its
    ``error`` in the CLI's log) is the truthful answer."""
    goal = "11111111-1111-4111-8111-111111111111"
    answer = httpx.get(f"{daemon.url}{API}/goals/{goal}", headers=_cli_headers(), timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_a_batch_is_answered_line_by_line_as_the_cli_reads_it(
    daemon: DaemonProcess, tmp_path: Path
):
    """A batch of the shapes the Go CLI sends (times with fractions, each entity type, the
    categories it knows, ``is_write`` true, false or left out), with a UUID key to a daemon
    that has none. The CLI keeps in its queue every line that is neither 201/202 nor 400, and
    reads a 201 line's ``data`` into its heartbeat type, a 400 line's ``error``: so every
    line is one of those two, the good ones stored and the one from a wrong clock dropped."""
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    now = time.time()
    sent = [
        go_cli_heartbeat(str(root), now - 300.125, category="code reviewing", is_write=False),
        go_cli_heartbeat(str(root), now - 240.5, category="ai coding"),
        {**go_cli_heartbeat(str(root), now - 180.25, category="writing tests"), "is_write": None},
        {"entity": "Slack", "type": "app", "category": "communicating", "time": now - 120.75},
        {"entity": "docs.python.org", "type": "domain", "category": "browsing", "time": now - 90.0},
        {
            "entity": "https://github.com/a/b",
            "type": "url",
            "category": "researching",
            "time": now - 60.5,
        },
        {"entity": "Standup", "type": "event", "category": "meeting", "time": now - 30.25},
        go_cli_heartbeat(str(root), now + 3600),  # a clock an hour ahead: never storable
    ]
    sent = [{key: value for key, value in item.items() if value is not None} for item in sent]
    answer = httpx.post(
        f"{daemon.url}{API}/heartbeats.bulk", json=sent, headers=GO_CLI_HEADERS, timeout=10
    )
    assert answer.status_code == 201, answer.text
    lines = answer.json()["responses"]
    assert [status for _, status in lines] == [201] * 7 + [400]
    for (body, _), heartbeat in zip(lines[:7], sent, strict=False):
        data = body["data"]
        assert (data["entity"], data["type"], data["category"]) == (
            heartbeat["entity"],
            heartbeat["type"],
            heartbeat["category"],
        )
        assert data["time"] == heartbeat["time"] and isinstance(data["time"], float)
        assert data.get("is_write") == heartbeat.get("is_write")
    assert lines[7][0]["error"] == "invalid_field"
    assert stored_sessions(daemon.db_path) == [
        (str(root), int(now - 300.125), int(now - 180.25)),
        ("wakatime:Unknown Project", int(now - 120.75), int(now - 30.25)),
    ]


def test_an_entity_longer_than_a_path_keeps_its_time(daemon: DaemonProcess, tmp_path: Path):
    """The CLI drops a line answered 400 with its time. A browser's URL (a dashboard keeping
    its state in the address) runs to many kilobytes, and OxiTrack stores no entity: such a
    heartbeat used to be refused for an entity over 4096 characters, and an hour on that page
    with it. A file path that long names no file here, so its time goes to its project name."""
    now = time.time()
    long_url = "https://grafana.example/d/x?" + "&var-host=a" * 1500
    long_path = "/home/me/app/" + "d/" * 2100 + "main.py"
    sent = [
        {"entity": long_url, "type": "url", "category": "browsing", "time": now - 120.5},
        {"entity": long_url, "type": "url", "category": "browsing", "time": now - 60.5},
        {**go_cli_heartbeat("/home/me/app", now - 30.0), "entity": long_path, "project": "app"},
    ]
    assert min(len(long_url), len(long_path)) > 4096
    answer = httpx.post(
        f"{daemon.url}{API}/heartbeats.bulk", json=sent, headers=GO_CLI_HEADERS, timeout=10
    )
    assert answer.status_code == 201, answer.text
    assert [status for _, status in answer.json()["responses"]] == [201, 201, 201]
    single = httpx.post(
        f"{daemon.url}{API}/heartbeats",
        json={**sent[1], "time": now},
        headers=GO_CLI_HEADERS,
        timeout=10,
    )
    assert single.status_code == 201, single.text
    assert stored_sessions(daemon.db_path) == [
        ("wakatime:Unknown Project", int(now - 120.5), int(now)),
        ("wakatime:app", int(now - 30.0), int(now - 30.0)),
    ]


MAC_USER_AGENT = (
    "wakatime/v1.98.0 (darwin-23.4.0-arm64) go1.22.4 vscode/1.90.0 vscode-wakatime/24.6.0"
)


def test_time_is_listed_per_machine_and_operating_system_as_the_cli_sent_them(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    """One project worked on from two machines: a Linux box's queue sent in bulk, then a Mac
    (its host name in UTF-8, as the CLI sends it) heartbeat by heartbeat. A pair of heartbeats
    gives its seconds to the first one's machine, as it does its editor; both lists add up
    to the day's total, in the status bar's day and the summaries'."""
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    first = int(time.time()) - 1500
    linux = {**_cli_headers(), "X-Machine-Name": "devbox"}
    mac = {**_cli_headers(), "User-Agent": MAC_USER_AGENT, "X-Machine-Name": "laptop-ü".encode()}
    with httpx.Client(base_url=keyed_daemon.url + API, timeout=10) as client:
        queued = [go_cli_heartbeat(str(root), first + offset) for offset in (0, 300, 600)]
        sent = [client.post("/heartbeats.bulk", json=queued, headers=linux)]
        for offset in (900, 1200):
            heartbeat = go_cli_heartbeat(str(root), first + offset, user_agent=MAC_USER_AGENT)
            sent.append(client.post("/heartbeats", json=heartbeat, headers=mac))
        assert [answer.status_code for answer in sent] == [201] * 3, sent[-1].text
        today = client.get("/statusbar/today", headers=_cli_headers())
        summaries = client.get("/summaries?range=today", headers=_cli_headers())
    assert today.status_code == summaries.status_code == 200, (today.text, summaries.text)
    assert_read_as_the_cli_reads_a_summary(today.json())
    for day in (today.json()["data"], summaries.json()["data"][0]):
        assert day["grand_total"]["total_seconds"] == 1200.0
        machines = [(m["name"], m["machine_name_id"], m["total_seconds"]) for m in day["machines"]]
        assert machines == [("devbox", "devbox", 900.0), ("laptop-ü", "laptop-ü", 300.0)]
        systems = [(s["name"], s["total_seconds"]) for s in day["operating_systems"]]
        assert systems == [("Linux", 900.0), ("Mac", 300.0)]


def test_a_machine_name_no_client_would_send_is_stored_cleaned_never_refused(
    daemon: DaemonProcess, tmp_path: Path
):
    """A heartbeat refused is dropped with its time: a header too long, not UTF-8 or with a
    tab is cut and cleaned (``test_wakatime_machines`` has what HTTP cannot carry)."""
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    now = time.time()
    names = [b"\xff" * 300, b"two\tparts"]
    for offset, name in enumerate(names):
        heartbeat = go_cli_heartbeat(str(root), now - 60 + offset)
        headers = {**GO_CLI_HEADERS, "X-Machine-Name": name}
        answer = httpx.post(
            f"{daemon.url}{API}/heartbeats", json=heartbeat, headers=headers, timeout=10
        )
        assert answer.status_code == 201, answer.text
    assert daemon.stop() == 0
    with sqlite3.connect(daemon.db_path) as conn:
        stored = conn.execute(
            "SELECT machine, operating_system FROM beat_details ORDER BY time"
        ).fetchall()
    conn.close()
    assert stored == [("\ufffd" * 256, "linux"), ("two parts", "linux")]


def test_heartbeats_sent_again_from_another_machine_count_their_time_once(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    """The same heartbeats sent again under another machine name (the ``hostname`` setting
    changed before the offline queue was sent) are a second row each, as they are sent with
    another User-Agent: their time still counts once, in the day's total and in every list,
    for one machine (of two rows at one time, the breakdown takes the later-made context's)."""
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    first = int(time.time()) - 1500
    queued = [go_cli_heartbeat(str(root), first + offset) for offset in (0, 300, 600, 900)]

    def day_after_sending(client: httpx.Client, machine: str) -> dict[str, Any]:
        headers = {**_cli_headers(), "X-Machine-Name": machine}
        assert client.post("/heartbeats.bulk", json=queued, headers=headers).status_code == 201
        summaries = client.get("/summaries?range=today", headers=_cli_headers())
        today = client.get("/statusbar/today", headers=_cli_headers())
        assert summaries.status_code == today.status_code == 200, (summaries.text, today.text)
        [day] = summaries.json()["data"]
        assert today.json()["data"]["machines"] == day["machines"]
        return day

    with httpx.Client(base_url=keyed_daemon.url + API, timeout=10) as client:
        days = [day_after_sending(client, machine) for machine in ("devbox", "laptop")]
    for day, machine in zip(days, ("devbox", "laptop"), strict=True):
        assert day["grand_total"]["total_seconds"] == 900.0
        for name in ("categories", "editors", "languages", "machines", "operating_systems"):
            assert sum(item["total_seconds"] for item in day[name]) == 900.0, name
        assert [(m["name"], m["total_seconds"]) for m in day["machines"]] == [(machine, 900.0)]
        assert [p["total_seconds"] for p in day["projects"]] == [900.0]


def test_jetbrains_ides_are_listed_by_product_as_wakatime_lists_them(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    """The JetBrains plugin names its IDE by platform prefix: PyCharm Professional says
    ``Python``, its Community edition ``PyCharmCore``. Both are one editor, ``pycharm``, in
    the status bar's day and the breakdown (not "python" beside the languages); IntelliJ IDEA
    keeps its prefix, ``idea``."""
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    first = int(time.time()) - 1800
    runtime = "wakatime/v2.15.0 (linux-6.8.0-49-generic-x86_64) go1.24.4"
    plugins = {
        0: "Python/2024.1.4 Python-wakatime/15.0.0",
        600: "PyCharmCore/2024.1.4 PyCharmCore-wakatime/15.0.0",
        1200: "idea/2024.1.4 idea-wakatime/15.0.0",
    }
    with httpx.Client(base_url=keyed_daemon.url, timeout=10) as client:
        for offset, plugin in plugins.items():
            user_agent = f"{runtime} {plugin}"
            batch = [
                go_cli_heartbeat(str(root), first + offset + step, user_agent=user_agent)
                for step in (0, 300)
            ]
            headers = {**_cli_headers(), "User-Agent": user_agent}
            answer = client.post(f"{API}/heartbeats.bulk", json=batch, headers=headers)
            assert answer.status_code == 201, answer.text
        today = client.get(f"{API}/statusbar/today", headers=_cli_headers())
        split = client.get(
            "/api/breakdown",
            params={"by": "editor", "days": "1"},
            headers={"Authorization": f"Bearer {WAKA_KEY}"},
        )
    assert today.status_code == split.status_code == 200, (today.text, split.text)
    editors = [(row["name"], row["total_seconds"]) for row in today.json()["data"]["editors"]]
    assert editors == [("pycharm", 1200.0), ("idea", 300.0)]
    assert {row["name"]: row["duration_seconds"] for row in split.json()["rows"]} == {
        "pycharm": 1200,
        "idea": 300,
    }
