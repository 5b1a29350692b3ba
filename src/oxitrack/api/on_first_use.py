"""Routes whose handler is imported on its first request: the breakdowns' and WakaTime's reading
routes, about 0.2 MiB of modules (the breakdown's pairing, the day splits, the status bar's
texts) that an idle daemon, or one only editors beat to, never needs. Its idle memory is at the
35 MiB target (issue #2); the first such request takes the import's few milliseconds."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from oxitrack.api.client_gone import watched


class OnFirstUse:
    """A route's ASGI app for the handler ``name`` of ``module``, imported when first asked;
    ``watch``: its client watched, as ``client_gone.watched`` does for long reports."""

    def __init__(self, module: str, name: str, *, watch: bool = False) -> None:
        self.module = module
        self.name = name
        self.watch = watch
        self._app: ASGIApp | None = None

    @property
    def handler(self) -> Callable[[Request], Response]:
        """The handler itself, imported now if it was not yet (as ``WatchedRoute.handler``)."""
        found: Callable[[Request], Response] = getattr(
            importlib.import_module(self.module), self.name
        )
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app
        if app is None:
            handler = self.handler
            app = self._app = watched(handler) if self.watch else request_response(handler)
        await app(scope, receive, send)
