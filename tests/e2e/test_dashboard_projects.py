"""The dashboard's projects card: a project tracked by mistake, badly named or seen twice is put
right on the page, as `oxitrack projects rename|merge|delete` puts it right, against a real daemon
and database. A rename shows at once in every card; a merge or a delete is asked first, says what
goes where, and shows in every card and in `GET /api/projects`; a refusal is said in the daemon's
words."""

from __future__ import annotations

import time
from collections.abc import Iterator
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
from tests.zones import midday_zone

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


def test_a_rename_to_another_projects_name_says_that_a_merge_makes_them_one(
    two_projects: DaemonProcess, browser: Any
):
    """Two projects of one name are two projects, told apart by their folders on the page, and
    the name names neither where one is typed (``report --project beta``): the user who gave
    alpha beta's name most likely meant them as one, which a merge does."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Rename alpha", exact=True).click()
    shown.get_by_label("New name for alpha").fill("beta")
    shown.get_by_role("button", name="Save").click()
    shown.wait_for_function(
        "() => document.getElementById('projects-status').textContent.startsWith('Renamed')"
    )
    assert shown.inner_text("#projects-status") == (
        "Renamed alpha to beta. Another project is called beta too:"
        " to count them as one project, merge them."
    )
    assert sorted(p["name"] for p in _projects(two_projects).values()) == ["beta", "beta"]
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
    assert page.only_answered(422), page.problems


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
    said = shown.inner_text("#projects-status")
    assert said == f"alpha was not deleted. The daemon refused: {again.json()['message']}"
    assert f"project {alpha_id} was deleted" in said
    assert _listed(shown) == ["beta"]
    _wait_for_names(shown, "legend", ["beta"])
    assert set(_projects(two_projects)) == {"/code/beta"}
    assert page.problems
    assert page.only_answered(404), page.problems


def _tab_to(shown: Any, name: str, most: int = 40) -> None:
    """Tab until the focus is on ``name`` (its label, id or text): the keyboard's only way."""
    for _ in range(most):
        shown.keyboard.press("Tab")
        if shown.evaluate(FOCUSED_JS) == name:
            return
    raise AssertionError(f"{name!r} not reached by Tab")


def _card_page_by_keyboard(browser: Any, daemon: DaemonProcess) -> tuple[Page, Any]:
    """The dashboard of ``daemon``, its projects card opened from the keyboard."""
    page = Page(browser)
    shown = page.open(daemon.url + "/")
    _tab_to(shown, "Rename, merge or delete a project")
    shown.keyboard.press("Enter")
    shown.wait_for_function(LIST_LOADED_JS, arg=1)
    return page, shown


def test_rename_and_delete_with_the_keyboard_alone(two_projects: DaemonProcess, browser: Any):
    page, shown = _card_page_by_keyboard(browser, two_projects)
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


@pytest.fixture
def keyed_daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    """A daemon that answers only to the key ``k3y``, with ``alpha`` (10 minutes, lately) and
    ``beta`` (10 minutes, before)."""
    # Midday in its zone: alpha's minutes are today's at whatever hour the tests run.
    zone = {"TZ": midday_zone(time.time())}
    keyed = DaemonProcess(tmp_path / "keyed.db", "--api-key", "k3y", env=zone).start()
    try:
        now = int(time.time())
        with httpx.Client(headers={"Authorization": "Bearer k3y"}) as client:
            for path, start in (("/code/alpha", now - 600), ("/code/beta", now - 1800)):
                for moment in range(start, start + 541, 60):
                    beat = {"project_path": path, "timestamp": moment}
                    client.post(f"{keyed.url}/beat", json=beat).raise_for_status()
        yield keyed
    finally:
        keyed.kill()


def _card_page_with_key(browser: Any, daemon: DaemonProcess) -> tuple[Page, Any]:
    """The dashboard of ``keyed_daemon``, given its key in the page's form, its card open."""
    page = Page(browser)
    shown = page.page
    shown.goto(daemon.url + "/")
    shown.fill("#api-key", "k3y")
    shown.keyboard.press("Enter")
    page.wait_loaded(1)
    return page, _open_card(page)


