"""Operating systems: the word kept for one, and the name it is shown by.

A heartbeat's system is stored as the word a WakaTime heartbeat's User-Agent gives (``linux``,
``darwin``, ``macos``, ``windows``: ``check_system``), and shown as WakaTime's summaries name it
(``Linux``, ``Mac``, ``Windows``: ``system_name``): several words may be one system (wakatime-cli's
``darwin``, the old Python client's ``macos``), so every list of systems is by shown name.

Pure and stdlib only.
"""

from __future__ import annotations

import re

from oxitrack.fields import MAX_LABEL_CHARS

#: Operating systems as WakaTime names them, by the word a WakaTime heartbeat's User-Agent
#: gives (Go's ``GOOS``, or the first word of Python's ``platform.platform()``), which is the
#: word kept: ``wakatime.system_from_user_agent``.
SYSTEM_NAMES = {
    "linux": "Linux",
    "darwin": "Mac",
    "macos": "Mac",
    "windows": "Windows",
    "freebsd": "FreeBSD",
    "openbsd": "OpenBSD",
    "netbsd": "NetBSD",
    "dragonfly": "DragonFly BSD",
    "android": "Android",
    "ios": "iOS",
    "illumos": "illumos",
    "aix": "AIX",
}
# What else a ``POST /beat`` may call a system, by the word kept for it: WakaTime's names
# (``Mac``), the words of Node's ``process.platform`` (an editor's) and ``os.type()`` (a
# script's: ``Windows_NT``, ``Darwin``), of Python's ``sys.platform`` and
# ``sysconfig.get_platform()`` (``macosx-14.0-arm64``, ``win-amd64``) and of .NET's
# ``OSDescription`` (``Microsoft Windows 10.0.19045``) that are not Go's.
_SYSTEM_WORDS = {name.lower(): word for word, name in reversed(SYSTEM_NAMES.items())} | {
    "win32": "windows",
    "win": "windows",
    "windows_nt": "windows",
    "microsoft": "windows",
    "cygwin": "windows",
    "msys": "windows",
    "macosx": "darwin",
    "osx": "darwin",
    "sunos": "solaris",
}
_SYSTEM_WORD = re.compile(r"^[a-z][a-z0-9_.+]*$")
# A name is shown as itself: the summaries name the breakdown's rows, already named, again.
_SHOWN = SYSTEM_NAMES | {name.lower(): name for name in SYSTEM_NAMES.values()}


def check_system(value: str | None) -> str | None:
    """The word a WakaTime heartbeat's User-Agent gives for the system ``value`` names, so
    that an editor's time and wakatime-cli's on one system are one row: Node's ``win32`` and
    ``Windows_NT`` are ``windows``, WakaTime's ``Mac`` is ``darwin``, ``freebsd14`` is
    ``freebsd``; another word is kept in lower case, and of ``Linux-6.1-x86_64``
    (``platform.platform()``) its first word. Text that is no word of a
    system is not kept, and the beat is not refused for it (its time would be lost)."""
    if value is None:
        return None
    text = " ".join(value.lower().split())
    if text in _SYSTEM_WORDS:
        return _SYSTEM_WORDS[text]
    word = text.replace(" ", "-").split("-", 1)[0]
    # Python's ``sys.platform`` gives some with a version: ``freebsd14``, ``sunos5``.
    unversioned = word.rstrip("0123456789")
    if unversioned in _SYSTEM_WORDS or unversioned in SYSTEM_NAMES:
        word = unversioned
    word = _SYSTEM_WORDS.get(word, word)
    return word[:MAX_LABEL_CHARS] if _SYSTEM_WORD.match(word) else None


def system_name(word: str) -> str:
    """A system as WakaTime names it (``darwin`` and ``macos`` → ``Mac``); one it does not name
    keeps its word, capitalised (``haiku`` → ``Haiku``). A name given is given back."""
    return _SHOWN.get(word.lower()) or word[:1].upper() + word[1:]
