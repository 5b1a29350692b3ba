"""The range chosen on the dashboard lives in its address (?days=), so a reload, a bookmark and
the browser's Back and Forward buttons keep or return to it, beside any ?tz=."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import chromium
from tests.e2e.test_dashboard import Page, _beats

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


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def worked_daemon(daemon: DaemonProcess) -> DaemonProcess:
    now = int(time.time())
    _beats(daemon, "/code/alpha", range(now - 1200, now - 59, 60))
    return daemon


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
    assert all("status of 422" in problem for problem in page.problems), page.problems
