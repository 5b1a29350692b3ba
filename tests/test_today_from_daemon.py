"""``oxitrack today --daemon URL``: the laptop of a desktop-and-laptop pair, which has no database
file, asks the desktop's daemon. Through a real daemon process (with an API key, as one on the
network has) and the real command, compared with what ``oxitrack today`` reads from the file."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from oxitrack.commands.remote import daemon_address
from tests.daemon_process import DaemonProcess
from tests.zones import midday_zone

KEY = "8a2b4c6d-1e3f-4a5b-9c7d-0e1f2a3b4c5d"


@pytest.fixture
def keyed_daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    process = DaemonProcess(tmp_path / "desktop.db", env={"OXITRACK_API_KEY": KEY}).start()
    try:
        yield process
    finally:
        process.kill()


def beat(daemon: DaemonProcess, project_path: str, seconds_ago: int) -> None:
    body = {"project_path": project_path, "timestamp": int(time.time()) - seconds_ago}
    headers = {"Authorization": f"Bearer {KEY}"}
    answer = httpx2.post(f"{daemon.url}/beat", json=body, headers=headers)
    assert answer.status_code == 200, answer.text


def oxitrack(
    *args: str, key: str | None = KEY, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The laptop's command, the desktop's key in OXITRACK_API_KEY when ``key``; ``env`` on top;
    run in ``cwd`` when given."""
    environ = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environ.pop("OXITRACK_API_KEY", None)
    if key is not None:
        environ["OXITRACK_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "oxitrack", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        cwd=cwd,
    )


