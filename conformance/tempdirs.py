"""Private temp dirs short enough for unix sockets.

Plugins (go-plugin) and servers create their sockets inside TMPDIR; a socket
path is limited to 107 bytes (sun_path), so a deep TMPDIR makes every plugin
fail to listen. Temp dirs go under TMPDIR when that leaves room, else /tmp.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

# Room left for what goes inside: go-plugin's "plugin" + 10 digits, a nested dir, a separator.
MAX_BASE_LENGTH = 70


def short_tempdir(prefix: str) -> Path:
    base = tempfile.gettempdir()
    if len(base) + len(prefix) + 9 > MAX_BASE_LENGTH:
        base = "/tmp"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))
