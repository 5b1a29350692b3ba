"""Fixtures of the end-to-end ring: the real WakaTime client, installed by the project's script."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
WAKATIME_CLIENT = REPO_ROOT / ".venv-wakatime" / "bin" / "wakatime"


@pytest.fixture(scope="session")
def wakatime_client() -> Path:
    """The ``wakatime`` 13.1.0 command (pure Python, Python 3.9), installed if missing.

    ``scripts/test`` runs ``scripts/setup-wakatime-client`` first; running it again here lets
    this test work under a bare ``pytest`` too. Skipped only when no Python 3.9 exists.
    """
    if not WAKATIME_CLIENT.exists():
        setup = subprocess.run(
            [str(REPO_ROOT / "scripts" / "setup-wakatime-client")],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if setup.returncode != 0:
            pytest.fail(f"scripts/setup-wakatime-client failed:\n{setup.stdout}{setup.stderr}")
        if not WAKATIME_CLIENT.exists():
            message = f"WakaTime client not installed: {setup.stdout.strip()}"
            if os.environ.get("CI"):  # CI machines have Python 3.9: never pass by skipping
                pytest.fail(message)
            pytest.skip(message)
    return WAKATIME_CLIENT
