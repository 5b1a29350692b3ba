"""The dashboard's breakdown card (Languages, Categories, Editors, Branches) in a real browser
against a real daemon: WakaTime heartbeats name all four, ``POST /beat`` beats a language and an
editor at most. The card must say what ``/api/breakdown`` says, for the chart's range and the
field picked, and keep its rows while the daemon is busy or away."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx2 as httpx
import pytest

from oxitrack.report_text import shown_minutes
from tests.daemon_process import DaemonProcess
from tests.e2e.browser import (
    BREAKDOWN_HEAD_JS,
    BREAKDOWN_ROWS_JS,
    BusyOnce,
    Page,
    contrast,
    send_beats,
    send_heartbeats,
    send_labelled_heartbeats,
    with_text_size,
)

pytestmark = pytest.mark.e2e

LONG_LANGUAGE = "Language-with-a-name-far-longer-than-any-card-" * 4


def _worked(daemon: DaemonProcess, now: int, language: str = "Rust") -> None:
    """In the last hour of the midday daemon (all today's): Python 10 minutes, ``language`` 5,
    then the VS Code extension's beats alone for 12 minutes more, which no language names."""
    start = now - 40 * 60
    send_heartbeats(
        daemon,
        "/code/app",
        (start, "Python"),
        (start + 300, "Python"),
        (start + 600, language),
        (start + 900, language),
    )
    send_beats(daemon, "/code/app", range(start + 960, start + 1621, 60))


def _worked_long_ago(daemon: DaemonProcess, now: int) -> None:
    """Go for 9 minutes 20 days ago: in the last 30 days, not in the last 7."""
    send_heartbeats(daemon, "/code/old", (now - 20 * 86400, "Go"), (now - 20 * 86400 + 540, "Go"))


def _breakdown(daemon: DaemonProcess, days: int, by: str = "language") -> list[dict[str, Any]]:
    """The rows the card must show: ``/api/breakdown``'s, as the command line rounds them; the
    unnamed rows of a field counted per project (a branch's, one per project) as one, after the
    named rows of as much time, as the card sums them (up to ten named rows)."""
    answer = httpx.get(f"{daemon.url}/api/breakdown", params={"by": by, "days": days})
    rows = answer.json()["rows"]
    named = [
        (row["name"], row.get("project_path"), row["duration_seconds"])
        for row in rows
        if row["name"] is not None
    ]
    unnamed = sum(row["duration_seconds"] for row in rows if row["name"] is None)
    card = sorted([*named, *([("", None, unnamed)] if unnamed else [])], key=lambda row: -row[2])
    minutes = shown_minutes([seconds for _, _, seconds in card])
    return [
        {
            "value": name,
            "project": project,
            "seconds": seconds,
            "duration": f"{shown // 60}h {shown % 60:02d}m",
        }
        for (name, project, seconds), shown in zip(card, minutes, strict=True)
    ]


def _shown(shown: Any) -> list[dict[str, Any]]:
    return [
        {key: row[key] for key in ("value", "project", "seconds", "duration")}
        for row in shown.evaluate(BREAKDOWN_ROWS_JS)
    ]


def test_the_card_lists_each_language_and_the_unnamed_time_as_the_api_gives_them(
    midday_daemon: DaemonProcess, browser: Any
):
    now = int(time.time())
    _worked(midday_daemon, now)
    _worked_long_ago(midday_daemon, now)
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")

    week = _breakdown(midday_daemon, 7)
    assert [(row["value"], row["seconds"]) for row in week] == [
        ("", 720),
        ("Python", 600),
        ("Rust", 300),
    ]
    assert _shown(shown) == week
    names = [row["name"] for row in shown.evaluate(BREAKDOWN_ROWS_JS)]
    assert names[1:] == ["Python", "Rust"]
    assert names[0].startswith("No language named\n"), names
    assert "send no language" in names[0]
    assert shown.inner_text("#breakdown-range") == "last 7 days"
    assert shown.is_hidden("#breakdown-empty")

    # The range buttons change it: Go was 20 days ago.
    page.choose_range(30)
    month = _breakdown(midday_daemon, 30)
    assert [row["value"] for row in month] == ["", "Python", "Go", "Rust"]
    assert _shown(shown) == month
    assert shown.inner_text("#breakdown-range") == "last 30 days"
    page.choose_range(7)
    assert _shown(shown) == week
    assert page.problems == []


def test_the_card_follows_tz_in_the_address(midday_daemon: DaemonProcess, browser: Any):
    """The page's ?tz= is passed on to the languages, as to the chart: the same days."""
    now = int(time.time())
    _worked(midday_daemon, now)
    page = Page(browser)
    requested: list[str] = []
    page.page.on("request", lambda request: requested.append(request.url))
    page.open(midday_daemon.url + "/?tz=Etc/GMT-14")
    breakdowns = [url for url in requested if "/api/breakdown" in url]
    assert breakdowns and all("tz=Etc%2FGMT-14" in url for url in breakdowns), breakdowns
    assert page.problems == []


def test_with_no_language_named_the_card_says_so_and_how_to_get_languages(
    midday_daemon: DaemonProcess, browser: Any
):
    """Only the VS Code extension's beats: a lone bar of unnamed time would say nothing."""
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    assert shown.is_hidden("#breakdown-list"), "nothing tracked at all"
    assert shown.is_visible("#breakdown-empty")

    now = int(time.time())
    send_beats(midday_daemon, "/code/app", range(now - 1200, now - 59, 60))
    shown.reload()
    page.wait_loaded(1)
    assert _breakdown(midday_daemon, 7)[0]["value"] == ""
    assert shown.is_hidden("#breakdown-list")
    empty = shown.inner_text("#breakdown-empty")
    assert empty.startswith("No time in this range has a language yet.")
    assert "Editors that send a language name it" in empty
    assert page.problems == []


def test_with_nothing_tracked_the_categories_card_says_what_counts_as_coding(
    midday_daemon: DaemonProcess, browser: Any
):
    """Time no heartbeat gives a category is coding, so only an empty range has no rows."""
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/?by=category")
    page.wait_breakdown("category")
    assert shown.is_hidden("#breakdown-list")
    empty = shown.inner_text("#breakdown-empty")
    assert empty.startswith("No time in this range yet. Time is coding unless"), empty
    assert "debugging and building" in empty
    assert page.problems == []


def test_many_languages_end_in_one_other_row(midday_daemon: DaemonProcess, browser: Any):
    """A year of config files and scripts names dozens: the card keeps ten and sums the rest."""
    now = int(time.time())
    start = now - 50 * 60
    beats = [(start + index * 60, f"Language {index:02d}") for index in range(14)]
    send_heartbeats(midday_daemon, "/code/app", *beats, (start + 14 * 60 + 59, "Language 13"))
    page = Page(browser)
    rows = page.open(midday_daemon.url + "/").evaluate(BREAKDOWN_ROWS_JS)
    api = _breakdown(midday_daemon, 7)
    named = [row for row in api if row["value"]]
    assert len(named) == 14
    assert [row["value"] for row in rows[:10]] == [row["value"] for row in named[:10]]
    assert rows[10]["name"] == "other (4 languages)"
    assert rows[10]["seconds"] == sum(row["seconds"] for row in named[10:])
    assert page.problems == []


# -- categories, editors and branches -----------------------------------------------------------

FIELDS = ("language", "category", "editor", "branch")
NEOVIM = (
    "wakatime/v1.102.1 (linux-6.8.0-49-generic-x86_64) go1.23.2 neovim/0.9.5 vim-wakatime/11.1.1"
)
TITLES = {
    "language": ("Languages", "Language"),
    "category": ("Categories", "Category"),
    "editor": ("Editors", "Editor"),
    "branch": ("Branches", "Branch"),
}


def _worked_in_every_field(daemon: DaemonProcess, now: int) -> None:
    """In the last hour of the midday daemon: Zed in ``/code/app`` on ``main`` (Python, coding
    then debugging, 10 minutes) and ``feature`` (Rust, coding, 5); Neovim in ``/code/site`` on
    its own ``main`` (Markdown, building, 7); the VS Code extension's beats in ``/code/ext``
    naming TypeScript and ``vscode`` (6), which name no category (so coding) or branch."""
    start = now - 50 * 60
    send_labelled_heartbeats(
        daemon,
        "/code/app",
        {"time": start, "language": "Python", "category": "coding", "branch": "main"},
        {"time": start + 300, "language": "Python", "category": "debugging", "branch": "main"},
        {"time": start + 600, "language": "Rust", "category": "coding", "branch": "feature"},
        {"time": start + 900, "language": "Rust", "category": "coding", "branch": "feature"},
    )
    site = {"language": "Markdown", "category": "building", "branch": "main", "project": "site"}
    send_labelled_heartbeats(
        daemon,
        "/code/site",
        {"time": start + 1000, "user_agent": NEOVIM, **site},
        {"time": start + 1420, "user_agent": NEOVIM, **site},
    )
    beats = range(start + 1500, start + 1861, 60)
    send_beats(daemon, "/code/ext", beats, language="TypeScript", editor="vscode")


def test_each_field_lists_its_rows_as_the_api_gives_them(
    midday_daemon: DaemonProcess, browser: Any
):
    now = int(time.time())
    _worked_in_every_field(midday_daemon, now)
    _worked_long_ago(midday_daemon, now)
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    expected = {
        "language": [("Python", 600), ("Markdown", 420), ("TypeScript", 360), ("Rust", 300)],
        "category": [("coding", 600 + 360), ("building", 420), ("debugging", 300)],
        "editor": [("zed", 900), ("neovim", 420), ("vscode", 360)],
        "branch": [("main", 600), ("main", 420), ("", 360), ("feature", 300)],
    }
    for by in (*FIELDS[1:], FIELDS[0]):
        page.pick_breakdown(by)
        week = _breakdown(midday_daemon, 7, by)
        assert [(row["value"], row["seconds"]) for row in week] == expected[by]
        assert _shown(shown) == week
        title, column = TITLES[by]
        assert shown.evaluate(BREAKDOWN_HEAD_JS) == {
            "by": by,
            "title": title,
            "column": column,
            "pressed": [by],
            "address": f"?by={by}",
        }
        assert shown.is_hidden("#breakdown-empty")

    # The range buttons keep the field: /code/old's main was 20 days ago.
    page.pick_breakdown("branch")
    page.choose_range(30)
    month = _breakdown(midday_daemon, 30, "branch")
    assert [row["project"] for row in month if row["value"] == "main"] == [
        "/code/app",
        "/code/old",
        "/code/site",
    ]
    assert _shown(shown) == month
    assert shown.inner_text("#breakdown-range") == "last 30 days"
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["address"] == "?by=branch&days=30"
    assert page.problems == []


def test_the_branches_of_two_projects_are_two_rows_each_naming_its_project(
    midday_daemon: DaemonProcess, browser: Any
):
    """``main`` of /code/app and of /code/site: two rows, told apart by the project under each."""
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/?by=branch")
    page.wait_breakdown("branch")
    mains = [row for row in shown.evaluate(BREAKDOWN_ROWS_JS) if row["value"] == "main"]
    assert [(row["project"], row["name"]) for row in mains] == [
        ("/code/app", "main\napp"),
        ("/code/site", "main\nsite"),
    ]
    project = "#breakdown-list tr[data-project-path='/code/site'] .project-name"
    assert shown.get_attribute(project, "title") == "site\n/code/site"
    assert shown.evaluate(
        f'() => getComputedStyle(document.querySelector("{project}")).color'
    ) == shown.evaluate("() => getComputedStyle(document.querySelector('.range-name')).color")
    assert page.problems == []


def test_a_right_to_left_branch_and_project_are_isolated(
    midday_daemon: DaemonProcess, browser: Any
):
    """Each isolated (``dir="auto"``, as a <bdi>): an Arabic branch must not pull its project's
    name into its run."""
    now = int(time.time())
    branch, project = "فرع-رئيسي", "مشروع-عربي"
    send_labelled_heartbeats(
        midday_daemon,
        f"/code/{project}",
        {"time": now - 600, "branch": branch, "project": project},
        {"time": now - 300, "branch": branch, "project": project},
    )
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/?by=branch")
    isolated = shown.evaluate(
        """() => [...document.querySelectorAll("#breakdown-list .value-cell [dir='auto']")].map(
          (node) => [node.className, node.textContent])"""
    )
    assert isolated == [["cut name", branch], ["cut project-name", project]]
    assert page.problems == []


def test_the_pick_is_kept_in_the_address_through_reload_and_back(
    midday_daemon: DaemonProcess, browser: Any
):
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["pressed"] == ["language"]
    page.pick_breakdown("category")
    shown.reload()
    page.wait_loaded(1)
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["by"] == "category"
    assert _shown(shown) == _breakdown(midday_daemon, 7, "category")

    page.pick_breakdown("editor")
    page.choose_range(30)
    shown.go_back()  # to 7 days, still editors
    page.wait_loaded(2)
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["address"] == "?by=editor"
    assert _shown(shown) == _breakdown(midday_daemon, 7, "editor")
    shown.go_back()  # to categories
    page.wait_breakdown("category")
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["pressed"] == ["category"]
    assert _shown(shown) == _breakdown(midday_daemon, 7, "category")
    shown.go_forward()
    page.wait_breakdown("editor")
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["title"] == "Editors"
    assert page.problems == []


@pytest.mark.parametrize("by", ["nonsense", "", "Category"])
def test_an_unknown_field_in_the_address_shows_the_languages(
    midday_daemon: DaemonProcess, browser: Any, by: str
):
    _worked(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(f"{midday_daemon.url}/?by={by}")
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["pressed"] == ["language"]
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["title"] == "Languages"
    assert _shown(shown) == _breakdown(midday_daemon, 7)
    page.pick_breakdown("editor")
    assert _shown(shown) == _breakdown(midday_daemon, 7, "editor")
    assert page.problems == []


def test_a_slow_answer_for_an_earlier_pick_does_not_replace_the_card(
    midday_daemon: DaemonProcess, browser: Any
):
    """The categories, slow, are still asked when the editors are picked: given up, and the
    editors stay even if an answer came."""
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    held: list[Any] = []
    shown.route(re.compile(r"/api/breakdown\?by=category"), lambda route: held.append(route))
    shown.click("#breakdown-switch button[data-by='category']")
    page.pick_breakdown("editor")
    assert len(held) == 1
    held[0].continue_()
    shown.wait_for_function("() => document.body.dataset.discarded === '1'")
    assert _shown(shown) == _breakdown(midday_daemon, 7, "editor")
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["pressed"] == ["editor"]
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["title"] == "Editors"
    assert page.problems == [f"failed: {held[0].request.url}"]  # given up, not drawn


def test_a_slow_answer_for_a_pick_does_not_replace_a_later_range(
    midday_daemon: DaemonProcess, browser: Any
):
    """Categories picked on 7 days, then 30 days pressed: the 7 days' categories, still asked,
    are given up; the 30 days' are shown."""
    now = int(time.time())
    _worked_in_every_field(midday_daemon, now)
    _worked_long_ago(midday_daemon, now)
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    held: list[Any] = []
    shown.route(re.compile(r"/api/breakdown\?by=category&days=7"), lambda route: held.append(route))
    shown.click("#breakdown-switch button[data-by='category']")
    page.choose_range(30)
    page.wait_breakdown("category")
    assert len(held) == 1
    held[0].continue_()
    shown.wait_for_function("() => document.body.dataset.discarded === '1'")
    assert _shown(shown) == _breakdown(midday_daemon, 30, "category")
    assert shown.inner_text("#breakdown-range") == "last 30 days"
    assert page.problems == [f"failed: {held[0].request.url}"]  # given up, not drawn


def test_a_busy_daemon_keeps_the_card_as_it_was_until_the_pick_is_answered(
    midday_daemon: DaemonProcess, browser: Any
):
    """A 503 reports_busy for the categories picked: the languages stay, pressed, until the
    retry its Retry-After asks for brings the categories."""
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser, clock=True)
    shown = page.open(midday_daemon.url + "/")
    before = shown.evaluate(BREAKDOWN_ROWS_JS)
    busy_once = BusyOnce()
    shown.route(re.compile(r"/api/breakdown\?by=category"), busy_once)
    shown.click("#breakdown-switch button[data-by='category']")
    shown.wait_for_function(
        "() => document.getElementById('status-live').textContent.includes('busy')"
    )
    assert shown.evaluate(BREAKDOWN_ROWS_JS) == before
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["pressed"] == ["language"]
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["address"] == "?by=category"

    page.page.clock.run_for(5_000)
    page.wait_breakdown("category")
    assert busy_once.answered == [503, 200]
    assert _shown(shown) == _breakdown(midday_daemon, 7, "category")
    assert page.only_answered(503), page.problems


def test_the_field_is_picked_from_the_keyboard(midday_daemon: DaemonProcess, browser: Any):
    """Buttons in a named group, each a Tab stop that Enter or Space presses; the focus stays
    on the pressed one as the card is drawn again."""
    _worked_in_every_field(midday_daemon, int(time.time()))
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    assert shown.get_attribute("#breakdown-switch", "role") == "group"
    assert shown.get_attribute("#breakdown-switch", "aria-label") == "Time by"
    shown.focus("#breakdown-switch button[data-by='language']")
    shown.keyboard.press("Tab")
    shown.keyboard.press("Enter")
    page.wait_breakdown("category")
    shown.keyboard.press("Tab")
    shown.keyboard.press("Tab")
    shown.keyboard.press("Space")
    page.wait_breakdown("branch")
    assert shown.evaluate("() => document.activeElement.dataset.by") == "branch"
    assert shown.evaluate(BREAKDOWN_HEAD_JS)["pressed"] == ["branch"]
    assert _shown(shown) == _breakdown(midday_daemon, 7, "branch")
    assert page.problems == []


def test_the_unnamed_row_says_what_it_holds_for_each_field(
    midday_daemon: DaemonProcess, browser: Any
):
    """The VS Code extension's plain beats name nothing: time in every field's unnamed row,
    worded for the field, with the sources true of it (docs/reports.md), but for categories,
    where it is coding. Two projects' unnamed time is one row, a branch's too (the daemon
    gives a row per project)."""
    now = int(time.time())
    _worked(midday_daemon, now)
    send_beats(midday_daemon, "/code/notes", range(now - 3300, now - 2999, 60))
    branches = httpx.get(f"{midday_daemon.url}/api/breakdown", params={"by": "branch"}).json()
    assert [row["duration_seconds"] for row in branches["rows"] if row["name"] is None] == [
        720,
        300,
    ]
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    notes = {
        "language": "send no language",
        "editor": "editors that do not name themselves",
        "branch": "folders outside a git repository",
    }
    page.pick_breakdown("category")
    assert [row["value"] for row in shown.evaluate(BREAKDOWN_ROWS_JS)] == ["coding"]
    assert _shown(shown) == _breakdown(midday_daemon, 7, "category")
    for by in notes:
        page.pick_breakdown(by)
        rows = shown.evaluate(BREAKDOWN_ROWS_JS)
        (unnamed,) = (row for row in rows if row["value"] == "")
        assert unnamed["seconds"] == 720 + 300, rows
        name, note = unnamed["name"].split("\n")
        assert name == f"No {by} named"
        assert notes[by] in note and "lone heartbeats" in note
    assert page.problems == []


def test_a_field_no_time_names_says_where_its_names_come_from(
    midday_daemon: DaemonProcess, browser: Any
):
    """Only the VS Code extension's beats, naming a language and the editor: no branch, and
    the card says which editors send one (their time is coding: that card has a row)."""
    now = int(time.time())
    send_beats(
        midday_daemon, "/code/ext", range(now - 1200, now - 59, 60), language="Go", editor="vscode"
    )
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    empties = {
        "branch": ("No time in this range has a branch yet.", "git repositories"),
        "category": None,
        "editor": None,
        "language": None,
    }
    for by, words in empties.items():
        page.pick_breakdown(by)
        if words is None:
            assert shown.is_hidden("#breakdown-empty"), by
            assert _shown(shown) == _breakdown(midday_daemon, 7, by)
            continue
        assert shown.is_hidden("#breakdown-list"), by
        empty = shown.inner_text("#breakdown-empty")
        assert empty.startswith(words[0]) and words[1] in empty, empty
    assert page.problems == []


# -- layout: phones, dark theme, large text -----------------------------------------------------

LONG_BRANCH = "feature/a-branch-with-a-name-far-longer-than-any-card-" * 3
LONG_PROJECT = "a-project-whose-folder-name-is-far-longer-than-any-card-" * 3
# The long row is the one whose value starts with `prefix`.
LAYOUT_JS = """(prefix) => {
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  // A name is cut in its head (elements.js's cutName).
  const cut = (node) => {
    const head = node?.querySelector(".head");
    return head ? head.scrollWidth > head.clientWidth : null;
  };
  const row = document.querySelector(`#breakdown-list tbody tr[data-name^='${prefix}']`);
  const style = getComputedStyle(document.getElementById("breakdown"));
  return {
    pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    tableRight: box("#breakdown-list").right,
    switchRight: box("#breakdown-switch").right,
    cardRight: box("#breakdown").right,
    mainRight: box("main").right,
    nameCut: cut(row.querySelector(".name")),
    projectCut: cut(row.querySelector(".project-name")),
    card: style.backgroundColor,
    colours: [...document.querySelectorAll("#breakdown .name, #breakdown .note, #breakdown .num,"
      + " #breakdown .project-name, #breakdown-range")].map((node) => getComputedStyle(node).color),
  };
}"""


def _worked_on_a_long_branch(daemon: DaemonProcess, now: int) -> None:
    """Ten minutes on ``LONG_BRANCH`` of the project ``LONG_PROJECT``, beside ``_worked``'s."""
    send_labelled_heartbeats(
        daemon,
        f"/code/{LONG_PROJECT}",
        {"time": now - 900, "branch": LONG_BRANCH, "project": LONG_PROJECT},
        {"time": now - 300, "branch": LONG_BRANCH, "project": LONG_PROJECT},
    )


def _assert_inside_the_card(layout: dict[str, Any]) -> None:
    assert not layout["pageScrolls"], layout
    assert layout["tableRight"] <= layout["cardRight"] <= layout["mainRight"], layout
    assert layout["switchRight"] <= layout["cardRight"], layout


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 400, 500, 700, 1280])
def test_a_long_language_name_ends_in_an_ellipsis_inside_its_card(
    midday_daemon: DaemonProcess, browser: Any, width: int, scheme: str
):
    _worked(midday_daemon, int(time.time()), language=LONG_LANGUAGE)
    page = Page(browser, viewport={"width": width, "height": 800}, color_scheme=scheme)
    layout = page.open(midday_daemon.url + "/").evaluate(LAYOUT_JS, "Language")
    _assert_inside_the_card(layout)
    assert layout["nameCut"], "one line, ending in an ellipsis"
    for colour in layout["colours"]:
        assert contrast(colour, layout["card"]) >= 4.5, (colour, layout)
    assert page.problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 700, 1280])
