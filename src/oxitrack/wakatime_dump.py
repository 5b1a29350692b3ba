"""The heartbeats of a WakaTime export file, read as they stream, for ``oxitrack import``.

Three shapes hold heartbeats, told apart by their top level:

- WakaTime's data export (Settings → Export, "heartbeats"): ``{"user": …, "range": …,
  "days": [{"date": "2025-11-25", "heartbeats": [{…}, …]}, …]}``;
- one answer of WakaTime's heartbeats API (``GET …/users/current/heartbeats?date=``), or of a
  server that speaks it: ``{"data": [{…}, …], …}``;
- a plain JSON array of heartbeats;

each as it was saved, or gzipped (``.json.gz``).

A whole career's export is hundreds of megabytes: parsed whole, its small strings would cost
ten times that in memory. ``ijson`` hands over one heartbeat at a time instead (its C backend
where it has one); it is imported only by this command.

Numbers come out as ``json.loads`` gives them, whatever their size: ``ijson``'s C backend asked
for floats takes no integer past 64 bits and no float past ``1e308`` (it stops with "integer
overflow"), and asked for exact numbers it crashes the process on an integer longer than
Python's limit for reading one (4300 digits). So it is asked for exact numbers with that limit
lifted, and each heartbeat's numbers are then made what ``json.loads`` makes of them (an
integer too long for it, infinite as ``1e400`` is), for the daemon to judge as it does a
plugin's: a number out of range in a field it reads is refused on that heartbeat's line.
Lifted, that limit no longer bounds the time a number takes to read (its digits squared):
the bytes are checked first, for numbers of at most ``MAX_DIGITS`` and nesting of at most
``MAX_NESTING`` (``JsonBounds``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation, localcontext
from typing import IO, Any

from oxitrack.errors import OxitrackError
from oxitrack.json_items import JsonBounds, PastBounds

#: Where the heartbeats are in each shape, as ``ijson`` paths (``item``: each element).
_HEARTBEATS_AT = {
    "days": "days.item.heartbeats.item",
    "data": "data.item",
}
_SHAPES = (
    'WakaTime\'s export ({"days": [{"heartbeats": [...]}]}), a heartbeats API answer'
    ' ({"data": [...]}) or a JSON array of heartbeats'
)


#: What ``oxitrack export`` writes is sessions, which cannot be sent again as heartbeats: said
#: so, with what does restore OxiTrack's data, rather than "no WakaTime export" or "no JSON".
_OWN_EXPORT = (
    "the file is OxiTrack's own export of sessions (`oxitrack export`), which holds no"
    " heartbeats to import: import a copy of the other machine's database made with"
    " `oxitrack backup` instead"
)

#: A database file (``oxitrack backup``'s copy, or the data folder's ``oxitrack.db``) is what
#: users moving to a new machine reach for: said so, with how such a copy is put to use, rather
#: than the JSON parser's "invalid char in json text".
_DATABASE = (
    "the file is a SQLite database (an OxiTrack database, or a copy `oxitrack backup` made?),"
    " packed or piped: `oxitrack import` reads another machine's OxiTrack database from a"
    " plain file. Unpack it (gunzip) and import that file (see Moving to another machine in"
    " docs/operations.md)"
)
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"


class NotAnExport(OxitrackError):
    """The file is no JSON, or JSON in none of the shapes that hold heartbeats."""


def heartbeats_in(file: IO[bytes]) -> Iterator[Any]:
    """Each heartbeat of ``file`` (a binary file or pipe, maybe gzipped), in file order, as
    parsed JSON (a heartbeat that is no object is yielded as it is, for the daemon to refuse in
    its words)."""
    import ijson

    with _unreadable_as_no_export():
        packed = _Rewindable(file)
        is_gzipped = packed.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
        packed.rewind(keep=False)
        if is_gzipped:
            import gzip

            # Typed as wanting ``seek``, which only a rewind of the gzip stream calls.
            unpacked = gzip.GzipFile(fileobj=packed, mode="rb")  # type: ignore[call-overload]
            text = _Rewindable(_BoundsChecked(unpacked))
        else:
            text = _Rewindable(_BoundsChecked(packed))
        _refuse_database(text)
        _skip_bom(text)
        _refuse_own_csv(text)
        path = _heartbeats_path(text)
        text.rewind(keep=False)
        items = ijson.items(text, path)
        while True:
            with _numbers_of_any_size():
                item = next(items, _END)
            if item is _END:
                return
            yield _as_json_reads(item)


class _BoundsChecked:
    """A stream whose bytes are checked as they are first read (``JsonBounds``): nesting past
    ``MAX_NESTING`` would take ``ijson`` gigabytes, and an integer past ``MAX_DIGITS`` minutes
    in which Ctrl-C waits."""

    def __init__(self, stream: IO[bytes] | _Rewindable) -> None:
        self._stream = stream
        self._bounds = JsonBounds(max_depth=MAX_NESTING, max_digits=MAX_DIGITS)

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._bounds.feed(data)
        return data


#: Far past any export (a heartbeat is 3 deep in it, its dependencies 4), and about as deep as
#: ``json.loads`` reads (its limit is Python's recursion limit, 1000 calls).
MAX_NESTING = 1000

#: Far past any number a field holds (read as infinite past 4300 digits), and read in 0.05 s.
MAX_DIGITS = 100_000


class _Rewindable:
    """A stream whose first bytes can be read twice: how the start of a pipe is looked at (for
    the gzip mark, the byte order mark, the shape) and then parsed, where a file could seek.
    Keeps only what was read since the last ``mark`` (a few KiB: the shape is in the first
    events), and no more once rewound with ``keep=False``."""

    def __init__(self, stream: IO[bytes] | _Rewindable | _BoundsChecked) -> None:
        self._stream = stream
        self._kept = bytearray()
        self._at = 0  # where in ``_kept`` the next read starts
        self._keeping = True

    def read(self, size: int = -1) -> bytes:
        end = len(self._kept) if size < 0 else self._at + size
        again = bytes(self._kept[self._at : end])
        self._at += len(again)
        if len(again) == size:
            return again
        more = _read_up_to(self._stream, -1 if size < 0 else size - len(again))
        if self._keeping:
            self._kept += more
            self._at = len(self._kept)
        return again + more

    def mark(self) -> None:
        """Forget what was read so far: a rewind comes back here."""
        del self._kept[: self._at]
        self._at = 0

    def rewind(self, *, keep: bool = True) -> None:
        """Read again from the mark; with ``keep=False`` for the last time, keeping nothing of
        what follows."""
        self._at = 0
        self._keeping = keep


def _read_up_to(stream: IO[bytes] | _Rewindable | _BoundsChecked, size: int) -> bytes:
    """``size`` bytes, fewer only at the end: a pipe's raw end hands over what it has so far,
    and the marks looked for would be missed when cut in two."""
    data = stream.read(size)
    while len(data) < size:
        more = stream.read(size - len(data))
        if not more:
            break
        data += more
    return data


def _skip_bom(text: _Rewindable) -> None:
    """Past the byte order mark an editor such as Notepad writes in front of a file it saved
    (the parser takes it for a stray character), and mark where the JSON starts."""
    if text.read(len(_UTF8_BOM)) != _UTF8_BOM:
        text.rewind()
    text.mark()


def _refuse_database(text: _Rewindable) -> None:
    """``NotAnExport`` for a SQLite database file, by its header's first 16 bytes."""
    starts_with = text.read(len(_SQLITE_MAGIC))
    text.rewind()
    if starts_with == _SQLITE_MAGIC:
        raise NotAnExport(_DATABASE)


