"""Observations made once per run, whichever thread asks first.

A certification makes its long observations (the wire host's run, the launches,
the discovery) in background threads while checks on the main thread may ask for
the same ones. `functools.cached_property` is no help here: up to Python 3.11 it
held one lock per property (for all instances), and 3.12 removed that lock, so
two threads asking at once each computed the value (the wire host launched
twice, and its second run fought the first). `Memo.once` holds a lock per key:
the first caller computes, every other caller waits for that result.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")
_MISSING = object()


class Memo:
    """Values by key, each made once; an exception is remembered and raised again to every later caller."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._made: dict[str, tuple[bool, Any]] = {}

    def once(self, key: str, observe: Callable[[], T]) -> T:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._made:
                try:
                    self._made[key] = (True, observe())
                except Exception as error:  # noqa: BLE001 - re-raised to every caller; interrupts are not kept
                    self._made[key] = (False, error)
        ok, value = self._made[key]
        if not ok:
            raise value
        return value

    def made(self, key: str) -> bool:
        """Whether the value (or its failure) is in; never waits and never starts it."""
        return key in self._made

    def peek(self, key: str, default: Any = None) -> Any:
        """The value if it was made successfully, else default; never waits and never starts it."""
        ok, value = self._made.get(key, (False, _MISSING))
        return value if ok else default


class observation(Generic[T]):  # noqa: N801 - used as a decorator, like property
    """A read-only attribute computed once per instance through the instance's `memo` (a Memo): the thread-safe
    replacement for functools.cached_property on objects that background threads share."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return instance.memo.once(self.name, lambda: self.compute(instance))
