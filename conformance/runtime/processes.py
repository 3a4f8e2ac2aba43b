"""Starting and stopping child processes so that an interrupt can never orphan one."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading

INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def interrupts_held():
    """Hold Ctrl-C and SIGTERM back until the block is done; they take effect right after.

    Around what must not be cut in half: creating a child (an interrupt between
    fork and Popen's return, or during a container create, would leave one
    nobody knows about) and stopping one (an interrupt inside clean-up would
    skip the rest of it). Done with deferring handlers, not a signal mask, so
    children do not inherit blocked signals.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers live on the main thread; other threads are not interrupted
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum)) for sig in INTERRUPTS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in received:  # deliver what was held, to whatever handled it before
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)


@contextlib.contextmanager
def spawned(args: list[str], **kwargs):
    """Popen in its own session; interrupts are held until the caller's block, which stores the
    Popen object, is done (held across a bare return, one arriving during Popen would be delivered
    before the caller had the object, and the child would be left running unknown)."""
    with interrupts_held():
        yield subprocess.Popen(args, start_new_session=True, **kwargs)


def signal_group(pid: int, sig: int) -> None:
    """Signal a child's whole process group (it leads its own session)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
