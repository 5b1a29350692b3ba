"""``POST /beat`` straight through ASGI, for what TestClient cannot send: no ``Host``, another
HTTP version (or none said), a header byte that is not ASCII, a client that hangs up before the
end of its body."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence


def asgi_post(
    app,
    headers: Sequence[tuple[bytes, bytes]],
    body: bytes,
    *,
    is_whole: bool = True,
    http_version: str | None = "1.1",
) -> tuple[int, dict]:
    """The status and the JSON answer to one POST /beat with exactly ``headers``; with
    ``is_whole`` false the client goes away after ``body``. ``http_version=None`` leaves the
    scope without one, as the ASGI spec allows (it then means 1.1)."""
    requests = [{"type": "http.request", "body": body, "more_body": not is_whole}]
    sent: list[dict] = []

    async def receive() -> dict:
        return requests.pop() if requests else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope: dict = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "method": "POST",
        "scheme": "http",
        "path": "/beat",
        "raw_path": b"/beat",
        "root_path": "",
        "query_string": b"",
        "headers": list(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }
    if http_version is not None:
        scope["http_version"] = http_version
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
