"""Short day names across a month boundary: each tick of the chart's day axis names one day of the
range, the right one, in every range the page shows and whichever ticks Chart.js leaves labelled
at the page's width; so does each recent session's day on a phone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, send_beats

pytestmark = pytest.mark.e2e

# 30 days up to here begin on February 1st, a Monday as March 1st is (February 2027 has 28 days).
MARCH_2ND_2027 = datetime(2027, 3, 2, 12, 0, tzinfo=ZoneInfo("UTC"))
# The label each day would get as a tick (Chart.js keeps only some, as the width allows), and
# each tick it kept: the day it stands on and the text drawn under it.
AXIS_JS = """() => {
  const chart = Chart.getChart("days-chart");
  const x = chart.scales.x;
  return {
    days: chart.data.labels,
    names: chart.data.labels.map((_, i) => x.options.ticks.callback.call(x, i, i, x.ticks)),
    ticks: x.ticks.map((tick) => [chart.data.labels[tick.value], tick.label]),
  };
}"""


def _axis_name(day: date, days: int) -> str:
    """What a reader of the axis needs: the weekday within a week; the month beyond, as a day
    number recurs; the year too past 365 days, as a month and day recur."""
    if days <= 7:
        return day.strftime("%a %-d")
    return day.strftime("%b %-d, %Y" if days > 365 else "%b %-d")


@pytest.mark.parametrize("width", [1200, 360])
@pytest.mark.parametrize("days", [7, 30, 366])
def test_each_labelled_day_on_the_axis_is_named_once_and_rightly(
    daemon_at: Callable[[datetime], DaemonProcess], browser: Any, days: int, width: int
):
    """Over 30 days across February the axis read "Mon 1" for February 1st and March 1st, and
    "Tue 2" twice; over 366 days "Mar 2" named both ends, labelled or not at that width."""
    daemon = daemon_at(MARCH_2ND_2027)
    now = int(MARCH_2ND_2027.timestamp())
    send_beats(daemon, "/code/alpha", range(now - 1200, now - 59, 60))
    # A browser west of the daemon: a date read as its local midnight would name the day before.
    page = Page(
        browser,
        viewport={"width": width, "height": 800},
        locale="en-US",
        timezone_id="Pacific/Honolulu",
    )
    axis = page.open(f"{daemon.url}/?days={days}").evaluate(AXIS_JS)
    assert len(axis["days"]) == days
    assert axis["days"][-1] == "2027-03-02", "the daemon's clock shows the chosen day"
    assert "2027-02-28" in axis["days"]

    assert len(set(axis["names"])) == days, "no two days share a name"
    assert axis["names"] == [_axis_name(date.fromisoformat(day), days) for day in axis["days"]]
    drawn = {axis["days"].index(day): label for day, label in axis["ticks"]}
    assert len(drawn) > 1
    assert drawn == {index: axis["names"][index] for index in drawn}, "drawn as named"
    assert len(set(drawn.values())) == len(drawn)
    assert page.problems == []


def test_recent_sessions_on_a_phone_name_each_day_once(
    daemon_at: Callable[[datetime], DaemonProcess], browser: Any
):
    """On a phone the recent sessions give their day short: sessions on February 1st and March
    1st both read "Mon 1". Within a week the weekday stays; over more, the month is given."""
    daemon = daemon_at(MARCH_2ND_2027)
    now = int(MARCH_2ND_2027.timestamp())
    for days_ago in (29, 1, 0):
        start = now - days_ago * 86400 - 1800
        send_beats(daemon, f"/code/day-{days_ago}", range(start, start + 601, 60))
    page = Page(browser, viewport={"width": 360, "height": 800}, locale="en-US")
    rows = page.open(f"{daemon.url}/").evaluate(
        """() => [...document.querySelectorAll("#recent-sessions tbody tr")].map((tr) =>
          [tr.querySelector(".long-day").textContent, tr.querySelector(".short-day").innerText])"""
    )
    assert [day for day, _ in rows] == ["2027-03-02", "2027-03-01", "2027-02-01"]
    assert [short for _, short in rows] == ["Mar 2", "Mar 1", "Feb 1"]

    # Sessions within a week keep their weekday, which says more there.
    week = daemon_at(MARCH_2ND_2027)
    for days_ago in (6, 0):
        start = now - days_ago * 86400 - 1800
        send_beats(week, f"/code/day-{days_ago}", range(start, start + 601, 60))
    shorts = page.open(f"{week.url}/").evaluate(
        """() => [...document.querySelectorAll("#recent-sessions .short-day")].map(
          (day) => day.innerText)"""
    )
    assert shorts == ["Tue 2", "Wed 24"]
    assert page.problems == []
