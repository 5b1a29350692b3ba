"""The standard output of every command, under one policy (``docs/cli.md``, "Output").

* Text for people (tables, lists, messages) is written in the output's encoding; a character it
  lacks (a Japanese folder name under a Latin-1 locale, or on Windows with output redirected)
  becomes a backslash escape (``\\u30d7``), as Python writes stderr, instead of a traceback.
* Machine output is UTF-8 whatever the locale, on stdout as in files: CSV (as ``export -o``
  writes it) and the service file (``service install --print``). JSON is escaped to ASCII
  (``\\u30d7``) where the output is not UTF-8: the same values, still valid JSON, and ASCII is
  UTF-8 too.

Stdlib only and cheap to import: ``cli.main`` loads it for every command.
"""

from __future__ import annotations

import codecs
import io
import sys

from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO


def prepare_for_text() -> None:
    """Make the standard output write what its encoding lacks as backslash escapes.

    An explicit choice (``PYTHONIOENCODING=latin-1:replace``) is kept: only the default
    ``strict``, which raises, is replaced.
    """
    stream = sys.stdout
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        try:
            stream.reconfigure(errors="backslashreplace")
        except ValueError:  # closed: the write will say so
            pass


def is_utf8(stream: TextIO) -> bool:
    """Whether ``stream`` writes UTF-8 (any spelling of it)."""
    try:
        return codecs.lookup(stream.encoding or "ascii").name == "utf-8"
    except LookupError:
        return False


def utf8_stdout() -> TextIO:
    """The standard output, writing UTF-8 from now on (machine output: CSV, a service file)."""
    stream = sys.stdout
    # A stream that cannot be switched (not a TextIOWrapper) keeps its encoding, and its
    # backslash escapes: better than a traceback halfway through the output.
    if isinstance(stream, io.TextIOWrapper) and not is_utf8(stream):
        try:
            stream.reconfigure(encoding="utf-8")
        except ValueError:  # closed: the write will say so
            pass
    return stream


def print_json(value: object) -> int:
    """``value`` as indented JSON on the standard output; non-ASCII characters are kept as they
    are only where the output is UTF-8."""
    import json

    print(json.dumps(value, indent=2, ensure_ascii=not is_utf8(sys.stdout)))
    return 0
