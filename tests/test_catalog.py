"""The catalog is complete and consistent, and every requirement is proven by a mutant."""

import ast
import inspect
import re
import subprocess
import sys
import tomllib

from conformance.catalog import AREAS, BY_ID, REQUIREMENTS, checks_for, load_checks

from conftest import MANIFESTS, REPO

CHECKS_DIR = REPO / "conformance" / "checks"


def test_ids_are_unique_and_well_formed():
    ids = [r.id for r in REQUIREMENTS]
    assert len(ids) == len(set(ids))
    for req_id in ids:
        assert re.fullmatch(r"[A-Z]+-\d{3}", req_id) and req_id.split("-")[0] in AREAS, req_id


def test_every_requirement_is_complete():
    for req in REQUIREMENTS:
        assert req.source and "/" in req.source, req.id
        assert re.search(r"\b(MUST|SHOULD|MAY)\b", req.title), f"{req.id} title lacks its level word"
        assert req.level.value in req.title, f"{req.id} title wording does not match level {req.level.value}"


def test_every_requirement_has_a_check_and_every_check_a_requirement():
    """The registry (checks found by scanning conformance/checks/) and the catalog match: no server needed."""
    checks = load_checks()
    unchecked = [req.id for req in REQUIREMENTS if not checks.get(req.id)]
    assert unchecked == [], "requirements without a registered check"
    unknown = sorted(set(checks) - set(BY_ID))
    assert unknown == [], "checks registered under ids the catalog does not have"
    names = [function.__name__ for functions in checks.values() for function in functions]
    assert len(names) == len(set(names)), "a check function name used twice (reports show checks by name)"
    for req in REQUIREMENTS:
        assert req.as_dict()["checks"] == [function.__name__ for function in checks_for(req.id)], req.id


def test_each_check_sits_in_its_requirements_area_module():
    """A requirement and its check sit together: every check function is in conformance/checks/<area>.py."""
    misplaced = []
    for req_id, functions in load_checks().items():
        for function in functions:
            want = f"conformance.checks.{BY_ID[req_id].area}"
            if function.__module__ != want:
                misplaced.append(f"{function.__name__} ({req_id}) in {function.__module__}, not {want}")
    assert misplaced == []


def test_check_modules_are_the_areas():
    """One module per area that has requirements (found by scanning the package), and no other."""
    load_checks()
    modules = {path.stem for path in CHECKS_DIR.glob("*.py")} - {"__init__"}
    assert modules == {req.area for req in REQUIREMENTS}


def _imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_no_check_module_is_imported_but_by_the_registry():
    """Shared observations live in conformance/observations/: no check module imports another, and nothing
    outside conformance/checks/ imports one (the registry finds them by scanning the package)."""
    offenders = []
    for path in sorted((REPO / "conformance").rglob("*.py")) + sorted((REPO / "bench").glob("*.py")):
        for module in _imported_modules(path):
            if module.startswith("conformance.checks.") or module == "conformance.checks":
                offenders.append(f"{path.relative_to(REPO)} imports {module}")
    assert offenders == []


def test_requirement_check_field_points_at_the_first_check_def():
    for req in REQUIREMENTS:
        location = req.as_dict()["check"]
        path, line = location.rsplit(":", 1)
        assert path == f"conformance/checks/{req.area}.py", req.id
        source = (REPO / path).read_text(encoding="utf-8").splitlines()
        first = checks_for(req.id)[0]
        assert source[int(line) - 1].lstrip().startswith(f"def {first.__name__}("), (req.id, location)
        assert inspect.getsourcefile(first) == str(REPO / path)


def test_dependencies_come_first():
    seen = set()
    for req in REQUIREMENTS:
        assert set(req.depends_on) <= seen, f"{req.id} depends on a later requirement"
        seen.add(req.id)


def test_every_requirement_has_a_mutant_that_breaks_it():
    """A mutant-* (tests/test_mutants.py) or a hostile-* plugin (tests/test_hostile.py: SEC-004, SHUT-011)."""
    flagged = set()
    for manifest in [*MANIFESTS.glob("mutant-*.toml"), *MANIFESTS.glob("hostile-*.toml")]:
        flagged.update(tomllib.loads(manifest.read_text())["expect"].get("failing", []))
    assert set(BY_ID) - flagged == set(), "requirements without a mutant"


def test_requirements_json_lists_every_requirement():
    out = subprocess.run([sys.executable, "-m", "conformance", "requirements", "--format", "json"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    import json

    rows = json.loads(out)
    assert [r["id"] for r in rows] == [r.id for r in REQUIREMENTS]
    for row in rows:
        assert {"id", "level", "area", "title", "source", "checks", "check"} <= set(row)
        assert re.fullmatch(rf"conformance/checks/{row['area']}\.py:\d+", row["check"]), row


def test_every_requirement_is_listed_where_the_readme_points():
    """The README links the requirement pages (docs/requirements/), whose area pages list every requirement."""
    readme = (REPO / "README.md").read_text()
    assert "docs/requirements/" in readme, "the README no longer points at the requirement pages"
    pages = "".join(p.read_text() for p in (REPO / "docs" / "requirements").glob("*.md"))
    missing = [r.id for r in REQUIREMENTS if f"| [{r.id}](#{r.id.lower()}) |" not in pages]
    assert missing == [], "the requirement pages are missing these"


def test_requirement_pages_are_not_stale():
    """docs/requirements/ is what `vault-conformance docs` writes from the catalog today."""
    from conformance.cli.docs import pages, readme_with_table

    folder = REPO / "docs" / "requirements"
    expected = pages()
    on_disk = {p.name: p.read_text() for p in folder.glob("*.md")}
    stale = sorted(name for name in expected.keys() | on_disk.keys() if expected.get(name) != on_disk.get(name))
    assert stale == [], f"stale requirement pages {stale}: run `vault-conformance docs`"
    readme = (REPO / "README.md").read_text()
    assert readme_with_table(readme) == readme, "README's requirement table is stale: run `vault-conformance docs`"
