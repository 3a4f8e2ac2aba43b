"""badge.svg (report.badge): the verdict as a shields.io-style badge."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conformance.report.badge import COLOURS, LABEL, badge_svg, badge_text, must_counts, text_width
from unit_samples import BEFORE_COVERAGE, DEADLINE, MUTANT, NO_MANIFEST, SAMPLES, SECRETS, recorded, sample

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("name", SAMPLES)
def test_rendering_a_recorded_report_gives_the_badge_the_run_wrote(name):
    assert badge_svg(sample(name)) == recorded(name, "badge.svg")


def test_must_counts_are_the_passed_musts_of_those_checked():
    for name in (MUTANT, DEADLINE):  # an error counts as checked and not passed
        musts = [r for r in sample(name)["results"] if r["level"] == "MUST"]
        passed = sum(r["outcome"] == "passed" for r in musts)
        assert must_counts(sample(name)) == (passed, sum(r["outcome"] != "skipped" for r in musts))
    assert must_counts(sample(MUTANT)) == (54, 56)  # two MUSTs failed (LEASE-005, LEASE-007)


@pytest.mark.parametrize("name, text, colour, description", [
    (SECRETS, "conformant", "#4c1", "conformant: all 58 checked MUST requirements passed (all 58 applicable MUSTs)"),
    (MUTANT, "54 of 56 MUST", "#e05d44", "non-conformant: 54 of 56 checked MUST requirements passed"),
    (DEADLINE, "error", "#9f9f9f", "error: the run could not decide every requirement"),
    (NO_MANIFEST, "incomplete · 38/58 MUST", "#dfb317", "incomplete: 38 of 58 applicable MUST requirements checked, "
     "none failed; the manifest lacks what would check the others"),
])
def test_badge_text_by_verdict(name, text, colour, description):
    assert badge_text(sample(name)) == (text, colour, description)
    assert COLOURS[sample(name)["summary"]["verdict"]] == colour


def test_it_is_an_svg_whose_parts_add_up():
    svg = ET.fromstring(badge_svg(sample(MUTANT)))
    assert svg.tag == f"{SVG}svg" and svg.get("height") == "20" and svg.get("role") == "img"
    left, right = round(text_width(LABEL) + 10), round(text_width("54 of 56 MUST") + 10)
    assert int(svg.get("width")) == left + right
    rects = svg.findall(f"{SVG}g/{SVG}rect")
    assert [(r.get("width"), r.get("fill")) for r in rects[:2]] == [(str(left), "#555"), (str(right), "#e05d44")]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == [LABEL, LABEL, "54 of 56 MUST", "54 of 56 MUST"]  # each with its shadow


def test_the_accessible_label_and_title():
    svg = ET.fromstring(badge_svg(sample(SECRETS)))
    assert svg.get("aria-label") == "conformance: conformant"
    assert svg.find(f"{SVG}title").text == (
        "reference-secrets conformance: conformant: all 58 checked MUST requirements passed (all 58 applicable MUSTs)")


@pytest.mark.parametrize("text, width", [
    ("", 0.0), ("il", 8.0), ("mw", 21.0), ("AB", 15.2), ("ab", 13.8), ("a b", 17.8),
])
def test_text_width(text, width):
    assert text_width(text) == pytest.approx(width)


def test_a_plugin_name_with_markup_is_escaped():
    document = sample(SECRETS)
    document["plugin"]["name"] = 'x<y>&"z"'
    svg = ET.fromstring(badge_svg(document))
    assert svg.find(f"{SVG}title").text.startswith('x<y>&"z" conformance:')


def test_badges_of_different_runs_do_not_share_ids_and_one_run_always_gets_the_same():
    def ids(document):
        svg = ET.fromstring(badge_svg(document))
        return {e.get("id") for e in svg.iter() if e.get("id")}

    secrets, mutant = ids(sample(SECRETS)), ids(sample(MUTANT))
    assert len(secrets) == 2 and not secrets & mutant
    assert ids(sample(SECRETS)) == secrets
    svg = badge_svg(sample(SECRETS))
    for element_id in secrets:
        assert f"url(#{element_id})" in svg


def test_a_report_made_before_coverage_still_gets_its_badge():
    document = sample(BEFORE_COVERAGE)
    text, colour, description = badge_text(document)
    assert (text, colour) == ("conformant", "#4c1")
    assert description.startswith("conformant: all 17 checked MUST requirements passed")
    assert ET.fromstring(badge_svg(document)).get("aria-label") == "conformance: conformant"
