"""The one owner of start, stop, interrupts and clean-up (invariants: docs/architecture.md).

- `ENDING`: the run's one cancellation flag, set by the first Ctrl-C or SIGTERM; every bounded wait of the
  runtime (`pause`) looks at it, so a background thread waiting on a plugin or server ends at once.
- `interrupts_held` / `spawned`: the one place that holds interrupts while a child process or a container is
  created or stopped, so an interrupt can never orphan one.
- `Held`: the registry of everything a run started (plugin processes, wire hosts, servers); `stop_all` stops
  each whatever happened, newest first, and may be called again.
What a killed run (kill -9) leaves is found afterwards by its owner tag (runtime/strays.py) and
`vault-conformance cleanup`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading

INTERRUPTS = {signal.SIGINT, signal.SIGTERM}

ENDING = threading.Event()  # set by the first interrupt: the run is being torn down


def ending() -> bool:
    return ENDING.is_set()


def pause(seconds: float) -> bool:
    """Sleep up to `seconds` in a bounded wait; True (at once) when the run is ending: stop waiting."""
    return ENDING.wait(seconds)


def sweep_own() -> None:
    """The last word of an interrupted run, once everything it holds was stopped: end every process and remove every
    temp dir that carries this process's owner tag. A background thread the run could not wait for (blocked in a
    call no interrupt reaches) may have made one after the clean-up; the process exits right after this."""
    from conformance.runtime import strays, tempdirs  # the runtime's own, loaded by then: no import in a handler

    tag = strays.owner_tag()
    strays.kill([p for p in strays.others() if strays.environ(p).get(strays.OWNER_VARIABLE) == tag])
    tempdirs.remove_tempdirs_of(tag)


class Held:
    """Everything one run started and must stop: registered when started, stopped by stop_all whatever
    happened (an interrupt, a failed check, a background thread still waiting on it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resources: list = []

    def hold(self, resource):
        """Register a resource with stop() or close(); returns it (use as `with held.hold(X(...)) as x:`)."""
        with self._lock:
            self._resources.append(resource)
        return resource

    def stop_all(self) -> None:
        """Stop every registered resource, newest first; best effort on the way out, and safe to repeat."""
        with self._lock:
            resources = list(reversed(self._resources))
        for resource in resources:
            try:
                resource.stop() if hasattr(resource, "stop") else resource.close()
            except Exception:  # noqa: BLE001 - best effort on the way out: the others must still stop
                pass


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
