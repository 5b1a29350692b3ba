"""``oxitrack serve`` before the daemon starts: what it says about how the key was given."""

from __future__ import annotations

from pathlib import Path

import pytest

from oxitrack import daemon
from oxitrack.cli import main
from oxitrack.commands.serve import API_KEY_FLAG_WARNING
from oxitrack.config import Settings

KEY = "uVdeNYzeYK0vv_o4XhgzKwH5ii4eUVMz"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """The settings ``serve`` would have run the daemon with; no daemon starts."""
    calls: list[Settings] = []
    monkeypatch.setattr(daemon, "serve", calls.append)
    return calls


def test_api_key_on_the_command_line_works_but_warns_it_shows_in_ps(
    served: list[Settings], tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["serve", "--db", str(tmp_path / "x.db"), "--api-key", KEY]) == 0
    assert [settings.api_key for settings in served] == [KEY]
    err = capsys.readouterr().err
    assert err == API_KEY_FLAG_WARNING + "\n"
    assert "ps" in err and "OXITRACK_API_KEY" in err and "config file" in err


def test_api_key_from_the_environment_starts_without_a_warning(
    served: list[Settings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    monkeypatch.setenv("OXITRACK_API_KEY", KEY)
    assert main(["serve", "--db", str(tmp_path / "x.db")]) == 0
    assert [settings.api_key for settings in served] == [KEY]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("key", "warned"), [("hunter2", True), ("x" * 19, True), ("x" * 20, False)]
)
def test_a_short_key_on_loopback_is_taken_with_a_warning(
    served: list[Settings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    key: str,
    warned: bool,
):
    """On loopback the key keeps the machine's other accounts out, who guess at thousands of
    keys a second: a short one still starts the daemon (it ran yesterday), with a warning."""
    monkeypatch.setenv("OXITRACK_API_KEY", key)
    assert main(["serve", "--db", str(tmp_path / "x.db")]) == 0
    assert [settings.api_key for settings in served] == [key]
    err = capsys.readouterr().err
    if warned:
        assert err.startswith(f"oxitrack: warning: the {len(key)}-character API key could be")
        assert "another account on this machine" in err and "secrets.token_urlsafe" in err
        assert key not in err
    else:
        assert err == ""
