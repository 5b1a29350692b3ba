"""What a real daemon's log names, even with ``--verbose``: folders, never the API key (right or
wrong, in any of the three ways a client sends it) nor a WakaTime heartbeat's file name."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx2 as httpx

from tests.daemon_process import DaemonProcess

KEY = "zq-the-real-key-5b1e9c0d7a"
WRONG_KEY = "zq-a-wrong-key-3f8a2e6b1c"
FILE_NAME = "zq-salary-review-2026.py"


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(key.encode()).decode()


def test_the_log_names_folders_but_no_key_and_no_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "code" / "app"
    folder.mkdir(parents=True)
    daemon = DaemonProcess(tmp_path / "daemon.db", "--verbose", env={"OXITRACK_API_KEY": KEY})
    daemon.start()
    try:
        now = int(time.time())
        heartbeat = {"entity": str(folder / FILE_NAME), "type": "file", "time": now + 0.5}
        summaries = f"{daemon.url}/api/v1/users/current/summaries?range=today&api_key="
        for key, status in ((KEY, 200), (WRONG_KEY, 401)):
            beat = httpx.post(
                f"{daemon.url}/beat",
                json={"project_path": str(folder), "timestamp": now},
                headers={"Authorization": f"Bearer {key}"},
            )
            bulk = httpx.post(
                f"{daemon.url}/api/v1/users/current/heartbeats.bulk",
                json=[heartbeat, {"entity": FILE_NAME, "type": "file"}],  # one refused
                headers={"Authorization": _basic(key)},
            )
            read = httpx.get(summaries + key)
            assert (beat.status_code, read.status_code) == (status, status)
            assert bulk.status_code == (201 if status == 200 else 401)
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    log = "".join(daemon.stderr_lines)
    assert f"beat {folder}" in log  # --verbose names the folder
    assert "refused" in log  # the wrong keys and the bad heartbeat were logged
    for secret in (KEY, WRONG_KEY, base64.b64encode(KEY.encode()).decode(), FILE_NAME):
        assert secret not in log