def test_a_rename_sends_the_api_key_the_page_was_given(keyed_daemon: DaemonProcess, browser: Any):
    page, shown = _card_page_with_key(browser, keyed_daemon)
    shown.get_by_role("button", name="Rename alpha").click()
    shown.get_by_label("New name for alpha").fill("Locked")
    shown.keyboard.press("Enter")
    _wait_for_names(shown, "today", ["Locked", "beta"])
    assert page.only_answered(401), page.problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_card_its_form_and_dialog_fit_a_phone_and_read_in_either_theme(
    midday_daemon: DaemonProcess, browser: Any, scheme: str
):
    """At 360 px: no sideways scrolling (a folder with no space to break at included, in the
    merge's choice too), every control 24 px or more, every text 4.5:1 on what it sits on."""
    worked_lately(midday_daemon, "/code/alpha", 1200)
    worked_lately(midday_daemon, "/code/" + "x" * 200, 600)
    page, shown = _card_page(
        browser, midday_daemon, viewport={"width": 360, "height": 800}, color_scheme=scheme
    )
    shown.get_by_role("button", name="Rename alpha").click()
    shown.get_by_label("New name for alpha").fill("123")
    shown.keyboard.press("Enter")
    shown.locator("#projects-list .field-error").wait_for()

    fits_a_phone_and_reads(shown, "The daemon refused: name: must not")
    shown.keyboard.press("Escape")  # the form goes, the buttons come back
    shown.get_by_role("button", name="Delete alpha").click()
    assert shown.locator("#delete-dialog").is_visible()
    fits_a_phone_and_reads(shown, "Delete alpha?")
    shown.keyboard.press("Escape")
    long_name = "x" * 200
    _choose_target(shown, "alpha", long_name)
    shown.get_by_role("button", name="Merge…").click()
    shown.locator("#merge-dialog").wait_for()
    fits_a_phone_and_reads(shown, f"Merge alpha into {long_name[:20]}")
    shown.keyboard.press("Escape")
    _wait_for_focus(
        shown, shown.get_by_label("Merge alpha into", exact=True).get_attribute("id") or ""
    )
    fits_a_phone_and_reads(shown, "Merge alpha into")  # the form, the long name chosen
    assert page.only_answered(422), page.problems


def fits_a_phone_and_reads(shown: Any, expected: str) -> None:
    """No sideways scrolling, every control 24 px or more, a text that begins ``expected``
    shown, and every text 4.5:1 on what it sits on."""
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


@pytest.mark.parametrize("action", ["Rename", "Merge"])
def test_a_form_for_a_name_with_no_space_to_break_at_fits_a_phone(
    midday_daemon: DaemonProcess, browser: Any, action: str
):
    """At 360 px, the form of a project named by a folder with no space to break at: its label
    ("New name for xxx…", "Merge xxx… into") ran off the card and pushed the page sideways."""
    long_name = "x" * 200
    worked_lately(midday_daemon, "/code/alpha", 1200)
    worked_lately(midday_daemon, "/code/" + long_name, 600)
    page, shown = _card_page(browser, midday_daemon, viewport={"width": 360, "height": 800})
    opener = f"Rename {long_name}" if action == "Rename" else f"Merge {long_name} into…"
    shown.get_by_role("button", name=opener, exact=True).click()
    shown.locator("#projects-list form").wait_for()
    width = shown.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], width
    assert page.problems == []


@pytest.mark.parametrize("action", ["delete", "merge"])
def test_the_dialog_keeps_its_edge_and_buttons_under_forced_colours(
    two_projects: DaemonProcess, browser: Any, action: str
):
    page, shown = _card_page(browser, two_projects, forced_colors="active")
    if action == "delete":
        shown.get_by_role("button", name="Delete alpha").click()
    else:
        _ask_merge(shown, "alpha", "beta")
    drawn = shown.evaluate(
        """(action) => {
      const style = (selector) => getComputedStyle(document.querySelector(selector));
      return {
        edge: style(`#${action}-dialog`).borderTopStyle,
        edgeColour: style(`#${action}-dialog`).borderTopColor,
        background: style(`#${action}-dialog`).backgroundColor,
        text: style(`#${action}-dialog`).color,
        button: style(`#${action}-confirm`).borderTopStyle,
      };
    }""",
        action,
    )
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
    assert {"Rename beta", "Merge beta into…", "Delete beta", "Save", "Cancel"} <= set(buttons)
    assert "Rename alpha" not in buttons, "the form stands in its place"
    (field,) = (node for node in tree if node["role"] == "textbox")
    assert field["name"] == "New name for alpha"
    status = shown.locator("#projects-status")
    assert (status.get_attribute("role"), status.get_attribute("aria-live")) == ("status", "polite")

    shown.keyboard.press("Escape")
    _choose_target(shown, "alpha", "beta")
    tree = accessibility_tree(shown)
    choices = [node["name"] for node in tree if node["role"] == "combobox"]
    # The merge form's choice, named for what it does, beside the range's month picker.
    assert choices == ["Month", "Merge alpha into"], [(node["role"], node["name"]) for node in tree]
    shown.get_by_role("button", name="Merge…").click()
    tree = accessibility_tree(shown)  # the page behind the dialog is left out: it is modal
    (dialog,) = (node for node in tree if node["role"] == "dialog")
    assert dialog["name"] == "Merge alpha into beta?"
    assert dialog["properties"].get("modal") is True
    buttons = [node["name"] for node in tree if node["role"] == "button"]
    assert "Merge alpha into beta" in buttons, buttons
    described = shown.evaluate(
        "() => document.getElementById(document.getElementById('merge-dialog')"
        ".getAttribute('aria-describedby')).textContent.replace(/\\s+/g, ' ').trim()"
    )
    assert described.startswith("The time, sessions and folders of alpha"), described
    assert page.problems == []


