"""The standard output of every command, under one policy (``docs/cli.md``, "Output").

* Text for people (tables, lists, messages, ``--help``) is written in the output's encoding; a
  character it lacks (a Japanese folder name under a Latin-1 locale, or on Windows with output
  redirected) becomes a backslash escape (``\\u30d7``), as Python writes stderr, instead of a
  traceback. Under the C locale without UTF-8 mode, a name the system gave as bytes that are not
  UTF-8 (a folder ``b"\\xff"``) is written back as those bytes, as ``ls`` does.
* Machine output is UTF-8 whatever the locale, on stdout as in files: CSV (as ``export -o``
  writes it) and the service file (``service install --print``). JSON is escaped to ASCII
  (``\\u30d7``) where the output is not UTF-8: the same values, still valid JSON, and ASCII is
  UTF-8 too. A path that is not UTF-8 (a database in a folder ``b"\\xff"``) shows in JSON as its
  UTF-8 reading, each invalid byte as U+FFFD, as editors show such a folder: JSON has no way to
  carry the bytes, and raw ones would make the whole answer invalid.

Stdlib only and cheap to import: ``cli.main`` loads it for every command.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sys

from oxitrack.fields import utf8_reading
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

    from oxitrack.report_text import Style


def keep_errors_off_stdout() -> None:
    """Give a process started with its fd 2 closed (``2>&-``, a launcher that closed it) a
    standard error that discards what it is given.

    Python then has no ``sys.stderr``, and ``print(..., file=sys.stderr)`` writes to the
    standard output: an error, a note or the usage landed among the data a script reads
    (``oxitrack today --json 2>&- | jq``). Opened on the lowest free descriptor, /dev/null
    also takes fd 2 back from whatever the process would open next."""
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # open for the process's life


def buffer_stdout() -> None:
    """Give the standard output a buffer where Python gives it none (``PYTHONUNBUFFERED``,
    ``python -u``, set in many containers).

    Unbuffered, Python's text layer hands each print to the file in one write and ignores how
    much of it the system took: a reader leaving halfway (``oxitrack sessions | head -1``), or
    a disk filling up, kept the first part and dropped the rest without an error (exit 0). A
    buffer writes the rest, and so meets the error. Its own file object on descriptor 1
    (never closing it) leaves Python's, which exit flushes too, as it is."""
    stream = sys.stdout
    # A file or pipe only: Windows' console (another raw stream) writes characters, not bytes.
    if not (isinstance(stream, io.TextIOWrapper) and isinstance(stream.buffer, io.FileIO)):
        return
    try:
        raw = io.FileIO(stream.fileno(), "w", closefd=False)
    except (OSError, ValueError):  # closed, or no descriptor: the write will say so
        return
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
    )


def prepare_for_text() -> None:
    """Make the standard output write what its encoding lacks as backslash escapes.

    An explicit choice (``PYTHONIOENCODING=latin-1:replace``) is kept: only the defaults that
    raise are replaced. ``strict`` raises on any such character; ``surrogateescape``, Python's
    choice under the C locale without UTF-8 mode, writes a file name's undecodable bytes back
    but raises on every other character (``oxitrack today`` on a Japanese folder name).
    """
    _replace_errors(
        sys.stdout, {"strict": "backslashreplace", "surrogateescape": _BYTES_OR_ESCAPES}
    )
    # Python's stderr escapes everything it cannot write, a file name's undecodable bytes too
    # (``\udce9``, which no one can type back): an error naming such a folder gives its bytes.
    _replace_errors(sys.stderr, {"backslashreplace": _BYTES_OR_ESCAPES})


def _replace_errors(stream: TextIO, replacement: dict[str, str]) -> None:
    """Reconfigure ``stream``'s error handler as ``replacement`` maps its current one."""
    if not isinstance(stream, io.TextIOWrapper):
        return
    errors = replacement.get(stream.errors or "strict")
    if errors is None:
        return
    if errors == _BYTES_OR_ESCAPES:
        _register_bytes_or_escapes()
    try:
        stream.reconfigure(errors=errors)
    except ValueError:  # closed: the write will say so
        pass


_BYTES_OR_ESCAPES = "oxitrack.bytes_or_escapes"


def _register_bytes_or_escapes() -> None:
    codecs.register_error(_BYTES_OR_ESCAPES, _bytes_or_escapes)


