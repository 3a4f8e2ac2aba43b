"""The manifest sections declared next to each check (@check(..., needs=...)) are what the checks really need:
`certify --list` predicts, from them, exactly which requirements a recorded run left unchecked for want of a
recipe (skip kind needs-manifest), with the same remedy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conformance.catalog import NEEDS, REQUIREMENTS, load_checks, needs_of
from conformance.certify.selection import plan_lines, select
from conformance.manifest import validate_manifest
from conformance.manifest_needs import PRESENT, missing
from unit_samples import (AUTH_NO_MANIFEST, AUTH_WIRE, DATABASE, DATABASE_NO_MANIFEST, MUTANT, NO_MANIFEST, RUNS,
                          SECRETS, sample)

REPO = Path(__file__).resolve().parents[2]


def manifest_of(name: str):
    words = RUNS[name]["command"].split()
    return validate_manifest(REPO / words[words.index("--manifest") + 1]) if "--manifest" in words else None


@pytest.mark.parametrize("name", [SECRETS, MUTANT, NO_MANIFEST, AUTH_NO_MANIFEST, DATABASE, DATABASE_NO_MANIFEST,
                                  AUTH_WIRE])
def test_the_plan_predicts_what_the_recorded_run_left_unchecked_for_want_of_a_recipe(name):
    document = sample(name)
    runtime = document["server"]["runtime"]
    lines = plan_lines(select(), document["plugin"]["type"], runtime, manifest_of(name))
    predicted = {line.split()[0] for line in lines if "(needs-manifest)" in line}
    recorded = {r["id"] for r in document["results"] if r.get("skip_kind") == "needs-manifest"}
    assert predicted == recorded, f"only predicted {sorted(predicted - recorded)}; only seen {sorted(recorded - predicted)}"
    # and with the remedy the run named first
    for result in document["results"]:
        if result.get("skip_kind") == "needs-manifest":
            line = next(line for line in lines if line.split()[0] == result["id"])
            section = result["how"].removeprefix("add ").removesuffix(" to the manifest (docs/manifest.md)")
            assert section in line, (result["id"], result["how"], line)


def test_every_section_a_check_raises_or_declares_is_known():
    load_checks()
    declared = {section for sections in NEEDS.values() for section in sections}
    raised = set()
    for path in [*(REPO / "conformance" / "checks").glob("*.py"), *(REPO / "conformance" / "observations").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "NeedsManifest":
                section = node.args[1]
                raised.add(section.value if isinstance(section, ast.Constant) else ast.unparse(section))
    assert raised and declared <= set(PRESENT) and raised <= set(PRESENT), sorted((raised | declared) - set(PRESENT))


def test_a_requirement_needs_what_its_dependencies_need():
    for requirement in REQUIREMENTS:
        for dependency in requirement.depends_on:
            assert set(needs_of(dependency)) <= set(needs_of(requirement.id)), (requirement.id, dependency)


def test_missing_reads_the_manifest():
    secrets = manifest_of(SECRETS)
    assert missing(tuple(PRESENT), None) == list(PRESENT)
    assert missing(("[lease]", "[lease.verify]", "[login]"), secrets) == ["[login]"]
