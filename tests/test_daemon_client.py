"""The CLI's client of a running daemon: what it sends, and to whom."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from oxitrack.config import Settings
from oxitrack.daemon_client import (
    DaemonClient,
    DaemonUnavailable,
    listener_uids,
    other_database_hint,
)
from oxitrack.errors import ClientError
from tests.daemon_process import DaemonProcess

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="Linux's /proc/net")
# A daemon's /health, as the CLI takes it.
HEALTH = b'{"status": "ok", "version": "0.1.0", "db_path": "/x.db", "uptime_seconds": 5, "pid": 7}'


def test_a_listening_socket_is_found_with_its_owner():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert listener_uids(port) == {os.getuid()}
    with socket.socket() as idle:
        idle.bind(("127.0.0.1", 0))  # bound, not listening: no owner of a listening socket
        assert listener_uids(idle.getsockname()[1]) == set()


SQUATTER = textwrap.dedent(
    """
    import http.server, socket, sys
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            print(self.path, self.headers.get("Authorization"), flush=True)
            self.send_response(503)
            self.end_headers()
        def log_message(self, *args):
            pass
    class Server(http.server.HTTPServer):
        address_family = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
    server = Server((sys.argv[2], int(sys.argv[1])), Handler)
    print("ready", flush=True)
    server.serve_forever()
    """
)


@contextlib.contextmanager
def squatting(port: int, address: str) -> Iterator[Callable[[], list[str]]]:
    """An HTTP server of another account (uid 65534) on ``address`` and ``port``, and a
    function that stops it and gives the requests it was sent (path and Authorization)."""
    setpriv, python = shutil.which("setpriv"), "/usr/bin/python3"
    if os.geteuid() != 0 or setpriv is None or not os.path.exists(python):
        pytest.skip("needs root, setpriv and the system's python3 to act as another account")
    account = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    process = subprocess.Popen(
        [*account, python, "-c", SQUATTER, str(port), address],
        stdout=subprocess.PIPE,
        text=True,
        cwd="/",
    )
    assert process.stdout is not None
    out = process.stdout

    def stop() -> list[str]:
        process.kill()
        process.wait(10)
        return out.read().splitlines()

    try:
        assert out.readline() == "ready\n"
        yield stop
    finally:
        if process.poll() is None:
            stop()
        out.close()


@pytest.fixture
def squatter() -> Iterator[tuple[int, Callable[[], list[str]]]]:
    """Another account's HTTP server on a free port of 127.0.0.1 (``squatting``)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with squatting(port, "127.0.0.1") as stop:
        yield port, stop


def test_the_api_key_is_not_sent_to_another_accounts_program_on_the_port(
    squatter: tuple[int, Callable[[], list[str]]], tmp_path: Path
):
    """Found by the security audit: while the daemon is down, any account can listen on its
    port, and the CLI's first request carried the key that keeps that account out."""
    port, stop = squatter
    assert listener_uids(port) == {65534}
    keyed = DaemonClient(Settings(db=tmp_path / "x.db", port=port, api_key="k" * 24))
    with pytest.raises(DaemonUnavailable, match=r"belongs to another account \(uid 65534\)"):
        keyed.request("GET", "/health")
    assert keyed.health() is None
    # Without a key there is nothing to keep from it: the request goes, and is refused.
    with pytest.raises(ClientError):  # the squatter's 503
        DaemonClient(Settings(db=tmp_path / "x.db", port=port)).request("GET", "/health")
    assert stop() == ["/health None"]


def test_the_api_key_goes_to_roots_program_on_the_port(tmp_path: Path):
    """A daemon in a container is reached through Docker's forwarding, a program of root's: the
    key must go to it (root could read the key anyway), or a keyed daemon in Docker was never
    reachable from the CLI of a user."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv: the listener is root's, the client another account")
    seen: list[str | None] = []
    server = _health_server("127.0.0.1", seen=seen)  # root's socket
    client = (
        "from oxitrack.config import Settings\n"
        "from oxitrack.daemon_client import DaemonClient\n"
        f"settings = Settings(db='x.db', port={server.server_address[1]}, api_key='k' * 24)\n"
        "print(DaemonClient(settings).health())\n"
    )
    try:
        done = subprocess.run(
            [
                setpriv,
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-c",
                client,
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=30,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{json.loads(HEALTH)}\n"
    assert seen == ["Bearer " + "k" * 24]


def _health_server(
    address: str, port: int = 0, seen: list[str | None] | None = None
) -> http.server.HTTPServer:
    """An OxiTrack-like ``/health`` of this process's account on ``address``, serving; each
    request's ``Authorization`` header goes into ``seen`` when given."""
    return _serving(200, HEALTH, address=address, port=port, seen=seen)


