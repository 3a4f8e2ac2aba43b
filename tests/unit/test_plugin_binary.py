"""Plugin binary preflight (conformance/runtime/plugin_binary.py) on small ELF files written here: existence,
type, exec bit, ELF architecture, and whether an ELF is static. Nothing is ever run."""

from __future__ import annotations

import hashlib
import os
import platform
import struct
from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.runtime.plugin_binary import (ELF_MACHINES, PT_INTERP, PluginBinary, elf_architecture,
                                               elf_is_static, file_sha256, host_architecture)

REPO = Path(__file__).resolve().parents[2]
MACHINE_OF = {name: number for number, name in ELF_MACHINES.items()}
PT_LOAD, PT_DYNAMIC, PT_NOTE = 1, 2, 4


def elf(machine: int, *, bits: int = 64, big_endian: bool = False, segments: tuple[int, ...] = (PT_LOAD,),
        extra: bytes = b"") -> bytes:
    """An ELF header and program header table with the given segment types (nothing else: it would not run)."""
    order = ">" if big_endian else "<"
    ident = b"\x7fELF" + bytes([2 if bits == 64 else 1, 2 if big_endian else 1, 1]) + bytes(9)
    if bits == 64:
        header_size, entry_size = 64, 56
        header = ident + struct.pack(order + "HHIQQQIHHHHHH", 2, machine, 1, 0x401000, header_size, 0, 0,
                                     header_size, entry_size, len(segments), 64, 0, 0)
        table = b"".join(struct.pack(order + "II", kind, 5) + bytes(entry_size - 8) for kind in segments)
    else:
        header_size, entry_size = 52, 32
        header = ident + struct.pack(order + "HHIIIIIHHHHHH", 2, machine, 1, 0x8048000, header_size, 0, 0,
                                     header_size, entry_size, len(segments), 40, 0, 0)
        table = b"".join(struct.pack(order + "I", kind) + bytes(entry_size - 4) for kind in segments)
    assert len(header) == header_size
    return header + table + extra


def write(path: Path, data: bytes, mode: int = 0o755) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


def host_elf(tmp_path: Path, name: str = "plugin", **kwargs) -> Path:
    return write(tmp_path / name, elf(MACHINE_OF[host_architecture()], **kwargs))


def refused(path) -> str:
    with pytest.raises(UsageError) as raised:
        PluginBinary.inspect(path)
    assert raised.value.exit_code == 2 and "\n" not in str(raised.value)
    return str(raised.value)


@pytest.mark.parametrize("number, name", sorted(ELF_MACHINES.items()))
def test_elf_architecture_of_each_known_machine(number, name):
    assert elf_architecture(elf(number)) == name


def test_a_big_endian_header_is_read_big_endian():
    assert elf_architecture(elf(22, big_endian=True)) == "s390x"
    assert elf_architecture(elf(21, big_endian=True)) == "ppc64"


def test_an_unknown_machine_is_named_by_its_number():
    assert elf_architecture(elf(999)) == "e_machine=999"


@pytest.mark.parametrize("header", [b"", b"\x7fELF", b"#!/bin/sh\necho hello world\n", b"MZ" + bytes(62),
                                    b"\x7fELF" + bytes(15)])
def test_what_is_not_an_elf_header(header):
    assert elf_architecture(header) is None


def test_a_good_binary_passes_with_its_digest_and_architecture(tmp_path):
    path = host_elf(tmp_path, extra=os.urandom(3000))
    binary = PluginBinary.inspect(path)
    assert binary.path == path.resolve() and binary.architecture == host_architecture()
    assert binary.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_path_through_a_symlink_and_home_is_resolved(tmp_path, monkeypatch):
    real = host_elf(tmp_path, "real-plugin")
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert PluginBinary.inspect("~/link").path == real.resolve()


def test_a_missing_binary(tmp_path):
    assert refused(tmp_path / "nope") == f"plugin binary not found: {tmp_path / 'nope'}"


def test_a_directory(tmp_path):
    assert refused(tmp_path) == f"plugin binary is a directory, not a file: {tmp_path}"


def test_a_fifo(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert refused(fifo) == f"plugin binary is not a regular file: {fifo}"


def test_no_exec_bit(tmp_path):
    path = write(tmp_path / "plugin", elf(MACHINE_OF[host_architecture()]), mode=0o644)
    assert refused(path) == f"plugin binary is not executable (chmod +x {path})"


def test_a_script_is_not_an_elf(tmp_path):
    path = write(tmp_path / "plugin.sh", b"#!/bin/sh\necho hi\n")
    assert refused(path) == f"plugin binary is not an ELF executable: {path}"


def test_an_empty_file_is_not_an_elf(tmp_path):
    path = write(tmp_path / "empty", b"")
    assert refused(path) == f"plugin binary is not an ELF executable: {path}"


def test_an_elf_for_another_architecture(tmp_path):
    other = "aarch64" if host_architecture() != "aarch64" else "x86_64"
    path = write(tmp_path / "foreign", elf(MACHINE_OF[other]))
    assert refused(path) == f"plugin binary is built for {other}, this machine is {host_architecture()}: {path}"


@pytest.mark.parametrize("machine, name", [("x86_64", "x86_64"), ("amd64", "x86_64"), ("AMD64", "x86_64"),
                                           ("arm64", "aarch64"), ("aarch64", "aarch64"), ("i686", "i386"),
                                           ("riscv64", "riscv64"), ("s390x", "s390x")])
def test_host_architecture_spells_machines_as_elf_does(monkeypatch, machine, name):
    monkeypatch.setattr(platform, "machine", lambda: machine)
    assert host_architecture() == name


@pytest.mark.parametrize("machine, elf_machine", [("ppc64le", 21), ("armv7l", 40)])
def test_a_native_binary_passes_on_power_and_32_bit_arm(tmp_path, monkeypatch, machine, elf_machine):
    monkeypatch.setattr(platform, "machine", lambda: machine)
    path = write(tmp_path / "plugin", elf(elf_machine, bits=32 if elf_machine == 40 else 64))
    assert PluginBinary.inspect(path).path == path.resolve()


@pytest.mark.parametrize("bits, big_endian", [(64, False), (32, False), (64, True), (32, True)])
def test_without_an_interpreter_an_elf_is_static(tmp_path, bits, big_endian):
    path = write(tmp_path / "p", elf(62, bits=bits, big_endian=big_endian, segments=(PT_LOAD, PT_LOAD, PT_NOTE)))
    assert elf_is_static(path) is True


@pytest.mark.parametrize("bits, big_endian", [(64, False), (32, False), (64, True), (32, True)])
def test_with_an_interpreter_an_elf_is_dynamic(tmp_path, bits, big_endian):
    path = write(tmp_path / "p", elf(62, bits=bits, big_endian=big_endian,
                                     segments=(PT_LOAD, PT_INTERP, PT_DYNAMIC, PT_LOAD)))
    assert elf_is_static(path) is False


def test_a_file_that_is_not_elf_is_not_static(tmp_path):
    assert elf_is_static(write(tmp_path / "s", b"#!/bin/sh\n")) is False


def test_the_built_plugins_are_static_and_the_systems_shell_is_not():
    # read, not run: Go builds them with CGO_ENABLED=0; /bin/sh comes with the distribution's loader
    assert elf_is_static(REPO / "plugins_under_test" / "bin" / "reference-secrets") is True
    assert elf_is_static(Path(os.path.realpath("/bin/sh"))) is False


def test_file_sha256_reads_in_blocks(tmp_path):
    data = os.urandom((1 << 20) * 2 + 12345)  # more than one 1 MiB block
    path = tmp_path / "big"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
