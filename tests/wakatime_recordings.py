"""Requests as WakaTime clients send them, for the HTTP tests of the WakaTime endpoints.

``PYTHON_CLI_*``: recorded from the pure-Python client ``wakatime==13.1.0`` (``--plugin
"vim/9.0 vim-wakatime/11.1.0"``, a file in a git repository, one ``--extra-heartbeats`` entry):
no ``project_root_count``, ``category`` null, ``dependencies`` sent. ``GO_CLI_*``: the shape of the
Go wakatime-cli (fields omitted when empty, ``project_root_count`` counted as the CLI counts it,
the plugin in the User-Agent after the Go version). ``{root}`` stands for the repository folder
and ``{time}`` values are filled in by the tests.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

KEY = "0c4c1c0e-6f0e-4b8e-9d6a-2f3b8c1d5e7a"  # wakatime clients only accept UUID-shaped keys

PYTHON_CLI_USER_AGENT = (
    "wakatime/13.1.0 (Linux-6.18.44-fc-v769-x86_64-with-glibc2.36) Python3.9.18.final.0 "
    "vim/9.0 vim-wakatime/11.1.0"
)
GO_CLI_USER_AGENT = (
    "wakatime/v1.102.1 (linux-6.8.0-49-generic-x86_64) go1.23.2 zed/0.165.4 zed-wakatime/0.1.9"
)


def basic(key: str = KEY) -> str:
    """``Authorization`` as both CLIs send it: Basic base64 of the bare key (no ``user:``)."""
    return "Basic " + base64.b64encode(key.encode()).decode()


PYTHON_CLI_HEADERS = {
    "User-Agent": PYTHON_CLI_USER_AGENT,
    "Accept-Encoding": "gzip, deflate",
    "Accept": "application/json",
    "Connection": "keep-alive",
    "Content-Type": "application/json",
    "Authorization": basic(),
    "X-Machine-Name": "vm",
}

GO_CLI_HEADERS = {
    "User-Agent": GO_CLI_USER_AGENT,
    "Accept": "application/json",
    "Content-Type": "application/json",
    "Authorization": basic(),
    "X-Machine-Name": "devbox",
    "Timezone": "Europe/Paris",
}

_PYTHON_CLI_HEARTBEAT: dict[str, Any] = {
    "time": 0.0,
    "entity": "{root}/src/a.py",
    "type": "file",
    "category": None,
    "is_write": True,
    "project": "repo",
    "branch": "master",
    "language": "Python",
    "dependencies": [],
    "lines": 1,
    "lineno": None,
    "cursorpos": None,
    "user_agent": PYTHON_CLI_USER_AGENT,
}

_GO_CLI_HEARTBEAT: dict[str, Any] = {
    "branch": "main",
    "category": "coding",
    "cursorpos": 12,
    "dependencies": ["os", "sys"],
    "entity": "{root}/src/main.py",
    "type": "file",
    "is_write": True,
    "language": "Python",
    "lineno": 42,
    "lines": 100,
    "project": "app",
    "project_root_count": 0,  # filled in: the slashes of "{root}/"
    "time": 0.0,
    "user_agent": GO_CLI_USER_AGENT,
}


def python_cli_heartbeat(root: str, time: float, **changes: Any) -> dict[str, Any]:
    return _fill(_PYTHON_CLI_HEARTBEAT, root, time, changes)


def go_cli_heartbeat(root: str, time: float, **changes: Any) -> dict[str, Any]:
    heartbeat = _fill(_GO_CLI_HEARTBEAT, root, time, changes)
    if "project_root_count" not in changes:
        heartbeat["project_root_count"] = (root.rstrip("/") + "/").count("/")
    return heartbeat


def _fill(
    template: dict[str, Any], root: str, time: float, changes: dict[str, Any]
) -> dict[str, Any]:
    heartbeat = copy.deepcopy(template)
    heartbeat["entity"] = heartbeat["entity"].format(root=root)
    heartbeat["time"] = time
    heartbeat.update(changes)
    return heartbeat
