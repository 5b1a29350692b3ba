"""Talking to a running daemon from the CLI: ``/health`` and the JSON API, with the stdlib only.

``http.client`` rather than an HTTP library so that CLI commands start fast and the package needs no
client dependency; it loads only once a request is made, so that asking whether anything listens
(``listener_uids``) costs a report command nothing it does not load anyway. The daemon's answer to a
refused request (the one JSON error shape) comes back as the same ``ClientError`` the daemon raised,
so the CLI reports it in the same words.
"""

from __future__ import annotations

import os

from oxitrack.config import Settings
from oxitrack.errors import ClientError, OxitrackError
from oxitrack.fields import printable, utf8_reading
from oxitrack.records import TYPE_CHECKING

if TYPE_CHECKING:
    import http.client
    import socket
    from ipaddress import IPv4Address, IPv6Address
    from typing import Any

    IPAddress = IPv4Address | IPv6Address

HEALTH_TIMEOUT_SECONDS = 2.0
REQUEST_TIMEOUT_SECONDS = 30.0


class DaemonUnavailable(OxitrackError):
    """No daemon answers at the configured address."""


def daemon_url(settings: Settings) -> str:
    """Where the daemon these settings describe listens; a wildcard address means loopback."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{settings.port}"


class DaemonClient:
    def __init__(self, settings: Settings, url: str | None = None) -> None:
        self.url = url or daemon_url(settings)
        self.api_key = settings.api_key
        #: Why the daemon refused ``/health`` (a missing API key): it runs, but will not talk.
        self.refusal: str | None = None

    def health(self) -> dict[str, Any] | None:
        """The daemon's ``/health`` answer, or ``None`` when nothing (or not OxiTrack) answers."""
        self.refusal = None
        try:
            answer = self.request("GET", "/health", timeout=HEALTH_TIMEOUT_SECONDS)
        except DaemonUnavailable:
            return None
        except ClientError as error:
            if error.status in (401, 403):
                self.refusal = refusal_words(error)
            return None
        return answer if _is_health(answer) else None

    def serves(self, db_path: str | os.PathLike[str]) -> dict[str, Any] | None:
        """``/health`` if the daemon answers and uses the database file ``db_path``."""
        health = self.health()
        if health is None or not _same_file(str(health.get("db_path")), db_path):
            return None
        return health

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        user_agent: str | None = None,
    ) -> Any:
        """The decoded JSON answer; ``ClientError`` for an error answer, ``DaemonUnavailable``
        when nothing answers. ``user_agent`` is sent as the User-Agent (none is, without it)."""
        import http.client
        import json

        headers = {"Accept": "application/json"}
        if user_agent is not None:
            headers["User-Agent"] = user_agent
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        connection = _connection(self.url, timeout)
        try:
            connection.connect()
            if self.api_key:
                assert connection.sock is not None
                self._check_connection_is_ours(connection.sock)
                headers["Authorization"] = f"Bearer {self.api_key}"
            connection.request(method, path, data, headers)
            with connection.getresponse() as response:
                status, raw = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            raise DaemonUnavailable(f"no OxiTrack daemon answers at {self.url} ({error})") from None
        finally:
            connection.close()
        if status >= 300:  # the daemon redirects nowhere: a redirect is some other program's
            raise _client_error(status, raw)
        try:
            return json.loads(raw)
        except ValueError as error:
            raise DaemonUnavailable(f"no OxiTrack daemon answers at {self.url} ({error})") from None

    def _check_connection_is_ours(self, sock: socket.socket) -> None:
        """Refuse to hand the API key to a program of another account on the daemon's port.

        While the daemon is down, any account can listen on its port, and the first request
        carries the key that keeps that account out. Linux says who owns each end of a
        connection (``/proc/net/tcp``): what is checked is the very connection the request
        then goes on, so no program can take the port between the check and the request;
        elsewhere nothing is checked. A socket of root's is no stranger's: root can read the
        key anyway, and it is root's program that takes a daemon's connections in a
        container (Docker's port forwarding).
        """
        owner = _connection_owner(sock)
        if owner is not None and owner not in (os.getuid(), ROOT_UID):
            raise DaemonUnavailable(
                f"the program listening at {self.url} belongs to another account (uid"
                f" {owner}), not to you: the API key is not sent to it"
            )


def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    """A connection to the daemon at ``url``, not yet made. Never through a proxy (http.client
    reads no ``http_proxy``): the key must go to the daemon named, not elsewhere. ``https://``
    for a daemon on another machine behind a TLS proxy, its certificate checked as browsers do."""
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout)
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)


ROOT_UID = 0


def listener_uids(port: int) -> set[int] | None:
    """The accounts whose sockets listen on TCP ``port`` here, from Linux's ``/proc/net``;
    ``None`` where that cannot be read (another system)."""
    sockets = _sockets()
    if sockets is None:
        return None
    return {uid for local, _, state, uid in sockets if state == _LISTENING and local[1] == port}


