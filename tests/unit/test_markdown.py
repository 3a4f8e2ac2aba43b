"""summary.md (report.markdown.markdown_summary): what the recorded runs wrote, and each of its parts."""

from __future__ import annotations

import pytest

from conformance.report.markdown import MESSAGE_CHARS, markdown_summary
from unit_samples import (AUTH_WIRE, BASELINE, BEFORE_COVERAGE, DEADLINE, MUTANT, NO_MANIFEST, SAMPLES, SECRETS,
                          recorded, result, sample)


@pytest.mark.parametrize("name", SAMPLES)
def test_rendering_a_recorded_report_gives_the_summary_md_the_run_wrote(name):
    assert markdown_summary(sample(name)) == recorded(name, "summary.md")


@pytest.mark.parametrize("name, headline", [
    (SECRETS, "# ✅ reference-secrets: conformant"),
    (MUTANT, "# ❌ mutant-revoke-does-nothing: non-conformant"),
    (DEADLINE, "# ⚠️ reference-secrets: error"),
    (NO_MANIFEST, "# 🟡 reference-secrets: incomplete, 20 MUSTs unchecked"),
    (BASELINE, "# ❌ mutant-revoke-does-nothing: non-conformant, regressed against the baseline"),
])
def test_the_first_line_is_the_headline_with_its_icon(name, headline):
    assert markdown_summary(sample(name)).splitlines()[0] == headline


def test_the_counts_line():
    assert "\n65 passed, 2 failed (2 MUST), 22 skipped, 0 errors.\n" in markdown_summary(sample(MUTANT))


def test_the_identity_line_names_type_version_sha_server_and_runtime():
    document = sample(AUTH_WIRE)
    line = markdown_summary(document).splitlines()[2]
    assert line.startswith(f"auth plugin (no version) `{document['plugin']['sha256'][:12]}…`, server none  (wire runtime)")
    document["plugin"]["version"] = "v1.2.3"
    assert markdown_summary(document).splitlines()[2].startswith("auth plugin v1.2.3 `")


def test_the_coverage_line():
    assert "\nMUSTs checked: 58 of all 58 applicable MUSTs.\n" in markdown_summary(sample(SECRETS))
    assert "\nMUSTs checked: 24 of 28 of 52 applicable MUSTs: wire runtime.\n" in markdown_summary(sample(AUTH_WIRE))
    assert "MUSTs checked" not in markdown_summary(sample(BEFORE_COVERAGE))


