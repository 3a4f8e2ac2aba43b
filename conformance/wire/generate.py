"""Generate the Python code of the plugin wire protocol from proto/.

The .proto files live in the repository's proto/conformance/wire/; protoc is
run with proto/ as include root, so the generated modules land in the package
conformance.wire and import each other as conformance.wire.X: no import
rewriting needed. Three flavours per file: messages (_pb2), grpcio stubs
(_pb2_grpc) and grpclib stubs (_grpc). grpclib is the one that speaks to real
plugins, because grpcio's BoringSSL refuses the P-521 certificates of AutoMTLS
(see conformance/wire/__init__.py).

This module must import nothing from the conformance package: setup.py runs it
by path at build time (into a wheel's build dir, or next to the sources for an
editable install); `python -m conformance.wire.generate [DIR]` runs it by hand.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

WIRE_DIR = Path(__file__).resolve().parent
SOURCE_PROTO_ROOT = WIRE_DIR.parents[1] / "proto"
STAMP_NAME = "_generated_from"


def proto_files(proto_root: Path) -> list[Path]:
    return sorted((proto_root / "conformance" / "wire").glob("*.proto"))


def sources_digest(proto_root: Path) -> str:
    digest = hashlib.sha256()
    for path in proto_files(proto_root):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _grpclib_plugin() -> str:
    found = shutil.which("protoc-gen-grpclib_python")
    if found:
        return found
    # Console scripts sit next to the interpreter when PATH does not name them.
    candidate = Path(sys.executable).parent / "protoc-gen-grpclib_python"
    if candidate.exists():
        return str(candidate)
    raise RuntimeError("protoc-gen-grpclib_python not found: install grpclib")


def run_protoc(proto_root: Path, out_root: Path) -> None:
    """Write conformance/wire/*.py under out_root."""
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p.relative_to(proto_root)) for p in proto_files(proto_root)]
    if not files:
        raise RuntimeError(f"no .proto files under {proto_root}/conformance/wire")
    args = [
        "grpc_tools.protoc",
        f"-I{proto_root}",
        f"-I{well_known}",
        f"--python_out={out_root}",
        f"--grpc_python_out={out_root}",
        f"--plugin=protoc-gen-grpclib_python={_grpclib_plugin()}",
        f"--grpclib_python_out={out_root}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {proto_root}")


def generate_into(package_dir: Path, proto_root: Path = SOURCE_PROTO_ROOT) -> None:
    """Regenerate package_dir/*_pb2*.py and *_grpc.py unless the stamp says they are current."""
    digest = sources_digest(proto_root)
    package_dir.mkdir(parents=True, exist_ok=True)
    with open(package_dir / ".generate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers generate once
        stamp = package_dir / STAMP_NAME
        if stamp.exists() and stamp.read_text().strip() == digest:
            return
        with tempfile.TemporaryDirectory(prefix="vpc-protoc-") as tmp:
            run_protoc(proto_root, Path(tmp))
            for produced in (Path(tmp) / "conformance" / "wire").glob("*.py"):
                target = package_dir / produced.name
                shutil.copyfile(produced, target.with_suffix(".tmp"))
                os.replace(target.with_suffix(".tmp"), target)
        stamp.write_text(digest + "\n")


if __name__ == "__main__":
    generate_into(Path(sys.argv[1]) if len(sys.argv) > 1 else WIRE_DIR)
