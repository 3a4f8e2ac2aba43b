"""How a check ends: passed, failed, skipped or error, and the evidence it leaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


MAX_EVIDENCE_STRING = 4096  # a plugin's 100 MB answer is evidence by its start and its size, not whole


def bounded(value: Any) -> Any:
    """value with every string longer than MAX_EVIDENCE_STRING cut, saying how much was left out."""
    if isinstance(value, str) and len(value) > MAX_EVIDENCE_STRING:
        return f"{value[:MAX_EVIDENCE_STRING]}… [{len(value) - MAX_EVIDENCE_STRING} more characters left out]"
    if isinstance(value, dict):
        return {key: bounded(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [bounded(item) for item in value]
    return value


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