def _bytes_or_escapes(error: UnicodeError) -> tuple[str | bytes, int]:
    """``surrogateescape`` where it applies (an undecodable byte of a file name: the byte), else
    ``backslashreplace``; one character at a time, as a run may mix both."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    character = error.object[error.start]
    if "\udc80" <= character <= "\udcff":
        return bytes([ord(character) - 0xDC00]), error.start + 1
    return ascii(character)[1:-1], error.start + 1


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
    are only where the output is UTF-8.

    Written as it is encoded, ``_JSON_PIECES`` pieces at a time: indented JSON is encoded in
    Python, piece by piece, and a year of 300 projects a day (``report --days 365 --json``)
    held its 800,000 pieces and their 30 MB join at once, 224 MiB."""
    import json

    stream = sys.stdout
    ascii_only = not is_utf8(stream)
    pieces: list[str] = []
    for piece in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(value):
        pieces.append(piece)  # a string is always whole in one piece
        if len(pieces) == _JSON_PIECES:
            stream.write(_readable(pieces, ascii_only=ascii_only))
            pieces.clear()
    pieces.append("\n")
    stream.write(_readable(pieces, ascii_only=ascii_only))
    return 0


_JSON_PIECES = 10_000


def _readable(pieces: list[str], *, ascii_only: bool) -> str:
    """Pieces of JSON as ``print_json`` writes them."""
    import json

    text = "".join(pieces)
    if utf8_reading(text) is not text:
        # A path the system gave as bytes that are not UTF-8 reads as an editor shows it:
        # each string on its own, whichever pieces were written with it.
        text = "".join(utf8_reading(piece) for piece in pieces)
    if ascii_only:
        # Outside its strings JSON is ASCII; inside them, a character and its \u escape are
        # the same value. json.dumps writes the escapes of one character (two for U+1F600).
        text = _NOT_ASCII.sub(lambda found: json.dumps(found.group())[1:-1], text)
    return text


_NOT_ASCII = re.compile("[^\x00-\x7f]")


def counted(count: int, noun: str) -> str:
    """``"1 session"``, ``"3 sessions"``: a count with its noun, in the plural unless one."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def text_style() -> Style:
    """How tables are drawn on the standard output: in colour on a terminal that allows it
    (``NO_COLOR``, ``TERM=dumb``), with box characters where its encoding has them, as wide
    as the terminal (``terminal_columns``)."""
    import codecs

    from oxitrack.report_text import UNICODE_CHARACTERS, Style

    stream = sys.stdout
    color = stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    try:
        encoding = codecs.lookup(stream.encoding or "ascii").name
    except LookupError:
        encoding = "ascii"
    try:
        UNICODE_CHARACTERS.encode(encoding)
        unicode = True
    except UnicodeEncodeError:
        unicode = False
    return Style(color=color, unicode=unicode, encoding=encoding, width=terminal_columns(stream))


def terminal_columns(stream: TextIO) -> int | None:
    """How many columns a line on ``stream`` may take: ``$COLUMNS`` when it is a number (set
    for a pipe on purpose, or a terminal's as the shell keeps it), else the terminal's width;
    ``None`` for a pipe or a file, whose lines are not cut."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isascii() and text.isdigit() and int(text) > 0:
        return int(text)
    try:
        return (os.get_terminal_size(stream.fileno()).columns or None) if stream.isatty() else None
    except (OSError, ValueError):  # no descriptor (a test's capture), or closed
        return None


def local_time(timestamp: float) -> str:
    """``YYYY-MM-DD HH:MM`` in the zone the reports use (``zones.system_zone``), not the C
    library's reading of ``$TZ``: with ``TZ=" Asia/Tokyo"`` or a zone name it lacks, that was
    UTC while ``sessions`` showed the same beat in Tokyo time.

    Followed by the zone's name when ``$TZ`` says what it cannot follow (a POSIX rule such as
    ``CET-1CEST,M3.5.0,M10.5.0/3``): the time is then the system zone's, often UTC, which
    ``projects`` and ``service status`` printed as if it were the one ``date`` shows, where
    ``today`` names it in its title."""
    from datetime import datetime

    from oxitrack.days import zone_name
    from oxitrack.zones import ignored_tz_variable, system_zone

    zone = system_zone()
    text = datetime.fromtimestamp(timestamp, zone).strftime("%Y-%m-%d %H:%M")
    return f"{text} {zone_name(zone)}" if ignored_tz_variable(os.environ.get("TZ")) else text
