"""The word kept for an operating system and the name it is shown by (``oxitrack.systems``)."""

from __future__ import annotations

import pytest

from oxitrack.systems import check_system, system_name


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Windows_NT", "windows"),
        ("windows nt", "windows"),
        ("msys", "windows"),
        ("freebsd14", "freebsd"),
        ("linux2", "linux"),
        ("sunos5", "solaris"),
        ("macosx-14.0-arm64", "darwin"),  # sysconfig.get_platform()
        ("win-amd64", "windows"),
        ("Microsoft Windows 10.0.19045", "windows"),  # .NET's OSDescription
        ("OSX", "darwin"),
        ("plan9", "plan9"),  # no system without its number: the word as sent
        ("win32", "windows"),
        ("haiku", "haiku"),
    ],
)
def test_words_with_a_version_or_another_spelling_are_the_system(sent: str, kept: str):
    assert check_system(sent) == kept


@pytest.mark.parametrize(
    "word", ["linux", "darwin", "macos", "windows", "ios", "dragonfly", "haiku", "Mac", "iOS"]
)
def test_naming_a_system_twice_names_it_once(word):
    """The summaries name the breakdown's rows again: a name must stay itself."""
    assert system_name(system_name(word)) == system_name(word)