def _serving(
    status: int,
    body: bytes,
    content_type: str = "application/json",
    *,
    address: str = "127.0.0.1",
    port: int = 0,
    seen: list[str | None] | None = None,
) -> http.server.HTTPServer:
    """A program of this process's account on ``address`` answering every GET with ``status``
    and ``body``, serving; each request's ``Authorization`` header goes into ``seen``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if seen is not None:
                seen.append(self.headers.get("Authorization"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    server = type("Server", (http.server.HTTPServer,), {"address_family": family})(
        (address, port), Handler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextlib.contextmanager
def _answering(status: int, body: bytes, content_type: str = "application/json") -> Iterator[int]:
    """``_serving`` on 127.0.0.1 for a test's length; its port."""
    server = _serving(status, body, content_type)
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_the_api_key_is_not_sent_to_another_accounts_program_beside_one_of_yours(
    tmp_path: Path,
):
    """Found by a security review: a program of yours on the port at another address (a dev
    server on ::1, which is where one bound to `localhost` listens) made any listener on the
    port pass for yours, and the key went to another account's on 127.0.0.1, where the CLI
    connects."""
    yours = _health_server("::1")
    port = yours.server_address[1]
    try:
        with squatting(port, "127.0.0.1") as stop:
            keyed = DaemonClient(Settings(db=tmp_path / "x.db", port=port, api_key="k" * 24))
            with pytest.raises(DaemonUnavailable, match=r"belongs to another account"):
                keyed.request("GET", "/health")
            assert stop() == []
    finally:
        yours.shutdown()
        yours.server_close()


def test_the_api_key_goes_to_your_daemon_beside_another_accounts_program(tmp_path: Path):
    """The other way round: your daemon on 127.0.0.1, where the CLI connects, and a stranger's
    program on the same port at ::1, where it does not. The key goes to your daemon."""
    yours = _health_server("127.0.0.1")
    port = yours.server_address[1]
    try:
        with squatting(port, "::1") as stop:
            keyed = DaemonClient(Settings(db=tmp_path / "x.db", port=port, api_key="k" * 24))
            assert keyed.health() == json.loads(HEALTH)
            assert stop() == []
    finally:
        yours.shutdown()
        yours.server_close()


def test_the_key_goes_on_the_very_connection_whose_owner_was_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Found by a security review: the CLI read who listened on the port, then connected on its
    own, so a program another account started on the port in between got the key. Here your
    daemon stops and a stranger's program takes its port right after the owner is read."""
    from oxitrack import daemon_client

    yours = socket.socket()
    yours.bind(("127.0.0.1", 0))
    yours.listen()
    port = yours.getsockname()[1]
    later = contextlib.ExitStack()
    stops: list[Callable[[], list[str]]] = []

    class _ReadThenSwap:
        """The first table of sockets read, which hands the port over once it is closed."""

        def __init__(self, file: Any) -> None:
            self.file = file

        def __enter__(self) -> Any:
            return self.file.__enter__()

        def __exit__(self, *exc: object) -> None:
            self.file.__exit__(*exc)
            if not stops:
                yours.close()
                stops.append(later.enter_context(squatting(port, "127.0.0.1")))

    def hooked_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        file = open(path, *args, **kwargs)
        return _ReadThenSwap(file) if str(path).startswith("/proc/net/") else file

    monkeypatch.setattr(daemon_client, "open", hooked_open, raising=False)
    with later:
        keyed = DaemonClient(Settings(db=tmp_path / "x.db", port=port, api_key="k" * 24))
        with pytest.raises((DaemonUnavailable, ClientError)):
            keyed.request("GET", "/health")
        assert len(stops) == 1  # the port did change hands
        assert stops[0]() == []  # and the stranger's program was sent nothing


def test_a_strangers_program_listening_on_every_address_is_found_behind_127_0_0_1(
    tmp_path: Path,
):
    """A socket on ``::`` takes IPv4 connections too, and its end of one to 127.0.0.1 is written
    in ``tcp6`` as ``::ffff:127.0.0.1``: still another account's, and sent no key."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with squatting(port, "::") as stop:
        keyed = DaemonClient(Settings(db=tmp_path / "x.db", port=port, api_key="k" * 24))
        with pytest.raises(DaemonUnavailable, match=r"belongs to another account \(uid 65534\)"):
            keyed.request("GET", "/health")
        assert stop() == []


def test_where_proc_net_cannot_be_read_nothing_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Another system (macOS, Windows) has no ``/proc/net``: who listens is not known, which is
    no reason to keep the key from the daemon, nor to fail."""
    from oxitrack import daemon_client

    def no_proc_net(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).startswith("/proc/net/"):
            raise FileNotFoundError(path)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(daemon_client, "open", no_proc_net, raising=False)
    seen: list[str | None] = []
    server = _health_server("127.0.0.1", seen=seen)
    port = server.server_address[1]
    try:
        assert listener_uids(port) is None
        keyed = DaemonClient(Settings(db=tmp_path / "x.db", port=port, api_key="k" * 24))
        assert keyed.health() == json.loads(HEALTH)
    finally:
        server.shutdown()
        server.server_close()
    assert seen == ["Bearer " + "k" * 24]