def test_the_laptop_sees_the_desktops_today_as_the_desktop_does(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    zone = midday_zone(time.time())  # the last minutes are today's, whenever the test runs
    beat(keyed_daemon, "/home/me/code/api", 900 - 60)
    beat(keyed_daemon, "/home/me/code/api", 60)
    beat(keyed_daemon, "/home/me/code/notes", 1200)
    beat(keyed_daemon, "/home/me/code/notes", 700)
    asked = oxitrack("today", "--daemon", keyed_daemon.url, "--tz", zone)
    read = oxitrack("today", "--db", str(keyed_daemon.db_path), "--tz", zone)
    assert asked.returncode == read.returncode == 0, asked.stderr + read.stderr
    title, *table = asked.stdout.splitlines()
    assert title == f"{read.stdout.splitlines()[0]} at {keyed_daemon.url}"
    assert table == read.stdout.splitlines()[1:]
    assert "api" in table[0] and "active" in table[0] and "notes" in table[1], table
    as_json = oxitrack("today", "--daemon", keyed_daemon.url, "--tz", zone, "--json")
    read_json = oxitrack("today", "--db", str(keyed_daemon.db_path), "--tz", zone, "--json")
    assert json.loads(as_json.stdout) == json.loads(read_json.stdout)
    one = oxitrack("today", "--daemon", keyed_daemon.url, "--tz", zone, "--project", "notes")
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines()[0].endswith(f", project notes at {keyed_daemon.url}")
    assert "api" not in one.stdout and "notes" in one.stdout


def test_the_current_folder_is_sent_as_its_path_and_a_project_unknown_is_refused(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    """`--project .` went to the daemon as ".", a folder of its own process, and any project it
    knew nothing of was an empty day: "no work today" for a name only mistyped, where the
    file's `today` refuses it."""
    zone = midday_zone(time.time())
    api = tmp_path / "code" / "api"
    (api / "src").mkdir(parents=True)
    beat(keyed_daemon, str(api), 600)
    beat(keyed_daemon, str(tmp_path / "code" / "notes"), 300)
    here = oxitrack("today", "--daemon", keyed_daemon.url, "--tz", zone, "--project", ".", cwd=api)
    assert here.returncode == 0, here.stderr
    title, *rows = here.stdout.splitlines()
    assert title.endswith(f", folder {api} at {keyed_daemon.url}"), title
    assert len(rows) == 2 and "api" in rows[0] and "notes" not in here.stdout, here.stdout
    inside = oxitrack(
        "today", "--daemon", keyed_daemon.url, "--tz", zone, "--project", "..", cwd=api / "src"
    )
    assert inside.stdout.splitlines()[1:] == rows, inside.stdout + inside.stderr
    typo = oxitrack("today", "--daemon", keyed_daemon.url, "--tz", zone, "--project", "apj")
    assert (typo.returncode, typo.stdout) == (2, "")
    assert typo.stderr == (
        f"oxitrack: --project: no project matches 'apj' at the daemon at {keyed_daemon.url}\n"
    )
    beat(keyed_daemon, str(tmp_path / "code" / "old"), 3 * 86_400)  # known, not worked today
    idle = oxitrack("today", "--daemon", keyed_daemon.url, "--tz", zone, "--project", "old")
    assert idle.returncode == 0, idle.stderr
    assert idle.stdout.splitlines()[1:] == ["0h 00m  total (nothing tracked)"], idle.stdout
    empty = oxitrack("today", "--daemon", keyed_daemon.url, "--project", " ")
    assert (empty.returncode, empty.stderr) == (2, "oxitrack: --project: must not be empty\n")


def test_the_daemons_refusal_and_its_absence_are_one_line_each(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    for key in (None, "not-the-key-but-long-enough-0123"):
        refused = oxitrack("today", "--daemon", keyed_daemon.url, key=key)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr.startswith(f"oxitrack: the daemon at {keyed_daemon.url} answers,")
        assert "OXITRACK_API_KEY" in refused.stderr and len(refused.stderr.splitlines()) == 1
    keyed_daemon.kill()
    gone = oxitrack("today", "--daemon", keyed_daemon.url)
    assert gone.returncode == 1 and gone.stdout == ""
    assert gone.stderr.startswith(f"oxitrack: no OxiTrack daemon answers at {keyed_daemon.url}")


@contextlib.contextmanager
def answering(
    body: bytes, *, tls: bool = False, status: int = 200, late: float = 0.0
) -> Iterator[str]:
    """A program on a free port answering every GET with ``body`` (JSON, ``status``), ``late``
    seconds after it was asked; its URL. With
    ``tls``, over https with the test certificate of tests/fixtures/tls (for 127.0.0.1, made for
    these tests and trusted by nothing unless a test says so)."""
    import http.server
    import ssl
    import threading

    class Answering(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(late)  # a daemon at work on a long report
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Answering)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


TLS = Path(__file__).parent / "fixtures" / "tls"
A_DAY = {
    "date": "2025-11-25",
    "timezone": "Europe/Berlin",
    "total_seconds": 600,
    "projects": [
        {
            "project_path": "/home/me/code/api",
            "project_name": "api",
            "duration_seconds": 600,
            "session_count": 1,
            "first_beat": 1764064800,
            "last_beat": 1764065400,
            "is_active": False,
            "folders": ["/home/me/code/api"],
        }
    ],
}


def test_a_daemon_behind_a_tls_proxy_is_asked_over_https_its_certificate_checked():
    """The docs' advice off a trusted network: a TLS proxy in front of the desktop's daemon."""
    with answering(json.dumps(A_DAY).encode(), tls=True) as url:
        untrusted = oxitrack("today", "--daemon", url)
        assert untrusted.returncode == 1 and untrusted.stdout == ""
        assert untrusted.stderr.startswith(f"oxitrack: no OxiTrack daemon answers at {url} (")
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
        trusted = oxitrack("today", "--daemon", url, env={"SSL_CERT_FILE": str(TLS / "cert.pem")})
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout.splitlines()[0] == f"Today, Tue 2025-11-25 (Europe/Berlin) at {url}"
    assert trusted.stdout.splitlines()[1].startswith("0h 10m  ")


def test_what_answers_but_is_no_daemon_is_said_so():
    """Another program on the port (a web server's page, JSON of another shape)."""
    nameless = json.loads(json.dumps(A_DAY))
    nameless["projects"][0]["project_name"] = None
    for answer in (
        {"date": "2025-11-25", "projects": "none"},
        {**A_DAY, "projects": [{}]},
        nameless,
        {**A_DAY, "total_seconds": -600},
        {**A_DAY, "total_seconds": True},
        {**A_DAY, "timezone": None},
    ):
        with answering(json.dumps(answer).encode()) as url:
            for flags in ([], ["--json"]):
                said = oxitrack("today", "--daemon", url, *flags)
                assert said.returncode == 1 and said.stdout == ""
                assert said.stderr == (
                    f"oxitrack: what answers at {url} is no OxiTrack daemon (GET /today)\n"
                )


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("http://desktop.lan:3000/api/v1", "give it alone, such as http://desktop.lan:3000"),
        ("desktop.lan", "names no port: give the daemon's, such as http://desktop.lan:3000"),
        ("ftp://desktop.lan:3000", "is not a daemon's address such as http://desktop.lan:3000"),
        ("http://me@desktop.lan:3000", "give it alone, such as http://desktop.lan:3000"),
        ("desktop.lan:port", "is not an address"),
        ("http://desktop.lan:3000/?key=x", "give it alone, such as http://desktop.lan:3000"),
        ("http://desktop.lan:3000/#top", "give it alone, such as http://desktop.lan:3000"),
        ("http://:3000", "is not a daemon's address such as http://desktop.lan:3000"),
    ],
)
def test_an_address_that_cannot_be_the_daemons_is_refused_before_asking(given: str, said: str):
    refused = oxitrack("today", "--daemon", given)
    assert refused.returncode == 2 and said in refused.stderr, refused.stderr


@pytest.mark.parametrize(
    ("given", "address"),
    [
        ("desktop.lan:3000/", "http://desktop.lan:3000"),  # a trailing slash, as browsers add
        (" http://desktop.lan:3000 ", "http://desktop.lan:3000"),
        ("https://desktop.lan", "https://desktop.lan"),  # a TLS proxy's port 443 by default
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_an_address_is_read_as_the_daemons_base_url(given: str, address: str):
    assert daemon_address(given) == address


def test_a_refusal_of_this_machine_is_said_as_the_daemons_refusal():
    """A daemon that refuses the Host asked by (403 ``forbidden_host``) refuses as one that
    refuses the key: one line naming it, exit 1."""
    body = {"error": "forbidden_host", "message": "Host desktop.lan is not allowed"}
    with answering(json.dumps(body).encode(), status=403) as url:
        refused = oxitrack("today", "--daemon", url)
    assert (refused.returncode, refused.stdout) == (1, ""), refused.stderr
    assert refused.stderr == (
        f"oxitrack: the daemon at {url} answers, but it refuses the request:"
        " Host desktop.lan is not allowed\n"
    )


def test_a_bad_database_setting_is_no_refusal_when_no_file_is_read(
    keyed_daemon: DaemonProcess, tmp_path: Path
):
    """``--daemon`` reads no database file: a ``db`` the config file gets wrong (empty) is not this
    command's to refuse."""
    config = tmp_path / "config.toml"
    config.write_text('db = ""\n')
    asked = oxitrack("today", "--daemon", keyed_daemon.url, env={"OXITRACK_CONFIG": str(config)})
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("Today, "), asked.stdout


def test_a_database_and_a_daemon_at_once_are_refused(tmp_path: Path):
    both = oxitrack("today", "--daemon", "desktop.lan:3000", "--db", str(tmp_path / "x.db"))
    assert both.returncode == 2
    assert (
        both.stderr
        == "oxitrack: --db reads a database file, --daemon asks a daemon: give one of them\n"
    )