def _connection_owner(sock: socket.socket) -> int | None:
    """The account owning the far end of the connection ``sock`` (the socket a listener
    accepted it on, which is its listener's owner's) from Linux's ``/proc/net``; ``None`` where
    that cannot be read, or when the far end is not on this machine's network stack (a
    container's, reached through address translation)."""
    ours, theirs = (
        _endpoint(name[0].partition("%")[0], name[1])
        for name in (sock.getsockname(), sock.getpeername())
    )
    found = (uid for local, remote, _, uid in _sockets() or [] if (local, remote) == (theirs, ours))
    return next(found, None)


_LISTENING = "0A"  # a socket's state in /proc/net/tcp: TCP_LISTEN


def _sockets() -> list[tuple[Endpoint, Endpoint, str, int]] | None:
    """Each TCP socket of this machine's network stack as (its end, the other end, its state,
    its owner's uid), from Linux's ``/proc/net``; ``None`` where that cannot be read."""
    sockets: list[tuple[Endpoint, Endpoint, str, int]] = []
    found = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as lines:
                next(lines, None)  # the header
                for line in lines:
                    fields = line.split()
                    local, remote = (_table_endpoint(field) for field in fields[1:3])
                    sockets.append((local, remote, fields[3], int(fields[7])))
            found = True
        except (OSError, ValueError, IndexError):
            continue
    return sockets if found else None


Endpoint = tuple["IPAddress", int]


def _table_endpoint(text: str) -> Endpoint:
    """``0100007F:0BB8`` as ``/proc/net/tcp`` writes an end of a socket, as ``_endpoint``."""
    address, _, port = text.rpartition(":")
    return _endpoint(_address_bytes(address), int(port, 16))


def _endpoint(address: str | bytes, port: int) -> Endpoint:
    """An end of a connection as (address, port); an IPv4 address mapped into IPv6 as IPv4, as
    a dual-stack listener's end of a connection to 127.0.0.1 is written in ``tcp6``."""
    import ipaddress

    found = ipaddress.ip_address(address)
    return (getattr(found, "ipv4_mapped", None) or found, port)


def _address_bytes(hex_words: str) -> bytes:
    """An address as ``/proc/net/tcp`` writes it: 32-bit words in hex, each in the machine's
    byte order (``0100007F`` is 127.0.0.1 on x86)."""
    import struct

    words = (int(hex_words[i : i + 8], 16) for i in range(0, len(hex_words), 8))
    return b"".join(struct.pack("=I", word) for word in words)


def refusal_words(error: ClientError) -> str:
    """Why a daemon that answers will not talk (401, 403), as the end of a sentence."""
    text = f"it refuses the request: {error.message}"
    if error.status == 401:
        text += " (the CLI sends `api_key` from the config file or OXITRACK_API_KEY)"
    return text


# What an OxiTrack daemon's ``/health`` holds, by type: what another program on the port sends
# otherwise (a list for a path) is no OxiTrack answer, and failed `service status` with a
# traceback where it was read.
_HEALTH_TYPES: dict[str, type | tuple[type, ...]] = {
    "version": str,
    "db_path": str,
    "pid": int,
    "uptime_seconds": (int, float),
}


def _is_health(answer: object) -> bool:
    return (
        isinstance(answer, dict)
        and answer.get("status") == "ok"
        and all(
            isinstance(answer.get(name), kind) and not isinstance(answer.get(name), bool)
            for name, kind in _HEALTH_TYPES.items()
        )
    )


def _client_error(status: int, raw: bytes) -> ClientError:
    import json

    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    # Shown on the terminal as they came, from whichever program answers on the port (another
    # account's while the daemon is down): control characters as escapes, as for folders.
    return ClientError(
        status,
        printable(str(body.get("error", "http_error"))),
        printable(str(body.get("message", f"the daemon answered HTTP {status}"))),
        body.get("field") if isinstance(body.get("field"), str) else None,
    )


def _same_file(served: str, ours: str | os.PathLike[str]) -> bool:
    """Whether the daemon's database (as ``/health`` names it: bytes that are not UTF-8 read
    as U+FFFD) is the file ``ours``."""
    ours_path = os.path.realpath(os.path.expanduser(os.fspath(ours)))
    return utf8_reading(os.path.realpath(served)) == utf8_reading(ours_path)


def other_database_hint(settings: Settings, db_path: str) -> str | None:
    """Where the daemon answering at the configured address records, and how to read that,
    when it is not the database file ``db_path``: a command reading ``db_path`` then reads what
    that daemon does not write (an ``XDG_DATA_HOME`` or ``OXITRACK_DB`` that differs from the
    daemon's, a service installed with ``--db``). ``None`` when no daemon answers, or it uses
    ``db_path``."""
    if _nothing_listens(settings):
        return None  # nothing to ask: spares the daemon-less report loading urllib
    health = DaemonClient(settings).health()
    if health is None:
        return None
    served = health.get("db_path")
    if not isinstance(served, str) or _same_file(served, db_path):
        return None
    served = printable(served)  # said on the terminal, as the answering program wrote it
    return (
        f"the daemon at {daemon_url(settings)} records into {served}: give --db {served}, or"
        " set OXITRACK_DB, XDG_DATA_HOME or `db` in the config file as the daemon has them"
    )


def _nothing_listens(settings: Settings) -> bool:
    """Whether, as far as this system tells, no program listens where a daemon of these
    settings on this machine would."""
    if settings.host not in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::", ""):
        return False
    return listener_uids(settings.port) == set()
