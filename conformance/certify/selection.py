"""Which requirements a run checks: --level, -k, and the dependencies those pull in."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.catalog import BY_ID, REQUIREMENTS, Level, Requirement, needs_of
from conformance.errors import UsageError
from conformance.manifest import ManifestDocument
from conformance.manifest_needs import missing

LEVELS_BY_OPTION = {
    "must": {Level.MUST},
    "should": {Level.MUST, Level.SHOULD},
    "all": {Level.MUST, Level.SHOULD, Level.MAY},
}


@dataclass(frozen=True)
class Selection:
    chosen: frozenset[str]  # asked for by the options
    pulled_in: frozenset[str]  # needed by a chosen one
    reasons: dict[str, str]  # why each unselected one is left out

    def includes(self, requirement: Requirement) -> bool:
        return requirement.id in self.chosen or requirement.id in self.pulled_in


def _keyword_matcher(expression: str):
    # pytest's own -k grammar (and, or, not, parentheses), matched against id, area, level and title.
    # Its parse error class moved between pytest releases (ParseError, then SyntaxError).
    from _pytest.mark.expression import Expression

    try:
        compiled = Expression.compile(expression)
    except Exception as error:
        raise UsageError(f"invalid -k expression {expression!r}: {error}") from None

    def matches(req: Requirement) -> bool:
        haystack = f"{req.id} {req.area} {req.level.value} {req.title}".lower()

        def hit(word: str, **_) -> bool:
            # An upper-case word names ids or a level (HS, LEASE-00, MUST): matched against those only, so
            # that HS does not also pick every requirement whose area or title contains "hs" ("paths").
            if word.isupper():
                return word in req.id or word == req.level.value
            return word.lower() in haystack
        return compiled.evaluate(hit)

    return matches


def select(level: str = "all", keyword: str | None = None, areas: list[str] | None = None) -> Selection:
    levels = LEVELS_BY_OPTION[level]
    matches = _keyword_matcher(keyword) if keyword else (lambda req: True)
    known = sorted({r.area for r in REQUIREMENTS})
    unknown = [a for a in areas or [] if a not in known]
    if unknown:
        raise UsageError(f"unknown --area {unknown[0]!r}: choose from {', '.join(known)}")
    chosen, reasons = set(), {}
    for req in REQUIREMENTS:
        if req.level not in levels:
            reasons[req.id] = f"not selected: level {req.level.value} is outside --level {level}"
        elif areas and req.area not in areas:
            reasons[req.id] = f"not selected: area {req.area} is outside --area {','.join(areas)}"
        elif not matches(req):
            reasons[req.id] = f"not selected: does not match -k {keyword!r}"
        else:
            chosen.add(req.id)
    pulled: set[str] = set()
    pending = list(chosen)
    while pending:
        for dep in BY_ID[pending.pop()].depends_on:
            if dep not in chosen and dep not in pulled:
                pulled.add(dep)
                pending.append(dep)
    return Selection(frozenset(chosen), frozenset(pulled), reasons)


def plan_lines(selection: Selection, plugin_type: str | None, runtime: str | None,
               manifest: ManifestDocument | None = None) -> list[str]:
    """--list: one line per requirement: `run`, or `skip (KIND): the reason the run would give` — the same kinds
    and reasons as the run's (not-applicable, not-selected, needs-manifest with the sections to add). `manifest`:
    the validated manifest (None: no manifest, so every recipe is missing)."""
    lines = []
    for req in REQUIREMENTS:
        if plugin_type and plugin_type not in req.applies_to:
            state = f"skip (not-applicable): does not apply to {plugin_type} plugins"
        elif req.id not in selection.chosen and req.id not in selection.pulled_in:
            state = f"skip (not-selected): {selection.reasons[req.id]}"
        elif runtime == "wire" and req.needs.value == "server":
            state = "skip (not-selected): needs a real server; --runtime wire"
        elif lacking := missing(needs_of(req.id), manifest):
            state = f"skip (needs-manifest): add {', '.join(lacking)} to the manifest"
        elif req.id in selection.chosen:
            state = "run"
        else:
            state = "run (needed by a selected requirement)"
        lines.append(f"{req.id:<9} {req.level.value:<6} {req.area:<12} {state}")
    return lines