def _refuse_own_csv(text: _Rewindable) -> None:
    """``NotAnExport`` for the CSV ``oxitrack export`` writes (its header first), which the
    JSON parser would call "not valid JSON"."""
    from oxitrack.session_exports import CSV_COLUMNS

    # The columns every version wrote, so an export made before a column was added is known too.
    header = ",".join(CSV_COLUMNS[:8]).encode()
    starts_with = text.read(len(header))
    text.rewind()
    if starts_with == header:
        raise NotAnExport(_OWN_EXPORT)


def _heartbeats_path(file: _Rewindable) -> str:
    """Which shape ``file`` has, from its first events: a top-level array, else the first key
    of the top-level object that holds heartbeats (``user`` and ``range`` come before
    ``days`` in WakaTime's export, and are small)."""
    import ijson

    events = ijson.parse(file)
    while True:
        with _numbers_of_any_size():
            prefix, event, value = next(events, ("", "end", None))
        if prefix == "" and event == "start_array":
            return "item"
        if prefix == "" and event == "map_key" and value in _HEARTBEATS_AT:
            return _HEARTBEATS_AT[value]
        if prefix == "" and event == "map_key" and value == "sessions":
            # ``oxitrack export --format json``: said before its sessions are read through.
            raise NotAnExport(_OWN_EXPORT)
        if prefix == "" and event not in ("start_map", "map_key"):
            break  # a number, text or the end of the top-level object
    raise NotAnExport(f"the file holds no heartbeats: expected {_SHAPES}")