@pytest.mark.parametrize("body", [b"[1, 2]", b'"gone"', b"null", b"not json"])
def test_an_error_answer_that_is_no_json_object_is_said_by_its_status(tmp_path: Path, body: bytes):
    """Another program on the port answers an error in its own words: the CLI says the status
    it got, and no traceback."""

    with _answering(404, body) as port:
        client = DaemonClient(Settings(db=tmp_path / "x.db", port=port))
        with pytest.raises(ClientError) as refused:
            client.request("GET", "/api/projects")
    error = refused.value
    assert (error.status, error.code, error.message) == (
        404,
        "http_error",
        "the daemon answered HTTP 404",
    )


def test_a_daemon_on_the_file_asked_about_gives_no_hint_of_another(daemon: DaemonProcess):
    """``other_database_hint`` names the daemon's file only when it is another one: the import
    asks it whenever the daemon is not found serving the file (``--db``, a symlink to it)."""
    settings = Settings(db=daemon.db_path, port=daemon.port)
    link = daemon.db_path.with_name("link.db")
    link.symlink_to(daemon.db_path)
    assert other_database_hint(settings, str(daemon.db_path)) is None
    assert other_database_hint(settings, str(link)) is None
    hint = other_database_hint(settings, str(daemon.db_path.with_name("other.db")))
    assert hint is not None
    assert f"records into {daemon.db_path}: give --db {daemon.db_path}" in hint


@pytest.mark.parametrize("status", [300, 302, 403])
def test_a_redirect_or_a_403_is_a_refusal_not_an_answer(tmp_path: Path, status: int):
    """The daemon redirects nowhere: a program answering 300 (the first redirect) with a body
    like ``/health``'s is not taken for it. A 403 (a host or origin the daemon refuses) is a
    daemon that runs but will not talk, as a 401 is: ``service status`` says so."""

    refusal = b'{"error": "forbidden_host", "message": "no", "field": "host"}'
    with _answering(status, HEALTH if status < 400 else refusal) as port:
        client = DaemonClient(Settings(db=tmp_path / "x.db", port=port))
        with pytest.raises(ClientError) as refused:
            client.request("GET", "/health")
        assert client.health() is None
    assert refused.value.status == status
    assert refused.value.field == ("host" if status == 403 else None)
    assert client.refusal == ("it refuses the request: no" if status == 403 else None)


def test_an_answer_that_is_no_json_is_no_daemons(tmp_path: Path):
    """A program on the port answering 200 with a web page is not the daemon: the CLI says
    nothing answers there, rather than taking ``None`` for the daemon's answer."""

    with _answering(200, b"<html>a dev server</html>", "text/html") as port:
        client = DaemonClient(Settings(db=tmp_path / "x.db", port=port))
        with pytest.raises(DaemonUnavailable, match="no OxiTrack daemon answers"):
            client.request("GET", "/api/projects")


def test_connections_your_program_closed_on_the_port_do_not_vouch_for_a_strangers(
    tmp_path: Path,
):
    """Connections your program closed linger a minute in the kernel's table (TIME_WAIT), at the
    port's address and owned by no account (uid 0, as root's). A stranger's program then takes
    the port on every address: only the row of the very connection made says who answers, not
    another row at the daemon's address and port."""
    with socket.socket() as yours:
        yours.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: the port
        yours.bind(("127.0.0.1", 0))  # can be taken again while such rows linger
        yours.listen()
        port = yours.getsockname()[1]
        for _ in range(30):  # each closed by your side first: its row lingers there
            with socket.create_connection(("127.0.0.1", port)) as client:
                accepted, _ = yours.accept()
                accepted.close()
                assert client.recv(1) == b""
    with squatting(port, "0.0.0.0") as stop:
        keyed = DaemonClient(Settings(db=tmp_path / "x.db", port=port, api_key="k" * 24))
        with pytest.raises(DaemonUnavailable, match=r"belongs to another account \(uid 65534\)"):
            keyed.request("GET", "/health")
        assert stop() == []
