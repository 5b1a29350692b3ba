"""Which build of OxiTrack this is: a fingerprint of the installed package's files.

Every version so far calls itself 0.1.0, so ``/health``'s version could not tell the daemon
running since last week from the package installed since: ``service status`` could not say that
a daemon runs code older than the one installed (an upgrade without a schema change), nor a
dashboard tab that the page it runs is not the daemon's any more. Two installs of the same files
have the same build; any change to a module or a page file gives another.

Stdlib only; read once per process, on first use (a few milliseconds), never on the beat path.
"""

from __future__ import annotations

import functools
import hashlib
import os

# Enough to tell builds apart at a glance, short enough to read: 48 bits.
_BUILD_DIGEST_BYTES = 6
# What Python writes beside the package's files, which differs between two installs of it.
_NOT_THE_BUILD = ("__pycache__",)


def build_of(package_folder: str) -> str:
    """The fingerprint of the files under ``package_folder``: their paths and bytes, in path
    order, so the same files give the same build wherever they are installed."""
    digest = hashlib.blake2b(digest_size=_BUILD_DIGEST_BYTES)
    found: list[str] = []
    for folder, subfolders, files in os.walk(package_folder):
        subfolders[:] = [name for name in subfolders if name not in _NOT_THE_BUILD]
        found.extend(os.path.join(folder, name) for name in files if not name.endswith(".pyc"))
    for path in sorted(found):
        relative = os.path.relpath(path, package_folder).replace(os.sep, "/")
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        with open(path, "rb") as read:
            digest.update(hashlib.blake2b(read.read()).digest())
    return digest.hexdigest()


@functools.cache
def build_id() -> str:
    """This process's build: the fingerprint of the ``oxitrack`` package it imported."""
    return build_of(os.path.dirname(os.path.abspath(__file__)))
