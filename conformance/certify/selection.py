"""Which requirements a run checks: --level, -k, and the dependencies those pull in."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.catalog import BY_ID, REQUIREMENTS, Level, Requirement
from conformance.errors import UsageError

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


def plan_lines(selection: Selection, plugin_type: str | None, runtime: str | None) -> list[str]:
    """--list: one line per requirement: whether it would run, and why not when it would not."""
    lines = []
    for req in REQUIREMENTS:
        if req.id in selection.chosen:
            state = "run"
        elif req.id in selection.pulled_in:
            state = "run (needed by a selected requirement)"
        else:
            state = f"skip: {selection.reasons[req.id]}"
        if state.startswith("run") and plugin_type and plugin_type not in req.applies_to:
            state = f"skip: does not apply to {plugin_type} plugins"
        elif state.startswith("run") and runtime == "wire" and req.needs.value == "server":
            state = "skip: needs a real server; --runtime wire"
        lines.append(f"{req.id:<9} {req.level.value:<6} {req.area:<12} {state}")
    return lines
