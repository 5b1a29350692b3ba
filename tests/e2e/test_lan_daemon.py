"""One daemon for a desktop and a laptop: ``serve --host 0.0.0.0`` as docs/config.md sets it up,
the laptop's editors sending to it over the network.

The laptop is played from this machine: requests go to loopback with the ``Host`` header the
laptop's URL gives (``http://192.0.2.7:PORT`` sends ``Host: 192.0.2.7:PORT``), which is all the
daemon can tell of where a client is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, chromium
from tests.wakatime_recordings import GO_CLI_HEADERS, basic, go_cli_heartbeat
from tests.zones import midday_zone

pytestmark = pytest.mark.e2e

KEY = "3f9d6c2a-8b1e-4c7d-9a2f-5e6b7c8d9e0f"  # a UUID, as WakaTime clients want
BULK = "/api/v1/users/current/heartbeats.bulk"


def _config(tmp_path: Path, *lines: str) -> Path:
    """The desktop's config file, readable by its owner alone, as the docs say."""
    path = tmp_path / "config.toml"
    path.write_text("\n".join(['host = "0.0.0.0"', f'api_key = "{KEY}"', *lines]) + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[DaemonProcess]:
    """The desktop's daemon, told to accept the laptop's address as the refusal quoted it (with
    the port) and an IPv6 address as a browser writes it (in brackets)."""
    config = _config(tmp_path, 'allow_hosts = ["192.0.2.7:3000", "[fd00::7]"]')
    zone = midday_zone(time.time())
    env = {"OXITRACK_CONFIG": str(config), "TZ": zone}
    process = DaemonProcess(tmp_path / "desktop.db", "--verbose", env=env).start()
    try:
        yield process
    finally:
        process.kill()


def _heartbeat(daemon: DaemonProcess, machine: str, host: str, at: float) -> httpx.Response:
    headers = {**GO_CLI_HEADERS, "Authorization": basic(KEY), "X-Machine-Name": machine}
    headers["Host"] = host
    body = [go_cli_heartbeat("/home/you/code/api", at)]
    return httpx.post(f"http://127.0.0.1:{daemon.port}{BULK}", json=body, headers=headers)


def test_the_laptop_allowed_by_the_host_its_refusal_quoted_is_recorded_as_itself(
    desktop: DaemonProcess,
):
    """`allow_hosts = ["192.0.2.7:3000"]`, copied from `Host '192.0.2.7:3000' is not ...`, never
    matched (the guard compares names without their port): the laptop stayed refused."""
    now = time.time()
    laptop_host = f"192.0.2.7:{desktop.port}"
    for minutes in (50, 48, 46):
        assert _heartbeat(desktop, "laptop", laptop_host, now - minutes * 60).status_code == 201
        at = now - (minutes - 20) * 60
        assert _heartbeat(desktop, "desktop", f"127.0.0.1:{desktop.port}", at).status_code == 201
    assert _heartbeat(desktop, "laptop", f"[fd00::7]:{desktop.port}", now - 44 * 60).is_success

    zone = midday_zone(now)
    by_machine = desktop.report("--by", "machine", "--days", "1", "--tz", zone).splitlines()
    assert [row.split()[-1] for row in by_machine[1:]] == ["laptop", "desktop", "total"]
    # The laptop reads its time as its WakaTime status bar and the extension do.
    status_bar = httpx.get(
        f"http://127.0.0.1:{desktop.port}/api/v1/users/current/status_bar/today",
        headers={"Host": laptop_host, "Authorization": basic(KEY)},
    )
    assert (
        status_bar.status_code == 200 and status_bar.json()["data"]["grand_total"]["total_seconds"]
    )
    today = httpx.get(
        f"http://127.0.0.1:{desktop.port}/today",
        headers={"Host": laptop_host, "Authorization": f"Bearer {KEY}"},
    )
    assert today.status_code == 200 and "/home/you/code/api" in today.text


def test_the_laptop_with_a_wrong_key_or_from_a_foreign_page_learns_nothing(
    desktop: DaemonProcess,
):
    laptop = {"Host": f"192.0.2.7:{desktop.port}"}
    url = f"http://127.0.0.1:{desktop.port}/today"
    guessed = KEY[:-1] + "0"
    wrong = httpx.get(url, headers={**laptop, "Authorization": f"Bearer {guessed}"})
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": "unauthorized",
        "message": "send the API key as `Authorization: Bearer KEY`",
    }
    foreign = {**laptop, "Authorization": f"Bearer {KEY}", "Origin": "http://evil.example"}
    refused = httpx.get(url, headers=foreign)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden_origin"
    assert _heartbeat(desktop, "laptop", laptop["Host"], time.time() - 60).status_code == 201
    deadline = time.monotonic() + 10  # the 401's warning line, and the beat's in --verbose
    while not any("(401)" in line for line in desktop.stderr_lines):
        assert time.monotonic() < deadline, desktop.stderr_lines
        time.sleep(0.05)
    logged = "".join(desktop.stderr_lines)
    assert KEY not in logged and guessed not in logged and KEY not in refused.text


