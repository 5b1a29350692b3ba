"""The dashboard's projects card: a project tracked by mistake or badly named is put right on the
page, as `oxitrack projects rename|delete` puts it right, against a real daemon and database. A
rename shows at once in every card; a delete is asked first, says what goes, and takes the project
out of every card and of `GET /api/projects`; a refusal is said in the daemon's words."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import (
    Page,
    accessibility_tree,
    contrast,
    drawn_names,
    send_beats,
    worked_lately,
)
from tests.e2e.test_dashboard_contrast import TEXTS_JS
from tests.e2e.test_dashboard_phone import TARGETS_JS

pytestmark = pytest.mark.e2e

# Every card that names projects, each as a screen reader reads its names.
CARDS = {
    "legend": "#days-legend button .label",
    "today": "#today-projects tbody .name",
    "recent": "#recent-sessions tbody .name",
}
LIST_LOADED_JS = """(times) =>
  Number(document.getElementById("projects-list").dataset.loaded || 0) >= times"""
FOCUSED_JS = """() => {
  const node = document.activeElement;
  return node.getAttribute("aria-label") || node.id || node.textContent.trim();
}"""


@pytest.fixture
def two_projects(worked_daemon: DaemonProcess) -> DaemonProcess:
    """``alpha`` (20 minutes) and ``beta`` (10 minutes), both worked on today."""
    now = int(time.time())
    send_beats(worked_daemon, "/code/beta", range(now - 3000, now - 2399, 60))
    return worked_daemon


def _projects(daemon: DaemonProcess) -> dict[str, dict[str, Any]]:
    """``GET /api/projects`` by each project's latest folder."""
    answer = httpx.get(f"{daemon.url}/api/projects")
    answer.raise_for_status()
    return {project["latest_path"]: project for project in answer.json()["projects"]}


def _names(shown: Any) -> dict[str, list[str]]:
    return {
        card: sorted(name["spoken"] for name in drawn_names(shown, selector))
        for card, selector in CARDS.items()
    }


def _open_card(page: Page) -> Any:
    """The page with its projects card open and listed."""
    shown = page.page
    shown.click("#projects-box summary")
    shown.wait_for_function(LIST_LOADED_JS, arg=1)
    return shown


def _card_page(browser: Any, daemon: DaemonProcess, **options: Any) -> tuple[Page, Any]:
    """The dashboard of ``daemon`` (``options`` as ``Page`` takes them), its projects card open."""
    page = Page(browser, **options)
    page.open(daemon.url + "/")
    return page, _open_card(page)


def _listed(shown: Any) -> list[str]:
    return sorted(name["spoken"] for name in drawn_names(shown, "#projects-list .name"))


def _wait_for_names(shown: Any, card: str, names: list[str]) -> None:
    """Until ``card`` names exactly ``names`` (Playwright's deadline)."""
    shown.wait_for_function(
        """([selector, names]) => {
          const spoken = [...document.querySelectorAll(selector)].map((node) =>
            (node.querySelector(".visually-hidden") ?? node).textContent);
          return JSON.stringify(spoken.sort()) === JSON.stringify(names);
        }""",
        arg=[CARDS[card], sorted(names)],
    )


def test_a_rename_through_the_form_shows_in_every_card_at_once(
    two_projects: DaemonProcess, browser: Any
):
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Rename alpha", exact=True).click()
    field = shown.get_by_label("New name for alpha")
    assert field.input_value() == "alpha"
    field.fill("Alpha Site")
    shown.get_by_role("button", name="Save").click()
    _wait_for_names(shown, "legend", ["Alpha Site", "beta"])
    assert _names(shown) == {card: ["Alpha Site", "beta"] for card in CARDS}
    assert _listed(shown) == ["Alpha Site", "beta"]
    assert shown.inner_text("#projects-status") == "Renamed alpha to Alpha Site."
    assert shown.evaluate(FOCUSED_JS) == "Rename Alpha Site"
    alpha = _projects(two_projects)["/code/alpha"]
    assert (alpha["name"], alpha["custom_name"]) == ("Alpha Site", "Alpha Site")
    assert page.problems == []


