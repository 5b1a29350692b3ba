"""JSON bodies encoded a piece at a time (``oxitrack.json_bodies``)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from starlette.responses import JSONResponse

from oxitrack.json_bodies import compact_json, json_list_pieces


def test_a_json_lists_pieces_encode_each_item_before_the_next_is_made():
    """A long report's items are let go once written: one changed after the next is asked
    for is already written as it was."""

    def items() -> Iterator[dict[str, object]]:
        made: list[dict[str, object]] = []
        for name in ("é", "b", "c"):
            if made:
                made[-1]["late"] = True
            made.append({"name": name, "seconds": 1.5})
            yield made[-1]

    assert (
        b"".join(json_list_pieces(items()))
        == '[{"name":"é","seconds":1.5},{"name":"b","seconds":1.5},'.encode()
        + b'{"name":"c","seconds":1.5}]'
    )
    assert b"".join(json_list_pieces([])) == b"[]"


def test_a_body_is_the_bytes_jsonresponse_makes():
    value = {"name": "café", "seconds": 1.5, "rows": [1, None, True], "emoji": "\U0001f600"}
    assert compact_json(value) == JSONResponse(value).body
    assert json.loads(compact_json(value)) == value
