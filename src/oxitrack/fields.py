"""Checks every JSON field and query parameter shares, whichever endpoint or command reads it.

Pure and stdlib only. A failed check raises ``InvalidField`` naming the field and the problem.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from oxitrack.errors import InvalidField

#: A label (a language, an editor, a branch...) longer than this is cut to it (``label``).
MAX_LABEL_CHARS = 256
#: Text longer than this is refused: no name or path any client sends is that long.
MAX_TEXT_CHARS = 4096

# JSON may carry a lone surrogate (``"\ud800"``); Python decodes it into a str that no UTF-8
# encoder accepts: SQLite, the file system and the JSON response would each fail on it later.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def check_text(value: str, field: str) -> str:
    """``value`` if it can be stored and sent back as UTF-8: no NUL, no lone surrogate."""
    bad = _NOT_TEXT.search(value)
    if bad is not None:
        if bad.group() == "\x00":
            raise InvalidField(field, "must not contain NUL bytes")
        raise InvalidField(field, "must be valid Unicode text (it has a lone surrogate)")
    return value


def optional_text(body: Mapping[str, object], field: str, max_chars: int) -> str | None:
    """A string field; missing, null or blank mean "not sent".

    A name that is not UTF-8 (a file, a folder, a branch) reaches the daemon as lone surrogates
    from WakaTime's pure-Python client (``"\\udcff"``, Python's reading of the byte ``0xff``),
    which drops the heartbeat for good when answered 400. It is read as UTF-8 reads those bytes,
    with U+FFFD for each that is none: what wakatime-cli (Go) sends for the same name. A NUL is
    still refused: no client sends one.
    """
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField(field, f"must be a string or null, not {json_type(value)}")
    value = check_text(utf8_reading(value), field)
    if len(value) > max_chars:
        raise InvalidField(field, f"is {len(value)} characters long; at most {max_chars} allowed")
    return value if value.strip() else None


def label(body: Mapping[str, object], field: str) -> str | None:
    """A detail such as the language: cut to ``MAX_LABEL_CHARS`` rather than refused, since a
    refused beat or heartbeat is dropped by its client and its time lost for a detail. Past
    ``MAX_TEXT_CHARS`` it is no label any client sends, and is refused like any other text."""
    value = optional_text(body, field, MAX_TEXT_CHARS)
    return None if value is None else value[:MAX_LABEL_CHARS]


def utf8_reading(text: str) -> str:
    """``text`` as UTF-8 reads it, for a name the system gave as bytes (a folder, an argument,
    a variable): Python keeps bytes that are not UTF-8 as lone surrogates (``b"\\xff"`` as
    ``"\\udcff"``), which nothing UTF-8 accepts; here they become U+FFFD the way Node (and so
    an editor) reads the same name. Other text comes back as it is."""
    if not _SURROGATE.search(text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte made (from JSON, say): not a byte to read
        return _SURROGATE.sub("\ufffd", text)
    return raw.decode("utf-8", "replace")


_SURROGATE = re.compile("[\ud800-\udfff]")


# C0 controls, DEL and C1 controls: a terminal acts on them (ESC sequences set its title, clear
# it, colour what follows) and a newline (or U+2028/U+2029, which editors and pages break lines
# at) starts what reads as a new line of a report, a log or a service file.
LINE_BREAK_OR_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# Drawn as nothing, yet they change what is shown: zero-width spaces and joiners make two names
# that read the same (two rows for one machine), and bidi marks, embeddings, overrides and
# isolates reorder the text after them (U+202E shows the rest of a line backwards). All of
# Unicode's default-ignorable code points (DerivedCoreProperties.txt), not only those: a word
# joiner, the Arabic letter mark (a bidi mark), a soft hyphen, a variation selector, a Hangul
# filler or a tag is drawn as nothing too, and a name of them alone was a row showing nothing.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def machine_label(text: str) -> str | None:
    """A machine's name as a label, however it came (a header, a JSON field): never refused,
    since a refused beat or heartbeat is dropped with its time for a detail. Read as UTF-8
    reads it (``utf8_reading``), without the characters drawn as nothing (``_INVISIBLE``),
    composed (NFC: ``é`` typed as ``e`` and an accent is ``é``, one machine, as it reads),
    shown on one line (whitespace is one space, other controls are dropped) and cut to
    ``MAX_LABEL_CHARS``; ``None`` when nothing is left. The case is kept: ``Laptop`` and
    ``laptop`` are two machines, as in WakaTime's summaries."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", utf8_reading(text)))
    text = " ".join(text.split())
    return LINE_BREAK_OR_CONTROL.sub("", text)[:MAX_LABEL_CHARS].strip() or None


# What ``printable`` writes as escapes: controls and line breaks, and the bidi controls that
# reorder what follows them on the line (``/tmp/`` U+202E ``txt.exe`` reads as ``/tmp/exe.txt``).
_SHOWN_AS_ESCAPES = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def printable(text: str) -> str:
    """``text`` with control characters and bidi controls written as escapes (``\\x1b``,
    ``\\u202e``), for terminals and logs.

    A folder may be named with any of them, and whoever sends a beat names the folder: a path
    is stored as sent, and shown this way wherever people read it as text, so that no name
    moves the terminal's cursor, forges a line, or passes for another name.
    """
    return _SHOWN_AS_ESCAPES.sub(lambda found: ascii(found.group())[1:-1], text)


def whole_number(text: str, field: str, *, lowest: int, highest: int) -> int:
    """A decimal query parameter between ``lowest`` and ``highest``, or ``InvalidField``.

    ASCII digits only: ``str.isdigit`` also accepts "²", which ``int`` refuses, and a number
    thousands of digits long would reach ``int``'s own limit.
    """
    if (
        not text.isascii()
        or not text.isdigit()
        or len(text) > len(str(highest))
        or not lowest <= int(text) <= highest
    ):
        raise InvalidField(field, f"must be a whole number from {lowest} to {highest}")
    return int(text)


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names.update({list: "an array", dict: "an object", type(None): "null"})
    return names.get(type(value), type(value).__name__)
