"""The ceiling for ``bench_daemon.py``: a bare asyncio HTTP server doing the daemon's SQL.

No framework, no guard, no validation beyond what the SQL needs: it parses just enough HTTP/1.1
(keep-alive, Content-Length) to read a beat and records it through the same ``Store`` (same
pragmas, same ``record_beat`` queries, one write transaction per beat). Whatever the daemon
costs beyond this is the price of Starlette, uvicorn, the guard and validation.

With ``--no-sql`` it answers every beat with a made-up session and touches no file: the
machine's own floor for one HTTP round trip on loopback through a Python event loop, the part
of any figure that no server code can remove.

    python bench/ceiling.py --db PATH [--port 0] [--no-sql]   prints "listening on http://..."
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
from pathlib import Path
from typing import Any

from oxitrack.sessions import Beat, Session
from oxitrack.store import Store

_HEAD_END = b"\r\n\r\n"


class _BeatProtocol(asyncio.Protocol):
    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.buffer = b""
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:  # uvloop's are not asyncio.Transport
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(_HEAD_END)) >= 0:
            head = self.buffer[:end].lower()
            at = head.find(b"content-length:")
            length = 0
            if at >= 0:
                stop = head.find(b"\r\n", at)
                length = int(head[at + 15 : stop if stop >= 0 else None])
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(self.answer(body))

    def answer(self, body: bytes) -> bytes:
        data = json.loads(body)
        beat = Beat(data["project_path"], int(data["timestamp"]))
        if self.store is None:
            session = Session(1, beat.project_path, beat.timestamp, beat.timestamp)
        else:
            session = self.store.record_beat(beat)
        payload = json.dumps(
            {
                "session_id": session.id,
                "project_path": session.project_path,
                "duration_seconds": session.duration_seconds,
            }
        ).encode()
        return (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
            % len(payload)
        ) + payload


async def _serve(store: Store | None, port: int) -> None:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    server = await loop.create_server(lambda: _BeatProtocol(store), sock=sock, backlog=1024)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-sql", action="store_true", help="answer without any database")
    args = parser.parse_args()
    try:
        import uvloop  # the daemon runs on uvloop too: compare like with like

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    if args.no_sql:
        runner(_serve(None, args.port))
        return
    with Store(args.db) as store:
        runner(_serve(store, args.port))


if __name__ == "__main__":
    main()
