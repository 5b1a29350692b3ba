"""The dashboard's Languages card in a real browser against a real daemon: WakaTime heartbeats
name languages, ``POST /beat`` beats do not. The card must say what ``/api/breakdown`` says, for
the chart's range, and keep its rows while the daemon is busy or away."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx2 as httpx
import pytest

from oxitrack.report_text import shown_minutes
from tests.daemon_process import DaemonProcess
from tests.e2e.browser import BusyOnce, Page, contrast, send_beats, send_heartbeats

pytestmark = pytest.mark.e2e

ROWS_JS = """() => [...document.querySelectorAll("#languages-list tbody tr")].map((tr) => ({
  language: tr.dataset.language,
  seconds: Number(tr.dataset.seconds),
  duration: tr.cells[0].innerText,
  name: tr.cells[2].innerText,
}))"""
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


def _breakdown(daemon: DaemonProcess, days: int) -> list[dict[str, Any]]:
    """The rows the card must show: ``/api/breakdown``'s, as the command line rounds them."""
    answer = httpx.get(f"{daemon.url}/api/breakdown", params={"by": "language", "days": days})
    rows = answer.json()["rows"]
    minutes = shown_minutes([row["duration_seconds"] for row in rows])
    return [
        {
            "language": row["name"] or "",
            "seconds": row["duration_seconds"],
            "duration": f"{shown // 60}h {shown % 60:02d}m",
        }
        for row, shown in zip(rows, minutes, strict=True)
    ]


