"""Every system WakaTime names: the word a WakaTime heartbeat gives for it is kept as itself and
shown by WakaTime's name, and that name sent back (``POST /beat`` may send ``Mac``) is the word.

The expected words and names are written out here, not read from ``oxitrack.systems``: a slip
in that table (a word or a name lost) must fail."""

from __future__ import annotations

import pytest

from oxitrack.systems import check_system, system_name

# Go's ``GOOS`` word (what wakatime-cli's User-Agent gives) → the name WakaTime's summaries show.
WAKATIME_SYSTEMS = [
    ("linux", "Linux"),
    ("darwin", "Mac"),
    ("windows", "Windows"),
    ("freebsd", "FreeBSD"),
    ("openbsd", "OpenBSD"),
    ("netbsd", "NetBSD"),
    ("dragonfly", "DragonFly BSD"),
    ("android", "Android"),
    ("ios", "iOS"),
    ("illumos", "illumos"),
    ("aix", "AIX"),
]


@pytest.mark.parametrize(("word", "name"), WAKATIME_SYSTEMS)
def test_a_wakatime_word_is_kept_as_itself_and_shown_by_wakatimes_name(
    word: str, name: str
) -> None:
    assert check_system(word) == word
    assert system_name(word) == name


@pytest.mark.parametrize(("word", "name"), WAKATIME_SYSTEMS)
def test_a_wakatime_name_sent_is_kept_as_its_word(word: str, name: str) -> None:
    assert check_system(name) == word
    assert check_system(name.upper()) == word