@pytest.mark.parametrize("typed", ["", "  reset "])
def test_an_empty_name_or_reset_gives_the_folders_name_back(
    two_projects: DaemonProcess, browser: Any, typed: str
):
    alpha_id = _projects(two_projects)["/code/alpha"]["id"]
    renamed = httpx.post(
        f"{two_projects.url}/api/projects/rename", json={"project": alpha_id, "name": "Old Name"}
    )
    renamed.raise_for_status()
    page, shown = _card_page(browser, two_projects)
    assert _names(shown)["today"] == ["Old Name", "beta"]
    shown.get_by_role("button", name="Rename Old Name").click()
    shown.get_by_label("New name for Old Name").fill(typed)
    shown.keyboard.press("Enter")
    _wait_for_names(shown, "today", ["alpha", "beta"])
    assert _names(shown) == {card: ["alpha", "beta"] for card in CARDS}
    said = shown.inner_text("#projects-status")
    assert said == "Old Name has its folder's name again: alpha."
    assert _projects(two_projects)["/code/alpha"]["custom_name"] is None
    assert page.problems == []


def test_a_name_the_daemon_refuses_is_said_by_its_field_and_changes_nothing(
    two_projects: DaemonProcess, browser: Any
):
    """Digits name a project by its id: the daemon refuses them as a name (422)."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Rename alpha").click()
    field = shown.get_by_label("New name for alpha")
    field.fill("123")
    field.press("Enter")
    error = shown.locator("#projects-list .field-error")
    error.wait_for()
    refusal = httpx.post(
        f"{two_projects.url}/api/projects/rename", json={"project": "alpha", "name": "123"}
    )
    assert refusal.status_code == 422
    assert error.inner_text() == f"The daemon refused: {refusal.json()['message']}"
    assert "must not be only digits" in error.inner_text()
    assert field.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in (field.get_attribute("aria-describedby") or "").split()
    assert shown.evaluate("() => document.activeElement.id") == field.get_attribute("id")
    assert field.input_value() == "123", "kept, to be put right"
    assert _projects(two_projects)["/code/alpha"]["custom_name"] is None
    assert page.problems
    assert all("status of 422" in problem for problem in page.problems), page.problems


def test_delete_asks_first_saying_what_goes_and_cancel_deletes_nothing(
    two_projects: DaemonProcess, browser: Any
):
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    dialog = shown.locator("#delete-dialog")
    assert dialog.is_visible()
    said = dialog.inner_text()
    alpha = _projects(two_projects)["/code/alpha"]
    for words in ("Delete alpha?", "for good", "/code/alpha", "oxitrack backup FILE"):
        assert words in said, said
    minutes = alpha["total_seconds"] // 60
    assert f"0h {minutes:02d}m in {alpha['session_count']} session" in said
    assert shown.evaluate("() => document.activeElement.id") == "delete-cancel"
    shown.keyboard.press("Enter")  # on Cancel, where the focus is
    assert dialog.is_hidden()
    assert shown.evaluate(FOCUSED_JS) == "Delete alpha"
    assert set(_projects(two_projects)) == {"/code/alpha", "/code/beta"}
    assert _listed(shown) == ["alpha", "beta"]
    assert page.problems == []


def test_a_confirmed_delete_takes_the_project_out_of_every_card_and_the_api(
    two_projects: DaemonProcess, browser: Any
):
    page, shown = _card_page(browser, two_projects)
    assert _names(shown) == {card: ["alpha", "beta"] for card in CARDS}
    shown.get_by_role("button", name="Delete alpha").click()
    shown.get_by_role("button", name="Delete alpha for good").click()
    shown.wait_for_function(LIST_LOADED_JS, arg=2)
    _wait_for_names(shown, "legend", ["beta"])
    assert _names(shown) == {card: ["beta"] for card in CARDS}
    assert _listed(shown) == ["beta"]
    assert shown.inner_text("#projects-status").startswith("Deleted alpha and its 0h ")
    assert shown.evaluate(FOCUSED_JS) == "Delete beta", "the next project's, not the page's start"
    assert set(_projects(two_projects)) == {"/code/beta"}
    assert page.problems == []


def test_a_dialog_opened_again_before_its_close_event_still_deletes(
    two_projects: DaemonProcess, browser: Any
):
    """A dialog's close event comes as a task of its own: on a busy page, Escape then Delete
    again ran it after the new dialog had opened, and it forgot that dialog's project, so
    "Delete for good" did nothing (the keyboard test failed so once). Here both happen in one
    task, so the close event always comes last."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    shown.evaluate(
        """() => {
          document.getElementById("delete-dialog").close();
          document.querySelector("button[aria-label='Delete alpha']").click();
        }"""
    )
    shown.wait_for_function("() => new Promise((done) => setTimeout(() => done(true), 0))")
    shown.get_by_role("button", name="Delete alpha for good").click()
    _wait_for_names(shown, "today", ["beta"])
    assert set(_projects(two_projects)) == {"/code/beta"}
    assert page.problems == []


