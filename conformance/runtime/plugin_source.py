"""Where a manifest's plugin binary comes from: a file, or `go install module/cmd/x@version` when it is missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from conformance.errors import UsageError
from conformance.runtime.servers.locate import cache_dir

GO_INSTALL_TIMEOUT_S = 900.0  # a cold module download and build of a large plugin takes minutes


def obtain(binary: Path | None, go_install: str | None) -> Path | None:
    """The binary to certify: the manifest's file if present, else built from go_install (into that file's
    place, or into the suite's cache when the manifest names no file)."""
    if binary is not None and binary.exists() or not go_install:
        return binary
    target = binary or cache_dir() / "plugins" / re.sub(r"[^A-Za-z0-9._-]+", "_", go_install) / _command_name(go_install)
    if target.exists():
        return target
    go = shutil.which("go")
    if go is None:
        raise UsageError(f"plugin.go_install {go_install} needs Go on PATH (or build {target} yourself)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vpc-gobin-") as gobin:
        env = {**os.environ, "GOBIN": gobin, "CGO_ENABLED": "0"}
        try:
            done = subprocess.run([go, "install", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w", go_install],
                                  env=env, capture_output=True, text=True, timeout=GO_INSTALL_TIMEOUT_S,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise UsageError(f"go install {go_install} took longer than {GO_INSTALL_TIMEOUT_S:.0f} s") from None
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise UsageError(f"go install {go_install} failed: {last}")
        built = Path(gobin) / _command_name(go_install)
        shutil.move(str(built), target)
    return target


def _command_name(go_install: str) -> str:
    return go_install.split("@", 1)[0].rstrip("/").rsplit("/", 1)[-1]
