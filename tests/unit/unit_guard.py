"""What the unit tier must never start, and how it notices (used by conftest.py; tested by test_unit_guard.py).

Two nets. An audit hook (sys.addaudithook) sees every program this test process starts while a unit test runs,
its fixtures included (subprocess.Popen, os.posix_spawn, os.exec*, os.spawn*, os.system), even one that ends at
once. psutil looks at this process's children, recursively, for one that outlived its test.
"""

from __future__ import annotations

import fnmatch
import os
import sys

import psutil

# Servers, the plugins under test, Docker, Go.
FORBIDDEN = ("bao", "bao-*", "vault", "vault-*", "reference-*", "mutant-*", "hostile-*", "redis-server",
             "docker", "dockerd", "containerd*", "go")
ALLOWED = ("vault-conformance",)  # the suite's own command line


def forbidden(name: str | bytes | os.PathLike | None) -> bool:
    base = os.path.basename(os.fsdecode(name or ""))
    return base not in ALLOWED and any(fnmatch.fnmatch(base, pattern) for pattern in FORBIDDEN)


def program_of(event: str, args: tuple) -> str | None:
    """The program an audit event starts, or None when the event starts none."""
    if event == "subprocess.Popen":
        executable, argv = args[0], args[1]
        if isinstance(argv, (str, bytes, os.PathLike)):
            argv = [argv]
        argv = list(argv or [])
        return os.fsdecode(executable or (argv[0] if argv else ""))
    if event in ("os.posix_spawn", "os.exec", "os.spawn"):
        return os.fsdecode(args[0])
    if event == "os.system":
        words = os.fsdecode(args[0]).split()
        return words[0] if words else ""
    return None


class Spawns:
    """Programs started while a unit test runs: (test id, program). The hook stays for the life of the process,
    as audit hooks do; it records only while `active`."""

    active = False
    test_id = ""
    seen: list[tuple[str, str]] = []

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if cls.active:
            program = program_of(event, args)
            if program is not None:
                cls.seen.append((cls.test_id, program))


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        sys.addaudithook(Spawns.hook)
        _installed = True


def children() -> dict[int, str]:
    """This process's live descendants: pid -> a name (a forbidden one, if any of its names is)."""
    found = {}
    for child in psutil.Process().children(recursive=True):
        try:
            names = [child.name()] + [os.path.basename(a) for a in child.cmdline()[:1]]
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        found[child.pid] = next((n for n in names if forbidden(n)), names[0])
    return found