def test_a_project_deleted_meanwhile_is_said_in_the_daemons_words_and_leaves_the_list(
    two_projects: DaemonProcess, browser: Any
):
    """Another tab, or the command line, deleted it while the dialog asked: the delete by its id
    answers 404 and changes nothing."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    alpha_id = _projects(two_projects)["/code/alpha"]["id"]
    elsewhere = httpx.post(f"{two_projects.url}/api/projects/delete", json={"project": alpha_id})
    elsewhere.raise_for_status()
    again = httpx.post(f"{two_projects.url}/api/projects/delete", json={"project": alpha_id})
    assert again.status_code == 404
    shown.get_by_role("button", name="Delete alpha for good").click()
    shown.wait_for_function(LIST_LOADED_JS, arg=2)
    assert shown.inner_text("#projects-status") == f"The daemon refused: {again.json()['message']}"
    assert f"project {alpha_id} was deleted" in shown.inner_text("#projects-status")
    assert _listed(shown) == ["beta"]
    _wait_for_names(shown, "legend", ["beta"])
    assert set(_projects(two_projects)) == {"/code/beta"}
    assert page.problems
    assert all("status of 404" in problem for problem in page.problems), page.problems


def _tab_to(shown: Any, name: str, most: int = 40) -> None:
    """Tab until the focus is on ``name`` (its label, id or text): the keyboard's only way."""
    for _ in range(most):
        shown.keyboard.press("Tab")
        if shown.evaluate(FOCUSED_JS) == name:
            return
    raise AssertionError(f"{name!r} not reached by Tab")


def test_rename_and_delete_with_the_keyboard_alone(two_projects: DaemonProcess, browser: Any):
    page = Page(browser)
    shown = page.open(two_projects.url + "/")
    _tab_to(shown, "Rename or delete a project")
    shown.keyboard.press("Enter")
    shown.wait_for_function(LIST_LOADED_JS, arg=1)
    _tab_to(shown, "Rename alpha")
    shown.keyboard.press("Enter")
    shown.keyboard.type("dropped")  # the name is selected: typing replaces it
    shown.keyboard.press("Escape")
    assert shown.evaluate(FOCUSED_JS) == "Rename alpha"
    assert shown.locator("#projects-list form").count() == 0

    shown.keyboard.press("Enter")
    shown.keyboard.type("Keyed")
    shown.keyboard.press("Enter")
    _wait_for_names(shown, "today", ["Keyed", "beta"])
    assert shown.evaluate(FOCUSED_JS) == "Rename Keyed"

    _tab_to(shown, "Delete Keyed")
    shown.keyboard.press("Enter")
    assert shown.evaluate(FOCUSED_JS) == "delete-cancel"
    shown.keyboard.press("Escape")
    assert shown.locator("#delete-dialog").is_hidden()
    assert shown.evaluate(FOCUSED_JS) == "Delete Keyed"
    shown.keyboard.press("Enter")
    shown.keyboard.press("Tab")
    assert shown.evaluate(FOCUSED_JS) == "Delete Keyed for good"
    shown.keyboard.press("Enter")
    _wait_for_names(shown, "today", ["beta"])
    assert set(_projects(two_projects)) == {"/code/beta"}
    assert page.problems == []