_END = object()


@contextmanager
def _numbers_of_any_size() -> Iterator[None]:
    """Python's limit on the digits of an integer read from text, lifted while ``ijson`` reads
    on: past it, its C backend crashes the process rather than raise. Set back between steps,
    so the rest of the program keeps it. And an exponent past what ``Decimal`` holds
    (``1e99999999999999999999``, valid JSON) read as NaN, not raised: the exception would end
    the import with a traceback, where a NaN is refused by its field or ignored."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        with localcontext() as context:
            context.traps[InvalidOperation] = False
            yield
    finally:
        sys.set_int_max_str_digits(limit)


def _as_json_reads(value: Any) -> Any:
    """``value`` with its numbers as ``json.loads`` gives them (``_as_json_number``), changed in
    place: ``ijson`` built it for us alone. A loop, not a recursion: a heartbeat may nest lists
    a thousand deep (in a field no one reads), which ``ijson`` reads and recursion would not."""
    if type(value) not in (dict, list):
        return _as_json_number(value)
    containers = [value]
    while containers:
        container = containers.pop()
        # A value set again under its own key leaves the iteration as it was.
        for key, item in container.items() if type(container) is dict else enumerate(container):
            kind = type(item)
            if kind is dict or kind is list:
                containers.append(item)
            elif kind is Decimal or kind is int:
                container[key] = _as_json_number(item)
    return value


def _as_json_number(value: Any) -> Any:
    """A number as ``json.loads`` gives it: ``ijson`` read a fraction or exponent as a
    ``Decimal`` (a float here, infinite past ``1e308``; NaN for an exponent past what
    ``Decimal`` holds, ``_numbers_of_any_size``), and an integer of any length (one too long for
    ``json.loads`` is infinite here, as too large a float is). Anything else as it is."""
    kind = type(value)
    if kind is Decimal:
        return _NAN if value.is_nan() else float(value)
    if kind is int:
        return value if value.bit_length() <= _MAX_READ_INTEGER_BITS else _infinite(value)
    return value


#: The bits of the longest integer ``json.loads`` reads by default (4300 digits, less a margin
#: so that every integer kept is one it reads, and ``json.dumps`` writes).
_MAX_READ_INTEGER_BITS = 14_000


#: One NaN for all: each ``float("nan")`` hashes apart, and a heartbeat the file repeats must
#: hash the same to be counted as a repeat.
_NAN = float("nan")


def _infinite(value: int) -> float:
    return float("inf") if value > 0 else float("-inf")


@contextmanager
def _unreadable_as_no_export() -> Iterator[None]:
    """Text that is no JSON, and a gzipped file cut short or damaged, as ``NotAnExport``."""
    import gzip
    import zlib

    import ijson

    try:
        yield
    except ijson.JSONError as error:
        raise _not_json(error) from None
    except PastBounds as error:
        raise NotAnExport(f"the file is no export: {error}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise NotAnExport(f"the file is gzipped, but cut short or damaged ({error})") from None


def _not_json(error: Exception) -> NotAnExport:
    """In one line: the C parser's message quotes the text around the error on lines of its
    own, which may be anything (an HTML page saved in place of the export). Where that text is
    no UTF-8 (a file saved as UTF-16), the message comes as bytes, whose ``str`` is one line
    of escapes holding all of it."""
    message = error.args[0] if error.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    first_line = next((line.strip() for line in str(message).splitlines() if line.strip()), "")
    return NotAnExport(f"the file is not valid JSON ({first_line or 'it ends too soon'})")
