"""How a check ends: passed, failed, skipped or error, and the evidence it leaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Outcome(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


class CheckFailed(Exception):
    """The plugin did not do what the requirement says."""

    def __init__(self, expected: str, seen: str):
        super().__init__(f"expected {expected}; saw {seen}")
        self.expected = expected
        self.seen = seen


class Skip(Exception):
    """The requirement does not apply here, or could not be reached."""


def expect(condition: bool, expected: str, seen: str) -> None:
    if not condition:
        raise CheckFailed(expected, seen)


@dataclass
class Evidence:
    """What a check sent and saw, for the reports (secrets are redacted on write)."""

    facts: dict[str, Any] = field(default_factory=dict)

    def __setitem__(self, key: str, value: Any) -> None:
        self.facts[key] = value

    def __getitem__(self, key: str) -> Any:
        return self.facts[key]

    def update(self, values: dict[str, Any]) -> None:
        self.facts.update(values)
