"""Importing the package writes nothing: the gRPC modules are generated at build time (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import conformance

PACKAGE = Path(conformance.__file__).resolve().parent


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root but bytecode caches, with its size and modification time."""
    found = {}
    for path in root.rglob("*"):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        stat = path.stat()
        found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


def test_importing_the_wire_package_leaves_the_package_directory_unchanged():
    lock = PACKAGE / "wire" / ".generate.lock"  # what generating on import used to create
    lock.unlink(missing_ok=True)
    before = snapshot(PACKAGE)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "-c", "import conformance.wire, conformance.wire.backend_grpc, "
                    "conformance.wirehost.host, conformance.cli"], check=True, env=env, timeout=60)
    assert snapshot(PACKAGE) == before


def test_the_generated_modules_are_there_after_install():
    stamp = PACKAGE / "wire" / "_generated_from"
    assert stamp.exists(), "pip install (or python -m conformance.wire.generate) generates them"
    assert (PACKAGE / "wire" / "backend_grpc.py").exists()
