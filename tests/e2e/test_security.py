"""A daemon on localhost is reachable from every web page: crafted requests and a real Chromium.

The browser part serves an attacker's page from another loopback port and lets it try what a
page can do: a ``no-cors`` POST with a text/plain body, a CORS fetch with JSON, a preflight-free
text/plain fetch and a plain HTML form. It also plays DNS rebinding by mapping a foreign name to
127.0.0.1. The daemon must store nothing, and the page must be able to read nothing.
"""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.browser import Page, chromium
from tests.git_repos import make_lazy_fetching_repo
from tests.sessions_model import stored_sessions

pytestmark = pytest.mark.e2e

BEAT = {"project_path": "/code/x"}
LONG_KEY = "uVdeNYzeYK0vv_o4XhgzKwH5ii4eUVMz"


# -- crafted requests against the real process ------------------------------------------------


def _post(url: str, **headers: str) -> httpx.Response:
    return httpx.post(f"{url}/beat", json=BEAT, headers=headers)


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"host": "evil.example:3000"}, 403, "forbidden_host"),
        ({"origin": "http://evil.example"}, 403, "forbidden_origin"),
        ({"origin": "http://127.0.0.1:1"}, 403, "forbidden_origin"),
        ({"sec-fetch-site": "cross-site"}, 403, "forbidden_origin"),
        ({"sec-fetch-site": "same-site"}, 403, "forbidden_origin"),
        ({"content-type": "text/plain"}, 415, "unsupported_media_type"),
        ({"origin": "http://[::1"}, 403, "forbidden_origin"),
        ({"origin": "http://[127.0.0.1]"}, 403, "forbidden_origin"),
    ],
    ids=[
        "foreign-host",
        "foreign-origin",
        "other-port-origin",
        "cross-site",
        "same-site",
        "text",
        "origin-not-a-url",
        "origin-with-a-bracketed-ipv4",
    ],
)
def test_crafted_requests_are_refused_by_the_real_daemon(
    daemon: DaemonProcess, headers: dict, status: int, code: str
):
    answer = _post(daemon.url, **headers)
    assert answer.status_code == status
    assert answer.json()["error"] == code
    assert not [name for name in answer.headers if name.lower().startswith("access-control-")]
    assert stored_sessions(daemon.db_path) == []


def _raw_beat(port: int, head: str, target: str = "/beat") -> tuple[int, dict[str, str], bytes]:
    """POST /beat with ``head`` as the header lines, byte for byte: httpx would fold duplicates."""
    body = json.dumps(BEAT).encode()
    request = (
        f"POST {target} {head}Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1") + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        reply = bytearray()
        while chunk := sock.recv(65536):  # the daemon closes after one answer (Connection: close)
            reply += chunk
    head_bytes, _, answer_body = bytes(reply).partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, answer_body


@pytest.mark.parametrize(
    ("head", "status", "code"),
    [
        ("HTTP/1.1\r\nHost: evil.example\r\nHost: 127.0.0.1\r\n", 400, "bad_request"),
        ("HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n", 400, "bad_request"),
        ("HTTP/1.1\r\n", 400, "bad_request"),
        ("HTTP/1.1\r\nHost: localhost:evil.example\r\n", 400, "bad_request"),
        (
            "HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n"
            "Origin: http://evil.example\r\nOrigin: http://127.0.0.1:PORT\r\n",
            403,
            "forbidden_origin",
        ),
        (
            "HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n"
            "Origin: http://127.0.0.1:PORT\r\nOrigin: http://evil.example\r\n",
            403,
            "forbidden_origin",
        ),
        (
            "HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n"
            "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Site: same-origin\r\n",
            403,
            "forbidden_origin",
        ),
    ],
    ids=[
        "evil-host-first",
        "evil-host-last",
        "no-host",
        "host-with-a-name-for-port",
        "evil-origin-first",
        "evil-origin-last",
        "cross-site-first",
    ],
)
def test_repeated_or_broken_host_and_origin_are_refused_by_the_real_daemon(
    daemon: DaemonProcess, head: str, status: int, code: str
):
    """The server underneath passes repeated headers through; the guard must not pick one."""
    answer_status, headers, body = _raw_beat(daemon.port, head.replace("PORT", str(daemon.port)))
    assert answer_status == status, body
    assert headers["content-type"] == "application/json"
    answer = json.loads(body)
    assert answer["error"] == code
    assert answer["message"]
    assert answer.keys() == {"error", "message"}
    assert stored_sessions(daemon.db_path) == []


