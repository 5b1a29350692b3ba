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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from oxitrack.errors import OxitrackError

#: Where the heartbeats are in each shape, as ``ijson`` paths (``item``: each element).
_HEARTBEATS_AT = {
    "days": "days.item.heartbeats.item",
    "data": "data.item",
}
_SHAPES = (
    'WakaTime\'s export ({"days": [{"heartbeats": [...]}]}), a heartbeats API answer'
    ' ({"data": [...]}) or a JSON array of heartbeats'
)


_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"


class NotAnExport(OxitrackError):
    """The file is no JSON, or JSON in none of the shapes that hold heartbeats."""


def heartbeats_in(file: IO[bytes]) -> Iterator[Any]:
    """Each heartbeat of ``file`` (a seekable binary file, maybe gzipped), in file order, as
    parsed JSON (a heartbeat that is no object is yielded as it is, for the daemon to refuse in
    its words)."""
    import ijson

    with _unreadable_as_no_export():
        magic = file.read(2)
        file.seek(0)
        if magic == _GZIP_MAGIC:
            import gzip

            file = gzip.GzipFile(fileobj=file)  # type: ignore[assignment]
        start = _after_bom(file)
        path = _heartbeats_path(file)
        file.seek(start)
        yield from ijson.items(file, path, use_float=True)


def _after_bom(file: IO[bytes]) -> int:
    """Where the JSON starts: after the byte order mark an editor such as Notepad writes in
    front of a file it saved (the parser takes it for a stray character), else at the start."""
    start = len(_UTF8_BOM) if file.read(len(_UTF8_BOM)) == _UTF8_BOM else 0
    file.seek(start)
    return start


def _heartbeats_path(file: IO[bytes]) -> str:
    """Which shape ``file`` has, from its first events: a top-level array, else the first key
    of the top-level object that holds heartbeats (``user`` and ``range`` come before
    ``days`` in WakaTime's export, and are small)."""
    import ijson

    for prefix, event, value in ijson.parse(file, use_float=True):
        if prefix == "" and event == "start_array":
            return "item"
        if prefix == "" and event == "map_key" and value in _HEARTBEATS_AT:
            return _HEARTBEATS_AT[value]
        if prefix == "" and event not in ("start_map", "map_key"):
            break  # a number, text or the end of the top-level object
    raise NotAnExport(f"the file holds no heartbeats: expected {_SHAPES}")


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
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise NotAnExport(f"the file is gzipped, but cut short or damaged ({error})") from None


def _not_json(error: Exception) -> NotAnExport:
    """In one line: the C parser's message quotes the text around the error on lines of its
    own, which may be anything (an HTML page saved in place of the export)."""
    first_line = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return NotAnExport(f"the file is not valid JSON ({first_line or 'it ends too soon'})")
