"""Which requirements a run checks (conformance/certify/selection.py): --level, -k and --area, the dependencies
they pull in, why the others are left out, and the --list plan."""

from __future__ import annotations

import pytest

from conformance.catalog import BY_ID, REQUIREMENTS, Level, Needs
from conformance.certify.selection import plan_lines, select
from conformance.errors import UsageError
from unit_samples import SHARD_HS, SHARD_TLS_PATH, sample

ALL = {r.id for r in REQUIREMENTS}


def closure(ids: set[str]) -> set[str]:
    """Every requirement the given ones depend on, directly or not (computed here, independently)."""
    found: set[str] = set()
    frontier = set(ids)
    while frontier:
        deps = {d for rid in frontier for d in BY_ID[rid].depends_on}
        frontier = deps - found
        found |= deps
    return found


def test_by_default_everything_is_chosen_and_nothing_needs_pulling_in():
    selection = select()
    assert selection.chosen == ALL and selection.pulled_in == frozenset() and selection.reasons == {}
    assert all(selection.includes(r) for r in REQUIREMENTS)


@pytest.mark.parametrize("level, levels", [("must", {Level.MUST}), ("should", {Level.MUST, Level.SHOULD}),
                                           ("all", {Level.MUST, Level.SHOULD, Level.MAY})])
def test_level_chooses_that_level_and_the_stronger_ones(level, levels):
    selection = select(level=level)
    assert selection.chosen == {r.id for r in REQUIREMENTS if r.level in levels}
    assert selection.pulled_in == closure(set(selection.chosen)) - selection.chosen
    for rid, reason in selection.reasons.items():
        assert reason == f"not selected: level {BY_ID[rid].level.value} is outside --level {level}"


def test_a_keyword_picks_one_requirement_and_pulls_in_what_it_depends_on():
    selection = select(keyword="TLS-002")
    assert selection.chosen == {"TLS-002"}
    assert selection.pulled_in == {"TLS-001", "HS-006", "HS-008", "HS-003"} == closure({"TLS-002"})
    assert selection.includes(BY_ID["HS-003"]) and not selection.includes(BY_ID["HS-001"])
    assert selection.reasons["HS-001"] == "not selected: does not match -k 'TLS-002'"
    assert set(selection.reasons) == ALL - {"TLS-002"}  # pulled-in ones keep a reason: they were not asked for


def test_a_database_requirement_pulls_in_the_whole_connection():
    selection = select(keyword="DB-011")
    assert selection.pulled_in == closure({"DB-011"}) >= {"DB-010", "HS-003", "TLS-001", "TLS-002"}


@pytest.mark.parametrize("expression, chosen", [
    ("HS-001 or HS-002", {"HS-001", "HS-002"}),
    ("hs-001", {"HS-001"}),  # case does not matter
    ("handshake and not MUST", {"HS-002", "HS-011", "PERF-001"}),  # PERF-001's title says handshake
    ("magic and cookie", {"HS-001", "HS-002"}),  # words of the title
    ("(TLS-001 or TLS-002) and not TLS-002", {"TLS-001"}),
    ("SHOULD and performance", {r.id for r in REQUIREMENTS if r.area == "performance"}),
])
def test_keyword_expressions_follow_pytest_k_over_id_area_level_and_title(expression, chosen):
    assert select(keyword=expression).chosen == chosen


def test_a_keyword_that_matches_nothing_chooses_nothing():
    selection = select(keyword="no-such-word-anywhere")
    assert selection.chosen == frozenset() and selection.pulled_in == frozenset() and set(selection.reasons) == ALL


@pytest.mark.parametrize("expression", ["HS and (", "not", "and HS", "HS-001 HS-002"])
def test_an_invalid_keyword_expression_is_a_usage_error(expression):
    with pytest.raises(UsageError) as raised:
        select(keyword=expression)
    assert str(raised.value).startswith(f"invalid -k expression {expression!r}: ")
    assert "\n" not in str(raised.value)


