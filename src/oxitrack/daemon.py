"""Running the daemon: bind the socket, open the store, serve with uvicorn, checkpoint in the back.

Kept apart from ``server.py`` (the app) and ``cli.py`` (the flags) so each stays small. The socket
is bound here, before uvicorn starts, so a busy port becomes one clear line instead of a log dump.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType

import uvicorn

from oxitrack.config import Settings
from oxitrack.connection_refusals import NO_SNIFF
from oxitrack.connections import BoundedHttpProtocol
from oxitrack.errors import ConfigError, StoreError
from oxitrack.log_lines import log_to_stderr
from oxitrack.refusal_log import say_all_counted
from oxitrack.server import create_app
from oxitrack.store import Store
from oxitrack.store.connections import WAL_IDLE_REWIND_BYTES, WAL_REWIND_BYTES
from oxitrack.store.lock_holders import process_names
from oxitrack.store.schema import SCHEMA_VERSION, NewerSchema
from oxitrack.store.transactions import ReaderBusy

log = logging.getLogger("oxitrack")

CHECKPOINT_EVERY_SECONDS = 30.0
CHECK_EVERY_SECONDS = 0.25
# How often the WAL is synced to the disk after writes (``Store.sync_wal``): the most a power cut
# can take of beats already answered.
WAL_SYNC_EVERY_SECONDS = 1.0
# The WAL is rewound once it passes WAL_IDLE_REWIND_BYTES while no beat is being written (the
# usual case: editors beat every 30 s), and at WAL_REWIND_BYTES even under sustained load, where
# the rewind makes a few writers wait: rarer rewinds keep that wait out of the 99th percentile.
IDLE_SECONDS = 0.05
# How often the daemon looks whether the file under it changed so that it must stop, to be
# started anew: a newer OxiTrack upgraded it (an upgraded package's first command, while the old
# daemon still runs), or it was removed or replaced (a beat meanwhile gets a 503, not an answer).
FILE_CHECK_EVERY_SECONDS = 1.0
# How long a thread runs before the interpreter may pass to another (``serve``).
SWITCH_INTERVAL_SECONDS = 0.001
# The WAL's pending size at which another program's read that keeps it from starting over is
# first named in the log (well above what the daemon's own rewinds leave), and again each time
# the size doubles.
HELD_BACK_WARNING_BYTES = 32 * 1024 * 1024


def serve(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM; raise ``ConfigError``/``StoreError`` if it cannot start."""
    log_to_stderr(logging.INFO if settings.verbose else logging.WARNING)
    # uvicorn's own start/stop chatter adds nothing to our one ready line; keep its warnings.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    # A long report adds up sessions in a worker thread, in Python, and a beat waits for the
    # interpreter until that thread hands it over: every 5 ms by default. Every 1 ms, beats
    # sent while a ten-year report ran took p90 13 ms instead of 35 ms, the worst 24-55 ms
    # instead of about 100 ms, and the report as long (3.3-3.7 s either way, on 830k sessions).
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    sock = bind(settings.host, settings.port)
    try:
        store = Store(settings.db, autocheckpoint=False)
    except BaseException:
        sock.close()
        raise
    must_stop: list[str] = []  # why the daemon stopped itself, if it did
    server: _Server | None = None

    def stop_because(reason: str) -> None:
        must_stop.append(reason)
        if server is not None:
            server.should_exit = True

    checkpointer = Checkpointer(store, on_must_stop=stop_because)
    try:
        app = create_app(store, settings=settings)
        config = uvicorn.Config(
            app,
            # httptools, plus a deadline for clients that stall and a cap on connections.
            http=BoundedHttpProtocol,
            log_config=None,
            access_log=False,
            server_header=False,
            headers=[NO_SNIFF],  # on every answer, at no cost per request
            # No proxy stands in front of a loopback daemon: X-Forwarded-* headers are not ours
            # to trust, and their middleware would only add a layer to every beat.
            proxy_headers=False,
            lifespan="off",
            # No WebSocket route exists: never upgrade, even where a websockets library is
            # installed (uvicorn would pick it up), so no page can open a socket past the guard.
            ws="none",
            # Long enough for a beat waiting for another program's lock to be answered (5 s).
            timeout_graceful_shutdown=10,
        )
        server = _Server(config, settings, sock, on_stopping=store.stop_reading)
        checkpointer.start()
        with _sigterm_raises():
            server.run(sockets=[sock])
    except _Terminated:
        pass  # a normal stop: fall through to the cleanup below and exit 0
    finally:
        say_all_counted()
        checkpointer.stop()
        store.checkpoint()
        store.close()
        sock.close()
    if must_stop:
        # Not 0: a service manager starts it again, now with the code that knows the schema or
        # on the file now at the path.
        raise StoreError(must_stop[0])


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or ``ConfigError`` saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host!r}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        if exc.errno == 98 or "in use" in str(exc).lower():
            raise ConfigError(
                f"port {port} on {host} is already in use (is another `oxitrack serve` running?); "
                "stop it or pick another --port"
            ) from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


