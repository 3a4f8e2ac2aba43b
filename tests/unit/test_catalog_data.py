"""The requirement catalog's data (conformance.catalog.REQUIREMENTS): ids, levels, titles, sources, areas,
dependencies and plugin types. How checks register against it is tests/test_catalog.py's concern, not this one's."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from conformance.catalog import (AREAS, BY_ID, CONNECT_MUSTS, MOUNT_MUSTS, PLUGIN_TYPES, REQUIREMENTS, Level, Needs)

ID = re.compile(r"^([A-Z]+)-(\d{3})$")


def test_the_catalog_is_not_empty_and_by_id_indexes_all_of_it():
    assert len(REQUIREMENTS) >= 80
    assert list(BY_ID) == [r.id for r in REQUIREMENTS]
    assert all(BY_ID[r.id] is r for r in REQUIREMENTS)


def test_ids_are_unique():
    repeated = [rid for rid, n in Counter(r.id for r in REQUIREMENTS).items() if n > 1]
    assert repeated == []


def test_ids_are_area_dash_three_digits_of_a_known_area():
    bad = [r.id for r in REQUIREMENTS if not ID.match(r.id) or ID.match(r.id).group(1) not in AREAS]
    assert bad == []
    assert all(r.id != f"{r.id.split('-')[0]}-000" for r in REQUIREMENTS)


def test_every_area_has_requirements_and_area_names_are_unique():
    used = Counter(r.area for r in REQUIREMENTS)
    assert set(used) == set(AREAS.values())
    assert len(set(AREAS.values())) == len(AREAS)
    assert all(code.isupper() and name.islower() for code, name in AREAS.items())


def test_an_area_is_named_by_its_id_prefix():
    assert BY_ID["HS-001"].area == "handshake" and BY_ID["TLS-001"].area == "tls"
    assert all(r.area == AREAS[r.id.split("-")[0]] for r in REQUIREMENTS)


def test_levels_are_levels_and_the_title_says_its_level():
    assert all(isinstance(r.level, Level) for r in REQUIREMENTS)
    bad = [r.id for r in REQUIREMENTS if not re.search(rf"\b{r.level.value}\b", r.title)]
    assert bad == []
    assert {r.level for r in REQUIREMENTS} >= {Level.MUST, Level.SHOULD}


def test_performance_requirements_are_should_at_most():
    assert [r.id for r in REQUIREMENTS if r.area == "performance" and r.level is Level.MUST] == []


def test_titles_are_one_sentence():
    bad = [r.id for r in REQUIREMENTS if not r.title.strip() or not r.title.endswith(".") or "\n" in r.title
           or r.title != r.title.strip()]
    assert bad == []


def test_sources_name_an_upstream_repository():
    upstream = ("hashicorp/go-plugin", "openbao/openbao", "hashicorp/vault")
    bad = [r.id for r in REQUIREMENTS if not r.source.strip() or not any(u in r.source for u in upstream)]
    assert bad == []


def test_needs_is_launch_or_server():
    assert {r.needs for r in REQUIREMENTS} == {Needs.LAUNCH, Needs.SERVER}


def test_dependencies_are_known_ids_without_repeats_or_self():
    bad = [(r.id, dep) for r in REQUIREMENTS for dep in r.depends_on if dep not in BY_ID or dep == r.id]
    assert bad == []
    assert [r.id for r in REQUIREMENTS if len(set(r.depends_on)) != len(r.depends_on)] == []
    assert all(isinstance(r.depends_on, tuple) for r in REQUIREMENTS)


def test_dependencies_have_no_cycle():
    state: dict[str, str] = {}

    def visit(rid: str, path: tuple[str, ...]) -> None:
        if state.get(rid) == "done":
            return
        assert state.get(rid) != "visiting", f"cycle: {' -> '.join(path + (rid,))}"
        state[rid] = "visiting"
        for dep in BY_ID[rid].depends_on:
            visit(dep, path + (rid,))
        state[rid] = "done"

    for requirement in REQUIREMENTS:
        visit(requirement.id, ())
    assert len(state) == len(REQUIREMENTS)


def test_applies_to_is_a_non_empty_set_of_plugin_types():
    assert PLUGIN_TYPES == ("secret", "auth", "database")
    bad = [r.id for r in REQUIREMENTS if not isinstance(r.applies_to, frozenset) or not r.applies_to
           or not r.applies_to <= set(PLUGIN_TYPES)]
    assert bad == []
    assert {t for r in REQUIREMENTS for t in r.applies_to} == set(PLUGIN_TYPES)


def test_a_requirement_depends_only_on_requirements_that_apply_where_it_does():
    # otherwise it would be skipped for good for some plugin type ("depends on X, which was skipped")
    bad = [(r.id, dep) for r in REQUIREMENTS for dep in r.depends_on if not r.applies_to <= BY_ID[dep].applies_to]
    assert bad == []


def test_a_launch_requirement_does_not_depend_on_a_server_one():
    # otherwise the wire runtime, which has no server, could never check it
    bad = [(r.id, dep) for r in REQUIREMENTS if r.needs is Needs.LAUNCH
           for dep in r.depends_on if BY_ID[dep].needs is Needs.SERVER]
    assert bad == []


def test_the_connect_and_mount_musts_are_musts_of_every_type():
    assert set(CONNECT_MUSTS) < set(MOUNT_MUSTS)
    for rid in MOUNT_MUSTS:
        assert BY_ID[rid].level is Level.MUST, rid
    for rid in CONNECT_MUSTS:
        assert BY_ID[rid].applies_to == frozenset(PLUGIN_TYPES), rid


def test_database_requirements_apply_to_database_plugins_only():
    bad = [r.id for r in REQUIREMENTS if r.area == "database" and r.applies_to != frozenset({"database"})]
    assert bad == []


@pytest.mark.parametrize("rid, level, area", [("HS-001", "MUST", "handshake"), ("HS-002", "SHOULD", "handshake"),
                                              ("PERF-004", "SHOULD", "performance")])
def test_as_dict_carries_the_requirements_data(rid, level, area):
    requirement = BY_ID[rid]
    row = requirement.as_dict()
    assert {k: row[k] for k in ("id", "level", "area", "title", "source")} == {
        "id": rid, "level": level, "area": area, "title": requirement.title, "source": requirement.source}
