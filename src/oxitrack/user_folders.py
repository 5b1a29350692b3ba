"""Where OxiTrack keeps its files for this user: the data and config folders, by each platform's
rule (XDG on Linux and the BSDs), and the home folder they fall back on.

Stdlib only and cheap: every command resolves its settings, and so these paths, at start.
"""

from __future__ import annotations

import os
import sys

APP_NAME = "oxitrack"


def default_db_path() -> str:
    """``oxitrack.db`` in the platform's user data folder (``~/.local/share/oxitrack`` on Linux)."""
    return os.path.join(_user_dir("data"), "oxitrack.db")


def default_config_path() -> str:
    """``config.toml`` in the user config folder (``~/.config/oxitrack`` on Linux)."""
    return os.path.join(_user_dir("config"), "config.toml")


def _user_dir(kind: str) -> str:
    """The user's ``data`` or ``config`` folder for OxiTrack.

    On Linux and the BSDs this is the XDG rule, computed here: ``platformdirs`` pulls in
    ``tempfile`` and ``shutil`` on these systems, ~5 ms of the 40 ms ``oxitrack today`` budget.
    Elsewhere (macOS, Windows) ``platformdirs`` knows the conventions.
    """
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return os.path.join(xdg_base(kind), APP_NAME)
    import platformdirs

    finder = platformdirs.user_data_dir if kind == "data" else platformdirs.user_config_dir
    return finder(APP_NAME, appauthor=False)


def xdg_base(kind: str) -> str:
    """``$XDG_DATA_HOME`` or ``$XDG_CONFIG_HOME`` (``kind`` ``data`` or ``config``), else its
    default under the home folder.

    The XDG rule: a relative value is invalid and ignored. Followed, it made the database a
    different file in every folder a command ran from.
    """
    variable, fallback = _XDG[kind]
    base = os.environ.get(variable, "").strip()
    return base if base.startswith("/") else os.path.join(home(), fallback)


def home() -> str:
    """The user's home folder: ``$HOME``, else (unset or empty) the password database's.

    ``os.path.expanduser`` takes an empty ``HOME`` for ``/``: ``HOME= oxitrack serve`` made
    ``/.local/share/oxitrack``.
    """
    variable = os.environ.get("HOME", "")
    if variable.strip():
        return variable
    import pwd  # lazily: only without HOME

    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:  # a uid the system does not know (a container's): not "~", relative
        return "/"


_XDG = {"data": ("XDG_DATA_HOME", ".local/share"), "config": ("XDG_CONFIG_HOME", ".config")}