# -- merge -------------------------------------------------------------------------------------


@pytest.fixture
def moved_app(midday_daemon: DaemonProcess) -> DaemonProcess:
    """One app tracked twice, as after its folder moved: ``/old/app`` (10 minutes, first) and
    ``/code/app`` (20 minutes, since), the cards' "app (old)" and "app (code)"; and ``beta``."""
    now = int(time.time())
    send_beats(midday_daemon, "/old/app", range(now - 3600, now - 2999, 60))
    send_beats(midday_daemon, "/code/beta", range(now - 2700, now - 2399, 60))
    worked_lately(midday_daemon, "/code/app", 1200)
    return midday_daemon


def _wait_for_focus(shown: Any, name: str) -> None:
    """Until the focus is on ``name`` (FOCUSED_JS's): a dialog's close event, which puts it
    back, comes as a task of its own."""
    shown.wait_for_function(f"(name) => ({FOCUSED_JS})() === name", arg=name)


def _choose_target(shown: Any, source: str, target: str) -> Any:
    """The merge form of ``source`` opened and ``target`` chosen; its select."""
    shown.get_by_role("button", name=f"Merge {source} into…", exact=True).click()
    choice = shown.get_by_label(f"Merge {source} into", exact=True)
    choice.select_option(label=target)
    return choice


def _ask_merge(shown: Any, source: str, target: str) -> Any:
    """The merge of ``source`` into ``target`` asked for: its dialog."""
    _choose_target(shown, source, target)
    shown.get_by_role("button", name="Merge…", exact=True).click()
    dialog = shown.locator("#merge-dialog")
    dialog.wait_for()
    return dialog


def test_a_merge_chosen_and_confirmed_shows_one_project_in_every_card_and_the_api(
    moved_app: DaemonProcess, browser: Any
):
    before = _projects(moved_app)
    page, shown = _card_page(browser, moved_app)
    assert _names(shown) == {card: ["app (code)", "app (old)", "beta"] for card in CARDS}
    choice = _choose_target(shown, "app (old)", "app (code)")
    options = choice.locator("option").all_inner_texts()
    assert options == ["Choose a project", "app (code)", "beta"], (
        "the others, as the cards name them"
    )
    shown.get_by_role("button", name="Merge…").click()
    dialog = shown.locator("#merge-dialog")
    said = dialog.inner_text()
    old = before["/old/app"]
    for words in (
        "Merge app (old) into app (code)?",
        "The time, sessions and folders of app (old)",
        f"(0h {old['total_seconds'] // 60:02d}m in {old['session_count']} session",
        "go into app (code)",
        "/old/app",
        "The name app (old) disappears",
        "oxitrack backup FILE",
    ):
        assert words in said, said
    assert shown.evaluate("() => document.activeElement.id") == "merge-cancel"
    shown.get_by_role("button", name="Merge app (old) into app (code)").click()
    shown.wait_for_function(LIST_LOADED_JS, arg=2)
    _wait_for_names(shown, "legend", ["app", "beta"])
    # Each session is still there, the old folder's under the one name.
    assert _names(shown) == {
        "legend": ["app", "beta"],
        "today": ["app", "beta"],
        "recent": ["app", "app", "beta"],
    }
    assert _listed(shown) == ["app", "beta"]
    assert shown.inner_text("#projects-status") == "Merged app (old) into app (code)."
    assert shown.evaluate(FOCUSED_JS) == "Merge app into…"
    after = _projects(moved_app)
    assert set(after) == {"/code/app", "/code/beta"}
    merged, new = after["/code/app"], before["/code/app"]
    assert merged["id"] == new["id"]
    assert {path["project_path"] for path in merged["paths"]} == {"/code/app", "/old/app"}
    assert merged["session_count"] == new["session_count"] + old["session_count"]
    assert merged["total_seconds"] == new["total_seconds"] + old["total_seconds"]
    assert page.problems == []