def test_real_daemon_takes_one_host_and_http_1_0_without_host(daemon: DaemonProcess):
    """The control for the test above: the same raw requests, well-formed, are stored."""
    one_host = f"HTTP/1.1\r\nHost: 127.0.0.1:{daemon.port}\r\n"
    own_origin = f"Origin: http://127.0.0.1:{daemon.port}\r\n"
    assert _raw_beat(daemon.port, one_host + own_origin)[0] == 200
    assert _raw_beat(daemon.port, "HTTP/1.0\r\n")[0] == 200
    assert len(stored_sessions(daemon.db_path)) == 1  # two beats, one session


@pytest.mark.parametrize(
    ("target", "host", "status", "code"),
    [
        ("http://evil.example/beat", "127.0.0.1", 403, "forbidden_host"),
        ("http://evil.example:PORT/beat", "127.0.0.1:PORT", 403, "forbidden_host"),
        ("HTTP://user@127.0.0.1:PORT/beat", "127.0.0.1:PORT", 400, "bad_request"),
        ("http://127.0.0.1:PORT/beat", "evil.example", 200, None),
        ("http://[::1]:PORT/beat?x=1", "127.0.0.1", 200, None),
    ],
    ids=["other-host", "other-host-same-port", "userinfo", "loopback-target", "ipv6-target"],
)
def test_an_absolute_target_names_the_host_the_guard_checks(
    daemon: DaemonProcess, target: str, host: str, status: int, code: str | None
):
    """RFC 9112 3.2.2: with a request target of ``http://host/path``, the target's host is the
    request's host and the Host header is ignored. The guard checked the header, so a target
    naming another machine got in (only HTTP clients send such targets, not web pages)."""
    port = str(daemon.port)
    head = f"HTTP/1.1\r\nHost: {host.replace('PORT', port)}\r\n"
    answer_status, _, body = _raw_beat(daemon.port, head, target.replace("PORT", port))
    assert answer_status == status, body
    if code is not None:
        assert json.loads(body)["error"] == code
        assert stored_sessions(daemon.db_path) == []


def _rss_bytes(daemon: DaemonProcess) -> int:
    assert daemon.process is not None
    status = Path(f"/proc/{daemon.process.pid}/status")
    if not status.exists():
        pytest.skip("needs /proc to read the daemon's memory")
    [line] = [line for line in status.read_text().splitlines() if line.startswith("VmRSS:")]
    return int(line.split()[1]) * 1024


def _send_hosts(daemon: DaemonProcess, hosts: list[str]) -> set[int]:
    with httpx.Client() as client:
        return {client.get(f"{daemon.url}/health", headers={"host": h}).status_code for h in hosts}


def test_many_long_host_names_do_not_stay_in_the_daemons_memory(daemon: DaemonProcess):
    """The guard remembers the Host values it parsed; a client sending hundreds of different
    60 KB names (each refused) made it keep 30 MiB of them for good."""
    # Warm up with as many short names, so the caches are full of small entries before.
    assert _send_hosts(daemon, [f"h{i}.example" for i in range(300)]) == {403}
    before = _rss_bytes(daemon)
    assert _send_hosts(daemon, [f"h{i}." + "x" * 60_000 for i in range(300)]) == {403}
    grown = _rss_bytes(daemon) - before
    assert grown < 8 * 1024 * 1024, f"the daemon grew by {grown / 2**20:.1f} MiB"


