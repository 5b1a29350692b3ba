"""The dashboard's projects card while things happen around it: a change under way (the dialog
or form says so and waits for the daemon, as a request sent cannot be taken back), a daemon that
does not answer and then does (what the card said of it goes), and projects changed elsewhere,
by the command line or the API (the open card follows at the minute's refresh, but never under
a form or dialog the user has open)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page
from tests.e2e.test_dashboard_projects import (
    FOCUSED_JS,
    LIST_LOADED_JS,
    _ask_merge,
    _card_page,
    _listed,
    _open_card,
    _projects,
    _wait_for_focus,
    _wait_for_names,
    fits_a_phone_and_reads,
)

pytestmark = pytest.mark.e2e

STATUS = "#projects-status"
FOCUSED_TOP_JS = "() => document.activeElement.getBoundingClientRect().top"
STATUS_IS_JS = "(said) => document.getElementById('projects-status').textContent === said"
STATUS_BEGINS_JS = """(said) =>
  document.getElementById('projects-status').textContent.startsWith(said)"""


class Held:
    """A Playwright route handler that holds each request it is given, unanswered, until the
    test lets them go on (``release``), and every later one with them: a daemon slow to answer,
    or one that does not answer for a while."""

    def __init__(self) -> None:
        self.routes: list[Any] = []
        self.released = False

    def __call__(self, route: Any) -> None:
        if self.released:
            route.continue_()
        else:
            self.routes.append(route)

    def wait(self, shown: Any, count: int = 1) -> None:
        """Until ``count`` requests are held (a deadline, no sleep): Playwright hands each
        route over while the test talks to the page."""
        deadline = time.monotonic() + 10
        while len(self.routes) < count:
            assert time.monotonic() < deadline, f"{len(self.routes)} requests held"
            shown.evaluate("() => 0")

    def release(self) -> None:
        self.released = True
        for route in self.routes:
            route.continue_()
        self.routes.clear()


def _hold(shown: Any, matches: Callable[[str], bool]) -> Held:
    held = Held()
    shown.route(matches, held)
    return held


def _busy(shown: Any, selector: str) -> dict[str, Any]:
    """What the form or dialog ``selector`` is while its change is under way."""
    busy: dict[str, Any] = shown.evaluate(
        """(selector) => {
          const box = document.querySelector(selector);
          const line = box.querySelector(".sending");
          return {
            busy: box.getAttribute("aria-busy"),
            said: line.checkVisibility() ? line.textContent : null,
            focused: document.activeElement === line,
            enabled: [...box.querySelectorAll("button")].filter((b) => !b.disabled).length,
          };
        }""",
        selector,
    )
    return busy


def _loaded(shown: Any) -> int:
    return int(shown.evaluate("() => Number(document.body.dataset.loaded || 0)"))


def _asked(shown: Any) -> int:
    """How many times the card has asked for its list."""
    asked = "() => Number(document.getElementById('projects-list').dataset.asked)"
    return int(shown.evaluate(asked))


def _cli(daemon: DaemonProcess, *args: str) -> None:
    """``oxitrack projects ARGS`` on the daemon's database file, as from a terminal."""
    command = [sys.executable, "-m", "oxitrack", "projects", *args]
    command += ["--via", "file", "--db", str(daemon.db_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def _card_page_on_clock(browser: Any, daemon: DaemonProcess, **options: Any) -> tuple[Page, Any]:
    """The dashboard of ``daemon``, its card open, on a clock the test runs (``run_for``)."""
    page = Page(browser, clock=True, **options)
    page.open(daemon.url + "/")
    return page, _open_card(page)


def _minute_refresh(page: Page) -> None:
    """The page's minute refresh, run on the page's clock, and its answer drawn. A jump (each
    timer due fires once), not a run: run on past a refresh asked early in the minute (the clock
    already run on since the last), the page's clock gave up on its reads after 15 s before the
    daemon's answers, which take real time, could come."""
    loaded = _loaded(page.page)
    page.page.clock.fast_forward(60_000)
    page.wait_loaded(loaded + 1)


# -- a notice of no answer goes once the daemon answers, or a new attempt starts ------------------


def test_a_merge_the_daemon_did_not_answer_is_said_as_not_known_until_it_answers_again(
    two_projects: DaemonProcess, browser: Any
):
    """The daemon away at a merge: the list could not be drawn anew, so the merge's choice stayed
    open, and under it "The daemon did not answer: …" stayed too once the daemon
    answered again, beside a page that said it did and showed its figures. It was said as "alpha
    was not merged", which the page cannot know of a connection dropped: the daemon may have
    merged and stopped before answering. Said as not known, then as the daemon's list shows."""
    page, shown = _card_page(browser, two_projects)
    _ask_merge(shown, "alpha", "beta")
    two_projects.stop()
    shown.get_by_role("button", name="Merge alpha into beta").click()
    shown.wait_for_selector("#offline:not([hidden])")
    said = (
        "The daemon did not answer: the connection failed. "
        "alpha may or may not be merged into beta."
    )
    shown.wait_for_function(STATUS_IS_JS, arg=said)
    loaded = _loaded(shown)
    two_projects.start(port=two_projects.port)
    shown.click("#retry-now")
    page.wait_loaded(loaded + 1)
    assert shown.locator("#offline").is_hidden()
    shown.wait_for_function(STATUS_IS_JS, arg="alpha was not merged into beta.")
    choice = shown.get_by_label("Merge alpha into", exact=True)
    assert choice.evaluate("(select) => select.selectedOptions[0].text") == "beta", "kept"
    shown.get_by_role("button", name="Merge…").click()
    shown.get_by_role("button", name="Merge alpha into beta").click()
    _wait_for_names(shown, "today", ["beta"])
    assert shown.inner_text(STATUS) == "Merged alpha into beta."
    assert page.problems_are_only_the_daemon_away(), page.problems


def test_a_rename_the_daemon_did_not_answer_is_said_by_its_field_only_until_it_answers_again(
    two_projects: DaemonProcess, browser: Any
):
    """The daemon away at a rename: "The daemon did not answer" by the field, marked wrong,
    stayed after the minute's refresh had its answer, as if the name typed were at fault; then
    it went unsaid whether the rename was made, which the page cannot know of a dropped
    connection until the daemon's list shows it."""
    page, shown = _card_page_on_clock(browser, two_projects)
    shown.get_by_role("button", name="Rename alpha").click()
    field = shown.get_by_label("New name for alpha")
    field.fill("Keyed")
    two_projects.stop()
    field.press("Enter")
    error = shown.locator("#projects-list .field-error")
    error.wait_for()
    unsure = (
        "The daemon did not answer: the connection failed. "
        "alpha may or may not be renamed to Keyed."
    )
    assert error.inner_text() == unsure
    assert field.get_attribute("aria-invalid") == "true"
    two_projects.start(port=two_projects.port)
    _minute_refresh(page)
    shown.wait_for_function(STATUS_IS_JS, arg="alpha was not renamed to Keyed.")
    assert error.is_hidden()
    assert field.get_attribute("aria-invalid") is None
    assert field.input_value() == "Keyed", "kept, to be sent again"
    field.press("Enter")
    _wait_for_names(shown, "today", ["Keyed", "beta"])
    assert shown.inner_text(STATUS) == "Renamed alpha to Keyed."
    assert page.problems_are_only_the_daemon_away(), page.problems


# -- a change under way: said, waited for, and not to be cancelled ------------------------------


def test_a_merge_under_way_keeps_its_dialog_open_and_busy_until_the_daemon_answers(
    two_projects: DaemonProcess, browser: Any
):
    """Cancel or Escape closed the dialog of a merge already sent, which the daemon then made,
    and said: the user believed it cancelled."""
    page, shown = _card_page(browser, two_projects)
    _ask_merge(shown, "alpha", "beta")
    held = _hold(shown, lambda url: url.endswith("/api/projects/merge"))
    shown.get_by_role("button", name="Merge alpha into beta").click()
    dialog = shown.locator("#merge-dialog")
    assert _busy(shown, "#merge-dialog") == {
        "busy": "true",
        "said": "Merging alpha into beta…",
        "focused": True,
        "enabled": 0,
    }
    held.wait(shown)
    shown.keyboard.press("Escape")
    shown.keyboard.press("Escape")  # twice: a dialog asked twice closes whatever "cancel" says
    assert dialog.is_visible()
    assert shown.locator("#merge-cancel").is_disabled()
    assert set(_projects(two_projects)) == {"/code/alpha", "/code/beta"}, "not yet"
    held.release()
    dialog.wait_for(state="hidden")
    shown.wait_for_function(STATUS_IS_JS, arg="Merged alpha into beta.")
    _wait_for_names(shown, "today", ["beta"])
    assert shown.evaluate(FOCUSED_JS) == "Rename beta", "alone, it has nothing to merge into"
    assert [project["name"] for project in _projects(two_projects).values()] == ["beta"]
    # Open again, the dialog asks as it did before: nothing of the change under way is left.
    shown.get_by_role("button", name="Delete beta").click()
    assert _busy(shown, "#delete-dialog")["busy"] is None
    assert shown.locator("#merge-dialog .sending").is_hidden()
    assert shown.get_by_role("button", name="Delete beta for good").is_enabled()
    assert page.problems == []


def test_a_delete_the_daemon_does_not_answer_in_time_is_said_as_not_known(
    two_projects: DaemonProcess, browser: Any
):
    """A daemon that takes the delete and never answers (its disk hung): the dialog, which waits
    for the answer, closes after the page's 30 s and says the delete may still be made; once the
    daemon answers, the list shows whether it was, and the card says so."""
    page, shown = _card_page_on_clock(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    held = _hold(shown, lambda url: "/api/projects" in url or "/today" in url)
    shown.get_by_role("button", name="Delete alpha for good").click()
    assert _busy(shown, "#delete-dialog")["said"] == "Deleting alpha…"
    held.wait(shown)
    page.page.clock.run_for(30_000)
    said = "The daemon did not answer in 30 s: alpha may still be deleted."
    shown.wait_for_function(STATUS_IS_JS, arg=said)
    assert shown.locator("#delete-dialog").is_hidden()
    _wait_for_focus(shown, "Delete alpha")
    # The daemon made it late; the list and the page, asked meanwhile, are answered now.
    httpx.post(
        f"{two_projects.url}/api/projects/delete",
        json={"project": _projects(two_projects)["/code/alpha"]["id"]},
    ).raise_for_status()
    aborted = held.routes.pop(0)  # the delete's, given up by the page
    assert aborted.request.url.endswith("/api/projects/delete")
    held.wait(shown)  # the list's, asked after it
    held.release()
    shown.wait_for_function(STATUS_BEGINS_JS, arg="Deleted alpha and its 0h ")
    _wait_for_names(shown, "today", ["beta"])
    assert _listed(shown) == ["beta"]
    assert all("/api/projects/delete" in problem for problem in page.problems), page.problems


def test_a_rename_under_way_keeps_its_form_busy_and_a_new_attempt_clears_an_old_no_answer(
    two_projects: DaemonProcess, browser: Any
):
    page, shown = _card_page(browser, two_projects)
    shown.route("**/api/projects/rename", lambda route: route.abort())
    shown.get_by_role("button", name="Rename alpha").click()
    field = shown.get_by_label("New name for alpha")
    field.fill("Keyed")
    field.press("Enter")
    error = shown.locator("#projects-list .field-error")
    error.wait_for()
    assert error.inner_text().startswith("The daemon did not answer")
    shown.unroute("**/api/projects/rename")
    held = _hold(shown, lambda url: url.endswith("/api/projects/rename"))
    field.press("Enter")
    assert error.is_hidden(), "said of the last attempt, not this one"
    assert field.get_attribute("aria-invalid") is None
    assert _busy(shown, "#projects-list form") == {
        "busy": "true",
        "said": "Renaming alpha to Keyed…",
        "focused": True,
        "enabled": 0,
    }
    held.wait(shown)
    shown.keyboard.press("Escape")
    assert shown.locator("#projects-list form").count() == 1, "Escape does not close it"
    assert field.evaluate("(input) => input.readOnly")
    held.release()
    _wait_for_names(shown, "today", ["Keyed", "beta"])
    shown.wait_for_function(STATUS_IS_JS, arg="Renamed alpha to Keyed.")
    assert shown.locator("#projects-list form").count() == 0
    assert shown.evaluate(FOCUSED_JS) == "Rename Keyed"
    aborted = ("/api/projects/rename", "net::ERR_FAILED")
    assert all(any(mark in problem for mark in aborted) for problem in page.problems)


def test_a_change_under_way_keeps_the_keyboard_in_its_dialog(
    two_projects: DaemonProcess, browser: Any
):
    """Every button of the busy dialog disabled, Tab left it for the page's body, and neither
    Tab nor Shift+Tab came back to what it said was under way."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    held = _hold(shown, lambda url: url.endswith("/api/projects/delete"))
    shown.keyboard.press("Tab")
    shown.keyboard.press("Enter")  # on "Delete alpha for good"
    held.wait(shown)
    for key in ("Tab", "Shift+Tab"):
        # Out to the browser's own controls (the page's body, headless) and back, as from any
        # dialog's last control.
        focused = []
        for _ in range(2):
            shown.keyboard.press(key)
            focused.append(shown.evaluate("() => document.activeElement.id"))
        assert "delete-sending" in focused, (key, focused)
    shown.locator("#delete-sending").focus()
    shown.keyboard.press("Enter")
    assert shown.locator("#delete-dialog").is_visible()
    held.release()
    shown.locator("#delete-dialog").wait_for(state="hidden")
    _wait_for_focus(shown, "Delete beta")
    assert shown.locator("#delete-sending").get_attribute("tabindex") == "-1", "when not busy"
    assert page.problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_change_under_way_fits_a_phone_and_reads_in_either_theme(
    two_projects: DaemonProcess, browser: Any, scheme: str
):
    """At 360 px: no sideways scrolling, every control 24 px or more, every text (the disabled
    buttons' included) 4.5:1 on what it sits on."""
    page, shown = _card_page(
        browser, two_projects, viewport={"width": 360, "height": 800}, color_scheme=scheme
    )
    _ask_merge(shown, "alpha", "beta")
    held = _hold(shown, lambda url: url.endswith("/api/projects/merge"))
    shown.get_by_role("button", name="Merge alpha into beta").click()
    held.wait(shown)
    fits_a_phone_and_reads(shown, "Merging alpha into beta…")
    assert shown.locator("#merge-cancel").is_disabled(), "its text checked as every text"
    held.release()
    _wait_for_names(shown, "today", ["beta"])
    assert page.problems == []


def test_a_change_under_way_keeps_its_dialog_drawn_under_forced_colours(
    two_projects: DaemonProcess, browser: Any
):
    page, shown = _card_page(browser, two_projects, forced_colors="active")
    shown.get_by_role("button", name="Delete alpha").click()
    held = _hold(shown, lambda url: url.endswith("/api/projects/delete"))
    shown.get_by_role("button", name="Delete alpha for good").click()
    held.wait(shown)
    drawn = shown.evaluate(
        """() => {
      const style = (selector) => getComputedStyle(document.querySelector(selector));
      return {
        edge: style("#delete-dialog").borderTopStyle,
        background: style("#delete-dialog").backgroundColor,
        said: style("#delete-sending").color,
        buttons: ["#delete-cancel", "#delete-confirm"].map((b) => style(b).borderTopStyle),
      };
    }"""
    )
    assert drawn["edge"] == "solid", drawn
    assert drawn["said"] != drawn["background"], drawn
    assert "none" not in drawn["buttons"], drawn
    held.release()
    _wait_for_names(shown, "today", ["beta"])
    assert page.problems == []


# -- changes made elsewhere: followed at the minute's refresh ------------------------------------


def test_the_open_card_follows_changes_made_elsewhere_at_the_minute_refresh(
    two_projects: DaemonProcess, browser: Any
):
    """A project renamed from the command line, or merged from another tab, stayed as it was in
    the open card until it was folded and opened again. Followed, the card keeps the focus and
    the scroll where they were, the focused button itself if its project did not change."""
    page, shown = _card_page_on_clock(
        browser, two_projects, viewport={"width": 1200, "height": 500}
    )
    beta = shown.get_by_role("button", name="Delete beta")
    beta.focus()
    # A property, not an attribute, which would make the button read unlike the one drawn anew.
    shown.evaluate("() => { document.activeElement.kept = true; }")
    scrolled = shown.evaluate("() => window.scrollY")
    assert scrolled > 0, "the card is below the fold: its scroll is worth keeping"
    _cli(two_projects, "rename", "alpha", "Renamed")
    _minute_refresh(page)
    shown.wait_for_function(LIST_LOADED_JS, arg=2, timeout=10_000)
    assert _listed(shown) == ["Renamed", "beta"]
    assert shown.evaluate("() => document.activeElement.kept") is True, "the very button"
    assert shown.evaluate("() => window.scrollY") == scrolled
    assert shown.inner_text(STATUS) == "", "nothing to announce: the list shows it"

    top = shown.evaluate(FOCUSED_TOP_JS)
    ids = {
        "source": _projects(two_projects)["/code/alpha"]["id"],
        "target": _projects(two_projects)["/code/beta"]["id"],
    }
    httpx.post(f"{two_projects.url}/api/projects/merge", json=ids).raise_for_status()
    _minute_refresh(page)
    shown.wait_for_function(LIST_LOADED_JS, arg=3, timeout=10_000)
    assert _listed(shown) == ["beta"]
    assert shown.evaluate(FOCUSED_JS) == "Delete beta", "its item drawn anew, the focus in it"
    # The item above it gone, the page scrolls up by as much: what the user saw stays in place.
    assert shown.evaluate(FOCUSED_TOP_JS) == pytest.approx(top, abs=1)
    assert page.problems == []


def test_the_minute_refresh_leaves_an_open_form_or_dialog_alone(
    two_projects: DaemonProcess, browser: Any
):
    """Listed anew, the card would pull a form from under a user typing in it, or a dialog's
    project from under one deciding: it waits until they are closed."""
    page, shown = _card_page_on_clock(browser, two_projects)
    shown.get_by_role("button", name="Rename beta").click()
    field = shown.get_by_label("New name for beta")
    field.fill("Half typ")
    asked = _asked(shown)
    _cli(two_projects, "rename", "alpha", "Renamed")
    _minute_refresh(page)
    assert _asked(shown) == asked
    assert field.input_value() == "Half typ"
    assert shown.evaluate("() => document.activeElement.id") == field.get_attribute("id")
    field.press("Escape")

    shown.get_by_role("button", name="Delete beta").click()
    _minute_refresh(page)
    assert _asked(shown) == asked
    assert shown.locator("#delete-dialog").is_visible()
    shown.keyboard.press("Escape")
    _wait_for_focus(shown, "Delete beta")

    _minute_refresh(page)
    shown.wait_for_function(LIST_LOADED_JS, arg=2, timeout=10_000)
    assert _listed(shown) == ["Renamed", "beta"]
    assert shown.evaluate(FOCUSED_JS) == "Delete beta"
    assert page.problems == []


# -- a rename under way, and what the user does meanwhile ---------------------------------------


def _rename_held(shown: Any, project: str, name: str) -> tuple[Held, Any]:
    """``project``'s rename to ``name`` sent and held unanswered: the held route, and the field."""
    held = _hold(shown, lambda url: url.endswith("/api/projects/rename"))
    shown.get_by_role("button", name=f"Rename {project}").click()
    field = shown.get_by_label(f"New name for {project}")
    field.fill(name)
    field.press("Enter")
    held.wait(shown)
    return held, field


def test_a_rename_under_way_leaves_the_other_projects_buttons_no_change_to_start(
    two_projects: DaemonProcess, browser: Any
):
    """While alpha's rename was under way, "Rename beta" closed alpha's busy form, and a name
    typed there and sent did nothing at all (one change at a time), then went with the list
    the rename drew anew."""
    page, shown = _card_page(browser, two_projects)
    held, _field = _rename_held(shown, "alpha", "Keyed")
    shown.get_by_role("button", name="Rename beta").click(force=True)
    assert shown.locator("#projects-list form").count() == 1
    assert _busy(shown, "#projects-list form")["said"] == "Renaming alpha to Keyed…"
    others = ["Rename beta", "Merge beta into…", "Delete beta"]
    disabled = [shown.get_by_role("button", name=name).is_disabled() for name in others]
    assert disabled == [True] * 3, "said by the buttons themselves"
    held.release()
    _wait_for_names(shown, "today", ["Keyed", "beta"])
    assert shown.inner_text(STATUS) == "Renamed alpha to Keyed."
    assert shown.locator("#projects-list form").count() == 0
    assert shown.evaluate(FOCUSED_JS) == "Rename Keyed"
    assert all(shown.get_by_role("button", name=name).is_enabled() for name in others)
    assert page.problems == []


def _fold_and_open(shown: Any) -> None:
    """The card folded and opened again, from its summary, and the toggle handled."""
    shown.evaluate(
        """() => {
          if (window.toggled === undefined) {
            document.getElementById("projects-box").addEventListener("toggle", () => {
              window.toggled += 1;
            });
          }
          window.toggled = 0;
        }"""
    )
    shown.click("#projects-box summary")
    shown.wait_for_function("() => window.toggled === 1")
    shown.click("#projects-box summary")
    shown.wait_for_function("() => window.toggled === 2")


def test_a_rename_typed_or_under_way_is_kept_when_the_card_is_folded_and_opened_again(
    two_projects: DaemonProcess, browser: Any
):
    """Opened again, the card listed its projects anew over the form: a name half typed was
    lost, and a rename under way lost its busy form, its buttons back as if nothing was sent."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Rename beta").click()
    field = shown.get_by_label("New name for beta")
    field.fill("Half typ")
    asked = _asked(shown)
    _fold_and_open(shown)
    assert _asked(shown) == asked, "not listed over the form"
    assert field.input_value() == "Half typ"
    field.press("Escape")

    held, _field = _rename_held(shown, "alpha", "Keyed")
    _fold_and_open(shown)
    assert _asked(shown) == asked
    assert _busy(shown, "#projects-list form")["said"] == "Renaming alpha to Keyed…"
    held.release()
    shown.wait_for_function(STATUS_IS_JS, arg="Renamed alpha to Keyed.")
    _wait_for_names(shown, "today", ["Keyed", "beta"])
    assert _listed(shown) == ["Keyed", "beta"]
    assert page.problems == []


def test_a_list_that_comes_late_after_a_change_leaves_the_focus_where_the_user_took_it(
    two_projects: DaemonProcess, browser: Any
):
    """A daemon that answered nothing for a while (a delete, the list and the page asked after
    it): when it answered at last, the focus was taken from wherever the user had gone
    meanwhile, and the page scrolled down to the card."""
    page, shown = _card_page_on_clock(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    held = _hold(shown, lambda url: "/api/projects" in url or "/today" in url)
    shown.get_by_role("button", name="Delete alpha for good").click()
    held.wait(shown)
    page.page.clock.run_for(30_000)
    _wait_for_focus(shown, "Delete alpha")
    held.wait(shown, 2)  # the delete's, given up, and the list's asked after it
    elsewhere = shown.locator(".switch button").first
    elsewhere.focus()
    held.release()
    shown.wait_for_function(LIST_LOADED_JS, arg=2, timeout=10_000)
    assert _listed(shown) == ["alpha", "beta"], "the daemon never got the delete"
    assert shown.evaluate("() => document.activeElement.dataset.days") == elsewhere.get_attribute(
        "data-days"
    )
    assert all("/api/projects/delete" in problem for problem in page.problems), page.problems


def test_a_change_not_answered_in_time_is_said_until_the_list_shows_it_made(
    two_projects: DaemonProcess, browser: Any
):
    """A daemon whose disk hung on writes, reads still served: "alpha may still be deleted" went
    as the list and the page asked after it were answered, before it could be read; the list
    then showed alpha, and when the delete landed, it went from the list unsaid."""
    page, shown = _card_page_on_clock(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    held = _hold(shown, lambda url: url.endswith("/api/projects/delete"))
    shown.get_by_role("button", name="Delete alpha for good").click()
    held.wait(shown)
    loaded, listed = _loaded(shown), _asked(shown)
    page.page.clock.run_for(30_000)
    page.wait_loaded(loaded + 1)
    shown.wait_for_function(LIST_LOADED_JS, arg=listed + 1, timeout=10_000)
    assert _listed(shown) == ["alpha", "beta"]
    said = "The daemon did not answer in 30 s: alpha may still be deleted."
    assert shown.inner_text(STATUS) == said, "not known yet: the page's answer says nothing of it"
    _minute_refresh(page)
    assert shown.inner_text(STATUS) == said
    # The write lands at last: the next list shows it, and the card says so.
    httpx.post(
        f"{two_projects.url}/api/projects/delete",
        json={"project": _projects(two_projects)["/code/alpha"]["id"]},
    ).raise_for_status()
    _minute_refresh(page)
    shown.wait_for_function(STATUS_BEGINS_JS, arg="Deleted alpha and its 0h ")
    assert _listed(shown) == ["beta"]
    assert all("/api/projects/delete" in problem for problem in page.problems), page.problems


def test_a_rename_of_a_project_merged_away_in_another_tab_says_so_and_lists_it_gone(
    two_projects: DaemonProcess, browser: Any
):
    """alpha merged into beta in another tab while its rename was typed in this one: the
    daemon's refusal came by the field in its own words ("project 1 was merged into project
    2", ids the page never shows), and alpha stayed in the list, to be renamed again in vain."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Rename alpha").click()
    field = shown.get_by_label("New name for alpha")
    field.fill("Other")
    other, other_shown = _card_page(browser, two_projects)
    _ask_merge(other_shown, "alpha", "beta")
    other_shown.get_by_role("button", name="Merge alpha into beta").click()
    _wait_for_names(other_shown, "today", ["beta"])
    field.press("Enter")
    shown.wait_for_function(STATUS_BEGINS_JS, arg="alpha was not renamed. The daemon refused: ")
    assert "was merged into project" in shown.inner_text(STATUS), "the daemon's words"
    shown.wait_for_function(LIST_LOADED_JS, arg=2)
    assert _listed(shown) == ["beta"]
    assert shown.locator("#projects-list form").count() == 0
    assert shown.evaluate(FOCUSED_JS) == "Rename beta", "the next project's, not the page's start"
    _wait_for_names(shown, "today", ["beta"])
    assert [project["name"] for project in _projects(two_projects).values()] == ["beta"]
    assert other.problems == []
    assert page.only_answered(404), page.problems


# -- a change whose fate the page cannot know: said so, then as the daemon's list shows ----------


@pytest.mark.parametrize("made", [False, True], ids=["stopped-before", "stopped-after"])
def test_a_delete_whose_connection_dropped_is_said_as_not_known_then_as_the_list_shows(
    two_projects: DaemonProcess, browser: Any, made: bool
):
    """The connection dropped mid-delete (the daemon stopped or restarted): "alpha was not
    deleted" was said, which the page cannot know, as the daemon may have deleted it and
    stopped before answering. Said as not known, then as the list the daemon gives shows."""
    page, shown = _card_page(browser, two_projects)
    alpha = _projects(two_projects)["/code/alpha"]["id"]

    def dropped(route: Any) -> None:
        if made:  # the daemon's write landed; its answer never came
            delete = httpx.post(f"{two_projects.url}/api/projects/delete", json={"project": alpha})
            delete.raise_for_status()
        route.abort()

    shown.route("**/api/projects/delete", dropped)
    held = _hold(shown, lambda url: url.endswith("/api/projects"))
    shown.get_by_role("button", name="Delete alpha").click()
    shown.get_by_role("button", name="Delete alpha for good").click()
    unsure = "The daemon did not answer: the connection failed. alpha may or may not be deleted."
    shown.wait_for_function(STATUS_IS_JS, arg=unsure)
    held.wait(shown)  # the list asked after it, which says
    held.release()
    if made:
        shown.wait_for_function(STATUS_BEGINS_JS, arg="Deleted alpha and its 0h ")
        _wait_for_names(shown, "today", ["beta"])
        assert _listed(shown) == ["beta"]
    else:
        shown.wait_for_function(STATUS_IS_JS, arg="alpha was not deleted.")
        assert _listed(shown) == ["alpha", "beta"]
    aborted = ("/api/projects/delete", "net::ERR_FAILED")
    assert all(any(mark in problem for mark in aborted) for problem in page.problems)


def test_a_rename_not_answered_in_time_is_said_when_the_list_shows_it_made(
    two_projects: DaemonProcess, browser: Any
):
    """A rename the daemon did not answer in 30 s: "alpha may still be renamed" by its field
    went at the page's next answer, and when the rename landed, nothing said it was made, as
    a delete's or a merge's is. Its form went with the list, and the focus in its field with it,
    to the page's start."""
    page, shown = _card_page_on_clock(browser, two_projects)
    held, _ = _rename_held(shown, "alpha", "Keyed")
    page.page.clock.run_for(30_000)
    error = shown.locator("#projects-list .field-error")
    error.wait_for()
    maybe = error.inner_text()
    assert maybe == "The daemon did not answer in 30 s: alpha may still be renamed to Keyed."
    assert held.routes.pop(0).request.url.endswith("/api/projects/rename")  # given up
    _minute_refresh(page)
    assert error.inner_text() == maybe, "not known yet: a hung write may land late"
    assert shown.inner_text(STATUS) == ""
    # The write lands at last: the next list shows it, and the card says so.
    httpx.post(
        f"{two_projects.url}/api/projects/rename",
        json={"project": _projects(two_projects)["/code/alpha"]["id"], "name": "Keyed"},
    ).raise_for_status()
    _minute_refresh(page)
    shown.wait_for_function(STATUS_IS_JS, arg="Renamed alpha to Keyed.")
    shown.wait_for_function(LIST_LOADED_JS, arg=2)
    assert _listed(shown) == ["Keyed", "beta"]
    assert shown.locator("#projects-list form").count() == 0
    assert shown.evaluate(FOCUSED_JS) == "Rename Keyed", "the focus on the button of its form"
    assert all("/api/projects/rename" in problem for problem in page.problems), page.problems