def _shown(shown: Any) -> list[dict[str, Any]]:
    return [
        {key: row[key] for key in ("language", "seconds", "duration")}
        for row in shown.evaluate(ROWS_JS)
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
    assert [(row["language"], row["seconds"]) for row in week] == [
        ("", 720),
        ("Python", 600),
        ("Rust", 300),
    ]
    assert _shown(shown) == week
    names = [row["name"] for row in shown.evaluate(ROWS_JS)]
    assert names[1:] == ["Python", "Rust"]
    assert names[0].startswith("No language named\n"), names
    assert "send no language" in names[0]
    assert shown.inner_text("#languages-range") == "last 7 days"
    assert shown.is_hidden("#languages-empty")

    # The range buttons change it: Go was 20 days ago.
    page.choose_range(30)
    month = _breakdown(midday_daemon, 30)
    assert [row["language"] for row in month] == ["", "Python", "Go", "Rust"]
    assert _shown(shown) == month
    assert shown.inner_text("#languages-range") == "last 30 days"
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
    assert shown.is_hidden("#languages-list"), "nothing tracked at all"
    assert shown.is_visible("#languages-empty")

    now = int(time.time())
    send_beats(midday_daemon, "/code/app", range(now - 1200, now - 59, 60))
    shown.reload()
    page.wait_loaded(1)
    assert _breakdown(midday_daemon, 7)[0]["language"] == ""
    assert shown.is_hidden("#languages-list")
    empty = shown.inner_text("#languages-empty")
    assert empty.startswith("No time in this range has a language yet.")
    assert "Editors that send a language name it" in empty
    assert page.problems == []


def test_many_languages_end_in_one_other_row(midday_daemon: DaemonProcess, browser: Any):
    """A year of config files and scripts names dozens: the card keeps ten and sums the rest."""
    now = int(time.time())
    start = now - 50 * 60
    beats = [(start + index * 60, f"Language {index:02d}") for index in range(14)]
    send_heartbeats(midday_daemon, "/code/app", *beats, (start + 14 * 60 + 59, "Language 13"))
    page = Page(browser)
    rows = page.open(midday_daemon.url + "/").evaluate(ROWS_JS)
    api = _breakdown(midday_daemon, 7)
    named = [row for row in api if row["language"]]
    assert len(named) == 14
    assert [row["language"] for row in rows[:10]] == [row["language"] for row in named[:10]]
    assert rows[10]["name"] == "other (4 languages)"
    assert rows[10]["seconds"] == sum(row["seconds"] for row in named[10:])
    assert page.problems == []


# -- layout: phones, dark theme, large text -----------------------------------------------------

LAYOUT_JS = """() => {
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  const name = document.querySelector("#languages-list tbody tr[data-language^='Language'] .name");
  const style = getComputedStyle(document.getElementById("languages"));
  return {
    pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    tableRight: box("#languages-list").right,
    cardRight: box("#languages").right,
    mainRight: box("main").right,
    nameCut: name.scrollWidth > name.clientWidth,
    card: style.backgroundColor,
    colours: [...document.querySelectorAll("#languages .name, #languages .note, #languages .num,"
      + " #languages-range")].map((node) => getComputedStyle(node).color),
  };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 400, 500, 700, 1280])
def test_a_long_language_name_ends_in_an_ellipsis_inside_its_card(
    midday_daemon: DaemonProcess, browser: Any, width: int, scheme: str
):
    _worked(midday_daemon, int(time.time()), language=LONG_LANGUAGE)
    page = Page(browser, viewport={"width": width, "height": 800}, color_scheme=scheme)
    layout = page.open(midday_daemon.url + "/").evaluate(LAYOUT_JS)
    assert not layout["pageScrolls"], layout
    assert layout["tableRight"] <= layout["cardRight"] <= layout["mainRight"], layout
    assert layout["nameCut"], "one line, ending in an ellipsis"
    for colour in layout["colours"]:
        assert contrast(colour, layout["card"]) >= 4.5, (colour, layout)
    assert page.problems == []


@pytest.mark.parametrize(("width", "text_pixels"), [(1280, 32), (360, 32)])
def test_large_text_keeps_the_card_inside_the_page(
    midday_daemon: DaemonProcess, browser: Any, width: int, text_pixels: int
):
    """200 % text (WCAG 1.4.4), set as the browser's settings set it."""
    _worked(midday_daemon, int(time.time()), language=LONG_LANGUAGE)
    page = Page(browser, viewport={"width": width, "height": 900})
    session = page.page.context.new_cdp_session(page.page)
    session.send("Page.enable")
    session.send("Page.setFontSizes", {"fontSizes": {"standard": text_pixels, "fixed": 13}})
    shown = page.open(midday_daemon.url + "/")
    assert shown.evaluate("() => getComputedStyle(document.body).fontSize") == f"{text_pixels}px"
    layout = shown.evaluate(LAYOUT_JS)
    assert not layout["pageScrolls"], layout
    assert layout["tableRight"] <= layout["cardRight"] <= layout["mainRight"], layout
    assert page.problems == []


# -- refreshes ------------------------------------------------------------------------------------


def test_a_busy_daemon_leaves_the_card_as_it_was(midday_daemon: DaemonProcess, browser: Any):
    """A 503 reports_busy for the languages alone: the whole refresh waits, as for the chart."""
    now = int(time.time())
    _worked(midday_daemon, now)
    page = Page(browser, clock=True)
    shown = page.open(midday_daemon.url + "/")
    before = shown.evaluate(ROWS_JS)
    send_heartbeats(midday_daemon, "/code/more", (now - 300, "Haskell"), (now - 120, "Haskell"))
    busy_once = BusyOnce()
    shown.route(re.compile(r"/api/breakdown\?"), busy_once)
    page.page.clock.run_for(60_000)
    shown.wait_for_function(
        "() => document.getElementById('status-live').textContent.includes('busy')"
    )
    assert shown.evaluate(ROWS_JS) == before
    assert shown.evaluate("() => document.body.dataset.loaded") == "1"

    page.page.clock.run_for(5_000)
    page.wait_loaded(2)
    assert busy_once.answered == [503, 200]
    assert "Haskell" in [row["language"] for row in shown.evaluate(ROWS_JS)]
    assert all("status of 503" in problem for problem in page.problems), page.problems


def test_the_daemon_going_away_keeps_the_card(midday_daemon: DaemonProcess, browser: Any):
    _worked(midday_daemon, int(time.time()))
    page = Page(browser, clock=True)
    shown = page.open(midday_daemon.url + "/")
    before = shown.evaluate(ROWS_JS)
    assert len(before) == 3
    midday_daemon.kill()
    page.page.clock.run_for(60_000)
    shown.wait_for_selector("#offline:not([hidden])")
    page.page.clock.run_for(5_000)  # and a retry
    shown.wait_for_function("() => document.body.dataset.stale === 'true'")
    assert shown.evaluate(ROWS_JS) == before
    assert shown.is_visible("#languages-list")
    assert shown.is_hidden("#languages-empty")
    assert all(
        "ERR_CONNECTION_REFUSED" in problem or problem.startswith("failed:")
        for problem in page.problems
    ), page.problems


def test_a_slow_answer_for_an_earlier_range_does_not_replace_the_card(
    midday_daemon: DaemonProcess, browser: Any
):
    """The 30-day languages arrive after the 7-day ones asked later: the 7 days stay."""
    now = int(time.time())
    _worked(midday_daemon, now)
    _worked_long_ago(midday_daemon, now)
    page = Page(browser)
    shown = page.open(midday_daemon.url + "/")
    held: list[Any] = []
    shown.route(re.compile(r"/api/breakdown\?.*days=30"), lambda route: held.append(route))
    shown.click("button[data-days='30']")
    shown.wait_for_function("() => true")
    shown.click("button[data-days='7']")
    page.wait_loaded(2)
    assert len(held) == 1
    held[0].continue_()
    shown.wait_for_function("() => document.body.dataset.discarded === '1'")
    assert _shown(shown) == _breakdown(midday_daemon, 7)
    assert shown.inner_text("#languages-range") == "last 7 days"
    assert page.problems == []
