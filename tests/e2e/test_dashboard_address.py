"""The range chosen on the dashboard, and the projects switched off in its legend, live in its
address (?days=, ?hide=), so a reload, a bookmark and the browser's Back and Forward buttons keep
or return to them, beside any ?tz=."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, worked_lately

pytestmark = pytest.mark.e2e

SHOWN_RANGE_JS = """() => ({
  days: Chart.getChart("days-chart").data.labels.length,
  pressed: [...document.querySelectorAll(".switch [aria-pressed=true]")].map(
    (b) => b.dataset.days),
  rows: document.querySelectorAll("#days-table tbody tr").length,
  status: document.getElementById("status-live").textContent,
})"""
YEAR_CHART_JS = """() => {
  const chart = Chart.getChart("days-chart");
  const total = chart.data.datasets.findIndex((d) => d.key === "total");
  const points = chart.getDatasetMeta(total).data;
  const marks = points.map((point) => point.options.radius);
  return {
    labels: chart.data.labels,
    ticks: chart.scales.x.ticks.map((tick) => tick.value),
    tickLabels: chart.scales.x.ticks.map((tick) => tick.label),
    slot: chart.chartArea.width / chart.data.labels.length,
    marks,
    markRight: Math.max(...points.map((point, i) => point.x + marks[i])),
    plotRight: chart.chartArea.right,
  };
}"""
SHOWS_JS = """(days) => Chart.getChart("days-chart")?.data.labels.length === days
  && document.body.dataset.stale === undefined"""


def _shows(page: Page, days: int) -> dict[str, Any]:
    page.page.wait_for_function(SHOWS_JS, arg=days)
    shown: dict[str, Any] = page.page.evaluate(SHOWN_RANGE_JS)
    return shown


def test_reload_back_and_forward_keep_the_chosen_range(worked_daemon: DaemonProcess, browser: Any):
    """The range was page state only: a reload, or Back after a click, fell back to 7 days."""
    page = Page(browser)
    start = f"{worked_daemon.url}/?tz=Asia/Kathmandu"
    shown = page.open(start)
    shown.click(".switch button[data-days='30']")
    assert _shows(page, 30)["pressed"] == ["30"]
    assert shown.url == f"{worked_daemon.url}/?tz=Asia%2FKathmandu&days=30"

    shown.go_back()
    assert shown.url == start
    assert _shows(page, 7)["pressed"] == ["7"]
    shown.go_forward()
    assert _shows(page, 30)["pressed"] == ["30"]

    shown.reload()
    page.wait_loaded(1)
    after_reload = _shows(page, 30)
    assert after_reload["pressed"] == ["30"]
    assert after_reload["status"] == "Asia/Kathmandu", "the zone is kept beside the range"
    assert page.problems == []


def test_a_year_from_the_address_fits_a_phone(worked_daemon: DaemonProcess, browser: Any):
    """Over a year the days' 10 px total marks ran into one line past the plot, and "Mon 24"
    named a dozen days: the marks now fit their day and the axis names months (and years, as
    a month and day recur over 366 days)."""
    page = Page(browser, viewport={"width": 360, "height": 800}, locale="en-US")
    page.open(f"{worked_daemon.url}/?days=366")
    shown = _shows(page, 366)
    assert shown["pressed"] == [], "neither 7 nor 30 days is what is shown"
    assert shown["rows"] == 366
    chart = page.page.evaluate(YEAR_CHART_JS)
    assert 0 < max(chart["marks"]) <= chart["slot"] / 2, chart
    assert chart["markRight"] <= chart["plotRight"] + 0.5, chart
    expected = [
        date.fromisoformat(chart["labels"][index]).strftime("%b %-d, %Y")
        for index in chart["ticks"]
    ]
    assert chart["tickLabels"] == expected
    page.page.click("#days-table-box summary")
    assert page.page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert page.problems == []


def test_a_years_table_names_each_day_with_its_month(worked_daemon: DaemonProcess, browser: Any):
    """The chart's axis names months over a year, but the table beside it kept "Mon 24", a name
    a dozen of its rows shared: a screen reader reads the row's label, not its datetime."""
    page = Page(browser, locale="en-US")
    page.open(f"{worked_daemon.url}/?days=366")
    _shows(page, 366)
    page.page.click("#days-table-box summary")
    rows = page.page.evaluate(
        """() => [...document.querySelectorAll("#days-table tbody th time")].map((time) => ({
          date: time.getAttribute("datetime"), label: time.textContent }))"""
    )
    assert len(rows) == 366
    assert len({row["label"] for row in rows}) == 366, "each row's label names one day"
    for row in rows:
        assert row["label"] == date.fromisoformat(row["date"]).strftime("%a, %b %-d")
    # A week keeps the weekday, which says more than the month within seven days.
    page.page.click(".switch button[data-days='7']")
    _shows(page, 7)
    week = page.page.evaluate(
        """() => [...document.querySelectorAll("#days-table tbody th time")].map((time) => ({
          date: time.getAttribute("datetime"), label: time.textContent }))"""
    )
    for row in week:
        assert row["label"] == date.fromisoformat(row["date"]).strftime("%a %-d")
    # Past a year, the weekday, month and day come round again: the year tells them apart.
    page.page.goto(f"{worked_daemon.url}/?days=2000")
    _shows(page, 2000)
    labels = page.page.evaluate(
        """() => [...document.querySelectorAll("#days-table tbody th time")].map((time) =>
          [time.getAttribute("datetime"), time.textContent])"""
    )
    assert [label for _, label in labels] == [
        date.fromisoformat(day).strftime("%b %-d, %Y") for day, _ in labels
    ]
    assert page.problems == []


