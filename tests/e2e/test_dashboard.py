"""The dashboard in a real browser: headless Chromium (Debian's) driven by Playwright, against a
real daemon seeded over POST /beat. The chart must show exactly what the JSON API says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest

from oxitrack.report_text import shown_minutes
from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, contrast, drawn_names, send_beats, worked_lately
from tests.zones import midday_zone

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The projects' stacked bars; the day's real total is a dataset of its own (TOTALS_JS).
CHART_DATA_JS = """() => {
  const chart = Chart.getChart("days-chart");
  return {
    labels: chart.data.labels,
    datasets: chart.data.datasets.filter((d) => d.key !== "total").map((d) => ({
      path: d.projectPath, label: d.label, data: d.data,
    })),
  };
}"""
TOTALS_JS = """() => Chart.getChart("days-chart").data.datasets.filter((d) => d.key === "total")
  .map((d) => ({ type: d.type, stack: d.stack, data: d.data }))"""
TODAY_ROWS_JS = """() => [...document.querySelectorAll("#today-projects tbody tr")].map((tr) => ({
  path: tr.dataset.projectPath, seconds: Number(tr.dataset.seconds),
}))"""


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
    send_beats(daemon, "/code/oxitrack", range(now - 50 * 60, now - 59, 5 * 60))
    send_beats(daemon, "/code/notes", range(now - 30 * 60, now - 19 * 60, 60))
    send_beats(daemon, "/code/site", range(now - 2 * 86400, now - 2 * 86400 + 1801, 300))


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


def test_each_day_shows_its_real_total_where_projects_overlap_in_time(
    seeded_daemon: DaemonProcess, browser: Any
):
    """oxitrack and notes overlap for 11 minutes today: the stacked bars count them twice."""
    page = Page(browser)
    shown = page.open(seeded_daemon.url + "/")
    days = httpx.get(f"{seeded_daemon.url}/api/days", params={"days": "7"}).json()
    stacked = [
        sum(d["data"][i] for d in shown.evaluate(CHART_DATA_JS)["datasets"]) for i in range(7)
    ]
    real = [day["total_seconds"] for day in days["days"]]
    assert stacked[-1] > real[-1] > 0, "the seed overlaps today"
    # Not stacked onto the bars: a stack of its own, one mark per day at the real total.
    assert shown.evaluate(TOTALS_JS) == [{"type": "line", "stack": "total", "data": real}]
    drawn_at_js = """(seconds) => { const chart = Chart.getChart("days-chart");
      return chart.getDatasetMeta(3).data[6].y - chart.scales.y.getPixelForValue(seconds); }"""
    assert abs(shown.evaluate(drawn_at_js, real[-1])) < 1, "drawn at the total, not on the stack"
    assert [item["key"] for item in shown.evaluate(LEGEND_JS)] == [
        p["project_path"] for p in days["projects"]
    ], "the legend switches projects only"
    assert "counted once" in shown.inner_text("#days-legend .total-key")
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


def test_todays_time_in_two_projects_at_once_is_said_as_the_command_line_says_it(
    seeded_daemon: DaemonProcess, browser: Any
):
    """Today's rows added up to more than the total above them, and the card did not say why:
    `oxitrack today` and `GET /today` say so beside their total."""
    cli = subprocess.run(
        [sys.executable, "-m", "oxitrack", "today", "--db", str(seeded_daemon.db_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(seeded_daemon.env or {})},
    )
    said = re.search(r"total \((.+ in two projects at once, counted once)\)$", cli.stdout.strip())
    assert said is not None, cli.stdout
    page = Page(browser)
    shown = page.open(seeded_daemon.url + "/")
    assert shown.inner_text("#today-overlap") == said[1]
    assert page.problems == []


@pytest.mark.parametrize("days", [30, 90, 365])
def test_switching_the_range_redraws_the_chart_from_the_api(
    seeded_daemon: DaemonProcess, browser: Any, days: int
):
    """30 days, and trends: 90 days and a year (the seed's "want to see trends")."""
    page = Page(browser)
    shown = page.open(seeded_daemon.url + "/")
    page.choose_range(days)
    answer = httpx.get(f"{seeded_daemon.url}/api/days", params={"days": str(days)}).json()
    assert len(answer["days"]) == days
    assert shown.evaluate(CHART_DATA_JS) == _expected_chart(answer)
    assert shown.get_attribute(f"button[data-days='{days}']", "aria-pressed") == "true"
    assert shown.evaluate("() => new URL(location.href).searchParams.get('days')") == str(days)
    assert page.problems == []


def test_page_refreshes_itself_every_minute(seeded_daemon: DaemonProcess, browser: Any):
    page = Page(browser, clock=True)
    shown = page.open(seeded_daemon.url + "/")
    send_beats(seeded_daemon, "/code/new", range(int(time.time()) - 120, int(time.time()), 60))
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


def _worked(projects: list[dict[str, Any]]) -> str:
    """A day's projects as its table row lists them, rounded as the command line rounds."""
    worked = [p for p in projects if p["duration_seconds"] > 0]
    minutes = shown_minutes([p["duration_seconds"] for p in worked])
    return ", ".join(
        f"{p['project_name']} {_duration(m * 60)}" for p, m in zip(worked, minutes, strict=True)
    )


def test_page_rounds_minutes_as_the_command_line_does(tmp_path: Path, browser: Any):
    """20m 30s, 3m 30s and 1m 30s today: ``GET /today`` and ``oxitrack today`` show 21m, 3m and
    1m under a 25m total, so their rows add up; the page showed 20m, 24m in all under 25m."""
    now = int(time.time())
    daemon = DaemonProcess(tmp_path / "daemon.db", env={"TZ": midday_zone(now)}).start()
    try:
        start = now - 3600
        for path, seconds in (("/code/a", 1230), ("/code/b", 210), ("/code/c", 90)):
            send_beats(daemon, path, range(start, start + seconds + 1, seconds // 2))
            start += seconds + 900
        text = httpx.get(f"{daemon.url}/today").text.splitlines()
        page = Page(browser)
        shown = page.open(daemon.url + "/")
        rows = shown.evaluate(
            """() => [...document.querySelectorAll("#today-projects tbody tr")].map((tr) =>
              `${tr.querySelector("td.num").innerText}  ${tr.dataset.projectPath}`)"""
        )
        assert rows == text[:-1] == ["0h 21m  /code/a", "0h 03m  /code/b", "0h 01m  /code/c"]
        assert shown.inner_text("#today-total") == text[-1].split("  ")[0] == "0h 25m"
        assert page.problems == []
    finally:
        daemon.kill()


@pytest.mark.parametrize(
    "seconds",
    [[1230, 210, 90], [], [59, 59, -5], [30, 30, 30, 30], [3599, 61, 7200, 119], [45] * 9],
)
def test_the_page_and_the_command_line_round_with_one_rule(
    daemon: DaemonProcess, browser: Any, seconds: list[int]
):
    """``chart.js`` carries its own copy of ``report_text.shown_minutes``: the two must agree."""
    page = Page(browser)
    shown = page.open(daemon.url + "/").evaluate(
        """async (seconds) => (await import("/static/chart.js")).shownDurations(seconds)""",
        seconds,
    )
    assert shown == [_duration(m * 60) for m in shown_minutes(seconds)]


def test_long_project_paths_end_in_an_ellipsis_not_a_column_of_fragments(
    midday_daemon: DaemonProcess, browser: Any
):
    long_path = "/home/someone/work/clients/a-long-organisation-name/monorepo/packages/" + "x" * 80
    now = int(time.time())
    send_beats(midday_daemon, "/code/short", range(now - 600, now - 59, 60))
    send_beats(midday_daemon, long_path, range(now - 600, now - 59, 60))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    heights = shown.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("#today-projects tbody tr")].map(
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
    shown.goto(daemon.url + "/?days=30&tz=Not/AZone&hide=%2Fcode%2Fa")
    status = "#status"
    shown.wait_for_function(
        "(sel) => !document.querySelector(sel).textContent.includes('loading')", arg=status
    )
    assert shown.inner_text(status) == (
        "the daemon refused: tz: 'Not/AZone' is not a known IANA time zone name like Europe/Berlin"
    )
    # Not a blank page: it says how to fix the address, and links to the page without ?tz=,
    # the range and the hidden projects kept.
    assert shown.is_visible("#tz-help")
    assert "remove it, or correct it" in shown.inner_text("#tz-help")
    shown.click("#tz-reset")
    page.wait_loaded(1)
    assert shown.url == daemon.url + "/?days=30&hide=%2Fcode%2Fa"
    assert shown.is_hidden("#refused")
    # The browser itself logs each 422 answer, the page gives the refresh's other reads up;
    # nothing else may go wrong.
    assert page.problems
    assert page.only_answered(422), page.problems


def _answer_with_zone(zone: str) -> Any:
    """A route handler: the daemon's real answer, with its ``timezone`` renamed to ``zone``."""

    def handle(route: Any) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, json={**answer.json(), "timezone": zone})

    return handle


def test_a_zone_the_browser_does_not_know_is_shown_in_utc_not_left_loading(
    seeded_daemon: DaemonProcess, browser: Any
):
    """The daemon's tz database may name zones that Chromium's does not (Intl throws RangeError)."""
    zone = "Mars/Olympus_Mons"
    page = Page(browser, timezone_id="Asia/Kathmandu", locale="en-GB")  # 24 h: "%H:%M"
    shown = page.page
    shown.route(re.compile(r"/(today|api/sessions)(\?|$)"), _answer_with_zone(zone))
    before = datetime.now(UTC).strftime("%H:%M")
    shown.goto(seeded_daemon.url + "/")
    page.wait_loaded(1)
    after = datetime.now(UTC).strftime("%H:%M")
    assert shown.inner_text("#status") in {
        f"{zone} (times in UTC) · updated {before}",
        f"{zone} (times in UTC) · updated {after}",
    }
    recent = httpx.get(f"{seeded_daemon.url}/api/sessions", params={"limit": "15"}).json()
    first = recent["sessions"][0]
    utc = [
        datetime.fromtimestamp(first[k], UTC).strftime("%H:%M")
        for k in ("start_time", "last_heartbeat")
    ]
    # Around midnight UTC the end also carries its day ("Fri\u00a027 00:03"): the times decide.
    start, end = shown.inner_text("#recent-sessions tbody tr td:nth-child(2)").split("\u2013")
    assert (start, end.split()[-1]) == tuple(utc)
    assert page.problems == []


def test_with_an_api_key_the_page_asks_for_it_and_says_when_it_is_wrong(
    tmp_path: Path, browser: Any
):
    zone = {"TZ": midday_zone(time.time())}  # the beat a minute ago is today's at any hour
    keyed = DaemonProcess(tmp_path / "keyed.db", "--api-key", "k3y", env=zone).start()
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
        # The question comes first, with the focus in its field, and no empty cards under it.
        assert shown.evaluate("document.activeElement.id") == "api-key"
        assert shown.is_hidden("main") and shown.is_hidden("#key-error")

        shown.fill("#api-key", "wrong")
        shown.click("#key-form button")
        shown.wait_for_selector("#key-form:not([hidden])")
        shown.wait_for_function(
            "() => document.getElementById('status').textContent.includes('refused')"
        )
        assert shown.inner_text("#status") == "the daemon refused that API key"
        # The refusal is said at the field, for a screen reader too, and the focus is back in it.
        assert shown.is_visible("#key-error")
        assert shown.get_attribute("#api-key", "aria-invalid") == "true"
        assert shown.get_attribute("#api-key", "aria-describedby") == "key-error"
        assert shown.evaluate("document.activeElement.id") == "api-key"

        shown.fill("#api-key", "k3y")
        shown.click("#key-form button")
        page.wait_loaded(1)
        assert shown.is_hidden("#key-form")
        assert [row["path"] for row in shown.evaluate(TODAY_ROWS_JS)] == ["/code/locked"]
        # The browser logs each 401 it was answered, the page gives the refresh's other reads
        # up; nothing else may go wrong.
        assert page.problems
        assert page.only_answered(401), page.problems
    finally:
        keyed.stop()


# -- colours and the legend ----------------------------------------------------------------------

CHART_COLOURS_JS = """() => Object.fromEntries(Chart.getChart("days-chart").data.datasets
  .filter((d) => d.key !== "total").map((d) => [d.projectPath ?? "other", d.backgroundColor]))"""
LEGEND_JS = """() => [...document.querySelectorAll("#days-legend button")].map((b) => ({
  key: b.dataset.key, pressed: b.getAttribute("aria-pressed"), title: b.title,
  text: b.textContent, right: b.getBoundingClientRect().right,
}))"""


def _many_projects(daemon: DaemonProcess, count: int) -> list[str]:
    """``count`` projects worked on in the last hour, project i for count + 1 - i minutes."""
    now = int(time.time())
    paths = [f"/code/many/project-{i:02d}" for i in range(count)]
    for i, path in enumerate(paths):
        send_beats(daemon, path, range(now - 60 * (count + 2 - i), now - 59, 60))
    return paths


def test_a_project_keeps_its_colour_when_the_range_changes(
    midday_daemon: DaemonProcess, browser: Any
):
    """Colours follow the project, not its rank: alpha leads the month, beta the week."""
    now = int(time.time())
    send_beats(
        midday_daemon, "/code/alpha", range(now - 20 * 86400, now - 20 * 86400 + 3 * 3600 + 1, 300)
    )
    send_beats(midday_daemon, "/code/alpha", range(now - 600, now - 59, 300))
    send_beats(midday_daemon, "/code/beta", range(now - 1800, now - 59, 300))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    week = shown.evaluate(CHART_COLOURS_JS)
    page.choose_range(30)
    month = shown.evaluate(CHART_COLOURS_JS)
    assert shown.evaluate(CHART_DATA_JS)["datasets"][0]["path"] == "/code/alpha"
    assert week == month
    assert len(set(week.values())) == 2
    assert page.problems == []


def test_the_chart_shows_eight_projects_in_distinct_colours_and_the_rest_as_other(
    daemon: DaemonProcess, browser: Any
):
    paths = _many_projects(daemon, 11)
    page = Page(browser)
    shown = page.open(daemon.url + "/")
    chart = shown.evaluate(CHART_DATA_JS)
    days = httpx.get(f"{daemon.url}/api/days", params={"days": "7"}).json()
    expected = _expected_chart(days)
    assert chart["datasets"][:8] == expected["datasets"][:8]
    assert [d["path"] for d in chart["datasets"][:8]] == paths[:8]
    other = chart["datasets"][8]
    assert (other["path"], other["label"]) == (None, "other (3 projects)")
    assert other["data"] == [sum(d["data"][i] for d in expected["datasets"][8:]) for i in range(7)]
    colours = shown.evaluate(CHART_COLOURS_JS)
    assert len(colours) == len(set(colours.values())) == 9
    legend = shown.evaluate(LEGEND_JS)
    assert [item["key"] for item in legend] == [*paths[:8], "other"]
    assert legend[0]["title"] == f"project-00\n{paths[0]}"
    assert page.problems == []


def test_at_400_px_the_legend_wraps_below_a_full_height_chart(
    midday_daemon: DaemonProcess, browser: Any
):
    long_path = "/code/" + "a-very-long-project-name-without-spaces-" * 3
    worked_lately(midday_daemon, long_path, 1200)
    _many_projects(midday_daemon, 11)
    page = Page(browser, viewport={"width": 400, "height": 900})
    shown = page.open(midday_daemon.url + "/")
    box = shown.evaluate(
        "() => document.getElementById('days-chart').getBoundingClientRect().toJSON()"
    )
    assert box["height"] >= 290
    legend = shown.evaluate(LEGEND_JS)
    assert len(legend) == 9
    assert all(item["right"] <= 400 for item in legend), legend
    long_label = f"#days-legend button[data-key='{long_path}']"
    assert (
        shown.get_attribute(long_label, "title") == f"{long_path.rsplit('/', 1)[-1]}\n{long_path}"
    )
    [label] = drawn_names(shown, f"{long_label} .label")
    assert label["shown"].endswith("…"), "a long name is cut with an ellipsis"
    assert page.problems == []


def test_the_tooltip_lists_only_the_days_projects_with_short_names(
    midday_daemon: DaemonProcess, browser: Any
):
    long_path = "/code/" + "a-very-long-project-name-" * 3
    now = int(time.time())
    send_beats(midday_daemon, long_path, range(now - 1200, now - 59, 60))
    send_beats(midday_daemon, "/code/old", range(now - 3 * 86400, now - 3 * 86400 + 601, 60))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    lines = shown.evaluate("""() => {
      const chart = Chart.getChart("days-chart");
      const today = chart.data.labels.length - 1;
      chart.tooltip.setActiveElements(
        chart.data.datasets.map((_, datasetIndex) => ({ datasetIndex, index: today })),
        { x: 0, y: 0 });
      chart.update();
      return chart.tooltip.body.flatMap((b) => b.lines);
    }""")
    name = long_path.rstrip("/").rsplit("/", 1)[-1]
    today = httpx.get(f"{midday_daemon.url}/today", params={"format": "json"}).json()
    assert lines == [f"\u2068{name[:29]}\u2026\u2069: {_duration(today['total_seconds'])}"], lines
    assert page.problems == []


def test_the_tooltip_of_a_day_with_nothing_tracked_says_so(
    midday_daemon: DaemonProcess, browser: Any
):
    """Every project of that day at 0 s: the tooltip's title read the first of no items, and
    the page threw on each hover. It now says the day had nothing."""
    worked_lately(midday_daemon, "/code/today", 600)
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    tooltip = shown.evaluate("""() => {
      const chart = Chart.getChart("days-chart");
      chart.tooltip.setActiveElements(
        chart.data.datasets.map((_, datasetIndex) => ({ datasetIndex, index: 0 })),
        { x: 0, y: 0 });
      chart.update();
      const { title, body, footer } = chart.tooltip;
      return { title, lines: body.flatMap((b) => b.lines), footer };
    }""")
    first_day = date.fromisoformat(
        httpx.get(f"{midday_daemon.url}/api/days").json()["days"][0]["date"]
    )
    # The day in full, as the browser's language (en-US here) writes it, not "2026-11-20".
    assert tooltip["title"] == [f"{first_day:%a, %b} {first_day.day}, {first_day.year}"]
    assert (tooltip["lines"], tooltip["footer"]) == (["nothing tracked"], [])
    assert page.problems == []


def test_hidden_legend_entries_stay_hidden_across_the_minute_refresh(
    seeded_daemon: DaemonProcess, browser: Any
):
    page = Page(browser, clock=True)
    shown = page.open(seeded_daemon.url + "/")
    notes = "#days-legend button[data-key='/code/notes']"
    shown.click(notes)
    visible_js = """() => Object.fromEntries(Chart.getChart("days-chart").data.datasets.map(
      (d, i) => [d.key, Chart.getChart("days-chart").isDatasetVisible(i)]))"""
    assert shown.evaluate(visible_js)["/code/notes"] is False
    page.page.clock.run_for(60_000)
    page.wait_loaded(2)
    assert shown.evaluate(visible_js) == {
        "/code/oxitrack": True,
        "/code/notes": False,
        "/code/site": True,
        "total": True,
    }
    assert shown.get_attribute(notes, "aria-pressed") == "false"
    shown.click(notes)
    assert shown.evaluate(visible_js)["/code/notes"] is True
    assert page.problems == []


# -- theme and contrast --------------------------------------------------------------------------


def _beat_now(daemon: DaemonProcess) -> None:
    """A beat a few seconds old, so that today has an active project."""
    send_beats(daemon, "/code/oxitrack", range(int(time.time()) - 5, int(time.time()) - 4))


THEME_JS = """() => {
  const style = (sel) => getComputedStyle(document.querySelector(sel));
  const root = getComputedStyle(document.documentElement);
  const y = Chart.getChart("days-chart").options.scales.y;
  return {
    card: style("#today").backgroundColor,
    active: style(".active").color,
    muted: style("#today .path").color,
    pressed: style(".switch [aria-pressed=true]").color,
    pressedBg: style(".switch [aria-pressed=true]").backgroundColor,
    legend: style("#days-legend button").color,
    ticks: y.ticks.color,
    grid: y.grid.color,
    cssMuted: root.getPropertyValue("--muted").trim(),
    cssGrid: root.getPropertyValue("--grid").trim(),
    colorScheme: root.colorScheme,
  };
}"""


def _hex_to_rgb(css: str) -> str:
    return "rgb({}, {}, {})".format(*(int(css[i : i + 2], 16) for i in (1, 3, 5)))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_has_at_least_4_5_to_1_contrast(
    seeded_daemon: DaemonProcess, browser: Any, scheme: str
):
    _beat_now(seeded_daemon)
    page = Page(browser, color_scheme=scheme)
    theme = page.open(seeded_daemon.url + "/").evaluate(THEME_JS)
    assert theme["colorScheme"] == "light dark"
    for name in ("active", "muted", "legend"):
        assert contrast(theme[name], theme["card"]) >= 4.5, (name, theme)
    assert contrast(_hex_to_rgb(theme["ticks"]), theme["card"]) >= 4.5, theme
    assert contrast(theme["pressed"], theme["pressedBg"]) >= 4.5, theme
    assert contrast(_hex_to_rgb(theme["grid"]), theme["card"]) >= 1.3, "grid lines are visible"
    assert page.problems == []


def test_chart_colours_follow_the_theme_when_it_changes(seeded_daemon: DaemonProcess, browser: Any):
    _beat_now(seeded_daemon)
    page = Page(browser, color_scheme="dark")
    shown = page.open(seeded_daemon.url + "/")
    dark = shown.evaluate(THEME_JS)
    assert (dark["ticks"], dark["grid"]) == (dark["cssMuted"], dark["cssGrid"])
    shown.emulate_media(color_scheme="light")
    shown.wait_for_function(
        "(old) => Chart.getChart('days-chart').options.scales.y.ticks.color !== old",
        arg=dark["ticks"],
    )
    light = shown.evaluate(THEME_JS)
    assert (light["ticks"], light["grid"]) == (light["cssMuted"], light["cssGrid"])
    assert light["ticks"] != dark["ticks"]
    assert page.problems == []


def test_chart_and_status_speak_to_screen_readers(seeded_daemon: DaemonProcess, browser: Any):
    page = Page(browser)
    shown = page.open(seeded_daemon.url + "/")
    days = httpx.get(f"{seeded_daemon.url}/api/days", params={"days": "7"}).json()
    top = days["projects"][0]
    label = shown.get_attribute("#days-chart", "aria-label")
    assert label.startswith(f"Time per day, last 7 days ({days['from']} to {days['to']}): ")
    assert f"total {_duration(days['total_seconds'])}" in label
    assert f"most: {top['project_name']} {_duration(top['duration_seconds'])}" in label
    # Only the state is announced: the minute of the last update sits outside the live region.
    assert shown.get_attribute("#status-live", "role") == "status"
    assert shown.get_attribute("#status-live", "aria-live") == "polite"
    assert shown.inner_text("#status-live") == shown.inner_text("#status").split(" · updated")[0]
    assert "updated" in shown.inner_text("#status-time")
    assert page.problems == []


def test_each_days_numbers_are_in_a_table_a_screen_reader_can_walk(
    seeded_daemon: DaemonProcess, browser: Any
):
    """The canvas is one image to a screen reader; the table beside it gives every day."""
    page = Page(browser)
    shown = page.open(seeded_daemon.url + "/")
    days = httpx.get(f"{seeded_daemon.url}/api/days", params={"days": "7"}).json()
    assert shown.is_hidden("#days-table tbody"), "folded away until asked for"
    shown.click("#days-table-box summary")
    rows = shown.evaluate(
        """() => [...document.querySelectorAll("#days-table tbody tr")].map((tr) => ({
          date: tr.querySelector("th[scope=row] time").getAttribute("datetime"),
          cells: [...tr.querySelectorAll("td")].map((td) => td.innerText),
        }))"""
    )
    assert rows == [
        {
            "date": day["date"],
            "cells": [_duration(day["total_seconds"]), _worked(day["projects"]) or "\u2013"],
        }
        for day in days["days"]
    ]
    # Today overlaps (oxitrack and notes): its total is the real one, not the two rows added up.
    today = days["days"][-1]
    assert sum(p["duration_seconds"] for p in today["projects"]) > today["total_seconds"]
    assert shown.is_visible("#days-table tbody")
    assert page.problems == []


def test_updated_time_is_given_in_the_reports_zone(seeded_daemon: DaemonProcess, browser: Any):
    """The browser is in Kathmandu (+05:45): no whole-hour zone shows the same HH:MM."""
    zone = ZoneInfo((seeded_daemon.env or {})["TZ"])
    page = Page(browser, timezone_id="Asia/Kathmandu", locale="en-GB")  # 24 h: "%H:%M"
    before = datetime.now(zone).strftime("%H:%M")
    status = page.open(seeded_daemon.url + "/").inner_text("#status")
    after = datetime.now(zone).strftime("%H:%M")
    assert status in {f"{zone.key} · updated {before}", f"{zone.key} · updated {after}"}
    assert page.problems == []


# -- slow, stale and missing answers -------------------------------------------------------------


def test_a_slow_answer_to_an_earlier_range_click_is_discarded(
    seeded_daemon: DaemonProcess, browser: Any
):
    page = Page(browser)
    shown = page.open(seeded_daemon.url + "/")
    held: list[Any] = []
    shown.route("**/api/days?days=30*", lambda route: held.append(route))
    shown.click("button[data-days='30']")
    shown.wait_for_function("() => true")  # let the route handler see the request
    shown.click("button[data-days='7']")
    page.wait_loaded(2)
    assert len(held) == 1
    held[0].continue_()
    shown.wait_for_function("() => document.body.dataset.discarded === '1'")
    assert len(shown.evaluate(CHART_DATA_JS)["labels"]) == 7
    assert shown.get_attribute("button[data-days='7']", "aria-pressed") == "true"
    assert shown.get_attribute("button[data-days='30']", "aria-pressed") == "false"
    assert page.only_given_up(held[0].request.url), page.problems  # at the second click


def test_a_stopped_daemon_is_shown_clearly_and_the_page_recovers_within_seconds(
    seeded_daemon: DaemonProcess, browser: Any
):
    _beat_now(seeded_daemon)
    page = Page(browser, clock=True)
    shown = page.open(seeded_daemon.url + "/")
    updated = shown.inner_text("#status-time").removeprefix(" · updated ").strip()
    assert shown.is_visible(".active")
    seeded_daemon.kill()

    shown.click("button[data-days='30']")
    shown.wait_for_selector("#offline:not([hidden])")
    banner = shown.inner_text("#offline")
    assert banner.startswith(f"The daemon at {seeded_daemon.url} does not answer since ")
    assert f"showing data from {updated}. Trying again in 5 s." in banner
    # In the page's words: the browser's own ("Failed to fetch") differ from one to the next.
    assert shown.inner_text("#status-live") == "cannot reach the daemon: the connection failed"
    # The range the chart shows stays pressed; the dimmed data claims nothing is active.
    assert shown.get_attribute("button[data-days='7']", "aria-pressed") == "true"
    assert len(shown.evaluate(CHART_DATA_JS)["labels"]) == 7
    assert shown.is_hidden(".active")
    assert shown.evaluate("() => getComputedStyle(document.querySelector('main')).opacity") == "0.5"

    # A retry with the daemon still down: the countdown changes, the alert is not said again.
    shown.evaluate(
        """() => {
          window.alertWrites = 0;
          new MutationObserver((changes) => { window.alertWrites += changes.length; })
            .observe(document.getElementById('offline-alert'),
                     {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.page.clock.run_for(5_000)
    shown.wait_for_function(
        "() => document.getElementById('offline-retry').textContent.includes('10 s')"
    )
    assert shown.evaluate("() => window.alertWrites") == 0

    seeded_daemon.start(port=seeded_daemon.port)
    page.page.clock.run_for(10_000)  # the second retry, well before the minute timer
    page.wait_loaded(2)
    assert shown.is_hidden("#offline")
    assert shown.is_visible(".active")
    # The range clicked while the daemon was away is the one shown once it is back.
    assert len(shown.evaluate(CHART_DATA_JS)["labels"]) == 30
    assert shown.get_attribute("button[data-days='30']", "aria-pressed") == "true"
    assert page.problems_are_only_the_daemon_away(), page.problems


def test_while_the_daemon_is_away_only_the_retries_ask_again(
    seeded_daemon: DaemonProcess, browser: Any
):
    """Retries after 5, 10, 30, then every 60 s: the minute refresh must not ask on top of them
    (it doubled the attempts, and the banner's countdown was wrong)."""
    page = Page(browser, clock=True)
    shown = page.open(seeded_daemon.url + "/")
    shown.evaluate(
        """() => {
          window.fetches = 0;
          const fetchOnce = window.fetch;
          window.fetch = (...args) => { window.fetches += 1; return fetchOnce(...args); };
        }"""
    )
    seeded_daemon.kill()
    page.page.clock.run_for(60_000)  # the minute refresh fails: the outage starts
    for delay, next_delay in ((0, 5), (5, 10), (10, 30), (30, 60)):
        page.page.clock.run_for(delay * 1000)
        shown.wait_for_function(
            "(text) => document.getElementById('offline-retry').textContent.includes(text)",
            arg=f"in {next_delay} s",
        )
    # The last retry said 60 s: nothing may ask before then, the minute tick included.
    before = shown.evaluate("() => window.fetches")
    page.page.clock.run_for(59_000)
    assert shown.evaluate("() => window.fetches") == before
    page.page.clock.run_for(1_000)
    # /today, /api/days, /api/sessions, and /health (for its version)
    assert shown.evaluate("() => window.fetches") == before + 4


@pytest.mark.parametrize(
    ("status", "shown_after"),
    [(401, "#key-form:not([hidden])"), (422, "#refused:not([hidden])")],
)
def test_a_refusal_after_data_loaded_dims_it_like_an_outage(
    seeded_daemon: DaemonProcess, browser: Any, status: int, shown_after: str
):
    """A changed API key or a refused request: the old numbers must not look current either."""
    _beat_now(seeded_daemon)
    page = Page(browser, clock=True)
    shown = page.open(seeded_daemon.url + "/")
    assert shown.is_visible(".active")
    answer = {"error": "refused", "message": "tz: no longer accepted"}
    shown.route(
        re.compile(r"/(today|api/)"), lambda route: route.fulfill(status=status, json=answer)
    )
    page.page.clock.run_for(60_000)
    shown.wait_for_selector(shown_after)
    assert shown.is_hidden(".active")
    assert shown.evaluate("() => getComputedStyle(document.querySelector('main')).opacity") == "0.5"
    assert page.problems
    assert page.only_answered(status), page.problems


def test_a_page_not_the_daemons_on_its_address_is_said_as_such(
    seeded_daemon: DaemonProcess, browser: Any
):
    """A proxy in front of a daemon that is away answers with its own error page: the status line
    said the browser's JSON parser's words ("Unexpected token '<'…")."""
    page = Page(browser, clock=True)
    shown = page.open(seeded_daemon.url + "/")
    proxy_page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    shown.route(
        re.compile(r"/(today|health|api/)"),
        lambda route: route.fulfill(status=502, content_type="text/html", body=proxy_page),
    )
    page.page.clock.run_for(60_000)
    shown.wait_for_selector("#offline:not([hidden])")
    assert shown.inner_text("#status-live") == (
        "cannot reach the daemon: what answers there is not the daemon (HTTP 502)"
    )
    assert shown.inner_text("#offline").startswith(f"The daemon at {seeded_daemon.url} does not")
    assert page.only_answered(502), page.problems


# -- layout and empty states ---------------------------------------------------------------------

ROW_HEIGHTS_JS = """() => ({
  head: document.querySelector("#recent-sessions thead tr").getBoundingClientRect().height,
  tableRight: document.querySelector("#recent-sessions").getBoundingClientRect().right,
  cardRight: document.querySelector("#recent").getBoundingClientRect().right,
  rows: [...document.querySelectorAll("#recent-sessions tbody tr")].map(
    (tr) => tr.getBoundingClientRect().height),
  buttons: [...document.querySelectorAll(".switch button")].map(
    (b) => b.getBoundingClientRect().top),
})"""


@pytest.mark.parametrize("width", [400, 1280])
def test_long_names_in_recent_sessions_keep_every_row_on_one_line(
    midday_daemon: DaemonProcess, browser: Any, width: int
):
    long_path = "/code/" + "an-unbroken-project-name-" * 6
    now = int(time.time())
    send_beats(midday_daemon, "/code/short", range(now - 3000, now - 2000, 60))
    send_beats(midday_daemon, long_path, range(now - 600, now - 59, 60))
    page = Page(browser, viewport={"width": width, "height": 900})
    shown = page.open(midday_daemon.url + "/")
    layout = shown.evaluate(ROW_HEIGHTS_JS)
    assert len(layout["rows"]) == 2
    assert all(height <= layout["head"] * 1.3 for height in layout["rows"]), layout
    assert len(set(layout["buttons"])) == 1, "the range buttons on one line"
    assert layout["tableRight"] <= layout["cardRight"], "the table fits in its card"
    long_name = long_path.rstrip("/").rsplit("/", 1)[-1]
    names = {name["title"]: name for name in drawn_names(shown, "#recent-sessions td .name")}
    assert names[f"{long_name}\n{long_path}"]["spoken"] == long_name
    assert page.problems == []


def test_at_320_px_the_page_does_not_scroll_sideways(midday_daemon: DaemonProcess, browser: Any):
    long_path = "/code/" + "an-unbroken-project-name-" * 6
    now = int(time.time())
    send_beats(midday_daemon, "/code/short", range(now - 3000, now - 2000, 60))
    send_beats(midday_daemon, long_path, range(now - 600, now - 59, 60))
    page = Page(browser, viewport={"width": 320, "height": 700})
    shown = page.open(midday_daemon.url + "/")
    assert shown.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), shown.evaluate("() => document.documentElement.scrollWidth")
    layout = shown.evaluate(ROW_HEIGHTS_JS)
    assert layout["tableRight"] <= layout["cardRight"], "the table fits in its card"
    # The day shortened ("Thu 26"), the project name given room rather than cut to nothing.
    day = shown.inner_text("#recent-sessions tbody tr td:first-child")
    assert re.fullmatch(r"\w+ \d{1,2}", day), day
    name_width = shown.evaluate(
        "() => document.querySelector('#recent-sessions td .name').getBoundingClientRect().width"
    )
    assert name_width >= 60
    assert page.problems == []


def test_an_empty_database_says_nothing_is_tracked_yet_and_how_to_start(
    daemon: DaemonProcess, browser: Any
):
    page = Page(browser)
    shown = page.open(daemon.url + "/")
    assert shown.is_visible("#days-empty")
    assert "sends beats" in shown.inner_text("#days-empty")
    assert "README" in shown.inner_text("#days-empty")
    assert shown.is_visible("#recent-empty")
    assert shown.is_hidden("#recent-sessions")
    assert shown.get_attribute("#days-chart", "aria-label").endswith(": nothing tracked.")
    assert shown.is_hidden("#days-table-box"), "no table of seven empty days"
    assert page.problems == []


def test_a_session_ending_on_a_later_day_shows_that_day(tmp_path: Path, browser: Any):
    """An end shown as a bare "00:10" after "23:50" hid that the session ran past midnight."""
    now = int(time.time())
    zone = midday_zone(now)
    midnight = int(
        datetime.fromtimestamp(now, ZoneInfo(zone)).replace(hour=0, minute=0).timestamp()
    )
    beats = {
        "/code/late": range(midnight - 600, midnight + 601, 300),
        "/code/day": range(now - 1200, now - 599, 300),
    }
    same_day, past_midnight = _recent_sessions_shown(tmp_path, browser, zone, beats, ".until")
    today = datetime.fromtimestamp(now, ZoneInfo(zone))
    assert re.fullmatch(r"\d\d:\d\d", same_day), same_day
    assert re.fullmatch(rf"\w+\s{today.day} 00:10", past_midnight), past_midnight


def test_a_session_across_a_clock_change_shows_both_offsets(tmp_path: Path, browser: Any):
    """40 minutes from 01:30 EDT to 01:10 EST showed as "01:30\u201301:10", as the command line
    did: an end before the start."""
    beats = {"/code/late": range(1762061400, 1762063801, 600)}  # 2025-11-02, New York
    times = _recent_sessions_shown(tmp_path, browser, "America/New_York", beats, ".time-cell")
    assert [time.replace("\n", "") for time in times] == ["01:30-04:00\u201301:10-05:00"]


def _recent_sessions_shown(
    tmp_path: Path, browser: Any, zone: str, beats: dict[str, range], cell: str
) -> list[str]:
    """The text of one cell of each recent session, newest first, as a page in UTC shows the
    report of a daemon in ``zone`` fed ``beats``; the page raised no problem."""
    daemon = DaemonProcess(tmp_path / "daemon.db", env={"TZ": zone}).start()
    try:
        for path, timestamps in beats.items():
            send_beats(daemon, path, timestamps)
        page = Page(browser, timezone_id="UTC", locale="en-GB")  # 24 h: "%H:%M"
        texts: list[str] = page.open(daemon.url + "/").evaluate(
            "(cell) => [...document.querySelectorAll(`#recent-sessions ${cell}`)]"
            ".map((found) => found.innerText)",
            cell,
        )
    finally:
        daemon.kill()
    assert page.problems == []
    return texts