def test_cancel_escape_or_no_choice_merges_nothing(two_projects: DaemonProcess, browser: Any):
    before = _projects(two_projects)
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Merge alpha into…").click()
    shown.get_by_role("button", name="Merge…").click()  # nothing chosen
    error = shown.locator("#projects-list .field-error")
    assert error.inner_text() == "Choose the project that alpha goes into."
    assert shown.locator("#merge-dialog").is_hidden()
    choice = shown.get_by_label("Merge alpha into", exact=True)
    assert choice.get_attribute("aria-invalid") == "true"
    choice.select_option(label="beta")
    shown.get_by_role("button", name="Merge…").click()
    assert shown.evaluate("() => document.activeElement.id") == "merge-cancel"
    shown.keyboard.press("Enter")  # on Cancel, where the focus is
    assert shown.locator("#merge-dialog").is_hidden()
    _wait_for_focus(shown, choice.get_attribute("id") or "")  # to choose again
    shown.get_by_role("button", name="Merge…").click()
    shown.keyboard.press("Escape")
    assert shown.locator("#merge-dialog").is_hidden()
    shown.keyboard.press("Escape")  # the form goes too
    assert shown.locator("#projects-list form").count() == 0
    assert shown.evaluate(FOCUSED_JS) == "Merge alpha into…"
    assert _projects(two_projects) == before
    assert _listed(shown) == ["alpha", "beta"]
    assert shown.inner_text("#projects-status") == ""
    assert page.problems == []


def test_a_target_deleted_meanwhile_is_said_in_the_daemons_words_and_nothing_is_merged(
    two_projects: DaemonProcess, browser: Any
):
    """Another tab, or the command line, deleted ``beta`` while the dialog asked: the merge by
    ids answers 404 and changes nothing."""
    page, shown = _card_page(browser, two_projects)
    _ask_merge(shown, "alpha", "beta")
    before = _projects(two_projects)
    ids = {"source": before["/code/alpha"]["id"], "target": before["/code/beta"]["id"]}
    elsewhere = httpx.post(
        f"{two_projects.url}/api/projects/delete", json={"project": ids["target"]}
    )
    elsewhere.raise_for_status()
    refusal = httpx.post(f"{two_projects.url}/api/projects/merge", json=ids)
    assert refusal.status_code == 404
    shown.get_by_role("button", name="Merge alpha into beta").click()
    shown.wait_for_function(LIST_LOADED_JS, arg=2)
    said = shown.inner_text("#projects-status")
    assert said == (
        f"alpha was not merged into beta. The daemon refused: {refusal.json()['message']}"
    )
    assert f"project {ids['target']} was deleted" in said
    assert _listed(shown) == ["alpha"]
    _wait_for_names(shown, "legend", ["alpha"])
    assert _projects(two_projects) == {"/code/alpha": before["/code/alpha"]}
    assert shown.evaluate(FOCUSED_JS) == "Rename alpha", "alone, it has nothing to merge into"
    assert page.problems
    assert page.only_answered(404), page.problems


