"""Processes that outlive what started them, found by what they cannot shed.

A plugin can fork a child that leaves the plugin's process group and session
(setsid), so signalling the group misses it. What such a child keeps is found
instead: the pipe it inherited from the plugin (its stdout/stderr), or the
TMPDIR every process of a run inherits from the server or the suite (each run
owns private temp dirs), or the VPC_OWNER tag naming the suite process that
started the run (so `vault-conformance cleanup` can end the processes of a run
that was SIGKILLed).
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil

OWNER_VARIABLE = "VPC_OWNER"
KILL_WAIT_S = 5.0


def owner_tag(pid: int | None = None) -> str:
    """pid:start-time of a suite process (the start time tells a reused pid from the owner)."""
    process = psutil.Process(pid or os.getpid())
    return f"{process.pid}:{process.create_time():.2f}"


def owner_alive(tag: str) -> bool:
    pid, _, started = tag.partition(":")
    try:
        return f"{psutil.Process(int(pid)).create_time():.2f}" == started
    except (psutil.NoSuchProcess, ValueError):
        return False


def environ(process: psutil.Process) -> dict[str, str]:
    try:
        return process.environ()
    except (psutil.Error, OSError):
        return {}


def _live(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def others():
    me = os.getpid()
    for process in psutil.process_iter():
        if process.pid != me and _live(process):
            yield process


def with_tmpdir_under(directory: Path) -> list[psutil.Process]:
    """Live processes whose TMPDIR lies in directory (they belong to the run that owns it)."""
    root = str(directory).rstrip("/")
    found = []
    for process in others():
        tmpdir = environ(process).get("TMPDIR", "")
        if tmpdir == root or tmpdir.startswith(root + "/"):
            found.append(process)
    return found


def holding_pipe(fd: int) -> list[psutil.Process]:
    """Live processes (not this one) with an end of the pipe fd open."""
    target = f"pipe:[{os.fstat(fd).st_ino}]"
    found = []
    for process in others():
        try:
            fds = os.listdir(f"/proc/{process.pid}/fd")
        except OSError:
            continue
        for entry in fds:
            try:
                if os.readlink(f"/proc/{process.pid}/fd/{entry}") == target:
                    found.append(process)
                    break
            except OSError:
                continue
    return found


def orphaned() -> list[psutil.Process]:
    """Processes tagged with a suite process that is gone (a run killed before it could clean up)."""
    return [p for p in others() if (tag := environ(p).get(OWNER_VARIABLE)) and not owner_alive(tag)]


def kill(processes: list[psutil.Process]) -> list[str]:
    """SIGKILL each and wait (bounded); what was killed, described."""
    described = []
    for process in processes:
        try:
            described.append(f"pid {process.pid} ({process.name()})")
            process.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(processes, timeout=KILL_WAIT_S)
    return described
