"""A live line per area on a terminal; nothing in a CI log (not a TTY, or $CI set)."""

from __future__ import annotations

import os
import sys

from conformance.catalog import REQUIREMENTS


class AreaProgress:
    """Rewrites one stderr line while an area runs; leaves a summary line per area when it is done."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.totals: dict[str, int] = {}
        for req in REQUIREMENTS:
            self.totals[req.area] = self.totals.get(req.area, 0) + 1
        self.area: str | None = None
        self.counts: dict[str, int] = {}

    @staticmethod
    def wanted(stream=None) -> bool:
        stream = stream or sys.stderr
        return stream.isatty() and not os.environ.get("CI")

    def __call__(self, requirement, result) -> None:
        if requirement.area != self.area:
            self.finish()
            self.area, self.counts = requirement.area, {}
        outcome = result.outcome.value
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        done = sum(self.counts.values())
        self.stream.write(f"\r\033[K{self.area:<13} {done}/{self.totals[self.area]}  {self._tally()}  {requirement.id}")
        self.stream.flush()

    def _tally(self) -> str:
        return " ".join(f"{n} {o}" for o, n in sorted(self.counts.items()))

    def finish(self) -> None:
        if self.area is not None:
            self.stream.write(f"\r\033[K{self.area:<13} {sum(self.counts.values())}/{self.totals[self.area]}  {self._tally()}\n")
            self.stream.flush()
            self.area = None
