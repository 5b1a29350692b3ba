"""Reading a JSON request body safely: media type, size limit, syntax. Shared by every POST."""

from __future__ import annotations

import json

from starlette.requests import ClientDisconnect, Request

from oxitrack.errors import ClientError

MAX_BODY_BYTES = 64 * 1024


async def read_json(request: Request, *, max_bytes: int = MAX_BODY_BYTES) -> object:
    """The decoded JSON body, or a ``ClientError`` (415, 413 or 400) saying what is wrong."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ClientError(
            415,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
            "Content-Type",
        )
    if _declared_length(request.headers.get("content-length", "")) > max_bytes:
        raise _too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
    except ClientDisconnect:
        # A body cut short (broken chunked encoding, a client hanging up): nobody is left to
        # read the answer, but it must not go down the 500 path and log a traceback.
        message = "the body ended early: the client closed the connection"
        raise ClientError(400, "invalid_json", message, "body") from None
    raw = b"".join(chunks)
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise ClientError(400, "invalid_json", "the body is not UTF-8 text", "body") from None
    except json.JSONDecodeError as exc:
        message = f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise ClientError(400, "invalid_json", message, "body") from None
    except RecursionError:
        raise ClientError(400, "invalid_json", "the body nests too deeply", "body") from None
    except ValueError:
        # json.loads refuses integers of more than 4300 digits with a bare ValueError (CPython's
        # guard against quadratic int parsing); without this a client could cause a 500.
        message = "the body is not usable JSON: a number in it has too many digits"
        raise ClientError(400, "invalid_json", message, "body") from None


def _declared_length(header: str) -> int:
    """The ``Content-Length`` a client announced; 0 when it is not a plain decimal number."""
    if not header.isascii() or not header.isdigit():  # isdigit alone also takes "²"
        return 0
    digits = header.lstrip("0")
    return int(digits or "0") if len(digits) <= 18 else 10**18  # 18 digits: past any body


def _too_large(max_bytes: int) -> ClientError:
    return ClientError(413, "body_too_large", f"the body is larger than {max_bytes} bytes", "body")
