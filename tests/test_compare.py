"""Comparing reports side by side, and merging the reports of sharded runs, over real certifications."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser

import pytest

from conformance.catalog import AREAS, CONNECT_MUSTS, REQUIREMENTS
from conformance.report.compare import compare, matrix_html, matrix_markdown, merge, merge_shards

from conftest import certify_side_by_side

pytestmark = pytest.mark.server

CERTIFIED = {"reference-secrets": 0, "mutant-revoke-does-nothing": 1}  # manifest name: the exit code it must give
SHARD_AREAS = ("handshake", "tls", "paths")  # shard A checks these; shard B the rest plus CONNECT_MUSTS (overlap)


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    """report.json of real process-runtime certifications (run side by side), by manifest name."""
    dirs = certify_side_by_side(tmp_path_factory.mktemp("certified"), CERTIFIED)
    return {name: json.loads((path / "report.json").read_text()) for name, path in dirs.items()}


@pytest.fixture(scope="module")
def reference(documents) -> dict:
    return documents["reference-secrets"]


@pytest.fixture(scope="module")
def mutant(documents) -> dict:
    return documents["mutant-revoke-does-nothing"]


def outcomes(document: dict) -> dict[str, str]:
    return {r["id"]: r["outcome"] for r in document["results"]}


def shard(document: dict, keep, expression: str) -> dict:
    """The report a `-k expression` run would give: results not kept are skipped as not selected."""
    part = copy.deepcopy(document)
    for result in part["results"]:
        if not keep(result):
            result.update(outcome="skipped", message=f"not selected: does not match -k {expression!r}",
                          duration_s=0.0, evidence={})
    return part


@pytest.fixture(scope="module")
def shards(reference) -> list[dict]:
    """Two overlapping `-k`-style partial reports that together cover the reference run."""
    first = shard(reference, lambda r: r["area"] in SHARD_AREAS, " or ".join(SHARD_AREAS))
    second = shard(reference, lambda r: r["area"] not in SHARD_AREAS or r["id"] in CONNECT_MUSTS,
                   "not (handshake or tls or paths)")
    first["metrics"] = {k: (v if k == "handshake_ms" else None) for k, v in reference["metrics"].items()}
    second["processes"] = second["processes"][:1]
    return [first, second]


class Rows(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.urls: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "action", "data")]
        if tag == "tr" and "data-id" in attributes:
            self.rows[attributes["data-id"]] = (attributes.get("class") or "").split()


def test_matrix_differs_exactly_where_the_mutant_fails(reference, mutant):
    matrix = compare([reference, mutant])
    broke = {rid for rid, outcome in outcomes(mutant).items() if outcome == "failed"
             and outcomes(reference)[rid] == "passed"}
    assert broke == {"LEASE-005", "LEASE-007"}
    assert set(matrix.differing) == broke
    assert matrix.headline.startswith(f"2 of {len(REQUIREMENTS)} requirements differ")
    # Checked by only one of the two (the mutant's manifest has no lease.remove, no upgrade): a gap, not a difference.
    one_sided = {rid for rid in outcomes(reference)
                 if (outcomes(reference)[rid] == "skipped") != (outcomes(mutant)[rid] == "skipped")}
    assert set(matrix.partly_checked) == one_sided
    # rows: every requirement, in catalog order within areas in catalog order
    areas = list(AREAS.values())
    in_catalog_order = sorted(REQUIREMENTS, key=lambda r: (areas.index(r.area), REQUIREMENTS.index(r)))
    assert [row.id for _, rows in matrix.areas for row in rows] == [r.id for r in in_catalog_order]
    assert [area for area, _ in matrix.areas] == [a for a in areas if any(r.area == a for r in REQUIREMENTS)]
    assert [c.verdict for c in matrix.columns] == ["conformant", "non-conformant"]


def test_matrix_html_highlights_the_differing_rows(reference, mutant):
    text = matrix_html(compare([reference, mutant]))
    page = Rows(text)
    assert [u for u in page.urls if not u.startswith("#")] == []
    assert sorted(rid for rid, classes in page.rows.items() if "differs" in classes) == ["LEASE-005", "LEASE-007"]
    assert set(page.rows) == {r.id for r in REQUIREMENTS}
    assert 'id="verdicts"' in text and "non-conformant" in text
    assert f"2 of {len(REQUIREMENTS)} requirements differ" in text
    assert "reference-secrets · openbao" in text and "mutant-revoke-does-nothing · openbao" in text
    assert "<script" not in text


def test_matrix_markdown_has_no_links(reference, mutant):
    text = matrix_markdown(compare([reference, mutant]))
    assert "](" not in text and "http" not in text and "<a" not in text and not re.search(r"^\[[^\]]+\]:", text, re.M)
    assert f"**2 of {len(REQUIREMENTS)} requirements differ" in text
    differing = [line for line in text.splitlines() if line.startswith("| ≠ |")]
    assert [line.split("|")[2].strip() for line in differing] == ["**LEASE-005**", "**LEASE-007**"]
    assert "| **verdict** | **conformant** | **non-conformant** |" in text


def test_equal_labels_are_told_apart(reference):
    again = copy.deepcopy(reference)
    again["started_at"] = "2030-01-01T00:00:00Z"
    matrix = compare([reference, again])
    labels = [c.label for c in matrix.columns]
    assert len(set(labels)) == 2 and all(label.startswith("reference-secrets · openbao") for label in labels)
    assert matrix.differing == [] and matrix.headline.startswith(f"0 of {len(REQUIREMENTS)}")


def test_merging_k_shards_gives_the_full_report(reference, shards):
    assert all(outcomes(s) != outcomes(reference) for s in shards)
    for ordered in (shards, shards[::-1]):
        merged = merge(ordered)
        assert merged["results"] == reference["results"]  # outcome, message, evidence and time, in order
        assert merged["summary"] == reference["summary"]
        assert merged["metrics"]["handshake_ms"] == reference["metrics"]["handshake_ms"]
        assert {p["pid"] for p in merged["processes"]} == {p["pid"] for p in reference["processes"]}
        assert len(merged["merged_from"]) == 2 and "merge_conflicts" not in merged
    matrix = compare([reference, merge(shards)])
    assert matrix.differing == [] and matrix.partly_checked == []
    # merge_shards merges what belongs together and leaves the rest alone
    grouped = merge_shards(shards)
    assert len(grouped) == 1 and grouped[0]["results"] == reference["results"]


def test_conflicting_shards_keep_the_worse_and_say_so(reference, mutant, shards):
    first, second = copy.deepcopy(shards)
    lease5 = next(r for r in first["results"] if r["id"] == "LEASE-005")
    lease5.update(outcome="failed", message="revoked nothing")  # shard A says failed, shard B passed
    merged = merge([first, second])
    result = next(r for r in merged["results"] if r["id"] == "LEASE-005")
    assert result["outcome"] == "failed" and "conflicting outcomes" in result["message"]
    assert result["message"].endswith("revoked nothing")
    assert merged["merge_conflicts"] == [{"id": "LEASE-005", "kept": "failed", "outcomes": [
        {"report": 1, "started_at": first["started_at"], "outcome": "failed"},
        {"report": 2, "started_at": second["started_at"], "outcome": "passed"}]}]
    assert merged["summary"]["verdict"] == "non-conformant" and merged["summary"]["must_failed"] == 1
    assert "kept failed" in matrix_markdown(compare([merged])) and "Conflicting results merged" in matrix_html(
        compare([merged]))
    # error is worse than failed
    hs3 = next(r for r in second["results"] if r["id"] == "HS-003")
    hs3.update(outcome="error", message="the check broke")
    assert next(r for r in merge([first, second])["results"] if r["id"] == "HS-003")["outcome"] == "error"
    # reports of different plugins are not shards of one run
    with pytest.raises(ValueError, match="not of one plugin"):
        merge([reference, mutant])
    assert len(merge_shards([reference, mutant])) == 2