def test_a_long_branch_and_its_project_end_in_an_ellipsis_inside_the_card(
    midday_daemon: DaemonProcess, browser: Any, width: int, scheme: str
):
    now = int(time.time())
    _worked(midday_daemon, now)
    _worked_on_a_long_branch(midday_daemon, now)
    page = Page(browser, viewport={"width": width, "height": 800}, color_scheme=scheme)
    shown = page.open(midday_daemon.url + "/?by=branch")
    layout = shown.evaluate(LAYOUT_JS, "feature/")
    _assert_inside_the_card(layout)
    assert layout["nameCut"] and layout["projectCut"], "each one line, ending in an ellipsis"
    assert shown.get_attribute(f"tr[data-name='{LONG_BRANCH}'] .name", "title") == LONG_BRANCH
    assert len(layout["colours"]) == 3 + 3 + 2 + 1 + 1, "names, times, projects, note, range"
    for colour in layout["colours"]:
        assert contrast(colour, layout["card"]) >= 4.5, (colour, layout)
    assert page.problems == []


@pytest.mark.parametrize("by", ["language", "branch"])
@pytest.mark.parametrize(("width", "text_pixels"), [(1280, 32), (360, 32)])
def test_large_text_keeps_the_card_inside_the_page(
    midday_daemon: DaemonProcess, browser: Any, width: int, text_pixels: int, by: str
):
    """200 % text (WCAG 1.4.4), set as the browser's settings set it: the field's switch wraps."""
    now = int(time.time())
    _worked(midday_daemon, now, language=LONG_LANGUAGE)
    _worked_on_a_long_branch(midday_daemon, now)
    page = Page(browser, viewport={"width": width, "height": 900})
    with_text_size(page, text_pixels)
    shown = page.open(f"{midday_daemon.url}/?by={by}")
    assert shown.evaluate("() => getComputedStyle(document.body).fontSize") == f"{text_pixels}px"
    layout = shown.evaluate(LAYOUT_JS, {"language": "Language", "branch": "feature/"}[by])
    _assert_inside_the_card(layout)
    assert page.problems == []


