"""Shared field helpers: what every text field and query parameter goes through."""

from __future__ import annotations

import pytest

from oxitrack.fields import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("/home/me/code/app", "/home/me/code/app"),
        ("/tmp/a\x1b]0;TITLE\x07", "/tmp/a\\x1b]0;TITLE\\x07"),
        ("/tmp/a\nx 99:00 fake line", "/tmp/a\\nx 99:00 fake line"),
        ("/tmp/\x9b2J\x7f\t", "/tmp/\\x9b2J\\x7f\\t"),
        ("/tmp/a\u2028b", "/tmp/a\\u2028b"),
        ("/home/me/プロジェクト/é", "/home/me/プロジェクト/é"),
    ],
    ids=["plain", "escape-sequence", "newline", "c1-del-tab", "line-separator", "unicode"],
)
def test_printable_writes_what_a_terminal_acts_on_as_escapes(text: str, shown: str):
    assert printable(text) == shown
