"""The dashboard's page and its static files, always sent whole, never inside a frame.

They are a few KiB each. Byte ranges (``Range:``) would save nothing and only add answers outside
the one JSON error shape (Starlette answers a bad range with plain text, an unsatisfiable one
with an empty 416), so the ``Range`` header is ignored and no ranges are advertised.

Every one of them says no page may frame it (``WEB_FILE_HEADERS``): a page that framed the
dashboard could overlay it and trick clicks (clickjacking). The guard's Fetch Metadata check
does not stop that for a name in ``--allow-hosts`` over plain HTTP: browsers send those headers
only to HTTPS and loopback origins.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

# The page's scripts, styles, images and reads come from the daemon alone (an injected inline
# script or a read sent elsewhere is refused); no form posts anywhere, no page frames it (CSP's
# frame-ancestors for current browsers, X-Frame-Options for older ones). A header, not a <meta>
# tag: a tag cannot say frame-ancestors and covers only what follows it. Built once.
# ``no-cache``: kept, but asked about (ETag) before each use. With only Last-Modified, browsers
# reuse a file unasked for a tenth of its age: days after an upgrade, a new page could run with
# an old script.
WEB_FILE_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none';"
        b" base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-cache"),
)


# Said, not guessed: Python guesses from the system's tables, and on Windows a registry entry of
# another program (an editor's) can make ``.js`` ``text/plain``, which browsers refuse to run as
# a module script, or as any script under ``nosniff``: the page came up blank. The page itself is
# looked up here too, for ``/`` and ``/static/index.html`` alike.
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}


class WholeFileResponse(FileResponse):
    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        status_code: int = 200,
        media_type: str | None = None,
        stat_result: os.stat_result | None = None,
    ) -> None:
        super().__init__(
            path, status_code=status_code, media_type=media_type, stat_result=stat_result
        )
        self.headers["accept-ranges"] = "none"
        self.raw_headers.extend(WEB_FILE_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(name, value) for name, value in scope["headers"] if name != b"range"]
        await super().__call__({**scope, "headers": headers}, receive, send)


class WebFiles(StaticFiles):
    """``/static/``: the dashboard's script, styles and chart library."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if type(response) is not FileResponse:
            response.raw_headers.extend(WEB_FILE_HEADERS)
            return response  # 304 Not Modified: no body, no range
        media_type = MEDIA_TYPES.get(os.path.splitext(full_path)[1])
        return WholeFileResponse(
            full_path, status_code=status_code, media_type=media_type, stat_result=stat_result
        )


def get_dashboard(request: Request) -> Response:
    """The web dashboard; its script and styles come from ``/static/``."""
    page = WEB_DIR / "index.html"
    return WholeFileResponse(page, media_type=MEDIA_TYPES[page.suffix])
