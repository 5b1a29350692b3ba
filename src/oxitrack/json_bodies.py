"""JSON response bodies encoded a piece at a time, as ``JSONResponse`` would encode them whole.

A long report (a year of days, each with hundreds of projects) is megabytes of JSON: built as
one dict of Python values and encoded in one call, it was most of the daemon's peak memory, and
the one call held the interpreter while beats waited. Its items are encoded as they come and
let go instead. Pure: stdlib only, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def compact_json(value: object) -> bytes:
    """``value`` as ``JSONResponse`` writes a body: compact, UTF-8, no NaN."""
    return _ENCODER.encode(value).encode()


def json_list_pieces(items: Iterable[object]) -> list[bytes]:
    """The ``compact_json`` of a list in pieces, each item encoded as it comes and let go, for
    the caller to join once with what goes around it (each join is a copy of the whole): a
    long report's items as Python values at once were most of its memory, and one encoding
    call holds the interpreter for as long as the whole takes (beats wait on the event loop)."""
    pieces = [b"["]
    for item in items:
        if len(pieces) > 1:
            pieces.append(b",")
        pieces.append(compact_json(item))
    pieces.append(b"]")
    return pieces


def json_object_with_list(
    before: Mapping[str, object],
    key: str,
    items: Iterable[object],
    after: Callable[[], Mapping[str, object]] = dict,
) -> bytes:
    """The ``compact_json`` of ``{**before, key: [*items], **after()}``, the list's items
    encoded one at a time (``json_list_pieces``). ``after`` is called once the items are all
    encoded, so that what follows the list may add up what its items carried."""
    pieces = [compact_json(before)[:-1]]  # {"a":1,... without its closing brace
    if before:
        pieces.append(b",")
    pieces += [compact_json(key), b":", *json_list_pieces(items)]
    rest = compact_json(after())
    if rest != b"{}":
        pieces += [b",", rest[1:-1]]  # "b":2,... without its braces
    pieces.append(b"}")
    return b"".join(pieces)
