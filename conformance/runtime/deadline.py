"""The certification's deadline (--deadline): no check starts after it, and no request through the server
outlives it by more than a second (a plugin that answers every request in 30 s would otherwise hold a single
check that sends several requests for minutes)."""

from __future__ import annotations

import time
from dataclasses import dataclass

GRACE_S = 1.0  # a request started just before the deadline may take this long past it


class DeadlinePassed(BaseException):
    """Raised by a request that the deadline cut short. A BaseException so that a check's own `except Exception`
    (a best-effort step) cannot take it for the plugin's answer: the runner reports the check as an error."""


@dataclass(frozen=True)
class Deadline:
    started: float  # time.monotonic() at the start of the certification
    seconds: float

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def passed(self) -> bool:
        return self.remaining() < 0

    def bound(self, timeout: float) -> float:
        """timeout, shortened so a request ends by the deadline (plus the grace); DeadlinePassed if it has passed."""
        remaining = self.remaining()
        if remaining < 0:
            raise DeadlinePassed(f"the certification's deadline ({self.seconds:g} s, --deadline) had passed")
        return min(timeout, remaining + GRACE_S)