def test_merge_with_the_keyboard_alone(two_projects: DaemonProcess, browser: Any):
    page, shown = _card_page_by_keyboard(browser, two_projects)
    _tab_to(shown, "Merge alpha into…")
    shown.keyboard.press("Enter")
    assert shown.evaluate("() => document.activeElement.tagName") == "SELECT"
    shown.keyboard.press("Escape")
    assert shown.evaluate(FOCUSED_JS) == "Merge alpha into…"
    assert shown.locator("#projects-list form").count() == 0

    shown.keyboard.press("Enter")
    shown.keyboard.press("ArrowDown")  # from "Choose a project" to the one other project
    assert shown.evaluate("() => document.activeElement.selectedOptions[0].text") == "beta"
    shown.keyboard.press("Tab")
    assert shown.evaluate(FOCUSED_JS) == "Merge…"
    shown.keyboard.press("Enter")
    assert shown.evaluate(FOCUSED_JS) == "merge-cancel"
    shown.keyboard.press("Escape")
    assert shown.locator("#merge-dialog").is_hidden()
    _wait_for_focus(
        shown, shown.get_by_label("Merge alpha into", exact=True).get_attribute("id") or ""
    )
    shown.keyboard.press("Tab")
    shown.keyboard.press("Enter")
    shown.keyboard.press("Tab")
    assert shown.evaluate(FOCUSED_JS) == "Merge alpha into beta"
    shown.keyboard.press("Enter")
    _wait_for_names(shown, "today", ["beta"])
    assert shown.evaluate(FOCUSED_JS) == "Rename beta", "alone, it has nothing to merge into"
    assert [project["name"] for project in _projects(two_projects).values()] == ["beta"]
    assert page.problems == []


def test_a_merge_sends_the_api_key_the_page_was_given(keyed_daemon: DaemonProcess, browser: Any):
    page, shown = _card_page_with_key(browser, keyed_daemon)
    _ask_merge(shown, "alpha", "beta")
    shown.get_by_role("button", name="Merge alpha into beta").click()
    _wait_for_names(shown, "today", ["beta"])
    key = {"Authorization": "Bearer k3y"}
    listed = httpx.get(f"{keyed_daemon.url}/api/projects", headers=key).json()["projects"]
    assert [project["name"] for project in listed] == ["beta"]
    assert page.only_answered(401), page.problems


# Each change: what asks for it, its dialog's confirm button, and what asks again after a
# refusal (the merge's choice stays in its form, the delete's button in its item).
CHANGES = {
    "delete": (
        lambda shown: shown.get_by_role("button", name="Delete alpha").click(),
        "Delete alpha for good",
        "Delete alpha",
    ),
    "merge": (lambda shown: _ask_merge(shown, "alpha", "beta"), "Merge alpha into beta", "Merge…"),
}


@pytest.mark.parametrize("change", ["delete", "merge"])
def test_a_change_the_daemon_wants_a_key_for_brings_the_key_form_and_changes_nothing(
    two_projects: DaemonProcess, browser: Any, change: str
):
    """The daemon restarted with a key while the dialog asked: its 401 brings the key form, the
    focus in its field, as everywhere on the page (the modal dialog, still open, kept the focus
    from it); the change is made once the key is given."""
    ask, confirm, again = CHANGES[change]
    page, shown = _card_page(browser, two_projects)
    ask(shown)
    two_projects.stop()
    assert two_projects.db_path is not None
    keyed = DaemonProcess(two_projects.db_path, "--api-key", "k3y", env=two_projects.env)
    keyed.start(port=two_projects.port)
    try:
        shown.get_by_role("button", name=confirm).click()
        shown.wait_for_selector("#key-form:not([hidden])")
        _wait_for_focus(shown, "api-key")
        said = shown.inner_text("#projects-status")
        assert said.startswith("alpha was not "), "which change failed, then why"
        assert said.endswith(
            " The daemon needs its API key: give it in the form at the top, then try again."
        )
        key = {"Authorization": "Bearer k3y"}
        listed = httpx.get(f"{keyed.url}/api/projects", headers=key).json()["projects"]
        assert sorted(project["name"] for project in listed) == ["alpha", "beta"]
        shown.keyboard.type("k3y")
        shown.keyboard.press("Enter")
        shown.wait_for_selector("#key-form", state="hidden")
        shown.get_by_role("button", name=again, exact=True).click()
        shown.get_by_role("button", name=confirm).click()
        _wait_for_names(shown, "today", ["beta"])
        listed = httpx.get(f"{keyed.url}/api/projects", headers=key).json()["projects"]
        assert [project["name"] for project in listed] == ["beta"]
        assert page.only_answered(401), page.problems
    finally:
        keyed.kill()


