"""A machine's name keeps no character that is drawn as nothing yet changes what is shown: a
zero-width space or joiner makes ``devbox`` and ``dev\u200bbox`` two rows that read the same,
and a bidi control (``\u202e``) reverses the text after it in a report, a terminal or the
dashboard. Dropped alike from the ``X-Machine-Name`` header and ``POST /beat``'s ``machine``."""

from __future__ import annotations

import pytest

from oxitrack.beats import parse_beat
from oxitrack.wakatime import machine_name
from tests.conftest import NOW

INVISIBLE = [
    *map(chr, range(0x200B, 0x200F + 1)),  # zero-width space, (non-)joiner, LRM, RLM
    *map(chr, range(0x202A, 0x202E + 1)),  # bidi embeddings and overrides
    *map(chr, range(0x2066, 0x2069 + 1)),  # bidi isolates
    "\ufeff",  # zero-width no-break space (a byte order mark)
]


def _both_ways(name: str) -> tuple[str | None, str | None]:
    """The name as the WakaTime header gives it (its UTF-8 bytes, as ASGI reads them) and as
    ``POST /beat``'s field does."""
    from_header = machine_name(name.encode("utf-8").decode("latin-1"))
    labels = parse_beat({"project_path": "/a", "timestamp": NOW, "machine": name}, now=NOW).labels
    return from_header, labels.machine if labels else None


@pytest.mark.parametrize("character", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_an_invisible_character_is_dropped_from_a_machine_name(character: str):
    assert _both_ways(f"dev{character}box") == ("devbox", "devbox")
    assert _both_ways(f"{character}devbox{character}") == ("devbox", "devbox")


def test_a_name_of_invisible_characters_only_is_no_name():
    assert _both_ways("".join(INVISIBLE)) == (None, None)


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("laptop \u202e \u2066 home", "laptop home"),  # no double space where one went
        ("\u202ekoobcam", "koobcam"),  # reads as it is stored
        ("\u0645\u0643\u062a\u0628", "\u0645\u0643\u062a\u0628"),  # right-to-left letters stay
        ("caf\u00e9-\U0001f600", "caf\u00e9-\U0001f600"),  # and visible characters
    ],
)
def test_what_is_left_reads_as_shown(name: str, kept: str):
    assert _both_ways(name) == (kept, kept)
