"""Who may talk to the daemon: loopback Host names, no foreign web page, the API key if set.

A daemon on ``127.0.0.1`` is reachable from every web page the user visits. This ASGI middleware
refuses, before any handler runs:

* a ``Host`` that is not a loopback name or address (DNS rebinding), unless allowed by settings;
* a request carrying an ``Origin`` other than the daemon's own, or a ``Sec-Fetch-Site`` header
  saying it comes from another site (another port on localhost is "same-site", so only
  ``same-origin`` and ``none`` pass);
* when an API key is set, a request without ``Authorization: Bearer KEY`` (or ``Basic``
  base64 of the key, as wakatime-cli sends it). The dashboard's static files stay readable.

It never adds CORS headers: a cross-origin page gets nothing it can read.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from oxitrack.config import Settings, is_loopback_host

_OPEN_PATH_PREFIXES = ("/static/",)
_OPEN_PATHS = frozenset({"/", "/favicon.ico"})


class GuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.api_key = settings.api_key
        self.allow_hosts = frozenset(host.lower() for host in settings.allow_hosts)
        self.allow_origins = frozenset(
            origin.rstrip("/").lower() for origin in settings.allow_origins
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        refusal = self.refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, code, message = refusal
        body = json.dumps({"error": code, "message": message}).encode()
        extra = [(b"www-authenticate", b'Bearer realm="oxitrack"')] if status == 401 else []
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, str] | None:
        """The (status, code, message) to refuse this request with, or ``None`` to let it in."""
        host = headers.get("host")
        if host is not None and not self._is_allowed_host(host):
            return 403, "forbidden_host", f"Host {host!r} is not a loopback name; see --allow-hosts"
        origin = headers.get("origin")
        if origin is not None and not self._is_own_origin(origin, host):
            return 403, "forbidden_origin", f"requests from web origin {origin!r} are not allowed"
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site not in {"same-origin", "none"}:
            if origin is None or origin.rstrip("/").lower() not in self.allow_origins:
                return 403, "forbidden_origin", f"cross-site request ({fetch_site}) refused"
        if self.api_key is not None and not self._is_open_path(scope):
            if not self._has_key(headers.get("authorization", "")):
                return 401, "unauthorized", "send the API key as `Authorization: Bearer KEY`"
        return None

    def _is_allowed_host(self, host: str) -> bool:
        name = _host_name(host)
        return _is_loopback_name(name) or name in self.allow_hosts

    def _is_own_origin(self, origin: str, host: str | None) -> bool:
        normalized = origin.rstrip("/").lower()
        if normalized in self.allow_origins:
            return True
        parts = urlsplit(normalized)
        return (
            host is not None
            and parts.scheme in {"http", "https"}
            and parts.netloc == host.lower()
            and self._is_allowed_host(host)
        )

    def _has_key(self, authorization: str) -> bool:
        assert self.api_key is not None
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            # wakatime-cli sends base64(key); other clients may send base64(user:key).
            candidates = {decoded, decoded.partition(":")[0], decoded.partition(":")[2]}
            return any(hmac.compare_digest(c.encode(), self.api_key.encode()) for c in candidates)
        if scheme.lower() == "bearer":
            return hmac.compare_digest(credentials.encode(), self.api_key.encode())
        return False

    @staticmethod
    def _is_open_path(scope: Scope) -> bool:
        path: str = scope["path"]
        return scope["method"] in {"GET", "HEAD"} and (
            path in _OPEN_PATHS or path.startswith(_OPEN_PATH_PREFIXES)
        )


# Every request carries the same one or two Host values; parsing them as IP addresses each time
# cost ~3 % of a beat under load. Bounded, so a stream of odd names only churns it.
_is_loopback_name = functools.lru_cache(maxsize=256)(is_loopback_host)


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _host_name(host: str) -> str:
    """``Host`` without its port: ``[::1]:3000`` → ``::1``, ``localhost:3000`` → ``localhost``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
