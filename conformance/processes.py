"""Starting and stopping child processes so that an interrupt can never orphan one."""

from __future__ import annotations

import os
import signal
import subprocess

INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def spawn(args: list[str], **kwargs) -> subprocess.Popen:
    """Popen with Ctrl-C and SIGTERM held back until the Popen object exists.

    An interrupt that lands between fork and Popen's return would leave a child
    nobody knows about; held back, it arrives once the caller can stop it.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
    try:
        return subprocess.Popen(args, start_new_session=True, **kwargs)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def signal_group(pid: int, sig: int) -> None:
    """Signal a child's whole process group (it leads its own session)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