def test_a_rename_sends_the_api_key_the_page_was_given(tmp_path: Path, browser: Any):
    keyed = DaemonProcess(tmp_path / "keyed.db", "--api-key", "k3y").start()
    try:
        now = int(time.time())
        with httpx.Client(headers={"Authorization": "Bearer k3y"}) as client:
            for moment in range(now - 600, now - 59, 60):
                beat = {"project_path": "/code/alpha", "timestamp": moment}
                client.post(f"{keyed.url}/beat", json=beat).raise_for_status()
        page = Page(browser)
        shown = page.page
        shown.goto(keyed.url + "/")
        shown.fill("#api-key", "k3y")
        shown.keyboard.press("Enter")
        page.wait_loaded(1)
        _open_card(page)
        shown.get_by_role("button", name="Rename alpha").click()
        shown.get_by_label("New name for alpha").fill("Locked")
        shown.keyboard.press("Enter")
        _wait_for_names(shown, "today", ["Locked"])
        assert all("status of 401" in problem for problem in page.problems), page.problems
    finally:
        keyed.kill()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_card_its_form_and_dialog_fit_a_phone_and_read_in_either_theme(
    midday_daemon: DaemonProcess, browser: Any, scheme: str
):
    """At 360 px: no sideways scrolling (a folder with no space to break at included), every
    control 24 px or more, every text 4.5:1 on what it sits on."""
    worked_lately(midday_daemon, "/code/alpha", 1200)
    worked_lately(midday_daemon, "/code/" + "x" * 200, 600)
    page, shown = _card_page(
        browser, midday_daemon, viewport={"width": 360, "height": 800}, color_scheme=scheme
    )
    shown.get_by_role("button", name="Rename alpha").click()
    shown.get_by_label("New name for alpha").fill("123")
    shown.keyboard.press("Enter")
    shown.locator("#projects-list .field-error").wait_for()

    def checked(expected: str) -> None:
        width = shown.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], width
        small = [t for t in shown.evaluate(TARGETS_JS) if min(t["width"], t["height"]) < 24]
        assert small == []
        texts = shown.evaluate(TEXTS_JS)
        assert any(each["text"].startswith(expected) for each in texts), texts
        low = [each for each in texts if contrast(each["colour"], each["background"]) < 4.5]
        assert low == []

    checked("The daemon refused: name: must not")
    shown.keyboard.press("Escape")  # the form goes, the buttons come back
    shown.get_by_role("button", name="Delete alpha").click()
    assert shown.locator("#delete-dialog").is_visible()
    checked("Delete alpha?")
    assert all("status of 422" in problem for problem in page.problems), page.problems


def test_the_dialog_keeps_its_edge_and_buttons_under_forced_colours(
    two_projects: DaemonProcess, browser: Any
):
    page, shown = _card_page(browser, two_projects, forced_colors="active")
    shown.get_by_role("button", name="Delete alpha").click()
    drawn = shown.evaluate("""() => {
      const style = (selector) => getComputedStyle(document.querySelector(selector));
      return {
        edge: style("#delete-dialog").borderTopStyle,
        edgeColour: style("#delete-dialog").borderTopColor,
        background: style("#delete-dialog").backgroundColor,
        text: style("#delete-dialog").color,
        button: style("#delete-confirm").borderTopStyle,
      };
    }""")
    assert drawn["edge"] == "solid" and drawn["button"] != "none", drawn
    assert drawn["edgeColour"] != drawn["background"] and drawn["text"] != drawn["background"]
    assert page.problems == []


def test_a_screen_reader_gets_named_buttons_a_named_field_and_a_live_status(
    two_projects: DaemonProcess, browser: Any
):
    """Without the project in each button's name, a screen reader's list of buttons read
    "Rename, Delete, Rename, Delete"."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Rename alpha").click()
    tree = accessibility_tree(shown)
    buttons = [node["name"] for node in tree if node["role"] == "button"]
    assert {"Rename beta", "Delete beta", "Save", "Cancel"} <= set(buttons), buttons
    assert "Rename alpha" not in buttons, "the form stands in its place"
    (field,) = (node for node in tree if node["role"] == "textbox")
    assert field["name"] == "New name for alpha"
    status = shown.locator("#projects-status")
    assert (status.get_attribute("role"), status.get_attribute("aria-live")) == ("status", "polite")
    assert page.problems == []
