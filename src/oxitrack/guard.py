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

Requests refused for want of the API key are logged as a warning, at most one line a minute
with a count (``refusal_log.RefusalLog``): someone guessing keys shows up without flooding the log.

A header it decides on must come once: Starlette reads the first copy, a dict keeps the last, so a
second copy would let the guard check one value while the app uses the other. Host follows RFC 9112
section 3.2: a repeated one, none on HTTP/1.1, or one that is not ``host[:port]`` is a 400.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import logging
import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from oxitrack.config import Settings, is_loopback_host
from oxitrack.errors import error_body
from oxitrack.host_names import host_name
from oxitrack.refusal_log import RefusalLog

log = logging.getLogger("oxitrack.guard")

_OPEN_PATH_PREFIXES = ("/static/",)
# WakaTime's reading routes, where its clients may give the key in the address.
_WAKATIME_READS = re.compile(r"/api/v1/users/[^/]+/(summaries|status_?bar/today)")
_OPEN_PATHS = frozenset({"/", "/favicon.ico"})


class GuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.api_key = settings.api_key
        self.allow_hosts = frozenset(host.lower() for host in settings.allow_hosts)
        self.allow_origins = frozenset(
            origin.rstrip("/").lower() for origin in settings.allow_origins
        )
        self.key_refusals = RefusalLog("without the right API key (401)", log)
        # Said on the daemon's side too: whoever runs it sees which name a machine on the
        # network uses (``desktop.local`` where allow_hosts has ``desktop.lan``), not a silence.
        self.host_refusals = RefusalLog("for a Host not in allow_hosts (403 forbidden_host)", log)

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
        body = json.dumps(error_body(code, message)).encode()
        extra = []
        client = scope.get("client")
        address = client[0] if client else "an unknown address"
        if status == 401:
            extra = [(b"www-authenticate", b'Bearer realm="oxitrack"')]
            self.key_refusals.note(address)
        elif code == "forbidden_host":
            host = headers.get("host", "")
            shown = host if len(host) <= _MAX_CACHED_HOST_CHARS else host[:60] + "..."
            self.host_refusals.note(address, f"Host {shown!r}")
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
        raw_headers = scope["headers"]
        if len(headers) != len(raw_headers):  # some name came twice: rare, so only then look why
            repeated = _repeated_refusal(raw_headers)
            if repeated is not None:
                return repeated
        host = headers.get("host")
        if host is None:
            # HTTP/1.0 may omit Host; a scope without "http_version" is HTTP/1.1 (ASGI spec).
            if scope.get("http_version", "1.1") == "1.1":
                return 400, "bad_request", "an HTTP/1.1 request needs a Host header"
        else:
            # 400 for a Host that is not host[:port] at all (RFC 9112: an invalid field value);
            # 403 for a well-formed one that names another machine, as before.
            name = _host_name(host)
            if name is None:
                return 400, "bad_request", f"Host {host!r} is not a valid host[:port]"
            if not (_is_loopback_name(name) or name in self.allow_hosts):
                return 403, "forbidden_host", _forbidden_host_message(host, name)
        origin = headers.get("origin")
        if origin is not None and not self._is_own_origin(origin, host):
            return 403, "forbidden_origin", f"requests from web origin {origin!r} are not allowed"
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site not in {"same-origin", "none"}:
            if origin is None or origin.rstrip("/").lower() not in self.allow_origins:
                return 403, "forbidden_origin", f"cross-site request ({fetch_site}) refused"
        if self.api_key is not None and not self._is_open_path(scope):
            has_key = self._has_key(headers.get("authorization", ""))
            if not (has_key or self._has_key_in_address(scope)):
                return 401, "unauthorized", "send the API key as `Authorization: Bearer KEY`"
        return None

    def _is_own_origin(self, origin: str, host: str | None) -> bool:
        """Whether ``origin`` is allowed or is this request's own ``Host`` (already checked).
        One that is no URL (``http://[::1``, which ``urlsplit`` refuses) is neither."""
        normalized = origin.rstrip("/").lower()
        if normalized in self.allow_origins:
            return True
        try:
            parts = urlsplit(normalized)
        except ValueError:
            return False
        return (
            host is not None
            and parts.scheme in {"http", "https"}
            and parts.netloc == host.strip().lower()
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

    def _has_key_in_address(self, scope: Scope) -> bool:
        """``?api_key=KEY`` on a WakaTime read (the summaries and status bar): WakaTime takes
        the key so, and prompts are configured with such a URL (oh-my-posh's WakaTime
        segment). Nowhere else: a key in an address ends up in histories and logs."""
        if scope["method"] not in {"GET", "HEAD"} or not _WAKATIME_READS.fullmatch(scope["path"]):
            return False
        assert self.api_key is not None
        keys = parse_qs(scope["query_string"].decode("latin-1")).get("api_key", [])
        return any(hmac.compare_digest(key.encode(), self.api_key.encode()) for key in keys)

    @staticmethod
    def _is_open_path(scope: Scope) -> bool:
        path: str = scope["path"]
        return scope["method"] in {"GET", "HEAD"} and (
            path in _OPEN_PATHS or path.startswith(_OPEN_PATH_PREFIXES)
        )


# Every request carries the same one or two Host values; parsing them as IP addresses each time
# cost ~3 % of a beat under load. Bounded in number and in size: a Host can be nearly 64 KiB (the
# head's limit), and 256 such values kept twice pinned 30 MiB, as much again as the whole daemon.
# Only a value as long as a real one is kept: a DNS name (253 characters) in brackets with a port.
_MAX_CACHED_HOST_CHARS = 253 + len("[]:65535")
_T = TypeVar("_T")


def _cached_when_short(fn: Callable[[str], _T]) -> Callable[[str], _T]:
    cached = functools.lru_cache(maxsize=256)(fn)

    def call(value: str) -> _T:
        return cached(value) if len(value) <= _MAX_CACHED_HOST_CHARS else fn(value)

    return call


_is_loopback_name = _cached_when_short(is_loopback_host)
_host_name = _cached_when_short(host_name)


def _forbidden_host_message(host: str, name: str) -> str:
    """Names the setting and the value to give it: the name alone, as ``Host`` quotes it with
    its port, which the setting does not need."""
    return (
        f"Host {host!r} is not a loopback name nor in the daemon's allow_hosts; to accept it,"
        f" add {name} to allow_hosts in its config file (or --allow-hosts, OXITRACK_ALLOW_HOSTS)"
    )


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


# The headers the guard decides on, with the answer to a request that repeats one. Which copy
# would count is a guess (the dict keeps the last, Starlette reads the first), so no copy does.
_SINGLE_HEADERS = {
    b"host": (400, "bad_request", "more than one Host header"),
    b"origin": (403, "forbidden_origin", "more than one Origin header"),
    b"sec-fetch-site": (403, "forbidden_origin", "more than one Sec-Fetch-Site header"),
    b"authorization": (400, "bad_request", "more than one Authorization header"),
}


def _repeated_refusal(raw_headers: list[tuple[bytes, bytes]]) -> tuple[int, str, str] | None:
    """The refusal for the first of ``_SINGLE_HEADERS`` (in its order) that comes twice, if any."""
    seen: set[bytes] = set()
    repeated: set[bytes] = set()
    for name, _ in raw_headers:
        if name in _SINGLE_HEADERS:
            (repeated if name in seen else seen).add(name)
    return next((answer for name, answer in _SINGLE_HEADERS.items() if name in repeated), None)
