"""Project names as people have them: right-to-left scripts, and folders with no space to break
at. A name must keep its own direction without dragging the numbers next to it into it, and must
not push the page off the side of a phone's screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, worked_lately

pytestmark = pytest.mark.e2e

ARABIC_NAME = "مشروع-عربي"
# Where the characters of `text` (which follows `name` in the cell's text) are drawn.
CHARACTER_BOXES_JS = """([selector, name, text]) => {
  const cell = document.querySelector(selector);
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const whole = nodes.map((node) => node.data).join("");
  const box = (at) => {
    let offset = at;
    for (const node of nodes) {
      if (offset < node.data.length) {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + 1);
        return range.getBoundingClientRect().toJSON();
      }
      offset -= node.data.length;
    }
    throw new Error(`no character ${at} in ${JSON.stringify(whole)}`);
  };
  const start = whole.indexOf(`${name} ${text}`);
  if (start < 0) throw new Error(`${name} ${text} not in ${JSON.stringify(whole)}`);
  const nameBoxes = [...name].map((_, index) => box(start + index));
  const textBoxes = [...text].map((_, index) => box(start + name.length + 1 + index));
  return { nameRight: Math.max(...nameBoxes.map((b) => b.right)), text: textBoxes };
}"""


def test_a_right_to_left_name_leaves_the_time_after_it_in_order(
    midday_daemon: DaemonProcess, browser: Any
):
    """In the chart's table, "<Arabic name> 0h 30m" was drawn as "0 <name>h 30m": the bidi
    algorithm took the digit after Arabic letters as part of the name's run."""
    worked_lately(midday_daemon, f"/code/{ARABIC_NAME}", 1860)
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    shown.click("#days-table-box summary")
    boxes = shown.evaluate(
        CHARACTER_BOXES_JS, ["#days-table tbody tr:last-child td:last-child", ARABIC_NAME, "0h 30m"]
    )
    lefts = [each["left"] for each in boxes["text"] if each["width"] > 0]
    assert lefts == sorted(lefts), boxes
    assert boxes["nameRight"] <= lefts[0], "the name, then its time"
    assert page.problems == []


def test_the_tooltip_isolates_each_project_name_from_its_time(
    midday_daemon: DaemonProcess, browser: Any
):
    worked_lately(midday_daemon, f"/code/{ARABIC_NAME}", 1860)
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    lines = shown.evaluate("""() => {
      const chart = Chart.getChart("days-chart");
      const today = chart.data.labels.length - 1;
      chart.tooltip.setActiveElements([{ datasetIndex: 0, index: today }], { x: 0, y: 0 });
      chart.update();
      return chart.tooltip.body.flatMap((b) => b.lines);
    }""")
    assert lines == [f"\u2068{ARABIC_NAME}\u2069: 0h 30m"]
    assert page.problems == []


@pytest.mark.parametrize("width", [360, 1200])
def test_a_name_with_no_space_stays_inside_the_chart_table(
    midday_daemon: DaemonProcess, browser: Any, width: int
):
    long_path = "/code/" + "x" * 300
    worked_lately(midday_daemon, long_path, 600)
    page = Page(browser, viewport={"width": width, "height": 800})
    shown = page.open(midday_daemon.url + "/")
    shown.click("#days-table-box summary")
    layout = shown.evaluate("""() => ({
      page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
      table: document.getElementById("days-table").getBoundingClientRect().right,
      card: document.getElementById("days").getBoundingClientRect().right,
      cell: document.querySelector("#days-table tbody tr:last-child td:last-child").innerText,
    })""")
    assert layout["page"][0] <= layout["page"][1], layout
    assert layout["table"] <= layout["card"], layout
    assert layout["cell"].replace("\n", "") == f"{'x' * 300} 0h 09m", "wrapped, not cut"
    assert page.problems == []


def test_short_names_sit_beside_their_day_in_the_chart_table(
    midday_daemon: DaemonProcess, browser: Any
):
    """With only short names the table shared its width out evenly: the names sat far right, a
    wide gap away from the day and total they belong to."""
    worked_lately(midday_daemon, "/code/alpha", 600)
    page = Page(browser, viewport={"width": 900, "height": 800})
    shown = page.open(midday_daemon.url + "/")
    shown.click("#days-table-box summary")
    layout = shown.evaluate("""() => {
      const box = (node) => node.getBoundingClientRect();
      const table = box(document.getElementById("days-table"));
      const total = box(document.querySelector("#days-table tbody tr:last-child td.num"));
      return { width: table.width, totalRight: total.right - table.left };
    }""")
    assert layout["totalRight"] < layout["width"] / 4, layout
    assert page.problems == []