def test_a_rename_the_daemon_wants_a_key_for_brings_the_key_form_and_renames_once_given(
    two_projects: DaemonProcess, browser: Any
):
    """As a delete's or a merge's 401: the focus in the key form's field (the rename's field took
    it back), and what the field said of the key gone once the daemon answers with it."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Rename alpha").click()
    field = shown.get_by_label("New name for alpha")
    field.fill("Keyed")
    two_projects.stop()
    assert two_projects.db_path is not None
    keyed = DaemonProcess(two_projects.db_path, "--api-key", "k3y", env=two_projects.env)
    keyed.start(port=two_projects.port)
    try:
        field.press("Enter")
        shown.wait_for_selector("#key-form:not([hidden])")
        error = shown.locator("#projects-list .field-error")
        error.wait_for()
        assert error.inner_text().startswith("The daemon needs its API key")
        _wait_for_focus(shown, "api-key")
        shown.keyboard.type("k3y")
        shown.keyboard.press("Enter")
        shown.wait_for_selector("#key-form", state="hidden")
        error.wait_for(state="hidden")
        assert field.input_value() == "Keyed", "the name typed is kept"
        field.press("Enter")
        shown.wait_for_function(
            "() => document.getElementById('projects-status').textContent"
            " === 'Renamed alpha to Keyed.'"
        )
        key = {"Authorization": "Bearer k3y"}
        listed = httpx.get(f"{keyed.url}/api/projects", headers=key).json()["projects"]
        assert sorted(project["name"] for project in listed) == ["Keyed", "beta"]
        assert page.only_answered(401), page.problems
    finally:
        keyed.kill()


def test_a_card_opened_while_the_daemon_was_away_lists_its_projects_once_it_answers(
    two_projects: DaemonProcess, browser: Any
):
    """Opened during an outage, the card said "The daemon did not answer" and stayed empty with
    it after the page recovered: only folding and opening it again asked for the list."""
    page = Page(browser, clock=True)
    shown = page.open(two_projects.url + "/")
    two_projects.stop()
    page.page.clock.run_for(60_000)  # the minute refresh finds no daemon
    shown.wait_for_selector("#offline:not([hidden])")
    page.page.clock.pause_at(shown.evaluate("() => Date.now()") / 1000 + 1)  # only the button asks
    shown.click("#projects-box summary")
    shown.wait_for_function(
        "() => document.getElementById('projects-status').textContent.startsWith('The daemon did')"
    )
    assert _listed(shown) == []
    two_projects.start(port=two_projects.port)
    shown.click("#retry-now")
    shown.wait_for_function(LIST_LOADED_JS, arg=1)
    assert _listed(shown) == ["alpha", "beta"]
    assert shown.inner_text("#projects-status") == "", "no longer true"
    assert page.problems_are_only_the_daemon_away(), page.problems


def test_a_change_the_daemon_did_not_answer_keeps_the_focus_when_the_list_comes_back(
    two_projects: DaemonProcess, browser: Any
):
    """The daemon away at a delete: nothing is deleted, and once it answers again (the page's
    own retry) the list is drawn anew with the focus still on the button the user was on."""
    page, shown = _card_page(browser, two_projects)
    shown.get_by_role("button", name="Delete alpha").click()
    two_projects.stop()
    shown.get_by_role("button", name="Delete alpha for good").click()
    shown.wait_for_selector("#offline:not([hidden])")
    said = shown.inner_text("#projects-status")
    # Not known to the page: a daemon may stop after its write as well as before it.
    assert (
        said == "The daemon did not answer: the connection failed. alpha may or may not be deleted."
    )
    _wait_for_focus(shown, "Delete alpha")
    two_projects.start(port=two_projects.port)
    shown.wait_for_function(LIST_LOADED_JS, arg=2)  # the retry 5 s on, not a click
    assert _listed(shown) == ["alpha", "beta"]
    assert shown.evaluate(FOCUSED_JS) == "Delete alpha"
    assert shown.inner_text("#projects-status") == "alpha was not deleted.", "as the list shows"
    assert page.problems_are_only_the_daemon_away(), page.problems


def test_a_list_the_daemon_refused_is_not_asked_again_at_each_refresh(
    two_projects: DaemonProcess, browser: Any
):
    """A refusal of the list itself (a 500 while its database misbehaves) is said once: the
    page's next answer says nothing of it, and asking again at each refresh would say it again
    to a screen reader every minute."""
    answer = {"error": "internal_error", "message": "unexpected error; see the daemon's log"}
    asked: list[str] = []

    def refuse(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(status=500, json=answer)

    page = Page(browser)
    shown = page.open(two_projects.url + "/")
    shown.route("**/api/projects", refuse)
    shown.click("#projects-box summary")
    said = f"The daemon refused: {answer['message']}"
    shown.wait_for_function(
        "(said) => document.getElementById('projects-status').textContent === said", arg=said
    )
    page.choose_range(30)
    assert len(asked) == 1
    assert shown.inner_text("#projects-status") == said