class _Terminated(Exception):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C does, so the cleanup in ``serve`` runs."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM (and SIGHUP) into ``_Terminated`` while serving.

    uvicorn shuts down gracefully on SIGTERM, then restores the previous handler and raises the
    signal again; with the default handler that killed the process before the final checkpoint
    and ``close`` below ran (exit status -15). This handler is the one uvicorn restores.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stops = [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    previous = {stop: signal.signal(stop, _raise_terminated) for stop in stops}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)


class _Server(uvicorn.Server):
    """uvicorn's server, plus the one line that says where we listen once we really do."""

    def __init__(
        self,
        config: uvicorn.Config,
        settings: Settings,
        sock: socket.socket,
        on_stopping: Callable[[], None],
    ) -> None:
        super().__init__(config)
        self.settings = settings
        self.sock = sock
        self.on_stopping = on_stopping

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """``on_stopping`` first, then uvicorn's graceful stop: it waits for requests being
        answered, and a long report must end now rather than run on in its thread."""
        self.on_stopping()
        await super().shutdown(sockets=sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's graceful stop on SIGHUP too (the terminal the daemon runs in was closed),
        which it leaves to the default action: death before the final checkpoint and close."""
        hangup = getattr(signal, "SIGHUP", None)  # none on Windows
        with super().capture_signals():
            if hangup is None or threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = signal.signal(hangup, self.handle_exit)
            try:
                yield
            finally:
                signal.signal(hangup, previous)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            host, port = self.sock.getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            for note in (plain_http_note(self.settings, port), allow_hosts_hint(self.settings)):
                if note:
                    print(note, file=sys.stderr, flush=True)
            print(
                f"oxitrack listening on http://{shown}:{port} (database {self.settings.db})",
                flush=True,
            )


def plain_http_note(settings: Settings, port: int) -> str | None:
    """Off loopback, the line that says what crosses the network: the daemon speaks plain HTTP,
    so the API key (in every request) and each beat's folder and time can be read by anyone on
    the way. Said at each start, as a user expects of a server that sends a password unencrypted;
    ``None`` on loopback, where nothing leaves the machine."""
    if settings.is_loopback:
        return None
    return (
        f"oxitrack: note: listening on {settings.host} in plain HTTP: the API key and every"
        " beat (project folder, time) cross the network unencrypted. Use it on a network you"
        " trust; elsewhere keep the daemon on 127.0.0.1 and reach it through"
        f" `ssh -L {port}:127.0.0.1:{port} THIS_MACHINE`, or behind a TLS proxy"
    )


def allow_hosts_hint(settings: Settings) -> str | None:
    """The line that tells whoever binds a public address without ``--allow-hosts`` that their
    clients will get 403 ``forbidden_host`` until they do, and what that check is for.

    The guard accepts only loopback ``Host`` names unless told more, which stops web pages that
    reach the daemon through DNS rebinding. It keeps no machine out: a client writes its own
    ``Host``. The API key does that, so the note says so rather than implying the opposite.
    ``None`` when there is nothing to say."""
    if settings.is_loopback or settings.allow_hosts:
        return None
    bound = settings.host.strip("[]")
    example = "NAME_OR_ADDRESS" if bound in ("0.0.0.0", "::", "") else settings.host
    return (
        f"oxitrack: note: listening on {settings.host}; clients that connect by name or address"
        " get 403 forbidden_host until --allow-hosts (or allow_hosts in the config file) names"
        " it. That Host check only stops DNS rebinding; the API key is what keeps other machines"
        f" out. E.g. --allow-hosts {example}"
    )


class Checkpointer:
    """Moves the WAL into the database from a background thread, off the request path; and
    tells ``on_must_stop`` why, once the daemon must not go on with the file it has open: a
    newer OxiTrack upgraded it, or it was removed or replaced."""

    def __init__(
        self, store: Store, on_must_stop: Callable[[str], None] = lambda reason: None
    ) -> None:
        self.store = store
        self.on_must_stop = on_must_stop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="oxitrack-checkpoint", daemon=True)
        self._next_warning_bytes = HELD_BACK_WARNING_BYTES

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        """A checkpoint every 30 s, one that rewinds the WAL once it outgrows its caps, a sync
        of the WAL to the disk each second that saw a write, and, each second while another
        program's read kept a delete's WAL from being emptied, another try.

        How much is pending is read four times a second (100 bytes of the ``-shm``), so under
        sustained load the WAL stays within about the hard cap plus a quarter second of writes.
        """
        waited = since_file_check = since_sync = 0.0
        synced_write_at = self.store.last_write_at
        while not self._stop.wait(CHECK_EVERY_SECONDS):
            waited += CHECK_EVERY_SECONDS
            since_file_check += CHECK_EVERY_SECONDS
            since_sync += CHECK_EVERY_SECONDS
            written_at = self.store.last_write_at
            if since_sync >= WAL_SYNC_EVERY_SECONDS and written_at != synced_write_at:
                since_sync = 0.0
                synced_write_at = written_at
                self.store.sync_wal()
            if since_file_check >= FILE_CHECK_EVERY_SECONDS:
                since_file_check = 0.0
                reason = self._reason_to_stop()
                if reason is not None:
                    self.on_must_stop(reason)  # said once, as the daemon's last line
                    return
                if self.store.wal_holds_deleted:  # a read held it at the delete: ended yet?
                    self.store.empty_wal(wait=False)
            size = self.store.wal_size_bytes()
            is_idle = time.monotonic() - self.store.last_write_at >= IDLE_SECONDS
            rewind = size > WAL_REWIND_BYTES or (size > WAL_IDLE_REWIND_BYTES and is_idle)
            if rewind or waited >= CHECKPOINT_EVERY_SECONDS:
                waited = 0.0
                try:
                    self.store.checkpoint(rewind=rewind)
                except Exception:  # a failed checkpoint must never stop the daemon
                    log.exception("WAL checkpoint failed; will try again")
                if rewind:
                    self._say_if_held_back()

    def _say_if_held_back(self) -> None:
        """Name the program whose read keeps the WAL from starting over, once the WAL passes
        HELD_BACK_WARNING_BYTES and each time it doubles: nothing is lost, but the file grows
        until that read ends, and only the user can end it."""
        pending = self.store.wal_size_bytes()
        if pending <= WAL_REWIND_BYTES:
            if self._next_warning_bytes > HELD_BACK_WARNING_BYTES:
                log.warning(
                    "the WAL of %s is starting over again: the read has ended", self.store.path
                )
            self._next_warning_bytes = HELD_BACK_WARNING_BYTES
            return
        if pending < self._next_warning_bytes:
            return
        from oxitrack.store.maintenance import wal_backlog  # only for a WAL held back

        readers = wal_backlog(self.store.path).readers
        if readers == set():
            return  # nobody held on between two looks (a write, a short read): look again
        self._next_warning_bytes = 2 * pending
        log.warning(
            "the WAL of %s holds %.0f MiB not yet copied into the database and cannot start over"
            " while %s reads an old snapshot of it. Nothing is lost, but it grows until that"
            " read ends: close the program or end its transaction",
            self.store.path,
            pending / 2**20,
            process_names(readers) if readers else "another program",
        )

    def _reason_to_stop(self) -> str | None:
        """Why the daemon must stop now, if it must."""
        path = self.store.path
        if self.store.moved():
            return (
                f"the database {path} was removed or replaced while the daemon ran: stopped"
                " so that no beat is recorded into a file nothing reads; start the daemon again"
                " to use the file now at that path (a service restarts it by itself)"
            )
        version = self._version_on_disk()
        if version > SCHEMA_VERSION:
            return (
                f"a newer OxiTrack upgraded {path} (schema {version}; this daemon knows"
                f" {SCHEMA_VERSION}): stopped so as not to write it with older code; start the"
                " daemon again (a service restarts it by itself)"
            )
        return None

    def _version_on_disk(self) -> int:
        """The schema version the file says now (opening the reader finds a newer one too);
        this daemon's own when it cannot tell (the reader busy with a report: the next look
        will do)."""
        try:
            return int(
                self.store.read(
                    lambda conn: conn.execute("PRAGMA user_version").fetchone()[0], wait=False
                )
            )
        except NewerSchema as newer:
            return newer.version
        except (ReaderBusy, StoreError):
            return SCHEMA_VERSION
