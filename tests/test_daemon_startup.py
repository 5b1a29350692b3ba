"""What ``oxitrack serve`` says when it starts: the one ready line on stdout (editors and tests
read it), and notes on stderr off loopback: that it speaks plain HTTP, and when other machines
would be refused anyway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest

from oxitrack.config import Settings
from oxitrack.daemon import allow_hosts_hint

HINT_START = "oxitrack: note: listening on "
KEY = "uVdeNYzeYK0vv_o4XhgzKwH5ii4eUVMz"


def _serve(tmp_path: Path, *args: str) -> tuple[str, str, str]:
    """Start a real daemon with ``KEY`` (from the environment, as the docs advise), ask it one
    question from loopback with a LAN-style Host header, stop it; its first stdout line, the
    status of that request and all it wrote to stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env["OXITRACK_API_KEY"] = KEY
    empty_config = tmp_path / "config.toml"
    empty_config.write_text("")
    env["OXITRACK_CONFIG"] = str(empty_config)
    command = [sys.executable, "-m", "oxitrack", "serve", "--port", "0"]
    command += ["--db", str(tmp_path / "x.db"), *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        port = ready.rsplit(":", 1)[1].split()[0]
        answer = httpx.get(
            f"http://127.0.0.1:{port}/health",
            headers={"Host": f"192.0.2.7:{port}", "Authorization": f"Bearer {KEY}"},
        )
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    return ready, str(answer.status_code), err


@pytest.mark.e2e
def test_public_address_without_allow_hosts_says_the_network_is_still_refused(tmp_path: Path):
    ready, status, err = _serve(tmp_path, "--host", "0.0.0.0")
    assert ready.startswith("oxitrack listening on http://0.0.0.0:")  # unchanged
    assert status == "403"  # what a machine on the network gets: what the note warns about
    plain_http, note, refused = err.splitlines()
    assert plain_http.startswith(HINT_START + "0.0.0.0 in plain HTTP")
    assert note.startswith(HINT_START + "0.0.0.0") and "--allow-hosts" in note
    assert "403 forbidden_host" in refused and "Host '192.0.2.7:" in refused  # the daemon's log


@pytest.mark.e2e
def test_public_address_with_allow_hosts_accepts_that_name_noting_only_plain_http(tmp_path: Path):
    args = ("--host", "0.0.0.0", "--allow-hosts", "192.0.2.7")
    ready, status, err = _serve(tmp_path, *args)
    assert ready.startswith("oxitrack listening on http://0.0.0.0:")
    assert status == "200"
    [note] = err.splitlines()
    assert note.startswith(HINT_START + "0.0.0.0 in plain HTTP")


@pytest.mark.parametrize(
    ("settings", "example"),
    [
        (Settings(db="x", host="127.0.0.1"), None),
        (Settings(db="x", host="localhost"), None),
        (Settings(db="x", host="0.0.0.0", api_key="k", allow_hosts=("box.lan",)), None),
        (Settings(db="x", host="0.0.0.0", api_key="k"), "NAME_OR_ADDRESS"),
        (Settings(db="x", host="::", api_key="k"), "NAME_OR_ADDRESS"),
        (Settings(db="x", host="192.0.2.7", api_key="k"), "192.0.2.7"),
    ],
    ids=["loopback", "localhost", "allowed", "any-ipv4", "any-ipv6", "one-address"],
)
def test_hint_only_when_other_machines_would_be_refused(settings: Settings, example):
    hint = allow_hosts_hint(settings)
    if example is None:
        assert hint is None
    else:
        assert hint is not None and hint.endswith(f"--allow-hosts {example}")


def test_hint_says_the_api_key_not_the_host_check_keeps_other_machines_out():
    """A client sets ``Host`` itself: the note must not sell the Host check as a lock."""
    hint = allow_hosts_hint(Settings(db="x", host="0.0.0.0", api_key="k" * 24))
    assert hint is not None
    assert "the API key is what keeps other machines out" in hint
    assert "only stops DNS rebinding" in hint
    assert "requests from other machines get" not in hint
