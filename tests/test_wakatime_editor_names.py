"""Which editor a User-Agent names, where it is not wakatime-cli's usual shape: a plugin that
posts its own heartbeats, words that are no ``name/version``, a plugin part past a label's
length."""

from __future__ import annotations

import pytest

from oxitrack.fields import MAX_LABEL_CHARS
from oxitrack.wakatime import editor_from_user_agent


@pytest.mark.parametrize(
    ("user_agent", "editor", "plugin"),
    [
        (
            "idea/2024.1 (Community) idea-wakatime/14.1",
            "idea",
            "idea/2024.1 (Community) idea-wakatime/14.1",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
            "mozilla",
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
        ),
    ],
    ids=["plugin-with-a-parenthesis", "browser"],
)
def test_a_user_agent_that_is_not_wakatime_cli_s_is_all_plugin(
    user_agent: str, editor: str, plugin: str
):
    """Only ``wakatime/<ver> (<platform>) <runtime>`` is cut off before the plugin part: a
    parenthesis elsewhere is the plugin's own (``idea/2024.1 (Community)``)."""
    assert editor_from_user_agent(user_agent) == (editor, plugin)


@pytest.mark.parametrize(
    ("plugin", "editor"),
    [
        ("beta vim-wakatime/11.1.0", "vim"),
        ("3.0/x vim-wakatime/11.1.0", "vim"),
        ("nightly 2.0/beta neovim/0.9.5 vim-wakatime/11.1.1", "neovim"),
    ],
    ids=["word-without-a-version", "version-that-is-no-name", "both-before-the-editor"],
)
def test_only_a_name_with_a_version_is_taken_for_the_editor(plugin: str, editor: str):
    user_agent = f"wakatime/13.1.0 (Linux) Python3.9 {plugin}"
    assert editor_from_user_agent(user_agent) == (editor, plugin)


def test_a_plugin_part_longer_than_a_label_is_cut_to_one():
    plugin = "vim/9.0 vim-wakatime/11.1.0 " + "x" * (2 * MAX_LABEL_CHARS)
    editor, kept = editor_from_user_agent(f"wakatime/13.1.0 (Linux) Python3.9 {plugin}")
    assert (editor, kept) == ("vim", plugin[:MAX_LABEL_CHARS])


def test_a_cut_plugin_part_does_not_end_in_a_space():
    plugin = "a" * (MAX_LABEL_CHARS - 1) + " vim-wakatime/11.1.0"
    assert editor_from_user_agent(plugin) == (None, "a" * (MAX_LABEL_CHARS - 1))


def test_the_plugin_s_own_parenthesis_after_the_platform_stays_in_the_plugin_part():
    plugin = "idea/2024.1 (Community) idea-wakatime/14.1"
    user_agent = f"wakatime/v1.90.0 (linux-6.5-x86_64) go1.21.5 {plugin}"
    assert editor_from_user_agent(user_agent) == ("idea", plugin)


def test_a_wakatime_user_agent_without_its_platform_part_is_all_plugin():
    """No ``(<platform>)`` to cut after: read as a plugin's own User-Agent, not refused."""
    assert editor_from_user_agent("wakatime/13.1.0")[1] == "wakatime/13.1.0"


@pytest.mark.parametrize(
    ("plugin", "editor"),
    [
        ("Python/2024.1.4 Python-wakatime/15.0.0", "pycharm"),
        ("PyCharmCore/2024.1.4 PyCharmCore-wakatime/15.0.0", "pycharm"),
        ("PyCharmEdu/2022.2.2 PyCharmEdu-wakatime/14.1.4", "pycharm"),
        ("Ruby/2024.1.2 Ruby-wakatime/15.0.0", "rubymine"),
        ("idea/2024.1.4 idea-wakatime/15.0.0", "idea"),
        ("Idea/2024.1.4 Idea-wakatime/15.0.0", "idea"),
        ("GoLand/2024.1.3 GoLand-wakatime/15.0.0", "goland"),
        ("python/3.12.1 pyrepl-wakatime/0.4.1", "python"),
        ("Python/3.12.1 Python-REPL-wakatime/0.4.1", "python"),
    ],
    ids=[
        "pycharm-professional",
        "pycharm-community",
        "pycharm-edu",
        "rubymine",
        "intellij-ultimate",
        "intellij-community",
        "prefix-that-is-the-name",
        "a-python-repl",
        "python-with-another-plugin",
    ],
)
def test_a_jetbrains_ide_is_named_as_its_product_not_its_platform_prefix(plugin: str, editor: str):
    """WakaTime's JetBrains plugin sends ``<prefix>/<version> <prefix>-wakatime/<version>``
    with the IDE's platform prefix, which for PyCharm Professional is ``Python`` (time in
    PyCharm was listed as the editor "python", beside the language) and for RubyMine ``Ruby``;
    only that pair is renamed, a Python REPL's plugin keeps its name."""
    user_agent = f"wakatime/v2.15.0 (linux-6.8.0-49-generic-x86_64) go1.24.4 {plugin}"
    assert editor_from_user_agent(user_agent) == (editor, plugin)


def test_a_plugin_part_naming_two_plugins_and_no_editor_names_the_first():
    """An editor that passes no version of its own is named by its plugin; of two plugin names
    the first is taken, as the first name with a version is for an editor's own name."""
    plugin = "sublime-wakatime/13.0.0 vim-wakatime/11.1.1"
    assert editor_from_user_agent(f"wakatime/1.90.0 (linux-6.1-x86_64) go1.22 {plugin}") == (
        "sublime",
        plugin,
    )
