"""``allow_hosts`` entries read as the guard reads ``Host``: the name, without its port."""

from __future__ import annotations

import pytest

from oxitrack.errors import ConfigError
from oxitrack.host_names import allowed_host_names, host_name


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("desktop.lan", ("desktop.lan",)),
        (" Desktop.LAN , 192.0.2.10 ", ("desktop.lan", "192.0.2.10")),
        ("192.0.2.10:3000", ("192.0.2.10",)),  # as the refusal quotes a Host
        ("[fd00::2]", ("fd00::2",)),
        ("[fd00::2]:3000", ("fd00::2",)),
        ("fd00::2", ("fd00::2",)),  # as `ip addr` shows it
        ("", ()),
    ],
)
def test_entries_are_the_names_a_host_header_gives(text: str, names: tuple[str, ...]):
    assert allowed_host_names(text) == names
    for name in names:
        assert host_name(f"{name}:3000" if ":" not in name else f"[{name}]:3000") == name


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("http://desktop.lan:3000/", "is a URL; give the host name or address alone (desktop.lan)"),
        ("https://user@[fd00::2]/x", "(fd00::2)"),
        ("desktop.lan/path", "is not a host name or address"),
        (":3000", "is not a host name or address"),
        ("desk top", "is not a host name or address"),
    ],
)
def test_what_is_no_host_is_refused_saying_what_to_write(text: str, said: str):
    with pytest.raises(ConfigError) as refused:
        allowed_host_names(text)
    assert said in str(refused.value)