def test_a_bad_range_in_the_address_says_how_to_fix_it(worked_daemon: DaemonProcess, browser: Any):
    page = Page(browser)
    shown = page.page
    shown.goto(f"{worked_daemon.url}/?days=lots")
    shown.wait_for_function("() => !document.getElementById('refused').hidden")
    assert shown.inner_text("#status-live").startswith("the daemon refused: days: ")
    assert shown.is_visible("#days-help")
    assert shown.is_hidden("#tz-help")
    shown.click("#days-reset")
    page.wait_loaded(1)
    assert shown.url == f"{worked_daemon.url}/"
    assert _shows(page, 7)["pressed"] == ["7"]
    # The browser itself logs the 422 answer; nothing else may go wrong.
    assert page.only_answered(422), page.problems


# A folder name people can have: an address's separators, a percent sign and other scripts.
AWKWARD_PATH = "/code/a,b&hide=c d%20e#f+g;ü 日本"
HIDDEN_JS = """() => {
  const chart = Chart.getChart("days-chart");
  const off = (button) => button.getAttribute("aria-pressed") === "false";
  return {
    legend: [...document.querySelectorAll("#days-legend button")].filter(off)
      .map((button) => button.dataset.key),
    chart: chart.data.datasets.filter((d, index) => d.key !== "total"
      && !chart.isDatasetVisible(index)).map((d) => d.key),
  };
}"""
HIDES_JS = """(keys) => {
  const off = [...document.querySelectorAll("#days-legend button[aria-pressed=false]")]
    .map((button) => button.dataset.key);
  return off.length === keys.length && keys.every((key) => off.includes(key));
}"""


@pytest.fixture
def awkward_daemon(worked_daemon: DaemonProcess) -> DaemonProcess:
    worked_lately(worked_daemon, AWKWARD_PATH, 600)
    return worked_daemon


def _hides(page: Page, *keys: str) -> None:
    """Wait until the legend has exactly ``keys`` switched off; the chart must agree with it."""
    page.page.wait_for_function(HIDES_JS, arg=list(keys))
    hidden = page.page.evaluate(HIDDEN_JS)
    assert sorted(hidden["legend"]) == sorted(hidden["chart"]) == sorted(keys), hidden


def _hidden_in_address(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("hide", [])


def test_reload_back_and_forward_keep_the_projects_hidden_in_the_legend(
    awkward_daemon: DaemonProcess, browser: Any
):
    """A project switched off in the legend came back on every reload: only the range was kept."""
    page = Page(browser)
    shown = page.open(f"{awkward_daemon.url}/?days=30")
    _hides(page)
    shown.click(f"#days-legend button[data-key='{AWKWARD_PATH}']")
    _hides(page, AWKWARD_PATH)
    assert _hidden_in_address(shown.url) == [AWKWARD_PATH], shown.url
    assert parse_qs(urlsplit(shown.url).query)["days"] == ["30"]

    shown.reload()
    page.wait_loaded(1)
    _hides(page, AWKWARD_PATH)
    assert _shows(page, 30)["pressed"] == ["30"], "the range is kept beside it"

    shown.click("#days-legend button[data-key='/code/alpha']")
    _hides(page, AWKWARD_PATH, "/code/alpha")
    shown.go_back()
    _hides(page, AWKWARD_PATH)
    shown.go_back()
    _hides(page)
    assert _hidden_in_address(shown.url) == []
    shown.go_forward()
    _hides(page, AWKWARD_PATH)
    # Switching the range keeps the projects hidden, in the page and in its address.
    shown.click(".switch button[data-days='7']")
    _shows(page, 7)
    _hides(page, AWKWARD_PATH)
    assert _hidden_in_address(shown.url) == [AWKWARD_PATH]
    assert page.problems == []


def test_a_hidden_project_the_range_lacks_leaves_the_page_working(
    awkward_daemon: DaemonProcess, browser: Any
):
    """An old bookmark can name a project since merged away, or a broken escape: the projects
    there are shown, and the unknown name stays in the address for the range that has it."""
    page = Page(browser)
    shown = page.open(f"{awkward_daemon.url}/?hide=%2Fcode%2Fgone&hide=%E0%A4&hide=")
    _hides(page)
    assert page.page.evaluate(SHOWN_RANGE_JS)["rows"] == 7
    shown.click("#days-legend button[data-key='/code/alpha']")
    _hides(page, "/code/alpha")
    assert _hidden_in_address(shown.url) == ["/code/gone", "\ufffd", "/code/alpha"]
    shown.reload()
    page.wait_loaded(1)
    _hides(page, "/code/alpha")
    assert page.problems == []
