"""The dashboard under a high-contrast theme (forced colours, as Windows' contrast themes set):
the browser drops backgrounds there, which the page's bars, colour keys and pressed range and
breakdown field buttons were drawn with."""

from __future__ import annotations

from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page

pytestmark = pytest.mark.e2e

COLOURS_JS = """() => {
  const background = (selector) => getComputedStyle(document.querySelector(selector))
    .backgroundColor;
  const chart = Chart.getChart("days-chart");
  const alpha = chart.data.datasets.find((d) => d.key === "/code/alpha");
  const probe = document.createElement("span");
  probe.style.color = alpha.backgroundColor;
  probe.style.forcedColorAdjust = "none";
  document.body.append(probe);
  const chartColour = getComputedStyle(probe).color;
  probe.remove();
  return {
    chartColour,
    bar: background("#today-projects tr[data-project-path='/code/alpha'] .bar"),
    swatch: background("#days-legend button[data-key='/code/alpha'] .swatch"),
    pressed: background(".switch [aria-pressed=true]"),
    unpressed: background(".switch [aria-pressed=false]"),
    picked: background("#breakdown-switch [aria-pressed=true]"),
    unpicked: background("#breakdown-switch [aria-pressed=false]"),
  };
}"""


def test_bars_colour_keys_and_the_pressed_range_and_field_survive_forced_colours(
    worked_daemon: DaemonProcess, browser: Any
):
    page = Page(browser, forced_colors="active")
    shown = page.open(worked_daemon.url + "/")
    assert shown.evaluate("() => matchMedia('(forced-colors: active)').matches")
    colours = shown.evaluate(COLOURS_JS)
    assert colours["bar"] == colours["swatch"] == colours["chartColour"], colours
    assert colours["pressed"] != colours["unpressed"], colours
    assert colours["picked"] == colours["pressed"], "the breakdown's field as the range"
    assert colours["unpicked"] == colours["unpressed"], colours
    assert page.problems == []