def test_a_refused_host_is_told_what_to_add_where_and_the_desktop_sees_it(
    desktop: DaemonProcess,
):
    """The laptop used another name (`desktop.local`, mDNS) than allow_hosts has: its refusal
    said `see --allow-hosts` (to a user of the config file) and the desktop's log nothing."""
    answer = httpx.get(
        f"http://127.0.0.1:{desktop.port}/health",
        headers={"Host": f"desktop.local:{desktop.port}", "Authorization": f"Bearer {KEY}"},
    )
    assert answer.status_code == 403
    message = answer.json()["message"]
    assert "add desktop.local to allow_hosts in its config file" in message
    assert KEY not in message
    deadline = time.monotonic() + 10
    while not any("desktop.local" in line for line in desktop.stderr_lines):
        assert time.monotonic() < deadline, desktop.stderr_lines
        time.sleep(0.05)
    [line] = [line for line in desktop.stderr_lines if "desktop.local" in line]
    assert "403 forbidden_host" in line and f"Host 'desktop.local:{desktop.port}'" in line
    assert KEY not in "".join(desktop.stderr_lines)


def test_a_url_in_allow_hosts_is_refused_at_start_with_the_name_to_write(tmp_path: Path):
    """`allow_hosts = ["http://desktop.lan:3000/"]` started, and refused that name for good."""
    config = _config(tmp_path, 'allow_hosts = ["http://desktop.lan:3000/"]')
    command = [sys.executable, "-m", "oxitrack", "serve", "--port", "0"]
    command += ["--db", str(tmp_path / "x.db")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXITRACK_")}
    env["OXITRACK_CONFIG"] = str(config)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("serve started with a URL in allow_hosts")
    assert process.returncode == 2
    [line] = err.splitlines()
    assert "allow_hosts" in line and "is a URL" in line and "(desktop.lan)" in line
    assert not (tmp_path / "x.db").exists()


def test_off_loopback_the_daemon_says_at_start_that_the_key_crosses_the_network_in_clear(
    desktop: DaemonProcess, tmp_path: Path
):
    """Nothing said that the key, sent with every request, is readable on the network."""
    deadline = time.monotonic() + 10
    while not any("plain HTTP" in line for line in desktop.stderr_lines):
        assert time.monotonic() < deadline, desktop.stderr_lines
        time.sleep(0.05)
    [note] = [line for line in desktop.stderr_lines if "plain HTTP" in line]
    assert note.startswith("oxitrack: note: listening on 0.0.0.0 in plain HTTP")
    assert "API key" in note and "network you trust" in note
    assert f"ssh -L {desktop.port}:127.0.0.1:{desktop.port}" in note
    assert KEY not in note

    loopback = DaemonProcess(tmp_path / "local.db", env={"OXITRACK_API_KEY": KEY}).start()
    assert loopback.stop() == 0
    assert not any("plain HTTP" in line for line in loopback.stderr_lines)


def test_the_laptops_browser_opens_the_dashboard_at_the_desktops_name_with_the_key(
    tmp_path: Path,
):
    """What config.md's "Seeing your time from the laptop" promises: the page at the desktop's
    name asks for the key, then shows both machines' time (its reads carry the page's own
    Origin, which must pass as the daemon's own under that name)."""
    config = _config(tmp_path, 'allow_hosts = ["desktop.lan"]')
    env = {"OXITRACK_CONFIG": str(config), "TZ": midday_zone(time.time())}
    desktop = DaemonProcess(tmp_path / "desktop.db", env=env).start()
    try:
        now = time.time()
        for machine, minutes in (("laptop", 50), ("laptop", 47), ("desktop", 30), ("desktop", 26)):
            host = f"desktop.lan:{desktop.port}"
            assert _heartbeat(desktop, machine, host, now - minutes * 60).status_code == 201
        with chromium("--host-resolver-rules=MAP desktop.lan 127.0.0.1") as browser:
            page = Page(browser)
            shown = page.page
            shown.goto(f"http://desktop.lan:{desktop.port}/")
            shown.wait_for_selector("#key-form:not([hidden])")
            shown.fill("#api-key", KEY)
            shown.keyboard.press("Enter")
            page.wait_loaded(1)
            page.pick_breakdown("machine")
            names = shown.eval_on_selector_all(
                "#breakdown-list tbody tr", "rows => rows.map((row) => row.dataset.name)"
            )
            assert sorted(names) == ["desktop", "laptop"]
            assert page.only_answered(401), page.problems  # only the reads before the key
    finally:
        desktop.kill()
