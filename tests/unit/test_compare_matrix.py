"""report.compare.compare and its renderings: a matrix of requirements against recorded reports."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conformance.catalog import REQUIREMENTS
from conformance.report.compare import Cell, column_label, compare, matrix_html, matrix_markdown, merge
from unit_samples import (AUTH_WIRE, DEADLINE, MUTANT, NO_MANIFEST, SECRETS, SHARD_HS, SHARD_TLS_PATH, result,
                          sample)


@pytest.fixture(scope="module")
def pair():
    """The reference plugin and a mutant of it, both certified with OpenBao in the process runtime."""
    return compare([sample(SECRETS), sample(MUTANT)])


def test_the_requirements_that_differ_are_the_mutants_failures(pair):
    assert pair.differing == ["LEASE-005", "LEASE-007"]
    assert pair.headline == "2 of 89 requirements differ; 2 more checked in only some reports"


def test_checked_in_one_report_and_skipped_in_the_other_is_a_gap_not_a_difference(pair):
    assert pair.partly_checked == ["LEASE-013", "VER-002"]
    row = next(r for r in pair.rows if r.id == "VER-002")
    assert [c.outcome for c in row.cells] == ["passed", "skipped"]
    assert row.partly_checked and not row.differs


def test_rows_are_the_union_of_the_reports_in_catalog_order(pair):
    assert [row.id for row in pair.rows] == [r.id for r in REQUIREMENTS]
    shard = sample(SHARD_HS)
    shard["results"] = [r for r in shard["results"] if r["area"] == "handshake"]
    other = sample(SHARD_TLS_PATH)
    other["results"] = [r for r in other["results"] if r["area"] == "tls"]
    assert [row.id for row in compare([other, shard]).rows] == [
        r.id for r in REQUIREMENTS if r.area in ("handshake", "tls")]


def test_a_requirement_missing_from_a_report_is_an_absent_cell():
    mutant = sample(MUTANT)
    mutant["results"] = [r for r in mutant["results"] if r["id"] != "HS-003"]
    row = next(r for r in compare([sample(SECRETS), mutant]).rows if r.id == "HS-003")
    assert row.cells[1] == Cell(None, None, "not in this report")
    assert row.partly_checked and not row.differs


def test_a_row_takes_level_area_and_title_from_the_reports():
    document = sample(SECRETS)
    result(document, "HS-001").update(id="HS-999", title="From the report.")
    row = next(r for r in compare([document]).rows if r.id == "HS-999")
    assert (row.level, row.area, row.title) == ("MUST", "handshake", "From the report.")
    assert compare([document]).rows[-1].id == "HS-999"  # not in the catalog: last


def test_cell_time_is_shown_only_for_checked_results():
    assert Cell("passed", 0.25).time == "250 ms"
    assert Cell("failed", 2.5).time == "2.50 s"
    assert Cell("skipped", 0.25).time == "" and Cell(None).time == ""
    assert Cell("error").checked and not Cell("skipped").checked and not Cell(None).checked


@pytest.mark.parametrize("name, label", [
    (SECRETS, "reference-secrets · openbao 2.7.2 · process"),
    (AUTH_WIRE, "reference-auth · no server · wire"),
])
def test_column_label(name, label):
    assert column_label(sample(name)) == label


def test_a_version_is_part_of_the_label():
    document = sample(SECRETS)
    document["plugin"]["version"] = "v0.2.0"
    assert column_label(document) == "reference-secrets v0.2.0 · openbao 2.7.2 · process"


def test_columns_of_one_label_are_told_apart_by_sha256_then_start_then_number():
    secrets, late = sample(SECRETS), sample(DEADLINE)  # the same binary, server and runtime, two runs
    labels = [c.label for c in compare([secrets, late]).columns]
    assert labels == [f"reference-secrets · openbao 2.7.2 · process ({d['started_at']})" for d in (secrets, late)]
    late["plugin"]["sha256"] = "ab" * 32
    assert [c.label for c in compare([secrets, late]).columns][1].endswith("(sha256 abababababab)")
    assert [c.label for c in compare([secrets, sample(SECRETS)]).columns] == [
        "reference-secrets · openbao 2.7.2 · process (#1)", "reference-secrets · openbao 2.7.2 · process (#2)"]


def test_areas_are_grouped_in_catalog_order(pair):
    names = [name for name, _ in pair.areas]
    assert names[:3] == ["handshake", "tls", "paths"] and names[-1] == "performance"
    assert sum(len(rows) for _, rows in pair.areas) == 89


def test_nothing_to_compare_is_an_error():
    with pytest.raises(ValueError, match="no reports given"):
        compare([])


def test_the_markdown_matrix(pair):
    text = matrix_markdown(pair)
    assert text.startswith("# Conformance comparison\n\n**2 of 89 requirements differ; 2 more checked in only some "
                           "reports.**\n")
    assert "| **verdict** | **conformant** | **non-conformant** |" in text
    assert "| passed / failed / skipped / errors | 69 / 0 / 20 / 0 | 65 / 2 / 22 / 0 |" in text
    assert re.search(r"^\| ≠ \| \*\*LEASE-005\*\* \| MUST \| ✅ passed [\d.]+ m?s \| ❌ failed [\d.]+ m?s \|$", text, re.M)
    assert re.search(r"^\| ◐ \| VER-002 \| MUST \| ✅ passed [\d.]+ m?s \| ⏭️ skipped \|$", text, re.M)
    assert text.count("\n## ") == 10 and text.endswith("◐ checked in only some reports.\n")


def test_the_markdown_matrix_escapes_what_would_break_a_table():
    document = sample(SECRETS)
    document["plugin"]["name"] = "a|b<c>"
    text = matrix_markdown(compare([document]))
    assert "a\\|b&lt;c>" in text and "a|b<c>" not in text


def test_merged_conflicts_are_listed_under_the_matrix():
    shard = sample(SHARD_HS)
    result(shard, "HS-004")["outcome"] = "failed"
    merged = merge([sample(SHARD_HS), shard])
    text = matrix_markdown(compare([merged]))
    assert "## Conflicts merged" in text
    assert "- (1) HS-004: passed (report 1), failed (report 2); kept failed" in text
    assert "merged from 2 reports" in text


class Rows(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.rows, self.scripts = {}, 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and attributes.get("id", "").startswith("row-"):
            self.rows[attributes["id"][4:]] = attributes["class"]
        self.scripts += tag == "script"


def test_the_html_matrix(pair):
    html = matrix_html(pair)
    rows = Rows(html)
    assert len(rows.rows) == 89 and rows.scripts == 0
    assert rows.rows["LEASE-005"] == "differs" and rows.rows["VER-002"] == "partly" and rows.rows["HS-001"] == "same"
    assert '<p id="headline" class="differ">2 of 89 requirements differ; 2 more checked in only some reports</p>' in html
    assert '<td class="v-non-conformant">non-conformant<small>65 passed · 2 failed (2 MUST)' in html


def test_the_html_matrix_escapes_labels_and_messages():
    document = sample(MUTANT)
    document["plugin"]["name"] = "<script>x</script>"
    result(document, "LEASE-005")["message"] = '"><script>y</script>'
    html = matrix_html(compare([document]))
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


def matrix_order(rid: str) -> int:
    return [r.id for r in REQUIREMENTS].index(rid)


def test_an_incomplete_run_beside_the_complete_one():
    matrix = compare([sample(SECRETS), sample(NO_MANIFEST)])
    assert [c.verdict for c in matrix.columns] == ["conformant", "incomplete"]
    # the 20 MUSTs the manifest's recipes check passed in one report and went unchecked in the other
    assert matrix.differing == []
    assert matrix.partly_checked == [item["id"] for item in sorted(
        sample(NO_MANIFEST)["summary"]["coverage"]["not_checked"], key=lambda i: matrix_order(i["id"]))]
    assert "| **verdict** | **conformant** | **incomplete** |" in matrix_markdown(matrix)
    assert '<td class="v-incomplete">incomplete<small>' in matrix_html(matrix)


def test_each_column_names_the_musts_its_verdict_covers():
    """compare shows the scope beside each verdict (issue 18): 'incomplete' of a bare run, 'conformant' of a full one."""
    bare, full = sample(NO_MANIFEST), sample(SECRETS)
    text = matrix_markdown(compare([full, bare]))
    row = next(line for line in text.splitlines() if line.startswith("| MUSTs checked |"))
    assert "58 of all 58 applicable MUSTs checked" in row and "38 of all 58 applicable MUSTs checked" in row