# -- refreshes ------------------------------------------------------------------------------------


def test_a_busy_daemon_leaves_the_card_as_it_was(midday_daemon: DaemonProcess, browser: Any):
    """A 503 reports_busy for the languages alone: the whole refresh waits, as for the chart."""
    now = int(time.time())
    _worked(midday_daemon, now)
    page = Page(browser, clock=True)
    shown = page.open(midday_daemon.url + "/")
    before = shown.evaluate(BREAKDOWN_ROWS_JS)
    send_heartbeats(midday_daemon, "/code/more", (now - 300, "Haskell"), (now - 120, "Haskell"))
    busy_once = BusyOnce()
    shown.route(re.compile(r"/api/breakdown\?"), busy_once)
    page.page.clock.run_for(60_000)
    shown.wait_for_function(
        "() => document.getElementById('status-live').textContent.includes('busy')"
    )
    assert shown.evaluate(BREAKDOWN_ROWS_JS) == before
    assert shown.evaluate("() => document.body.dataset.loaded") == "1"

    page.page.clock.run_for(5_000)
    page.wait_loaded(2)
    assert busy_once.answered == [503, 200]
    assert "Haskell" in [row["value"] for row in shown.evaluate(BREAKDOWN_ROWS_JS)]
    assert page.only_answered(503), page.problems