def test_area_chooses_an_area_and_pulls_in_its_prerequisites():
    selection = select(areas=["tls"])
    assert selection.chosen == {r.id for r in REQUIREMENTS if r.area == "tls"}
    assert selection.pulled_in == {"HS-003", "HS-006", "HS-008"}
    assert selection.reasons["HS-001"] == "not selected: area handshake is outside --area tls"


def test_several_areas():
    selection = select(areas=["tls", "multiplexing"])
    assert {BY_ID[rid].area for rid in selection.chosen} == {"tls", "multiplexing"}
    assert selection.reasons["PATH-001"] == "not selected: area paths is outside --area tls,multiplexing"


def test_an_unknown_area_is_a_usage_error_listing_the_known_ones():
    with pytest.raises(UsageError) as raised:
        select(areas=["tls", "weather"])
    message = str(raised.value)
    assert message.startswith("unknown --area 'weather': choose from ")
    assert message.split("choose from ")[1].split(", ") == sorted({r.area for r in REQUIREMENTS})


def test_level_area_and_keyword_combine_and_the_reason_names_the_first_that_left_one_out():
    selection = select(level="must", keyword="not TLS-003", areas=["tls"])
    assert selection.chosen == {"TLS-001", "TLS-002", "TLS-004", "TLS-005"}
    assert selection.reasons["TLS-003"] == "not selected: does not match -k 'not TLS-003'"
    assert selection.reasons["HS-002"] == "not selected: level SHOULD is outside --level must"
    assert selection.reasons["HS-001"] == "not selected: area handshake is outside --area tls"


def test_the_recorded_shard_left_out_exactly_what_select_leaves_out():
    for name, keyword in ((SHARD_HS, "HS"), (SHARD_TLS_PATH, "TLS or PATH")):
        selection = select(keyword=keyword)
        document = sample(name)
        left_out = {r["id"]: r["message"] for r in document["results"] if r["message"].startswith("not selected")}
        # a requirement of another plugin type says so first (not-applicable), whatever the selection
        assert left_out == {rid: selection.reasons[rid] for rid in ALL
                            if rid not in selection.chosen | selection.pulled_in
                            and "secret" in BY_ID[rid].applies_to}, name


def test_the_plan_has_a_line_per_requirement_in_catalog_order():
    lines = plan_lines(select(), None, None)
    assert [line.split()[0] for line in lines] == [r.id for r in REQUIREMENTS]
    assert lines[0] == "HS-001    MUST   handshake    run"


def test_the_plan_says_why_a_requirement_would_not_run():
    lines = {line.split()[0]: line for line in plan_lines(select(keyword="TLS-002"), "secret", None)}
    assert lines["TLS-002"].endswith(" run")
    assert lines["HS-003"].endswith(" run (needed by a selected requirement)")
    assert lines["HS-001"].endswith(" skip (not-selected): not selected: does not match -k 'TLS-002'")


def test_the_plan_for_a_plugin_type_skips_what_does_not_apply():
    lines = {line.split()[0]: line for line in plan_lines(select(), "auth", None)}
    assert lines["DB-001"].endswith(" skip (not-applicable): does not apply to auth plugins")
    assert lines["LEASE-005"].endswith(" skip (not-applicable): does not apply to auth plugins")  # secret engines only
    assert lines["HS-001"].endswith(" run")


def test_the_plan_for_the_wire_runtime_skips_what_needs_a_server():
    lines = plan_lines(select(), "secret", "wire")
    for requirement, line in zip(REQUIREMENTS, lines):
        if requirement.needs is Needs.SERVER and "secret" in requirement.applies_to:
            assert line.endswith(" skip (not-selected): needs a real server; --runtime wire"), line
    assert lines[0].endswith(" run")


def test_an_upper_case_word_names_ids_and_levels_only():
    """-k HS is the handshake requirements, not every one whose area ("paths") or title contains "hs"."""
    handshake = {r.id for r in REQUIREMENTS if r.id.startswith("HS-")}
    assert select(keyword="HS").chosen == handshake
    assert select(keyword="MUST").chosen == {r.id for r in REQUIREMENTS if r.level.value == "MUST"}
    assert {r.id for r in REQUIREMENTS if r.area == "paths"} <= select(keyword="paths").chosen
