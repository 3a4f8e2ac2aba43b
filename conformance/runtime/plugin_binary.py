"""The plugin binary under test: preflight checks before anything runs it."""

from __future__ import annotations

import hashlib
import os
import platform
import stat
from dataclasses import dataclass
from pathlib import Path

from conformance.errors import UsageError

# ELF e_machine values for the architectures a plugin host runs on.
ELF_MACHINES = {
    3: "i386",
    40: "arm",
    62: "x86_64",
    183: "aarch64",
    243: "riscv64",
    21: "ppc64",
    22: "s390x",
}
# platform.machine() names -> ELF's: POWER little-endian and 32-bit ARM hosts name their variant.
HOST_MACHINE_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "i686": "i386", "ppc64le": "ppc64",
                        "armv7l": "arm", "armv6l": "arm"}


def host_architecture() -> str:
    machine = platform.machine().lower()
    return HOST_MACHINE_ALIASES.get(machine, machine)


def elf_architecture(header: bytes) -> str | None:
    """The architecture named by an ELF header, or None if it is not ELF."""
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    byteorder = "little" if header[5] == 1 else "big"
    machine = int.from_bytes(header[18:20], byteorder)
    return ELF_MACHINES.get(machine, f"e_machine={machine}")


@dataclass(frozen=True)
class PluginBinary:
    path: Path
    sha256: str
    architecture: str

    @classmethod
    def inspect(cls, raw_path: str | os.PathLike) -> "PluginBinary":
        """Preflight: exists, regular file, executable, ELF for this machine. UsageError otherwise."""
        path = Path(raw_path).expanduser()
        if not path.exists():
            raise UsageError(f"plugin binary not found: {path}")
        if path.is_dir():
            raise UsageError(f"plugin binary is a directory, not a file: {path}")
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise UsageError(f"plugin binary is not a regular file: {path}")
        if not os.access(path, os.R_OK):
            raise UsageError(f"plugin binary is not readable: {path}")
        if not os.access(path, os.X_OK):
            raise UsageError(f"plugin binary is not executable (chmod +x {path})")
        with open(path, "rb") as handle:
            header = handle.read(64)
        arch = elf_architecture(header)
        if arch is None:
            raise UsageError(f"plugin binary is not an ELF executable: {path}")
        if arch != host_architecture():
            raise UsageError(f"plugin binary is built for {arch}, this machine is {host_architecture()}: {path}")
        return cls(path=path.resolve(), sha256=file_sha256(path), architecture=arch)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


PT_INTERP = 3


def elf_is_static(path: Path) -> bool:
    """True when the ELF has no program interpreter (PT_INTERP): it runs in a FROM scratch image."""
    with open(path, "rb") as handle:
        header = handle.read(64)
        if header[:4] != b"\x7fELF":
            return False
        is64 = header[4] == 2
        order = "little" if header[5] == 1 else "big"

        def number(data: bytes, start: int, size: int) -> int:
            return int.from_bytes(data[start:start + size], order)

        phoff = number(header, 32, 8) if is64 else number(header, 28, 4)
        phentsize = number(header, 54, 2) if is64 else number(header, 42, 2)
        phnum = number(header, 56, 2) if is64 else number(header, 44, 2)
        handle.seek(phoff)
        table = handle.read(phentsize * phnum)
    return all(number(table, i * phentsize, 4) != PT_INTERP for i in range(phnum))
