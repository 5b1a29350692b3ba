"""Which time zone this machine is in, and what a zone is called.

Reports need a zone's IANA *name*, not just its rules: the dashboard and every ``timezone`` field
give it back to programs that know zones only by name. ``system_zone`` is the one function that
looks at the machine (``TZ``, ``/etc/localtime``, tzlocal's other places), for the edges (CLI,
HTTP) to call; the rest reads names given to it. Stdlib only, besides tzlocal where the usual
places say nothing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import zoneinfo
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oxitrack.days import zone_name
from oxitrack.errors import InvalidField

# Files of the zone database that are no zone names: copies under other rules (``posix/``,
# ``right/`` with leap seconds) and the system's own links. Python opens them; browsers and
# other programs given the name back (the dashboard, ``timezone`` fields) refuse them.
_NOT_ZONE_NAMES = frozenset({"localtime", "posixrules", "Factory"})
_NOT_ZONE_FOLDERS = ("posix/", "right/")


def zone_named(name: str, *, field: str = "tz") -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``), or ``InvalidField`` naming ``field``."""
    wanted = name.strip()
    if wanted in _NOT_ZONE_NAMES or wanted.startswith(_NOT_ZONE_FOLDERS):
        raise InvalidField(field, f"{name!r} is a file of the zone database, not a zone name")
    try:
        return ZoneInfo(wanted)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    # Only now, on a name not found: listing the zones reads the database's folders.
    known = _zone_names()
    spelled = {zone.casefold(): zone for zone in known}.get(wanted.casefold())
    if spelled is not None:  # `utc`, `europe/berlin`: zone files are named in one case
        return ZoneInfo(spelled)
    import difflib  # for this message only: start-up counts for `oxitrack today`

    close = difflib.get_close_matches(wanted, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise InvalidField(
        field, f"{name!r} is not a known IANA time zone name like Europe/Berlin{hint}"
    )


def _zone_names() -> list[str]:
    """Every zone name the zone database here has (the system's, else the ``tzdata``
    package's), sorted."""
    return sorted(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONE_NAMES and not name.startswith(_NOT_ZONE_FOLDERS)
    )


def zone_name_from(tz_variable: str | None, localtime_target: str | None) -> str | None:
    """The IANA name of the system zone from ``$TZ`` or the ``/etc/localtime`` link target."""
    if tz_variable:
        # Stripped here, not only where it is checked: `TZ=" Asia/Tokyo"` passed the check
        # and then failed as the name returned, in every report and on every GET /today.
        candidate = tz_variable.strip().removeprefix(":").strip()
        if "zoneinfo/" in candidate:
            candidate = candidate.rsplit("zoneinfo/", 1)[1]
        candidate = _plain_zone_name(candidate)
        if _is_zone_name(candidate):
            return candidate
    if localtime_target and "zoneinfo/" in localtime_target:
        candidate = _plain_zone_name(localtime_target.rsplit("zoneinfo/", 1)[1])
        if _is_zone_name(candidate):
            return candidate
    return None


def _plain_zone_name(name: str) -> str:
    """The zone a file of the zone database's ``posix/`` or ``right/`` copies is for:
    ``posix/Europe/Berlin`` has Berlin's rules, and was taken for no zone (days in UTC) while
    ``date`` followed it. ``right/Europe/Berlin`` counts leap seconds too, which only a clock
    kept in TAI-10 s follows; on an ordinary clock it puts ``date`` some 27 s behind Berlin's
    time: days are Berlin's, from midnight, as every other program given the name back reads
    them."""
    for folder in _NOT_ZONE_FOLDERS:
        if name.startswith(folder):
            return name.removeprefix(folder)
    return name


LOCALTIME = "/etc/localtime"


def system_zone() -> ZoneInfo:
    """This machine's time zone, by IANA name, else UTC.

    ``$TZ`` or the ``/etc/localtime`` link names it on most systems, for the cost of a
    ``readlink``, and is read again on every call, so a running daemon follows a change. Where
    neither does (Windows, a copied ``/etc/localtime``), tzlocal knows the other places to look;
    where they say nothing either, a copied ``/etc/localtime`` is named by the zone file it copies.
    """
    try:
        target: str | None = os.readlink(LOCALTIME)
    except OSError:
        target = None
    name = zone_name_from(os.environ.get("TZ"), target)
    if name is None:
        elsewhere = _zone_name_elsewhere()
        # A copied /etc/localtime is what the C library (`date`, the clock on screen) follows;
        # /etc/timezone beside it is often left behind when the zone changes.
        copied = _zone_name_of_copy(LOCALTIME, preferred=elsewhere) if target is None else None
        name = copied or elsewhere
    return ZoneInfo(name or "UTC")


def ignored_tz_variable(tz_variable: str | None) -> bool:
    """Whether ``$TZ`` says something ``system_zone`` cannot follow: a POSIX rule
    (``<+03>-3``, ``CET-1CEST,M3.5.0,M10.5.0/3``) or a name no zone has (``Nowhere/Bogus``).
    Days then fall in the system's zone instead, which the user should be told. Unset, empty
    (no choice made) and ``:/etc/localtime`` (the system's zone by name) are followed."""
    if not tz_variable or not tz_variable.strip():
        return False
    if tz_variable.strip().removeprefix(":") == LOCALTIME:
        return False
    return zone_name_from(tz_variable, None) is None


def ignored_tz_note(tz_variable: str | None, zone: tzinfo) -> str | None:
    """What to tell a user whose ``$TZ`` is not followed (``ignored_tz_variable``), ``zone``
    being the one used instead; ``None`` when it is followed. One sentence, without advice:
    the CLI points at ``--tz``, a daemon at its own settings."""
    if not ignored_tz_variable(tz_variable):
        return None
    from oxitrack.fields import printable, utf8_reading

    text = tz_variable or ""
    shown = printable(utf8_reading(text))
    # A POSIX rule always has an offset (``EST5EDT``, ``<+03>-3``); a name without digits that
    # is no zone is a typo (``Europe/Berln``), not a rule.
    if any(character.isdigit() for character in text):
        what = "is a POSIX rule, which is not followed"
    else:
        what = "names no time zone known here"
    return f"TZ='{shown}' {what}; days are in {zone_name(zone)}"


def _zone_name_elsewhere() -> str | None:
    """The zone's name from the Windows registry, ``/etc/timezone`` or ``/etc/sysconfig/clock``
    (tzlocal, imported only here); ``None`` when they say nothing or disagree.

    Read afresh on every call: ``tzlocal.get_localzone_name`` keeps its first answer for the
    life of the process, so a daemon on Windows kept the zone it started in for weeks after a
    laptop's clock moved to the zone it travelled to. tzlocal's platform module has the reader
    behind that cache (unix and win32 alike); where a release lacks it, the cached one serves.
    """
    import tzlocal

    reader = getattr(
        sys.modules[tzlocal.get_localzone_name.__module__],
        "_get_localzone_name",
        tzlocal.get_localzone_name,
    )
    try:
        name = reader()
    except (LookupError, OSError, ValueError):  # conflicting or unreadable settings
        return None
    return name if name and _is_zone_name(name) else None


# A zone file is a few KiB; anything much larger at /etc/localtime is no copy of one.
_MAX_ZONE_FILE_BYTES = 64 * 1024


def _zone_name_of_copy(path: str, *, preferred: str | None = None) -> str | None:
    """The name of the zone whose file ``path`` is a copy of, if any: ``preferred`` when its
    file holds the same bytes (the name the system gives, an alias included).

    ``cp /usr/share/zoneinfo/Europe/Berlin /etc/localtime`` is a common way to set the zone (in
    container images, on older systems); with no ``$TZ`` and no ``/etc/timezone`` beside it,
    every day was UTC's, and with a stale ``/etc/timezone`` beside it every day was in the zone
    the machine had left, while ``date`` showed the new one. The name is what reports and the
    dashboard need, not just the rules.
    """
    try:
        with open(path, "rb") as file:
            content = file.read(_MAX_ZONE_FILE_BYTES + 1)
    except OSError:
        return None
    if not content.startswith(b"TZif") or len(content) > _MAX_ZONE_FILE_BYTES:
        return None
    roots = tuple(zoneinfo.TZPATH)
    if preferred is not None and any(
        _read(os.path.join(root, preferred)) == content for root in roots
    ):
        return preferred
    return _zone_name_with_content(content, roots)


@functools.lru_cache(maxsize=4)  # looked up once per content: ~600 files to compare
def _zone_name_with_content(content: bytes, roots: Sequence[str]) -> str | None:
    """The name of a zone file under ``roots`` holding exactly ``content``; a zone's own name
    (``Etc/UTC``) before its aliases (``Etc/UCT``, ``Zulu``), as ``tzdata.zi`` lists them."""
    for root in roots:
        matches = sorted(
            name
            for name in _zone_files_of_size(root, len(content))
            if _read(os.path.join(root, name)) == content and _is_zone_name(name)
        )
        if matches:
            canonical = _canonical_zone_names(root)
            return min(matches, key=lambda name: (name not in canonical, name))
    return None


def _zone_files_of_size(root: str, size: int) -> Iterator[str]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if f"{name}/" not in _NOT_ZONE_FOLDERS]
        for file in files:
            path = os.path.join(folder, file)
            with contextlib.suppress(OSError):
                if os.path.getsize(path) == size:
                    yield os.path.relpath(path, root)


def _canonical_zone_names(root: str) -> frozenset[str]:
    """The zones ``tzdata.zi`` defines (lines ``Z name ...``), as opposed to its links."""
    try:
        with open(os.path.join(root, "tzdata.zi"), encoding="utf-8") as file:
            return frozenset(line.split()[1] for line in file if line.startswith("Z "))
    except (OSError, UnicodeDecodeError, IndexError):
        return frozenset()


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def _is_zone_name(name: str) -> bool:
    try:
        zone_named(name)
    except InvalidField:
        return False
    return True
