"""Settings values at their edges: every weekday, booleans written in TOML, the length at which
a refused value is cut short in its message, keys no header may carry, unknown keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from oxitrack.config import resolve
from oxitrack.errors import ConfigError


@pytest.mark.parametrize(
    ("day", "number"),
    [
        ("monday", 0),
        ("tuesday", 1),
        ("wednesday", 2),
        ("thursday", 3),
        ("friday", 4),
        ("saturday", 5),
        ("sunday", 6),
    ],
)
def test_every_day_of_the_week_in_full_or_by_three_letters(
    empty_config: Path, day: str, number: int
):
    for text in (day, day[:3], day.upper()):
        environ = {"OXITRACK_WEEK_START": text}
        assert resolve({}, environ=environ, config_path=empty_config).week_start == number


def test_settings_resolve_without_any_flags_given(empty_config: Path):
    """``resolve()`` with no flags at all (``None``), as a caller without a command line has."""
    settings = resolve(environ={"OXITRACK_PORT": "3005"}, config_path=empty_config)
    assert settings.port == 3005


@pytest.mark.parametrize(("written", "verbose"), [("true", True), ("false", False)])
def test_a_toml_boolean_in_the_file_is_taken(tmp_path: Path, written: str, verbose: bool):
    config = tmp_path / "config.toml"
    config.write_text(f"verbose = {written}\n")
    assert resolve({}, environ={}, config_path=config).verbose is verbose


def test_a_toml_boolean_where_none_belongs_is_quoted_as_the_file_wrote_it(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text("port = true\n")
    with pytest.raises(ConfigError, match=r"config.toml: port: .*whole number, not 'true'$"):
        resolve({}, environ={}, config_path=config)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("x" * 20, "whole number, not '" + "x" * 20 + "'"),
        ("x" * 21, "whole number, not '" + "x" * 20 + "'..."),
        ("9" * 20, "between 0 and 65535, not " + "9" * 20),
        ("9" * 21, "between 0 and 65535, not " + "9" * 20 + "..."),
    ],
    ids=["20-letters-whole", "21-letters-cut", "20-digits-whole", "21-digits-cut"],
)
def test_a_refused_port_is_shown_whole_up_to_20_characters(
    empty_config: Path, text: str, shown: str
):
    with pytest.raises(ConfigError) as refused:
        resolve({}, environ={"OXITRACK_PORT": text}, config_path=empty_config)
    assert str(refused.value).endswith(shown)


@pytest.mark.parametrize("character", ["\x7f", "\x85", "\x9f"], ids=["delete", "nel", "apc"])
def test_a_key_with_a_control_character_between_ascii_and_latin1_is_refused(
    empty_config: Path, character: str
):
    """Not printable, so no header carries it: the C1 controls below U+00A0 as well."""
    environ = {"OXITRACK_API_KEY": f"key{character}key"}
    with pytest.raises(ConfigError, match=r"OXITRACK_API_KEY: has .*which an HTTP header"):
        resolve({}, environ=environ, config_path=empty_config)


def test_an_unknown_setting_in_the_file_is_named_with_the_known_ones(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text("colour = 1\n")
    with pytest.raises(ConfigError) as refused:
        resolve({}, environ={}, config_path=config)
    assert str(refused.value) == (
        f"unknown setting 'colour' in {config} (known: db, host, port, api_key, verbose,"
        " allow_hosts, allow_origins, week_start)"
    )
