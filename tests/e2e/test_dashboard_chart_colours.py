"""The chart's colours, which tell its projects apart, at WCAG AA's 3:1 for graphics (1.4.11)
against the card they are drawn on, in the light and the dark theme."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, contrast, send_beats

pytestmark = pytest.mark.e2e

COLOURS_JS = """() => {
  const card = getComputedStyle(document.getElementById("days")).backgroundColor;
  const chart = Chart.getChart("days-chart").data.datasets
    .filter((dataset) => dataset.key !== "total")
    .map((dataset) => ({ key: dataset.key, colour: dataset.backgroundColor }));
  const shown = (selector) => [...document.querySelectorAll(selector)]
    .map((node) => getComputedStyle(node).backgroundColor);
  return { card, chart, swatches: shown("#days-legend .swatch"), bars: shown("#today .bar") };
}"""


def _rgb(colour: str) -> str:
    """``#4e79a7`` as ``rgb(78, 121, 167)``; an ``rgb(…)`` as it is."""
    if not colour.startswith("#"):
        return colour
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_project_colour_stands_out_3_to_1_from_the_card(
    midday_daemon: DaemonProcess, browser: Any, scheme: str
):
    """Tableau's orange, teal, yellow and pink are 1.6 to 2.4:1 on the white card: a day's
    yellow slice was next to invisible, and so was its key in the legend."""
    now = int(time.time())
    for number in range(12):  # the 8 the chart shows take 8 of the palette's 9 colours
        start = now - 3600 + number * 60
        send_beats(midday_daemon, f"/code/project-{number}", range(start, start + 61, 60))
    page = Page(browser, color_scheme=scheme)
    colours = page.open(midday_daemon.url + "/").evaluate(COLOURS_JS)
    projects = [each for each in colours["chart"] if each["key"] != "other"]
    assert len({each["colour"] for each in projects}) == 8
    low = {
        each["key"]: each["colour"]
        for each in colours["chart"]
        if contrast(_rgb(each["colour"]), colours["card"]) < 3
    }
    assert low == {}
    drawn = colours["swatches"] + colours["bars"]
    assert drawn
    assert [colour for colour in drawn if contrast(colour, colours["card"]) < 3] == []
    assert page.problems == []


BAR_AND_CHART_JS = """() => {
  const chart = Object.fromEntries(Chart.getChart("days-chart").data.datasets
    .map((dataset) => [dataset.key, dataset.backgroundColor]));
  return [...document.querySelectorAll("#today-projects tbody tr")].map((row) => ({
    path: row.dataset.projectPath,
    chart: chart[row.dataset.projectPath],
    bar: getComputedStyle(row.querySelector(".bar")).backgroundColor,
  }));
}"""


def test_todays_bars_take_the_new_themes_colours_when_it_flips(
    midday_daemon: DaemonProcess, browser: Any
):
    """The chart took the new theme's colours at once, today's bars only at the next refresh:
    for up to a minute a project had one colour in the chart and another in its bar."""
    now = int(time.time())
    for number in range(8):
        start = now - 3600 + number * 60
        send_beats(midday_daemon, f"/code/project-{number}", range(start, start + 61, 60))
    page = Page(browser, color_scheme="light")
    shown = page.open(midday_daemon.url + "/")
    light = shown.evaluate(BAR_AND_CHART_JS)
    shown.emulate_media(color_scheme="dark")
    shown.wait_for_function(
        """(light) => light.some((row) => Chart.getChart("days-chart").data.datasets
             .find((dataset) => dataset.key === row.path).backgroundColor !== row.chart)""",
        arg=light,
    )
    dark = shown.evaluate(BAR_AND_CHART_JS)
    assert [row["path"] for row in dark] == [row["path"] for row in light]
    assert [_rgb(row["chart"]) for row in dark] == [row["bar"] for row in dark]
    assert [row["bar"] for row in dark] != [row["bar"] for row in light]
    assert page.problems == []
