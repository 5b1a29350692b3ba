"""wakatime-cli on Windows against a real ``oxitrack serve``: the paths as that CLI writes them.

On Windows the CLI sends a file's path with forward slashes (``C:/Users/me/app/main.py``), a
share's with its leading pair of backslashes kept (``\\\\wsl.localhost/Ubuntu/home/me/app``, the
form a Windows editor gets for a project inside WSL), and counts the project folder's ``/`` for
``project_root_count``. A daemon in WSL, or on another machine, keeps those folders as they are
written, without looking for them on its own disk.
"""

from __future__ import annotations

import time

import httpx2 as httpx
import pytest

from tests.daemon_process import DaemonProcess
from tests.sessions_model import stored_sessions
from tests.wakatime_recordings import GO_CLI_HEADERS

pytestmark = pytest.mark.e2e

BULK = "/api/v1/users/current/heartbeats.bulk"
WINDOWS_USER_AGENT = (
    "wakatime/v2.15.0 (windows-10.0.22631.4460-x86_64) go1.24.4 "
    "PyCharmCore/2024.1.4 PyCharmCore-wakatime/15.0.0"
)
WSL_HOME = "\\\\wsl.localhost/Ubuntu/home/me"


def _cli_folder_count(folder: str) -> int:
    """``project_root_count`` as the CLI computes it: the ``/`` of the folder with one more."""
    return (folder.rstrip("/") + "/").count("/")


def _heartbeat(folder: str, file: str, at: float, project: str) -> dict[str, object]:
    return {
        "entity": f"{folder}/{file}",
        "type": "file",
        "category": "coding",
        "time": at,
        "project": project,
        "project_root_count": _cli_folder_count(folder),
        "language": "Python",
        "is_write": False,
        "user_agent": WINDOWS_USER_AGENT,
    }


def test_projects_in_a_share_are_the_folders_the_cli_counted(daemon: DaemonProcess):
    """Two projects under WSL's home, as a Windows IDE editing them sends them, and one on a
    drive: three folders. A share's count used to be read as if its two leading backslashes
    were two more ``/``, two folders short: every project under ``code`` became the home
    folder ``…\\home\\me``, one project of all of them."""
    app, lib, site = f"{WSL_HOME}/code/app", f"{WSL_HOME}/code/lib", "C:/Users/me/work/site"
    now = time.time()
    sent = [
        _heartbeat(app, "src/main.py", now - 300.5, "app"),
        _heartbeat(lib, "lib/__init__.py", now - 200.5, "lib"),
        _heartbeat(site, "index.html", now - 100.5, "site"),
        _heartbeat(app, "src/main.py", now - 0.5, "app"),
    ]
    headers = {**GO_CLI_HEADERS, "User-Agent": WINDOWS_USER_AGENT}
    answer = httpx.post(f"{daemon.url}{BULK}", json=sent, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text
    lines = answer.json()["responses"]
    assert [status for _, status in lines] == [201] * 4
    wsl_code = "\\\\wsl.localhost\\Ubuntu\\home\\me\\code"
    assert [body["data"]["project_path"] for body, _ in lines] == [
        f"{wsl_code}\\app",
        f"{wsl_code}\\lib",
        "C:\\Users\\me\\work\\site",
        f"{wsl_code}\\app",
    ]
    assert stored_sessions(daemon.db_path) == [
        ("C:\\Users\\me\\work\\site", int(now - 100.5), int(now - 100.5)),
        (f"{wsl_code}\\app", int(now - 300.5), int(now - 0.5)),
        (f"{wsl_code}\\lib", int(now - 200.5), int(now - 200.5)),
    ]
