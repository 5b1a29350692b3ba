"""Which zone the machine is in, and what zones are called."""

from __future__ import annotations

import functools
import importlib.resources
import sys
import zoneinfo
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

import oxitrack.zones
from oxitrack.errors import InvalidField
from oxitrack.zones import (
    ignored_tz_note,
    ignored_tz_variable,
    system_zone,
    zone_name_from,
    zone_named,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "name", ["Mars/Base", "", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/"]
)
def test_unknown_time_zone_is_invalid_field_tz(name):
    with pytest.raises(InvalidField) as raised:
        zone_named(name)
    assert raised.value.field == "tz"


@pytest.mark.parametrize(
    "name", ["posix/Europe/Berlin", "right/UTC", "localtime", "posixrules", "Factory"]
)
def test_files_of_the_zone_database_that_are_no_zone_names_are_refused(name: str):
    """Python opens them, but the dashboard's browser refuses them and froze on "loading"."""
    with pytest.raises(InvalidField) as raised:
        zone_named(name)
    assert raised.value.field == "tz" and "not a zone name" in raised.value.message
    # $TZ naming one is read as the zone it copies (``posix/Europe/Berlin``: Europe/Berlin),
    # never under the file's own name.
    assert zone_name_from(f":{name}", None) in (None, name.split("/", 1)[-1])


@pytest.mark.parametrize("typed", ["factory", "LOCALTIME", "Localtime", "FACTORY"])
def test_files_of_the_zone_database_that_are_no_zone_names_are_refused_in_any_case(typed: str):
    """A zone typed in another case is looked up among the zone names: these files are none."""
    with pytest.raises(InvalidField) as raised:
        zone_named(typed)
    assert raised.value.field == "tz"


def test_known_time_zone_keeps_its_name():
    assert zone_named(" Asia/Tokyo ").key == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("utc", "UTC"), ("europe/berlin", "Europe/Berlin"), ("AMERICA/NEW_YORK", "America/New_York")],
)
def test_a_zone_name_in_another_case_is_the_zone_of_that_name(typed: str, zone: str):
    """Zone files are named in one case: ``--tz utc`` was refused where ``UTC`` worked."""
    assert zone_named(typed).key == zone


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("Europe/Berln", " (did you mean Europe/Berlin?)"),
        ("Berlin", " (did you mean Europe/Berlin?)"),
        ("Mars/Olympus", ""),
        ("POSIX/Europe/Berlin", " (did you mean Europe/Berlin?)"),  # never posix/, a file
    ],
)
def test_a_misspelt_zone_name_is_refused_with_the_nearest_name(typed: str, hint: str):
    with pytest.raises(InvalidField) as raised:
        zone_named(typed)
    assert raised.value.message == (
        f"tz: {typed!r} is not a known IANA time zone name like Europe/Berlin{hint}"
    )


