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


class SkipKind(str, Enum):
    """Why a requirement went unchecked (report.json `skip_kind`); only `needs-manifest` (and a MUST blocked while
    no MUST failed) keeps a run from being conformant: the user can remove it."""

    NOT_APPLICABLE = "not-applicable"  # the plugin's type, or a feature it does not have (no renewable lease)
    NOT_SELECTED = "not-selected"  # the runtime, -k, --area or --level left it out
    NEEDS_MANIFEST = "needs-manifest"  # the manifest lacks the recipe that would let it run
    BLOCKED = "blocked"  # a requirement it depends on did not pass, or the plugin never got that far


class Skip(Exception):
    """The requirement could not be checked here: `kind` says why, `how` what would let it run."""

    kind = SkipKind.BLOCKED

    def __init__(self, message: str, how: str | None = None):
        super().__init__(message)
        self.how = how

    @classmethod
    def of_kind(cls, kind: SkipKind, message: str, how: str | None = None) -> "Skip":
        skip = cls(message, how)
        skip.kind = kind
        return skip


class NotApplicable(Skip):
    """The plugin has no such feature (it does not multiplex, its lease is not renewable): nothing to check."""

    kind = SkipKind.NOT_APPLICABLE


class NotSelected(Skip):
    """Left out of this run by the user's choice: the runtime, -k, --area or --level."""

    kind = SkipKind.NOT_SELECTED


class NeedsManifest(Skip):
    """The manifest lacks the recipe that would let the check run; `section` names it (e.g. "[lease.verify]")."""

    kind = SkipKind.NEEDS_MANIFEST

    def __init__(self, message: str, section: str):
        super().__init__(message, how=f"add {section} to the manifest (docs/manifest.md)")
        self.section = section


class Blocked(Skip):
    """The check could not be reached because of another requirement's failure (named in the message)."""

    kind = SkipKind.BLOCKED


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
