"""Host names as the ``Host`` header and ``allow_hosts`` give them: the name, without its port.

One grammar for both sides, so that what the guard compares is what the setting holds. A client
sends the port it connects to (``Host: 192.0.2.10:3000``) and the guard's refusal quotes it so;
an ``allow_hosts`` entry copied from there, ``192.0.2.10:3000``, or written as a browser shows an
IPv6 address, ``[fd00::2]``, never matched, and the network's clients stayed refused without a
word. An entry is therefore read as a ``Host`` value is (the port dropped), and one that is no
host at all (a URL, a path) is refused when the daemon starts, naming what to write instead.
"""

from __future__ import annotations

import re

from oxitrack.errors import ConfigError

# RFC 3986 host [":" port], narrowed: an IP-literal holds only hex digits, ":" and "." (IPv6, or
# IPv4-mapped; no zone ids, no IPvFuture), and a name only unreserved and sub-delims characters,
# without percent-encoding, which no HTTP client sends. What passes holds no URL delimiter
# (/ ? # @), so the Host Starlette copies into request.url and redirects cannot point elsewhere.
# Ports have 1-5 digits, or none after the colon ("localhost:" is the same host, RFC 3986 6.2.3).
_HOST = re.compile(r"(?:\[([0-9a-f:.]+)\]|([a-z0-9._~!$&'()*+,;=-]*))(?::[0-9]{0,5})?")
# An IPv6 address written without brackets, as ``ip addr`` shows it: only in a setting, where
# no port can follow (a ``Host`` header always brackets one).
_BARE_IPV6 = re.compile(r"[0-9a-f.]*:[0-9a-f:.]*:[0-9a-f:.]*")


def host_name(host: str) -> str | None:
    """``Host`` without its port, ``None`` if invalid: ``[::1]:3000`` → ``::1``, ``a:b`` → None."""
    match = _HOST.fullmatch(host.strip().lower())
    if match is None:
        return None
    ip_literal, name = match.groups()
    return ip_literal if ip_literal is not None else name


def allowed_host_names(text: str) -> tuple[str, ...]:
    """``allow_hosts`` (comma-separated) as the names the guard compares ``Host`` with."""
    return tuple(_allowed_name(part.strip()) for part in text.split(",") if part.strip())


def _allowed_name(entry: str) -> str:
    lowered = entry.lower()
    if _BARE_IPV6.fullmatch(lowered):
        return lowered
    name = host_name(lowered)
    if name:
        return name
    if "://" in entry:
        rest = lowered.partition("://")[2]
        suggestion = host_name(re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2])
        if suggestion:
            raise ConfigError(
                f"{entry!r} is a URL; give the host name or address alone ({suggestion})"
            )
    raise ConfigError(
        f"{entry!r} is not a host name or address (such as desktop.lan or 192.0.2.10)"
    )