def test_the_daemon_going_away_keeps_the_card(midday_daemon: DaemonProcess, browser: Any):
    _worked(midday_daemon, int(time.time()))
    page = Page(browser, clock=True)
    shown = page.open(midday_daemon.url + "/")
    before = shown.evaluate(BREAKDOWN_ROWS_JS)
    assert len(before) == 3
    midday_daemon.kill()
    page.page.clock.run_for(60_000)
    shown.wait_for_selector("#offline:not([hidden])")
    page.page.clock.run_for(5_000)  # and a retry
    shown.wait_for_function("() => document.body.dataset.stale === 'true'")
    assert shown.evaluate(BREAKDOWN_ROWS_JS) == before
    assert shown.is_visible("#breakdown-list")
    assert shown.is_hidden("#breakdown-empty")
    assert page.problems_are_only_the_daemon_away(), page.problems


def test_a_slow_answer_for_an_earlier_range_does_not_replace_the_card(
    midday_daemon: DaemonProcess, browser: Any
):
    """The 30-day languages, slow, are still asked when 7 days are pressed: given up, and the
    7 days stay even if an answer came."""
    now = int(time.time())
    _worked(midday_daemon, now)
    _worked_long_ago(midday_daemon, now)
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    held: list[Any] = []
    thirty_days = re.compile(r"/api/breakdown\?.*days=30")
    shown.route(thirty_days, lambda route: held.append(route))
    # The breakdown is asked for once the range's days have come: under load, 7 clicked sooner
    # would leave the 30 days' breakdown never asked for, nothing to hold back.
    with shown.expect_request(thirty_days):
        shown.click("button[data-days='30']")
    shown.click("button[data-days='7']")
    page.wait_loaded(2)
    assert len(held) == 1
    held[0].continue_()
    shown.wait_for_function("() => document.body.dataset.discarded === '1'")
    assert _shown(shown) == _breakdown(midday_daemon, 7)
    assert shown.inner_text("#breakdown-range") == "last 7 days"
    assert page.only_given_up(held[0].request.url), page.problems  # given up, not drawn
