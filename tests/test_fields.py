"""Shared field helpers: what every text field and query parameter goes through."""

from __future__ import annotations

import pytest

from oxitrack.fields import printable, utf8_reading


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("/home/me/code/app", "/home/me/code/app"),
        ("/tmp/a\x1b]0;TITLE\x07", "/tmp/a\\x1b]0;TITLE\\x07"),
        ("/tmp/a\nx 99:00 fake line", "/tmp/a\\nx 99:00 fake line"),
        ("/tmp/\x9b2J\x7f\t", "/tmp/\\x9b2J\\x7f\\t"),
        ("/tmp/a\u2028b", "/tmp/a\\u2028b"),
        ("/home/me/プロジェクト/é", "/home/me/プロジェクト/é"),
        ("/tmp/\u202etxt.exe", "/tmp/\\u202etxt.exe"),
        ("/tmp/a\u2066b\u2069\u200f", "/tmp/a\\u2066b\\u2069\\u200f"),
        ("/home/me/مشروع", "/home/me/مشروع"),
    ],
    ids=[
        "plain",
        "escape-sequence",
        "newline",
        "c1-del-tab",
        "line-separator",
        "unicode",
        "bidi-override",
        "bidi-isolates-and-marks",
        "right-to-left-letters",
    ],
)
def test_printable_writes_what_a_terminal_acts_on_as_escapes(text: str, shown: str):
    assert printable(text) == shown


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        (b"/home/me/app", "/home/me/app"),
        (b"/home/me/\xe3\x83\x97", "/home/me/\u30d7"),
        (b"/home/me/caf\xe9", "/home/me/caf\ufffd"),
        (b"/tmp/\xff\xfe", "/tmp/\ufffd\ufffd"),
        (b"/tmp/\xe3\x83x", "/tmp/\ufffdx"),  # a cut-off sequence: one, as Node reads it
    ],
    ids=["ascii", "utf8", "latin-1", "two-bad-bytes", "truncated"],
)
def test_utf8_reading_of_a_name_given_as_bytes(raw: bytes, read: str):
    name = raw.decode("utf-8", "surrogateescape")  # as os.fsdecode gives it on Linux
    assert utf8_reading(name) == read
    assert utf8_reading(read) == read


def test_utf8_reading_of_a_surrogate_no_byte_made_replaces_it():
    assert utf8_reading("a\ud800b") == "a\ufffdb"