def test_musts_the_manifest_could_check_are_listed_with_the_section_to_add():
    text = markdown_summary(sample(NO_MANIFEST))
    section = text.split("## Unchecked MUST requirements (20): needs-manifest\n\n", 1)[1]
    lines = section.split("\n\n", 1)[0].splitlines()  # one line per remedy, naming every MUST it would check
    assert len(lines) == 2
    assert lines[0].startswith("- add [[exercise]] to the manifest (docs/manifest.md): **PATH-008**, ")
    assert lines[1].startswith("- add [lease] to the manifest (docs/manifest.md): ") and "**LEASE-005**" in lines[1]
    assert sum(line.count("**") // 2 for line in lines) == 20
    assert "Unchecked MUST" not in markdown_summary(sample(SECRETS))


def test_lost_coverage_against_the_baseline():
    text = markdown_summary(sample(BASELINE))
    assert "**lost coverage:** LEASE-013, VER-002 (passed in the baseline, unchecked now)" in text


def test_the_level_table_has_a_row_only_for_levels_with_results():
    document = sample(DEADLINE)
    text = markdown_summary(document)
    for level in ("MUST", "SHOULD"):
        of_level = [r for r in document["results"] if r["level"] == level]
        counts = [sum(r["outcome"] == o for r in of_level) for o in ("passed", "failed", "skipped", "error")]
        assert f"| {level} | " + " | ".join(map(str, counts)) + " |" in text
    assert "| MAY |" not in text


def test_failed_musts_are_listed_one_line_each_in_report_order():
    document = sample(MUTANT)
    text = markdown_summary(document)
    section = text.split("## Failed MUST requirements (2)\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split("**")[1] for line in section] == ["LEASE-005", "LEASE-007"]
    message = result(document, "LEASE-005")["message"]
    assert section[0] == f"- **LEASE-005**: {message.removeprefix('LEASE-005 (MUST): ')}"
    assert message.startswith("LEASE-005 (MUST): ")  # said once on the line, not twice


def test_musts_that_ended_in_an_error_are_listed_with_the_failed_ones():
    document = sample(DEADLINE)
    text = markdown_summary(document)
    errored = [r["id"] for r in document["results"] if r["level"] == "MUST" and r["outcome"] == "error"]
    assert errored
    assert f"## Failed MUST requirements ({len(errored)})" in text
    assert all(f"- **{rid}**: " in text for rid in errored)


def test_failures_below_must_are_one_line_of_ids():
    document = sample(SECRETS)
    for rid in ("HS-002", "HS-011"):  # SHOULD requirements
        result(document, rid)["outcome"] = "failed"
    result(document, "PERF-001")["outcome"] = "error"
    text = markdown_summary(document)
    assert "Also failed (3, not MUST): HS-002 (SHOULD), HS-011 (SHOULD), PERF-001 (SHOULD)" in text
    assert "## Failed MUST" not in text


def test_no_failure_sections_for_a_clean_run():
    text = markdown_summary(sample(SECRETS))
    assert "Failed MUST" not in text and "Also failed" not in text and "Regressions" not in text


def test_regressions_since_the_baseline_come_first():
    text = markdown_summary(sample(BASELINE))
    assert "## Regressions since the baseline (2)" in text
    assert text.index("## Regressions since the baseline") < text.index("## Failed MUST requirements")
    assert "- **LEASE-005** (MUST): expected read issued/" in text


def test_a_regressed_id_the_report_has_no_result_for_is_left_out_of_the_list():
    document = sample(BASELINE)
    document["baseline"]["regressions"].append("NOPE-001")
    text = markdown_summary(document)
    assert "NOPE-001" not in text
    assert "## Regressions since the baseline (3)" in text


def test_slower_metrics_and_improvements_against_the_baseline():
    document = sample(SECRETS)
    document["baseline"] = {"path": "b.json", "regressions": [], "improvements": ["LEASE-005", "LEASE-007"],
                            "metric_regressions": ["handshake_ms: 20.0 -> 90.0 (+350%)"]}
    text = markdown_summary(document)
    assert "**Metrics worse than the baseline by more than 50%:** handshake_ms: 20.0 -> 90.0 (+350%)" in text
    assert "Improved since the baseline: LEASE-005, LEASE-007." in text
    assert "## Regressions" not in text


def test_a_long_message_is_one_shortened_line():
    document = sample(MUTANT)
    result(document, "LEASE-005")["message"] = "first line\n" + "word " * 200
    line = next(l for l in markdown_summary(document).splitlines() if l.startswith("- **LEASE-005**"))
    message = line.removeprefix("- **LEASE-005**: ")
    assert len(message) == MESSAGE_CHARS and message.endswith("…")
    assert message.startswith("first line word word")


def test_the_area_table_marks_failures_and_errors():
    mutant = markdown_summary(sample(MUTANT))
    assert "| leases | 9 | ❌ 2 | 3 | 0 |" in mutant
    assert "| handshake | 11 | 0 | 0 | 0 |" in mutant
    late = markdown_summary(sample(DEADLINE))
    assert "| handshake | 6 | 0 | 1 | ⚠️ 4 |" in late
    assert "| multiplexing | 0 | 0 | 1 | 0 |" in late


def test_the_area_table_has_one_row_per_area_in_order_of_first_result():
    document = sample(SECRETS)
    areas = list(dict.fromkeys(r["area"] for r in document["results"]))
    text = markdown_summary(document)
    table = text.split("| area | passed | failed | skipped | errors |\n|---|---|---|---|---|\n", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == areas


def test_metrics_line_leaves_out_null_metrics_and_is_absent_when_all_are_null():
    document = sample(DEADLINE)
    metrics = document["metrics"]
    measured = {key: value for key, value in metrics.items() if value is not None}
    assert None in metrics.values() and measured  # a run cut short measured some figures only
    assert markdown_summary(document).rstrip().endswith(
        "Metrics: " + ", ".join(f"{key} {value}" for key, value in measured.items()) + ".")
    document["metrics"] = {key: None for key in document["metrics"]}
    assert "Metrics:" not in markdown_summary(document)


def test_it_has_no_links_and_ends_with_one_newline():
    for name in SAMPLES:
        text = markdown_summary(sample(name))
        assert "](" not in text and "http://" not in text and "https://" not in text, name
        assert text.endswith(".\n") and not text.endswith("\n\n"), name
