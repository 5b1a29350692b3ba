"""A calendar month on the dashboard (?month=2026-02, the month picker beside the range switch):
the month billed after it ended, which no "last N days" shows whole, as the commands'
``--month`` gives it; kept in the address as the days are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, send_beats

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")
# Mid-March: February is last month, and 30 days back reach only its last half.
MARCH_15TH_2026 = datetime(2026, 3, 15, 12, 0, tzinfo=BERLIN)
SHOWN_JS = """() => {
  const chart = Chart.getChart("days-chart");
  const picker = document.getElementById("range-month");
  return {
    first: chart.data.labels[0],
    last: chart.data.labels.at(-1),
    days: chart.data.labels.length,
    pressed: [...document.querySelectorAll(".switch [aria-pressed=true]")].map(
      (button) => button.dataset.days),
    picked: picker.value,
    pickedName: picker.selectedOptions[0].textContent,
    offered: [...picker.options].map((option) => [option.value, option.textContent]),
    breakdownRange: document.getElementById("breakdown-range").textContent,
    summary: document.getElementById("days-chart").getAttribute("aria-label"),
    loaded: Number(document.body.dataset.loaded),
  };
}"""


def _at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


@pytest.fixture
def billed_month(daemon_at: Callable[[datetime], DaemonProcess]) -> DaemonProcess:
    """A daemon on March 15th, 2026 in Berlin: an hour on February 3rd, 30 minutes on the 27th,
    and 10 minutes on March 14th, all in VS Code."""
    daemon = daemon_at(MARCH_15TH_2026)
    send_beats(
        daemon,
        "/code/client",
        range(_at("2026-02-03 09:00"), _at("2026-02-03 10:00") + 1, 300),
        editor="vscode",
    )
    send_beats(
        daemon,
        "/code/client",
        range(_at("2026-02-27 09:00"), _at("2026-02-27 09:30") + 1, 300),
        editor="vscode",
    )
    send_beats(
        daemon,
        "/code/client",
        range(_at("2026-03-14 09:00"), _at("2026-03-14 09:10") + 1, 300),
        editor="vscode",
    )
    return daemon


def _shown(page: Page, *, days: int) -> dict[str, Any]:
    page.page.wait_for_function(
        "(days) => Chart.getChart('days-chart')?.data.labels.length === days", arg=days
    )
    shown: dict[str, Any] = page.page.evaluate(SHOWN_JS)
    return shown


def _pick(page: Page, month: str, *, days: int) -> dict[str, Any]:
    loaded = page.page.evaluate("() => Number(document.body.dataset.loaded || 0)")
    page.page.select_option("#range-month", month)
    page.wait_loaded(loaded + 1)
    return _shown(page, days=days)


def test_last_month_is_picked_whole_and_kept_in_the_address(
    billed_month: DaemonProcess, browser: Any
):
    """The page's ranges all ended today: February, billed in March, could not be shown whole
    (30 days from March 15th reach back to February 14th only)."""
    page = Page(browser, locale="en-US")
    shown = page.open(billed_month.url)
    week = _shown(page, days=7)
    assert week["picked"] == "" and week["pickedName"] == "Month…"
    assert week["offered"][1:4] == [
        ["2026-03", "March 2026"],
        ["2026-02", "February 2026"],
        ["2026-01", "January 2026"],
    ]
    assert len(week["offered"]) == 1 + 24, "two years of months, this one first"
    assert week["offered"][-1] == ["2024-04", "April 2024"]

    february = _pick(page, "2026-02", days=28)
    assert (february["first"], february["last"]) == ("2026-02-01", "2026-02-28")
    assert february["pressed"] == [], "no number of days is what is shown"
    assert (february["picked"], february["pickedName"]) == ("2026-02", "February 2026")
    assert february["breakdownRange"] == "February 2026"
    assert february["summary"].startswith(
        "Time per day, February 2026 (2026-02-01 to 2026-02-28): total 1h 30m;"
    ), february["summary"]
    assert shown.url == f"{billed_month.url}/?month=2026-02"

    # This month runs to today, as `--month` does.
    march = _pick(page, "2026-03", days=15)
    assert (march["first"], march["last"]) == ("2026-03-01", "2026-03-15")
    assert march["summary"].startswith("Time per day, March 2026 (2026-03-01 to 2026-03-15): ")

    shown.go_back()
    assert _shown(page, days=28)["picked"] == "2026-02"
    shown.reload()
    page.wait_loaded(1)
    assert _shown(page, days=28)["breakdownRange"] == "February 2026"

    # A range of days puts the month away, in the address and in the picker.
    page.choose_range(30)
    days = _shown(page, days=30)
    assert (days["pressed"], days["picked"]) == (["30"], "")
    assert days["breakdownRange"] == "last 30 days"
    assert shown.url == f"{billed_month.url}/?days=30"
    # And a month picked again puts the days away.
    assert _pick(page, "2026-02", days=28)["pressed"] == []
    assert shown.url == f"{billed_month.url}/?month=2026-02"
    page.pick_breakdown("editor")  # the month's rows, asked again for the field picked
    assert "1h 30m" in page.page.inner_text("#breakdown-list tbody")
    assert page.problems == []


def test_a_month_older_than_the_picker_lists_is_shown_from_the_address(
    billed_month: DaemonProcess, browser: Any
):
    """A bookmark of a month two years back, or ``?month=Last`` typed as the commands take it
    (the picker named it "Last", the breakdown "last month")."""
    page = Page(browser, locale="en-US")
    page.open(f"{billed_month.url}/?month=2023-05")
    old = _shown(page, days=31)
    assert (old["first"], old["picked"], old["pickedName"]) == ("2023-05-01", "2023-05", "May 2023")
    assert old["offered"][-1] == ["2023-05", "May 2023"]
    page.page.goto(f"{billed_month.url}/?month=Last")
    page.wait_loaded(1)
    last = _shown(page, days=28)
    assert (last["first"], last["pickedName"], last["breakdownRange"]) == (
        "2026-02-01",
        "last month",
        "last month",
    )
    assert page.problems == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("month=2026-13", "month: '2026-13' is not a month: write it as 2025-10, or last"),
        ("days=30&month=2026-02", "month: give either month or days, not both"),
    ],
)
def test_a_bad_month_in_the_address_says_how_to_fix_it(
    billed_month: DaemonProcess, browser: Any, query: str, message: str
):
    page = Page(browser)
    shown = page.page
    shown.goto(f"{billed_month.url}/?tz=Europe/Berlin&{query}")
    shown.wait_for_function("() => !document.getElementById('refused').hidden")
    assert shown.inner_text("#status-live") == f"the daemon refused: {message}"
    assert shown.is_visible("#days-help")
    shown.click("#days-reset")
    page.wait_loaded(1)
    assert shown.url == f"{billed_month.url}/?tz=Europe%2FBerlin"
    assert _shown(page, days=7)["pressed"] == ["7"]
    assert page.only_answered(422), page.problems


def test_a_range_of_one_day_is_named_today(billed_month: DaemonProcess, browser: Any):
    page = Page(browser, locale="en-US")
    page.open(f"{billed_month.url}/?days=1")
    one = _shown(page, days=1)
    assert (one["breakdownRange"], one["pressed"], one["picked"]) == ("today", [], "")
    assert one["summary"].startswith("Time per day, today (2026-03-15"), one["summary"]
    assert page.problems == []