@pytest.mark.parametrize(
    ("tz_variable", "link", "expected"),
    [
        ("Europe/Berlin", "/usr/share/zoneinfo/UTC", "Europe/Berlin"),
        (":America/New_York", None, "America/New_York"),
        ("CET-1CEST", "/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),
        (None, "/var/db/timezone/zoneinfo/Europe/Paris", "Europe/Paris"),
        (None, "/etc/some-file", None),
        ("/usr/share/zoneinfo/Europe/Rome", None, "Europe/Rome"),
        ("Not/AZone", "/usr/share/zoneinfo/Not/AZone", None),
        (None, None, None),
        (" Asia/Tokyo ", None, "Asia/Tokyo"),
        (None, "/srv/zoneinfo/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),
        ("/srv/zoneinfo/usr/share/zoneinfo/Europe/Rome", None, "Europe/Rome"),
        ("posix/Europe/Berlin", "/usr/share/zoneinfo/UTC", "Europe/Berlin"),
        (":right/Asia/Tokyo", None, "Asia/Tokyo"),
        ("/usr/share/zoneinfo/posix/Europe/Rome", None, "Europe/Rome"),
        (None, "/usr/share/zoneinfo/right/Europe/Paris", "Europe/Paris"),
        ("posix/Nowhere", None, None),
        ("right/posixrules", None, None),
    ],
    ids=[
        "tz-variable-wins",
        "tz-with-colon",
        "posix-tz-string-falls-back-to-link",
        "macos-link",
        "unnamed-link",
        "tz-as-a-file-path",
        "unknown-names-everywhere",
        "nothing-known",
        "spaces-around-the-name",
        "link-into-a-tree-under-a-folder-named-zoneinfo",
        "tz-path-into-a-tree-under-a-folder-named-zoneinfo",
        "posix-copy-of-a-zone-is-that-zone",
        "right-copy-of-a-zone-is-that-zone",
        "tz-path-into-the-posix-copies",
        "link-into-the-right-copies",
        "posix-folder-and-no-zone",
        "right-folder-and-a-file-that-is-no-zone",
    ],
)
def test_system_zone_name(tz_variable, link, expected):
    assert zone_name_from(tz_variable, link) == expected


@pytest.mark.parametrize(
    ("tz_variable", "is_ignored"),
    [
        (None, False),
        ("", False),
        ("  ", False),
        (":/etc/localtime", False),
        ("Europe/Berlin", False),
        (":Europe/Berlin", False),
        ("<+03>-3", True),
        ("CET-1CEST,M3.5.0,M10.5.0/3", True),
        ("Nowhere/Bogus", True),
        ("posix/Europe/Berlin", False),
        ("right/Europe/Berlin", False),
        ("posix/Nowhere", True),
    ],
)
def test_a_tz_variable_system_zone_cannot_follow_is_known(tz_variable, is_ignored):
    assert ignored_tz_variable(tz_variable) is is_ignored


def test_the_note_on_an_ignored_tz_names_the_zone_used_and_shows_controls_escaped():
    note = ignored_tz_note("<+03>-3\x1b[2J", BERLIN)
    assert note == (
        "TZ='<+03>-3\\x1b[2J' is a POSIX rule, which is not followed; days are in Europe/Berlin"
    )
    assert ignored_tz_note("Europe/Berln", BERLIN) == (
        "TZ='Europe/Berln' names no time zone known here; days are in Europe/Berlin"
    )
    assert ignored_tz_note("Europe/Paris", BERLIN) is None
    assert ignored_tz_note(None, BERLIN) is None


def _no_tz_nor_localtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """No $TZ, no /etc/localtime (Windows): only the system's other settings name the zone."""

    def no_link(path: str) -> str:
        raise OSError(path)

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(oxitrack.zones.os, "readlink", no_link)
    monkeypatch.setattr(oxitrack.zones, "LOCALTIME", "/nonexistent/localtime")  # nor a copy


def _other_settings_say(monkeypatch: pytest.MonkeyPatch, answer: str | Exception | None) -> None:
    """No $TZ, no /etc/localtime; the system's other settings (the registry, /etc/timezone:
    tzlocal's to read, not this machine's) give ``answer``, through either of tzlocal's readers
    (its cached public one and the one behind it)."""
    import tzlocal

    def other_settings() -> str | None:
        if isinstance(answer, Exception):
            raise answer
        return answer

    _no_tz_nor_localtime(monkeypatch)
    monkeypatch.setattr(_tzlocal_platform(), "_get_localzone_name", other_settings)
    monkeypatch.setattr(tzlocal, "get_localzone_name", other_settings)


def _tzlocal_platform() -> ModuleType:
    """tzlocal's module for this system (``tzlocal.unix``, ``tzlocal.win32``)."""
    import tzlocal

    return sys.modules[tzlocal.get_localzone_name.__module__]


def test_system_zone_falls_back_to_utc_when_nothing_names_it(monkeypatch: pytest.MonkeyPatch):
    _other_settings_say(monkeypatch, None)
    assert system_zone().key == "UTC"
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    assert system_zone().key == "Pacific/Auckland"


@pytest.mark.parametrize(
    ("answer", "zone"),
    [
        ("America/Denver", "America/Denver"),
        ("Not/AZone", "UTC"),
        (ZoneInfoNotFoundError("Multiple conflicting time zone configurations found"), "UTC"),
        (PermissionError("/etc/timezone"), "UTC"),
    ],
    ids=["named", "not-a-zone", "conflicting-settings", "unreadable"],
)
def test_where_tz_and_the_link_say_nothing_the_systems_other_settings_are_read(
    monkeypatch: pytest.MonkeyPatch, answer: str | Exception, zone: str
):
    """On Windows every report was in UTC: only $TZ and the /etc/localtime link were read."""
    _other_settings_say(monkeypatch, answer)
    assert system_zone().key == zone


def test_a_running_process_follows_the_systems_other_settings_as_they_change(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """tzlocal keeps its first answer for the life of the process: a daemon on Windows (or with
    only /etc/timezone naming the zone) reported every day in the zone it started in, weeks
    after the machine moved to another. tzlocal's own reader, on files under ``tmp_path``."""
    platform = _tzlocal_platform()
    read_under = functools.partial(platform._get_localzone_name, _root=str(tmp_path))
    _no_tz_nor_localtime(monkeypatch)
    monkeypatch.setattr(platform, "_get_localzone_name", read_under)
    monkeypatch.setattr(platform, "_cache_tz_name", None)  # as at the daemon's start
    settings = tmp_path / "etc" / "timezone"
    settings.parent.mkdir()
    for zone in ["Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns"]:
        settings.write_text(f"{zone}\n")
        assert system_zone().key == zone


@pytest.mark.parametrize(
    ("other_settings", "copied", "zone"),
    [
        ("Etc/UTC", "Europe/Berlin", "Europe/Berlin"),
        ("Arctic/Longyearbyen", "Europe/Berlin", "Arctic/Longyearbyen"),
        ("Europe/Berlin", "Etc/UTC", "Etc/UTC"),
        ("Europe/Berlin", "Asia/Tokyo", "Europe/Berlin"),
    ],
    ids=[
        "stale-name-the-copy-wins",
        "an-alias-of-the-copy-is-kept",
        "back-to-utc",
        "a-copy-the-database-lacks-leaves-the-name",
    ],
)
def test_a_copied_localtime_wins_over_a_stale_name_in_the_other_settings(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    zone_folder: Path,
    other_settings: str,
    copied: str,
    zone: str,
):
    """`cp .../zoneinfo/Asia/Kathmandu /etc/localtime` moves `date` and the clock on screen,
    while /etc/timezone still names the old zone: reports stayed in the zone left behind."""
    _other_settings_say(monkeypatch, other_settings)
    localtime = tmp_path / "localtime"
    localtime.write_bytes(_zone_file(copied))
    monkeypatch.setattr(oxitrack.zones, "LOCALTIME", str(localtime))
    assert system_zone().key == zone


def _zone_file(name: str) -> bytes:
    return importlib.resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()


@pytest.fixture
def zone_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A zone database holding Berlin under its own name and an alias, UTC, and two zones
    whose files have the same size."""
    root = tmp_path / "zoneinfo"
    for name, source in [
        ("Europe/Berlin", "Europe/Berlin"),
        ("Arctic/Longyearbyen", "Europe/Berlin"),  # an alias: the same bytes
        ("Etc/UTC", "Etc/UTC"),
        ("Etc/GMT+5", "Etc/GMT+5"),  # two zones of the same size, told apart by their bytes
        ("Etc/GMT+8", "Etc/GMT+8"),
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(_zone_file(source))
    (root / "tzdata.zi").write_text("# version 2025b\nZ Europe/Berlin 0:53:28 - LMT 1893 Ap\n")
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(root),))
    return root


@pytest.mark.parametrize(
    ("copied", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("Etc/UTC", "Etc/UTC"),
        ("Etc/GMT+8", "Etc/GMT+8"),
        ("Asia/Tokyo", "UTC"),
    ],
    ids=["a-zone-with-an-alias", "utc", "a-zone-the-size-of-another", "a-zone-the-database-lacks"],
)
def test_a_copied_localtime_is_named_by_the_zone_file_it_copies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zone_folder: Path, copied: str, zone: str
):
    """`cp .../zoneinfo/Europe/Berlin /etc/localtime` with nothing else naming the zone (a common
    container image line): every day was UTC's. The zone's own name wins over its aliases. The
    database's own ``localtime``, a link to the copy as Debian has it, holds the same bytes but
    names no zone."""
    _other_settings_say(monkeypatch, None)
    localtime = tmp_path / "localtime"
    localtime.write_bytes(_zone_file(copied))
    (zone_folder / "localtime").symlink_to(localtime)
    monkeypatch.setattr(oxitrack.zones, "LOCALTIME", str(localtime))
    assert system_zone().key == zone


def test_a_copied_localtime_is_named_where_the_database_has_no_list_of_its_zones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zone_folder: Path
):
    """Without ``tzdata.zi`` no name is known as a zone's own rather than an alias's: the copy
    is named all the same."""
    (zone_folder / "tzdata.zi").unlink()
    _other_settings_say(monkeypatch, None)
    localtime = tmp_path / "localtime"
    localtime.write_bytes(_zone_file("Etc/UTC"))
    monkeypatch.setattr(oxitrack.zones, "LOCALTIME", str(localtime))
    assert system_zone().key == "Etc/UTC"


def test_a_localtime_that_is_no_zone_file_leaves_utc(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zone_folder: Path
):
    _other_settings_say(monkeypatch, None)
    localtime = tmp_path / "localtime"
    localtime.write_bytes(b"not a zone file")
    monkeypatch.setattr(oxitrack.zones, "LOCALTIME", str(localtime))
    assert system_zone().key == "UTC"
    monkeypatch.setattr(oxitrack.zones, "LOCALTIME", str(tmp_path / "missing"))
    assert system_zone().key == "UTC"
