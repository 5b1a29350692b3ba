"""Project names as people have them: right-to-left scripts, and folders with no space to break
at. A name must keep its own direction without dragging the numbers next to it into it, and must
not push the page off the side of a phone's screen."""

from __future__ import annotations

import time
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import (
    Page,
    drawn_names,
    send_beats,
    send_labelled_heartbeats,
    worked_lately,
)

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


def test_two_projects_of_one_name_are_told_apart_by_their_folders(
    midday_daemon: DaemonProcess, browser: Any
):
    """Two clients' ``api`` folders: the legend had two keys reading "api", the chart's table
    "api 0h 29m, api 0h 27m", the recent sessions two "api" rows; only a hover told them apart."""
    now = int(time.time())
    send_beats(midday_daemon, "/work/client-one/api", range(now - 3600, now - 1800, 60))
    send_beats(midday_daemon, "/work/client-two/api", range(now - 1700, now - 60, 60))
    send_beats(midday_daemon, "/work/client-two/web", range(now - 5400, now - 4800, 60))
    for root, start in (("/work/client-one/api", now - 3000), ("/work/client-two/api", now - 1000)):
        moments = range(start, start + 301, 60)
        send_labelled_heartbeats(
            midday_daemon, root, *({"time": t, "branch": "main"} for t in moments)
        )
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    told_apart = ["api (client-one)", "api (client-two)", "web"]
    assert sorted(_spoken(shown, "#days-legend button .label")) == told_apart
    shown.click("#days-table-box summary")
    today = shown.locator("#days-table tbody tr:last-child td:last-child bdi").all_inner_texts()
    assert today == told_apart  # most time first, as it happens
    recent = _spoken(shown, "#recent-sessions tbody .name")
    assert sorted(recent) == told_apart
    shown.click("#breakdown-switch button[data-by='branch']")
    shown.wait_for_selector("#breakdown[data-by='branch'] #breakdown-list:not([hidden])")
    branches = _spoken(shown, "#breakdown-list .project-name")
    assert sorted(branches) == told_apart[:2]
    assert page.problems == []


def test_the_folders_of_one_project_read_as_its_one_name_in_every_card(
    midday_daemon: DaemonProcess, browser: Any
):
    """A folder moved and the two merged (``oxitrack projects merge``): the sessions of the old
    folder read "app (old)" beside "app (code)", in the legend and today's card too, one
    project told apart from itself."""
    now = int(time.time())
    send_beats(midday_daemon, "/old/app", range(now - 3600, now - 2999, 60))
    worked_lately(midday_daemon, "/code/app", 1200)
    listed = httpx.get(f"{midday_daemon.url}/api/projects").json()["projects"]
    ids = {project["latest_path"]: project["id"] for project in listed}
    merge = {"source": ids["/old/app"], "target": ids["/code/app"]}
    httpx.post(f"{midday_daemon.url}/api/projects/merge", json=merge).raise_for_status()
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    assert _spoken(shown, "#days-legend button .label") == ["app"]
    assert _spoken(shown, "#today-projects tbody .name") == ["app"]
    assert _spoken(shown, "#recent-sessions tbody .name") == ["app", "app"]
    assert page.problems == []


def test_a_session_older_than_the_range_reads_as_its_project_after_a_move(
    midday_daemon: DaemonProcess, browser: Any
):
    """The folder moved weeks ago, merged since: its sessions have no time in the chart's
    week, so no report lists that folder; a recent session in it read "app (old)" beside
    "app (code)" until the session itself named its project's folder."""
    now = int(time.time())
    weeks_ago = now - 30 * 86400
    send_beats(midday_daemon, "/old/app", range(weeks_ago, weeks_ago + 601, 60))
    worked_lately(midday_daemon, "/code/app", 1200)
    listed = httpx.get(f"{midday_daemon.url}/api/projects").json()["projects"]
    ids = {project["latest_path"]: project["id"] for project in listed}
    merge = {"source": ids["/old/app"], "target": ids["/code/app"]}
    httpx.post(f"{midday_daemon.url}/api/projects/merge", json=merge).raise_for_status()
    sessions = httpx.get(f"{midday_daemon.url}/api/sessions").json()["sessions"]
    assert [(each["project_path"], each["project_latest_path"]) for each in sessions] == [
        ("/code/app", "/code/app"),
        ("/old/app", "/code/app"),
    ]
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    assert _spoken(shown, "#days-legend button .label") == ["app"]
    assert _spoken(shown, "#recent-sessions tbody .name") == ["app", "app"]
    assert page.problems == []


def _spoken(shown: Any, selector: str) -> list[str]:
    """The names ``selector`` finds, as read: a name cut in the middle is drawn in two parts."""
    return [name["spoken"] for name in drawn_names(shown, selector)]
