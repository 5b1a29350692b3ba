"""The dashboard in a real browser: headless Chromium (Debian's) driven by Playwright, against a
real daemon seeded over POST /beat. The chart must show exactly what the JSON API says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import chromium
from tests.zones import midday_zone

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHART_DATA_JS = """() => {
  const chart = Chart.getChart("days-chart");
  return {
    labels: chart.data.labels,
    datasets: chart.data.datasets.map((d) => ({
      path: d.projectPath, label: d.label, data: d.data,
    })),
  };
}"""
TODAY_ROWS_JS = """() => [...document.querySelectorAll("#today-projects tr")].map((tr) => ({
  path: tr.dataset.projectPath, seconds: Number(tr.dataset.seconds),
}))"""


def _beats(daemon: DaemonProcess, project_path: str, timestamps: range) -> None:
    for timestamp in timestamps:
        answer = httpx.post(
            f"{daemon.url}/beat", json={"project_path": project_path, "timestamp": timestamp}
        )
        answer.raise_for_status()


@pytest.fixture
def seeded_daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    """Three projects: two worked on in the last hour, one two days ago.

    The daemon runs in a zone where it is now midday, so that hour is all today's.
    """
    now = int(time.time())
    daemon = DaemonProcess(tmp_path / "daemon.db", env={"TZ": midday_zone(now)}).start()
    try:
        _seed(daemon, now)
        yield daemon
    finally:
        daemon.kill()


def _seed(daemon: DaemonProcess, now: int) -> None:
    _beats(daemon, "/code/oxitrack", range(now - 50 * 60, now - 59, 5 * 60))
    _beats(daemon, "/code/notes", range(now - 30 * 60, now - 19 * 60, 60))
    _beats(daemon, "/code/site", range(now - 2 * 86400, now - 2 * 86400 + 1801, 300))


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Page:
    """A browser page that records console errors/warnings, page errors and failed requests."""

    def __init__(self, browser: Any, *, clock: bool = False) -> None:
        self.page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda req: self.problems.append(f"failed: {req.url}"))
        if clock:
            self.page.clock.install()

    def _console(self, message: Any) -> None:
        if message.type in {"error", "warning"}:
            self.problems.append(f"console {message.type}: {message.text}")

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.wait_loaded(1)
        return self.page

    def wait_loaded(self, times: int) -> None:
        """Wait (with Playwright's deadline, no sleeps) until the page has rendered ``times``."""
        # A function with an argument, not a string: the page's CSP forbids eval, rightly.
        self.page.wait_for_function(
            "(times) => Number(document.body.dataset.loaded || 0) >= times", arg=times
        )


def _expected_chart(days: dict[str, Any]) -> dict[str, Any]:
    return {
        "labels": [day["date"] for day in days["days"]],
        "datasets": [
            {
                "path": project["project_path"],
                "label": project["project_name"],
                "data": [
                    next(
                        (
                            p["duration_seconds"]
                            for p in day["projects"]
                            if p["project_path"] == project["project_path"]
                        ),
                        0,
                    )
                    for day in days["days"]
                ],
            }
            for project in days["projects"]
        ],
    }


def test_dashboard_shows_what_the_json_api_says(seeded_daemon: DaemonProcess, browser: Any):
    page = Page(browser)
    shown = page.open(seeded_daemon.url + "/")
    chart = shown.evaluate(CHART_DATA_JS)
    today_rows = shown.evaluate(TODAY_ROWS_JS)
    recent_ids = shown.evaluate(
        "() => [...document.querySelectorAll('#recent-sessions tbody tr')]"
        ".map((tr) => Number(tr.dataset.sessionId))"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shown.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    days = httpx.get(f"{seeded_daemon.url}/api/days", params={"days": "7"}).json()
    today = httpx.get(f"{seeded_daemon.url}/today", params={"format": "json"}).json()
    recent = httpx.get(f"{seeded_daemon.url}/api/sessions", params={"limit": "15"}).json()
    assert chart == _expected_chart(days)
    assert len(chart["labels"]) == 7
    assert {d["path"] for d in chart["datasets"]} == {"/code/oxitrack", "/code/notes", "/code/site"}
    assert today_rows == [
        {"path": p["project_path"], "seconds": p["duration_seconds"]} for p in today["projects"]
    ]
    assert recent_ids == [s["session_id"] for s in recent["sessions"]]
    assert shown.text_content("#today-total") == _duration(today["total_seconds"])
    assert page.problems == []


def test_http_cli_and_page_agree_on_today(seeded_daemon: DaemonProcess, browser: Any):
    """The issue's 'same numbers everywhere', across three processes reading one database."""
    over_http = httpx.get(f"{seeded_daemon.url}/today", params={"format": "json"}).json()
    cli = subprocess.run(
        [sys.executable, "-m", "oxitrack", "today", "--json", "--db", str(seeded_daemon.db_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(seeded_daemon.env or {})},  # the daemon's zone: the same "today"
    )
    assert json.loads(cli.stdout) == over_http
    page = Page(browser)
    today_rows = page.open(seeded_daemon.url + "/").evaluate(TODAY_ROWS_JS)
    assert today_rows == [
        {"path": p["project_path"], "seconds": p["duration_seconds"]} for p in over_http["projects"]
    ]
    assert over_http["total_seconds"] > 0
    assert page.problems == []


def test_switching_to_30_days_redraws_the_chart_from_the_api(
    seeded_daemon: DaemonProcess, browser: Any
):
    page = Page(browser)
    shown = page.open(seeded_daemon.url + "/")
    shown.click("button[data-days='30']")
    page.wait_loaded(2)
    days = httpx.get(f"{seeded_daemon.url}/api/days", params={"days": "30"}).json()
    assert shown.evaluate(CHART_DATA_JS) == _expected_chart(days)
    assert shown.get_attribute("button[data-days='30']", "aria-pressed") == "true"
    assert page.problems == []


def test_page_refreshes_itself_every_minute(seeded_daemon: DaemonProcess, browser: Any):
    page = Page(browser, clock=True)
    shown = page.open(seeded_daemon.url + "/")
    _beats(seeded_daemon, "/code/new", range(int(time.time()) - 120, int(time.time()), 60))
    page.page.clock.run_for(59_000)
    assert shown.evaluate("document.body.dataset.loaded") == "1"
    page.page.clock.run_for(1_000)
    page.wait_loaded(2)
    paths = [row["path"] for row in shown.evaluate(TODAY_ROWS_JS)]
    assert "/code/new" in paths
    assert page.problems == []


def _duration(seconds: int) -> str:
    minutes = seconds // 60
    return f"{minutes // 60}h {minutes % 60:02d}m"


def test_long_project_paths_end_in_an_ellipsis_not_a_column_of_fragments(
    daemon: DaemonProcess, browser: Any
):
    long_path = "/home/someone/work/clients/a-long-organisation-name/monorepo/packages/" + "x" * 80
    now = int(time.time())
    _beats(daemon, "/code/short", range(now - 600, now - 59, 60))
    _beats(daemon, long_path, range(now - 600, now - 59, 60))
    page = Page(browser)
    shown = page.open(daemon.url + "/")
    heights = shown.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("#today-projects tr")].map(
          (tr) => [tr.dataset.projectPath, tr.getBoundingClientRect().height]))"""
    )
    assert set(heights) == {"/code/short", long_path}
    assert heights[long_path] == heights["/code/short"]
    path_cell = f"#today-projects tr[data-project-path='{long_path}'] .path"
    assert shown.get_attribute(path_cell, "title") == long_path
    assert page.problems == []


def test_empty_database_gives_the_chart_a_readable_time_axis(daemon: DaemonProcess, browser: Any):
    page = Page(browser)
    shown = page.open(daemon.url + "/")
    labels = shown.evaluate('() => Chart.getChart("days-chart").scales.y.ticks.map((t) => t.label)')
    assert labels[0] == "0h 00m"
    assert len(labels) == len(set(labels)) > 1
    assert shown.is_visible("#today-empty")
    assert page.problems == []


def test_a_bad_tz_in_the_address_is_reported_as_refused_not_as_unreachable(
    daemon: DaemonProcess, browser: Any
):
    page = Page(browser)
    shown = page.page
    shown.goto(daemon.url + "/?tz=Not/AZone")
    status = "#status"
    shown.wait_for_function(
        "(sel) => !document.querySelector(sel).textContent.includes('loading')", arg=status
    )
    assert shown.inner_text(status) == (
        "the daemon refused: tz: 'Not/AZone' is not a known IANA time zone name like Europe/Berlin"
    )
    # The browser itself logs each 422 answer; nothing else may go wrong.
    assert page.problems
    assert all("status of 422" in problem for problem in page.problems), page.problems


def test_with_an_api_key_the_page_asks_for_it_and_says_when_it_is_wrong(
    tmp_path: Path, browser: Any
):
    keyed = DaemonProcess(tmp_path / "keyed.db", "--api-key", "k3y").start()
    try:
        answer = httpx.post(
            f"{keyed.url}/beat",
            json={"project_path": "/code/locked", "timestamp": int(time.time()) - 60},
            headers={"Authorization": "Bearer k3y"},
        )
        answer.raise_for_status()
        page = Page(browser)
        shown = page.page
        shown.goto(keyed.url + "/")
        shown.wait_for_selector("#key-form:not([hidden])")
        assert shown.inner_text("#status") == "an API key is needed"

        shown.fill("#api-key", "wrong")
        shown.click("#key-form button")
        shown.wait_for_selector("#key-form:not([hidden])")
        shown.wait_for_function(
            "() => document.getElementById('status').textContent.includes('refused')"
        )
        assert shown.inner_text("#status") == "the daemon refused that API key"

        shown.fill("#api-key", "k3y")
        shown.click("#key-form button")
        page.wait_loaded(1)
        assert shown.is_hidden("#key-form")
        assert [row["path"] for row in shown.evaluate(TODAY_ROWS_JS)] == ["/code/locked"]
        # The browser logs each 401 it was answered; nothing else may go wrong.
        assert page.problems
        assert all("status of 401" in problem for problem in page.problems), page.problems
    finally:
        keyed.stop()
