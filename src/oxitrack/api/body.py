"""Reading a JSON request body safely: media type, size limit, syntax. Shared by every POST.

The body is UTF-8 JSON as it came: JSON between systems is UTF-8 (RFC 8259 8.1), so another
declared charset is refused rather than ignored, and no content coding (gzip…) is decoded.
A UTF-8 byte order mark is skipped, as RFC 8259 allows. ``read_json_array`` reads a large
array (a WakaTime batch) one item at a time, with the same refusals.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing

from starlette.requests import ClientDisconnect, Request

from oxitrack.errors import ClientError, InvalidField
from oxitrack.json_items import ArrayItems, BrokenArray, NotAnArray

MAX_BODY_BYTES = 64 * 1024


async def read_json(request: Request, *, max_bytes: int = MAX_BODY_BYTES) -> object:
    """The decoded JSON body, or a ``ClientError`` (415, 413 or 400) saying what is wrong."""
    chunks = [chunk async for chunk in _body_chunks(request, max_bytes)]
    return _parse_json(b"".join(chunks))


async def read_json_array(
    request: Request,
    *,
    max_bytes: int,
    max_item_bytes: int,
    keep: Callable[[object], object],
    max_items: int,
    items_named: str = "items",
) -> object:
    """A JSON array body as ``keep`` of each item, each parsed alone as the bytes arrive.

    For large batches of which little is kept: only one item at a time is parsed, whatever the
    body's size, and an item over ``max_item_bytes`` is skipped as it streams and stands as
    ``ItemTooLarge``, so the others still count. A body that is not an array (at most
    ``max_item_bytes``) is returned parsed whole, for the caller to say what it is. Refusals as
    ``read_json``'s, and an ``InvalidField`` (``body``) at the item past ``max_items``, without
    reading on: 32 MiB of ``{},`` is eleven million items, which took the daemon 670 MB and
    30 s of the event loop, every beat waiting over a second meanwhile.
    """
    splitter = ArrayItems(max_item_bytes)
    items: list[object] = []
    chunks = _body_chunks(request, max_bytes)
    async with aclosing(chunks):
        async for chunk in chunks:
            try:
                ended = splitter.feed(chunk)
            except NotAnArray as not_array:
                return _parse_json(await _rest_of_body(not_array.start, chunks, max_item_bytes))
            except BrokenArray as broken:
                raise _broken_array(broken) from None
            for item in ended:
                if len(items) == max_items:
                    problem = f"has more than {max_items} {items_named}; at most {max_items}"
                    raise InvalidField("body", problem)
                items.append(keep(_parse_json(item)) if isinstance(item, bytes) else item)
    try:
        splitter.close()
    except NotAnArray as not_array:  # an empty body, or only spaces
        return _parse_json(not_array.start)
    except BrokenArray as broken:
        raise _broken_array(broken) from None
    return items


async def _rest_of_body(first: bytes, rest: AsyncIterator[bytes], max_bytes: int) -> bytes:
    """``first`` and the chunks after it, at most ``max_bytes`` of them."""
    body = bytearray(first)
    async for chunk in rest:
        if len(body) > max_bytes:
            break
        body += chunk
    if len(body) > max_bytes:
        raise _too_large(max_bytes)
    return bytes(body)


def _broken_array(broken: BrokenArray) -> ClientError:
    return ClientError(400, "invalid_json", f"the body is not valid JSON: {broken}", "body")


async def _body_chunks(request: Request, max_bytes: int) -> AsyncGenerator[bytes]:
    """The body's chunks as they arrive, once its headers say it is JSON sent as it is; a
    ``ClientError`` past ``max_bytes`` or when the client leaves before its end."""
    _check_media_type(request.headers.get("content-type", ""))
    coding = request.headers.get("content-encoding", "identity").strip().lower()
    if coding != "identity":
        raise _unsupported(
            f"the body is sent with Content-Encoding {coding!r}; send it uncompressed",
            "Content-Encoding",
            headers={"Accept-Encoding": "identity"},  # RFC 9110 12.5.3: the codings taken
        )
    if _declared_length(request.headers.get("content-length", "")) > max_bytes:
        raise _too_large(max_bytes)
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            yield chunk
    except ClientDisconnect:
        # A body cut short (broken chunked encoding, a client hanging up): nobody is left to
        # read the answer, but it must not go down the 500 path and log a traceback.
        message = "the body ended early: the client closed the connection"
        raise ClientError(400, "invalid_json", message, "body") from None


def _parse_json(raw: bytes) -> object:
    """``raw`` as JSON, or a ``ClientError`` (400) saying why it is none."""
    try:
        # Decoded here: json.loads would guess UTF-16 or UTF-32 from the bytes.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClientError(400, "invalid_json", "the body is not UTF-8 text", "body") from None
    try:
        try:
            return json.loads(text)
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError):
                raise
            # An integer of more than 4300 digits, which json.loads refuses with a bare
            # ValueError (CPython's guard against quadratic int parsing): read as infinite, as
            # it reads too large a float (1e400), for the field that holds it to be refused
            # as out of range by name, or ignored where no field reads it.
            return json.loads(text, parse_int=_integer_or_infinite)
    except json.JSONDecodeError as exc:
        message = f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise ClientError(400, "invalid_json", message, "body") from None
    except RecursionError:
        raise ClientError(400, "invalid_json", "the body nests too deeply", "body") from None


def _integer_or_infinite(digits: str) -> int | float:
    """An integer's JSON text as its number, or as an infinite float past what ``int`` reads
    from text (``float`` reads any length, and gives infinity past 1e308)."""
    try:
        return int(digits)
    except ValueError:
        return float(digits)


def _check_media_type(content_type: str) -> None:
    """Refuse (415) anything but ``application/json``, with no charset or ``charset=utf-8``."""
    media_type, *parameters = content_type.split(";")
    if media_type.strip().lower() != "application/json":
        raise _unsupported(
            "send the body as JSON with `Content-Type: application/json`", "Content-Type"
        )
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in {"utf-8", "utf8"}:
            message = f"JSON is sent as UTF-8, not {charset!r}: send charset=utf-8 or none"
            raise _unsupported(message, "Content-Type")


def _unsupported(message: str, header: str, headers: dict[str, str] | None = None) -> ClientError:
    """A 415 naming the request header whose value the daemon does not take."""
    return ClientError(415, "unsupported_media_type", message, header, headers=headers)


def _declared_length(header: str) -> int:
    """The ``Content-Length`` a client announced; 0 when it is not a plain decimal number."""
    if not header.isascii() or not header.isdigit():  # isdigit alone also takes "²"
        return 0
    digits = header.lstrip("0")
    return int(digits or "0") if len(digits) <= 18 else 10**18  # 18 digits: past any body


def _too_large(max_bytes: int) -> ClientError:
    return ClientError(413, "body_too_large", f"the body is larger than {max_bytes} bytes", "body")