def _whole_answer(reply: bytes) -> bool:
    """Whether ``reply`` holds an answer's head and all of its body (``Content-Length``)."""
    head, found, body = reply.partition(b"\r\n\r\n")
    lengths = [line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
    return bool(found and lengths) and len(body) >= int(lengths[0].split(b":")[1])


def test_a_bulk_request_of_more_heartbeats_than_taken_is_refused_before_its_end(
    daemon: DaemonProcess,
):
    """A bulk request takes 1000 heartbeats, yet all of a 32 MiB body was read and kept before
    they were counted: as ``{},`` that is eleven million items, 670 MB of the daemon's memory
    and 30 s of its event loop, every beat waiting over a second meanwhile, from one client.
    The 1001st item is refused at once, without waiting for the rest."""
    size = 32 * 1024 * 1024 - 16
    head = (
        f"POST /api/v1/users/current/heartbeats.bulk HTTP/1.1\r\nHost: 127.0.0.1:{daemon.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=10) as sock:
        sock.sendall(head + b"[" + b"{}," * (1 << 18))  # the first 768 KiB; the rest never comes
        reply = bytearray()
        while not _whole_answer(bytes(reply)):
            chunk = sock.recv(65536)  # before: no answer, the daemon waiting for the rest
            assert chunk, bytes(reply)
            reply += chunk
    status_line, _, rest = bytes(reply).partition(b"\r\n")
    assert status_line.split()[1] == b"400"
    answer = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert answer["error"] == "invalid_field"
    assert answer["message"] == "body: has more than 1000 heartbeats; at most 1000"
    assert _rss_bytes(daemon) < 200 * 1024 * 1024
    assert stored_sessions(daemon.db_path) == []
    assert _post(daemon.url).status_code == 200


def test_real_daemon_with_a_key_wants_it_as_bearer_or_basic(tmp_path: Path):
    process = DaemonProcess(tmp_path / "keyed.db", "--api-key", "k3y").start()
    try:
        assert _post(process.url).status_code == 401
        assert _post(process.url, authorization="Bearer nope").status_code == 401
        assert _post(process.url, authorization="Bearer k3y").status_code == 200
        assert _post(process.url, authorization="Basic azN5").status_code == 200  # base64("k3y")
    finally:
        process.kill()


def test_public_address_is_refused_without_a_key_even_from_the_environment(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "oxitrack", "serve", "--db", str(tmp_path / "x.db"), "--port", "0"],
        env={"OXITRACK_HOST": "0.0.0.0", "OXITRACK_CONFIG": str(tmp_path / "none.toml")},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "API key" in result.stderr
    assert "Traceback" not in result.stderr


def test_public_address_with_a_key_serves_and_still_wants_the_key(tmp_path: Path):
    process = DaemonProcess(
        tmp_path / "public.db", "--host", "0.0.0.0", env={"OXITRACK_API_KEY": LONG_KEY}
    )
    process.start()
    try:
        local = f"http://127.0.0.1:{process.port}"  # only ever talk to loopback
        assert _post(local).status_code == 401
        assert _post(local, authorization=f"Bearer {LONG_KEY}").status_code == 200
    finally:
        process.kill()


def test_public_address_with_a_short_key_is_refused_in_one_line(tmp_path: Path, empty_config: Path):
    """`serve --host 0.0.0.0 --api-key x` started, and took ~6k guesses a second."""
    result = subprocess.run(
        [sys.executable, "-m", "oxitrack", "serve", "--db", str(tmp_path / "x.db"), "--port", "0"],
        env={
            "OXITRACK_HOST": "0.0.0.0",
            "OXITRACK_API_KEY": "x",
            "OXITRACK_CONFIG": str(empty_config),
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "a 1-character API key" in line and "secrets.token_urlsafe(24)" in line
    assert not (tmp_path / "x.db").exists()


def test_a_flood_of_wrong_keys_is_logged_as_one_warning_line(tmp_path: Path):
    """Guesses are seen in the log, but thousands of them do not become thousands of lines."""
    process = DaemonProcess(tmp_path / "keyed.db", env={"OXITRACK_API_KEY": LONG_KEY}).start()
    try:
        with httpx.Client(base_url=process.url) as client:
            for guess in range(300):
                answer = client.post(
                    "/beat", json=BEAT, headers={"authorization": f"Bearer {guess}"}
                )
                assert answer.status_code == 401
            right = client.post("/beat", json=BEAT, headers={"authorization": f"Bearer {LONG_KEY}"})
            assert right.status_code == 200
    finally:
        assert process.stop() == 0
    noted = [line.rstrip() for line in process.stderr_lines if "API key" in line]
    assert len(noted) == 2, process.stderr_lines
    # The first at once; the others, counted, said when the daemon stops before the minute ends.
    assert noted[0].endswith(
        "WARNING refused 1 request without the right API key (401), the latest from 127.0.0.1"
    )
    assert noted[1].endswith(
        "WARNING refused 299 requests without the right API key (401), the latest from 127.0.0.1"
    )


# -- a real browser ---------------------------------------------------------------------------

ATTACK_PAGE = """<!doctype html>
<title>attacker</title>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="POST" action="DAEMON/beat" enctype="text/plain" target="sink">
  <input name='{"project_path": "/code/form", "x": "' value='"}'>
</form>
<script>
const url = "DAEMON/beat";
const body = JSON.stringify({project_path: "/code/stolen"});
async function attempt(options) {
  try {
    const answer = await fetch(url, {method: "POST", body, ...options});
    return {type: answer.type, status: answer.status, text: await answer.text()};
  } catch (error) {
    return {error: String(error)};
  }
}
window.attack = (async () => {
  const results = {};
  results.noCors = await attempt({mode: "no-cors", headers: {"Content-Type": "text/plain"}});
  results.corsJson = await attempt({headers: {"Content-Type": "application/json"}});
  results.corsText = await attempt({headers: {"Content-Type": "text/plain"}});
  results.form = await new Promise((resolve) => {
    document.getElementById("sink").onload = () => resolve("submitted");
    document.getElementById("form").submit();
  });
  results.ownServer = (await fetch("/ping")).status;  // the page's own origin still works
  return results;
})();
</script>
"""


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        body = self.page if self.path == "/" else b"pong"
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if self.path == "/" else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def attacker_origin(daemon: DaemonProcess) -> Iterator[str]:
    """A page on another loopback port (same site, other origin) that targets the daemon."""
    page = ATTACK_PAGE.replace("DAEMON", daemon.url).encode()
    handler = type("Handler", (_AttackerPage,), {"page": page})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser(daemon: DaemonProcess):
    with chromium("--host-resolver-rules=MAP rebind.example 127.0.0.1") as launched:
        yield launched


def test_page_on_another_origin_can_neither_write_nor_read(
    daemon: DaemonProcess, attacker_origin: str, browser
):
    page = browser.new_page()
    page.goto(attacker_origin + "/")
    results = page.evaluate("window.attack")
    # The no-cors POST went out and came back opaque: the page learns nothing from it.
    assert results["noCors"] == {"type": "opaque", "status": 0, "text": ""}
    # Without CORS headers a readable fetch fails, preflighted or not.
    assert "Failed to fetch" in results["corsJson"]["error"]
    assert "Failed to fetch" in results["corsText"]["error"]
    assert results["form"] == "submitted"
    assert results["ownServer"] == 200
    assert stored_sessions(daemon.db_path) == []
    # And the daemon is fine for its real clients.
    assert _post(daemon.url).status_code == 200


def test_dns_rebinding_page_is_refused_by_host(daemon: DaemonProcess, browser):
    """A foreign name re-resolved to 127.0.0.1 makes the daemon same-origin to the page.

    The page can then read answers, so only the Host check stands between it and the data.
    """
    page = browser.new_page()
    origin = f"http://rebind.example:{daemon.port}"
    first = page.goto(origin + "/")
    assert first is not None and first.status == 403
    result = page.evaluate(
        """async () => {
            const answer = await fetch("/beat", {method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({project_path: "/code/rebound"})});
            return {status: answer.status, body: await answer.json()};
        }"""
    )
    assert result["status"] == 403
    assert result["body"]["error"] == "forbidden_host"
    assert stored_sessions(daemon.db_path) == []


# -- framing (clickjacking) -------------------------------------------------------------------


def _frame_deny(answer: httpx.Response) -> tuple[bool, str | None]:
    policy = answer.headers.get("content-security-policy", "")
    directives = [directive.strip() for directive in policy.split(";")]
    return ("frame-ancestors 'none'" in directives, answer.headers.get("x-frame-options"))


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/static/style.css"])
def test_dashboard_and_its_files_say_no_page_may_frame_them(daemon: DaemonProcess, path: str):
    first = httpx.get(daemon.url + path)
    assert first.status_code == 200
    assert _frame_deny(first) == (True, "DENY")
    if path.startswith("/static/"):  # a revalidation answer carries them too
        again = httpx.get(daemon.url + path, headers={"if-none-match": first.headers["etag"]})
        assert again.status_code == 304
        assert _frame_deny(again) == (True, "DENY")


def test_the_dashboard_runs_only_its_own_scripts_and_reads_only_from_the_daemon(
    daemon: DaemonProcess, browser
):
    """The page's policy comes as a header: an inline script (what a folder's name slipping
    into the page as markup would run) and a read sent to another address are both refused."""
    policy = httpx.get(daemon.url + "/").headers["content-security-policy"]
    assert {"default-src 'self'", "connect-src 'self'"} <= set(policy.split("; "))
    shown = Page(browser)
    page = shown.open(daemon.url + "/")
    assert shown.problems == []  # the page itself runs whole under its policy
    injected = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injectedRan = true";
            document.head.append(script);
            return window.injectedRan === true;
        }"""
    )
    assert injected is False
    elsewhere = page.evaluate(
        """(url) => fetch(url).then(() => "read", (error) => String(error))""",
        f"http://127.0.0.2:{daemon.port}/today",
    )
    assert "Failed to fetch" in elsewhere
    assert page.evaluate("fetch('/today').then((answer) => answer.status)") == 200


def _raw_answer_head(port: int, request: bytes) -> list[str]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        reply = bytearray()
        while chunk := sock.recv(65536):
            reply += chunk
    return bytes(reply).partition(b"\r\n\r\n")[0].decode("latin-1").lower().split("\r\n")


def test_every_answer_says_no_browser_may_sniff_its_type(daemon: DaemonProcess):
    """A report's text names folders the user does not choose (a cloned repository's): no
    browser may take it, or any other answer, for a script or a page."""
    answers = [
        httpx.get(daemon.url + "/"),
        httpx.get(daemon.url + "/static/app.js"),
        httpx.get(daemon.url + "/today"),
        httpx.get(daemon.url + "/today?format=json"),
        httpx.get(daemon.url + "/today?tz=Mars/Olympus"),
        httpx.get(daemon.url + "/no/such/route"),
        _post(daemon.url),
        _post(daemon.url, origin="http://evil.example"),
    ]
    assert [answer.headers.get("x-content-type-options") for answer in answers] == [
        "nosniff"
    ] * len(answers)
    # Answers the daemon writes itself, outside the app: a request that is not HTTP.
    head = _raw_answer_head(daemon.port, b"NOT HTTP AT ALL\r\n\r\n")
    assert head[0].startswith("http/1.1 400")
    assert "x-content-type-options: nosniff" in head[1:]


FRAMING_PAGE = '<!doctype html><title>attacker</title><iframe src="DASHBOARD"></iframe>'


def test_a_page_cannot_frame_the_dashboard_under_an_allowed_host_name(tmp_path: Path):
    """Over plain HTTP to a name in --allow-hosts the browser sends no Fetch Metadata, so only
    the answer's own headers keep another site from framing the dashboard and stealing clicks."""
    process = DaemonProcess(tmp_path / "named.db", "--allow-hosts", "oxitrack.internal").start()
    page = FRAMING_PAGE.replace("DASHBOARD", f"http://oxitrack.internal:{process.port}/")
    handler = type("Handler", (_AttackerPage,), {"page": page.encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with chromium("--host-resolver-rules=MAP oxitrack.internal 127.0.0.1") as browser:
            attacker = browser.new_page()
            attacker.goto(f"http://127.0.0.1:{server.server_address[1]}/", wait_until="load")
            [framed] = attacker.main_frame.child_frames
            assert not framed.url.startswith("http://oxitrack.internal")  # an error page instead
            assert framed.evaluate("document.querySelector('#days-chart')") is None
            # The same page opened directly, not framed, still works under that name.
            direct = browser.new_page()
            direct.goto(f"http://oxitrack.internal:{process.port}/", wait_until="load")
            assert direct.evaluate("document.querySelector('#days-chart') !== null")
    finally:
        server.shutdown()
        server.server_close()
        process.kill()


def test_a_beat_for_a_repository_that_asks_git_to_run_a_command_runs_nothing(
    daemon: DaemonProcess, tmp_path: Path
):
    """Another account (or a folder unpacked from an archive) can make a ``.git`` whose config
    has git fetch missing objects by running a command: one beat naming the folder ran it as
    the daemon's user. The beat is stored; the folder is named by its path."""
    marker = tmp_path / "ran"
    make_lazy_fetching_repo(tmp_path / "evil", marker, str(tmp_path / "evil"))
    answer = httpx.post(f"{daemon.url}/beat", json={"project_path": str(tmp_path / "evil")})
    assert answer.status_code == 200
    projects = httpx.get(f"{daemon.url}/api/projects").json()["projects"]
    assert [p["identities"] for p in projects] == [[f"path:{tmp_path / 'evil'}"]]
    assert not marker.exists()
