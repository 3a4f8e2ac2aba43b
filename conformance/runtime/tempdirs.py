"""Private temp dirs short enough for unix sockets.

Plugins (go-plugin) and servers create their sockets inside TMPDIR; a socket
path is limited to 107 bytes (sun_path), so a deep TMPDIR makes every plugin
fail to listen. Temp dirs go under TMPDIR when that leaves room, else /tmp.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conformance.runtime import strays

# Room left for what goes inside: go-plugin's "plugin" + 10 digits, a nested dir, a separator.
MAX_BASE_LENGTH = 70


def short_tempdir(prefix: str) -> Path:
    base = tempfile.gettempdir()
    if len(base) + len(prefix) + 9 > MAX_BASE_LENGTH:
        base = "/tmp"
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    (path / OWNER_FILE).write_text(strays.owner_tag())  # `vault-conformance cleanup` tells a killed run's dirs
    return path


OWNER_FILE = ".vpc-owner"
PREFIX = "vpc-"


def remove_orphaned_tempdirs() -> list[Path]:
    """Remove the temp dirs of suite processes that are gone (a run killed with SIGKILL)."""
    return _remove_where(lambda tag: not strays.owner_alive(tag))


def remove_tempdirs_of(owner: str) -> list[Path]:
    """Remove the temp dirs this owner tag made (the sweep at the end of an interrupted run)."""
    return _remove_where(lambda tag: tag == owner)


def _remove_where(owned) -> list[Path]:
    removed = []
    for base in sorted({Path(tempfile.gettempdir()), Path("/tmp")}):
        for candidate in base.glob(f"{PREFIX}*"):
            marker = candidate / OWNER_FILE
            try:
                tag = marker.read_text().strip()
            except OSError:
                continue  # not one of ours, or not readable: leave it
            if owned(tag):
                shutil.rmtree(candidate, ignore_errors=True)
                removed.append(candidate)
    return removed
