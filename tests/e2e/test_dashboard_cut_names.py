"""Long project names that begin alike, on a phone's screen. Cut at their end, the names of
``customer-portal-frontend-v2`` and ``customer-portal-backend-services`` both read
"customer-por…": no bar, row or legend key could be told from the other. Wherever a name is cut it
must read apart from the others, read whole where it fits, be whole on hover and for a screen
reader, and never be cut through a character."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, drawn_names, send_beats, send_labelled_heartbeats

pytestmark = pytest.mark.e2e

# Project folders and the names the page gives them.
ALIKE = {
    "/home/dev/customer-portal-frontend-v2": "customer-portal-frontend-v2",
    "/home/dev/customer-portal-backend-services": "customer-portal-backend-services",
    # Two deep folders of one name under one parent: told apart by the end of their folders.
    "/srv/clients/acme-corporation-europe/api": "api (acme-corporation-europe)",
    "/srv/clients/acme-corporation-americas/api": "api (acme-corporation-americas)",
    # Alike for more than the chart tooltip's 30 characters, and wider than a legend key.
    "/home/dev/customer-portal-shared-components-library-mobile": (
        "customer-portal-shared-components-library-mobile"
    ),
    "/home/dev/customer-portal-shared-components-library-desktop": (
        "customer-portal-shared-components-library-desktop"
    ),
    "/home/dev/web": "web",
}
# Branches of two of them, alike too: the breakdown card cuts a branch as it cuts a project.
BRANCHES = {
    "/home/dev/customer-portal-frontend-v2": "feature/customer-portal-login-page-redesign",
    "/home/dev/customer-portal-backend-services": "feature/customer-portal-logout-page-redesign",
}
# Wrapped, not cut: the chart's table gives today's names whole.
PLACES = {
    "legend": "#days-legend button .label",
    "today": "#today-projects .name",
    "today's folders": "#today-projects .path",
    "recent sessions": "#recent-sessions .name",
    "chart table": "#days-table tbody tr:last-child bdi",
}

# The chart tooltip's line for each project worked on today, as hovering its bar shows it.
TOOLTIP_JS = """() => {
  const chart = Chart.getChart("days-chart");
  const today = chart.data.labels.length - 1;
  return chart.data.datasets.flatMap((dataset, datasetIndex) => {
    if (dataset.key === "total" || !(dataset.data[today] > 0)) return [];
    chart.tooltip.setActiveElements([{ datasetIndex, index: today }], { x: 0, y: 0 });
    chart.update();
    const line = chart.tooltip.body.flatMap((body) => body.lines)[0];
    return [{ name: dataset.label, line, wellFormed: line.isWellFormed() }];
  });
}"""

# Whether the text of a tooltip line is made of whole characters of `name`: cut between them.
WHOLE_CHARACTERS_JS = """([line, name]) => {
  const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const own = [...graphemes.segment(name)].map(({ segment }) => segment);
  const pieces = line.replace(/^\\u2068|\\u2069: .*$/g, "").split("…");
  return pieces.every((piece) => {
    const kept = [...graphemes.segment(piece)].map(({ segment }) => segment);
    return own.some((_, at) => kept.every((each, index) => own[at + index] === each));
  });
}"""

PAGE_WIDTH_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def _work_on(daemon: DaemonProcess, paths: list[str]) -> None:
    """Eight minutes in each folder, one after the other, all within the last hour and a half."""
    now = int(time.time())
    for index, path in enumerate(paths):
        start = now - 600 * (index + 1)
        send_beats(daemon, path, range(start, start + 481, 60))


def _name_branches(daemon: DaemonProcess, branches: dict[str, str]) -> None:
    now = int(time.time())
    for index, (root, branch) in enumerate(branches.items()):
        start = now - 300 - 600 * index
        beats = ({"time": moment, "branch": branch} for moment in range(start, start + 241, 60))
        send_labelled_heartbeats(daemon, root, *beats)


def _open(daemon: DaemonProcess, browser: Any, width: int) -> tuple[Page, Any]:
    page = Page(browser, viewport={"width": width, "height": 900})
    shown = page.open(daemon.url + "/")
    shown.click("#days-table-box summary")
    return page, shown


def _show_branches(shown: Any) -> None:
    shown.click("#breakdown-switch button[data-by='branch']")
    shown.wait_for_selector("#breakdown[data-by='branch'] #breakdown-list:not([hidden])")


def _problems(place: str, items: list[dict[str, Any]], names: set[str]) -> list[str]:
    """What is wrong in ``place``: each of ``names`` must be there once, drawn unlike the others,
    cut only where it does not fit, and whole for a screen reader and (where cut) on hover."""
    drawn = [item["shown"] for item in items]
    problems = []
    if {item["spoken"] for item in items} != names:
        problems.append(f"{place}: names {sorted(item['spoken'] for item in items)}")
    if len(set(drawn)) != len(drawn):
        problems.append(f"{place}: drawn alike {drawn}")
    for item in items:
        if not (item["wellFormed"] and item["split"]):
            problems.append(f"{place}: a character cut in two in {item}")
        if item["shown"] != item["spoken"] and item["title"].split("\n")[0] != item["spoken"]:
            problems.append(f"{place}: {item['shown']!r} not whole on hover")
        if "…" in item["shown"] and item["natural"] <= item["width"] + 0.5:
            problems.append(f"{place}: {item['shown']!r} cut, yet it fits")
        if "…" not in item["shown"] and item["shown"] != item["spoken"]:
            problems.append(f"{place}: {item['shown']!r} cut with no ellipsis")
    return problems


def _tooltip_problems(shown: Any, names: set[str]) -> list[str]:
    """The chart tooltip's lines: one per name, unlike each other, cut between characters, and
    whole where a name fits its 30 characters."""
    lines = shown.evaluate(TOOLTIP_JS)
    problems = []
    if {line["name"] for line in lines} != names:
        problems.append(f"tooltip: names {sorted(line['name'] for line in lines)}")
    if len({line["line"] for line in lines}) != len(lines):
        problems.append(f"tooltip: alike {sorted(line['line'] for line in lines)}")
    for line in lines:
        if not line["wellFormed"]:
            problems.append(f"tooltip: half a character in {line['line']!r}")
        elif not shown.evaluate(WHOLE_CHARACTERS_JS, [line["line"], line["name"]]):
            problems.append(f"tooltip: {line['line']!r} cut through a character")
        fits = len(line["name"]) <= 30
        if fits and not line["line"].startswith(f"\u2068{line['name']}\u2069: "):
            problems.append(f"tooltip: {line['line']!r} cut, yet it fits")
    return problems


def _page_problems(shown: Any, folders: dict[str, str]) -> list[str]:
    """What is wrong in every place the page names the projects of ``folders``, at its width."""
    names = set(folders.values())
    expected = {place: names for place in PLACES} | {"today's folders": set(folders)}
    problems = [
        problem
        for place, selector in PLACES.items()
        for problem in _problems(place, drawn_names(shown, selector), expected[place])
    ]
    problems += _tooltip_problems(shown, names)
    width_used, page_width = shown.evaluate(PAGE_WIDTH_JS)
    if width_used > page_width:
        problems.append(f"the page scrolls sideways: {width_used} px in {page_width}")
    return problems


@pytest.mark.parametrize("width", [320, 360, 400])
def test_names_that_begin_alike_read_apart_wherever_they_are_cut(
    midday_daemon: DaemonProcess, browser: Any, width: int
):
    _work_on(midday_daemon, list(ALIKE))
    _name_branches(midday_daemon, BRANCHES)
    page, shown = _open(midday_daemon, browser, width)
    problems = _page_problems(shown, ALIKE)
    _show_branches(shown)
    branches = drawn_names(shown, "#breakdown-list .name:not(.summary)")
    problems += _problems("branches", branches, set(BRANCHES.values()))
    projects = drawn_names(shown, "#breakdown-list .project-name")
    problems += _problems("branches' projects", projects, {ALIKE[root] for root in BRANCHES})
    assert problems == [], "\n".join(problems)
    assert page.problems == []


# Names in other scripts, alike up to a point: emoji of two UTF-16 units and of several code
# points (a family: four people, three joiners), accented letters, CJK.
OTHER_SCRIPTS = [
    "cafés-" + "😀" * 30 + "-menu",
    "cafés-" + "😀" * 30 + "-carte",
    "👨‍👩‍👧‍👦" * 40 + "x",
    "👨‍👩‍👧‍👦" * 40 + "y",
    "顧客ポータル・フロントエンド・アプリケーション",
    "顧客ポータル・バックエンド・サービス",
]


@pytest.mark.parametrize("width", [320, 400])
def test_names_in_other_scripts_are_cut_between_characters(
    midday_daemon: DaemonProcess, browser: Any, width: int
):
    """The tooltip cut a name after its 29th UTF-16 unit: half an emoji, drawn as a broken
    glyph, and the same 29 units for two names that went on differently."""
    folders = {f"/home/dev/{name}": name for name in OTHER_SCRIPTS}
    _work_on(midday_daemon, list(folders))
    page, shown = _open(midday_daemon, browser, width)
    problems = _page_problems(shown, folders)
    assert problems == [], "\n".join(problems)
    assert page.problems == []


def test_names_that_fit_are_whole_in_the_tooltip_and_the_cards(
    midday_daemon: DaemonProcess, browser: Any
):
    """Two short names alike but for their end: nothing to cut, so nothing is."""
    _work_on(midday_daemon, ["/home/dev/app-v1", "/home/dev/app-v2"])
    page, shown = _open(midday_daemon, browser, 320)
    for place, selector in PLACES.items():
        if place != "today's folders":  # too long for 320 px: _problems sees they are cut fairly
            drawn = sorted(name["shown"] for name in drawn_names(shown, selector))
            assert drawn == ["app-v1", "app-v2"], place
    lines = sorted(line["line"] for line in shown.evaluate(TOOLTIP_JS))
    assert lines == ["\u2068app-v1\u2069: 0h 08m", "\u2068app-v2\u2069: 0h 08m"]
    assert page.problems == []


def test_a_name_keeps_its_end_from_the_word_where_it_parts_from_another(
    midday_daemon: DaemonProcess, browser: Any
):
    """names.js's nameParts, which every card's names are cut by (the kept end is the tail)."""
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    tails = shown.evaluate(
        """async (texts) => {
          const { nameParts } = await import("/static/names.js");
          return Object.fromEntries([...nameParts(texts)].map(([text, { tail }]) => [text, tail]));
        }""",
        [
            *["customer-portal-frontend-v2", "customer-portal-backend-services"],
            *["project-alpha", "project-alpine"],  # from the word's start, not "ha" and "ine"
            *["portal", "portal-v2"],  # "portal" is all "portal-v2" begins with: nothing to keep
            *["app", "apple"],  # parted within a few characters: cut at their end as they are
            "web",
        ],
    )
    assert tails == {
        "customer-portal-frontend-v2": "frontend-v2",
        "customer-portal-backend-services": "backend-services",
        "project-alpha": "alpha",
        "project-alpine": "alpine",
        "portal": "",
        "portal-v2": "-v2",
        "app": "",
        "apple": "",
        "web": "",
    }
    assert page.problems == []
