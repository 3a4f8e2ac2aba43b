"""junit.xml (report.junit.junit_xml): one testcase per requirement, grouped by area, as CI tools read it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conformance.report.junit import junit_xml
from unit_samples import (AUTH_WIRE, BEFORE_COVERAGE, DEADLINE, MUTANT, NO_MANIFEST, SAMPLES, SECRETS, recorded,
                          result, sample)


def parsed(document: dict) -> ET.Element:
    return ET.fromstring(junit_xml(document))


@pytest.mark.parametrize("name", [MUTANT, DEADLINE, NO_MANIFEST])
def test_rendering_a_recorded_report_gives_the_junit_xml_the_run_wrote(name):
    assert junit_xml(sample(name)).decode("utf-8") == recorded(name, "junit.xml")


def test_it_starts_with_an_xml_declaration_and_is_utf8():
    data = junit_xml(sample(SECRETS))
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<testsuites")
    data.decode("utf-8")


@pytest.mark.parametrize("name", SAMPLES)
def test_the_totals_are_the_summary(name):
    document = sample(name)
    root, summary = parsed(document), document["summary"]
    assert root.tag == "testsuites" and root.get("name") == "vault-plugin-conformance"
    assert {k: int(root.get(k)) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": summary["total"], "failures": summary["failed"], "errors": summary["errors"],
        "skipped": summary["skipped"]}
    assert root.get("time") == f"{document['duration_s']:.3f}"
    assert len(root.findall("testsuite/testcase")) == summary["total"]


def test_one_testsuite_per_area_in_order_of_first_result_named_after_the_plugin():
    document = sample(AUTH_WIRE)
    areas = list(dict.fromkeys(r["area"] for r in document["results"]))
    assert [suite.get("name") for suite in parsed(document)] == [f"reference-auth.{a}" for a in areas]


def test_a_suite_counts_its_own_cases_and_sums_their_times():
    document = sample(MUTANT)
    leases = next(s for s in parsed(document) if s.get("name").endswith(".leases"))
    of_area = [r for r in document["results"] if r["area"] == "leases"]
    assert int(leases.get("tests")) == len(of_area) == 14
    assert (leases.get("failures"), leases.get("errors"), leases.get("skipped")) == ("2", "0", "3")
    assert leases.get("time") == f"{sum(r['duration_s'] for r in of_area):.3f}"


def test_a_testcase_is_named_by_id_level_and_title_with_the_area_as_class():
    document = sample(SECRETS)
    first = document["results"][0]
    case = parsed(document).find("testsuite/testcase")
    assert case.get("name") == f"{first['id']} [{first['level']}] {first['title']}"
    assert case.get("classname") == f"conformance.{first['area']}"
    assert case.get("time") == f"{first['duration_s']:.3f}"


def case(root: ET.Element, rid: str) -> ET.Element:
    return next(c for c in root.iter("testcase") if c.get("name").startswith(f"{rid} ["))


def test_a_failed_requirement_is_a_failure_typed_by_its_level():
    document = sample(MUTANT)
    failure = case(parsed(document), "LEASE-005").find("failure")
    message = result(document, "LEASE-005")["message"]
    assert message.startswith("LEASE-005 (MUST): expected ")  # the message names id and level already
    assert failure.get("type") == "MUST"
    assert failure.get("message") == failure.text == message


def test_a_failure_message_without_its_id_gets_it():
    document = sample(MUTANT)
    result(document, "LEASE-005")["message"] = "expected revoked; saw active"
    failure = case(parsed(document), "LEASE-005").find("failure")
    assert failure.text == "LEASE-005 (MUST): expected revoked; saw active"


def test_an_errored_requirement_is_an_error():
    document = sample(DEADLINE)
    element = case(parsed(document), "HS-001")
    assert [child.tag for child in element] == ["error"]
    assert element.find("error").text == f"HS-001 (MUST): {result(document, 'HS-001')['message']}"


def test_a_skipped_requirement_is_skipped_with_its_kind_reason_and_remedy():
    document = sample(NO_MANIFEST)
    path = result(document, "PATH-008")
    element = case(parsed(document), "PATH-008")
    assert [child.tag for child in element] == ["skipped"]
    assert element.find("skipped").get("message") == (
        f"[needs-manifest] {path['message']} (to check it: add [[exercise]] to the manifest (docs/manifest.md))")
    db = case(parsed(document), "DB-001").find("skipped").get("message")
    assert db == "[not-applicable] does not apply to secret plugins"


def test_each_suite_carries_the_verdict_and_its_scope_as_properties():
    root = parsed(sample(NO_MANIFEST))
    for suite in root.findall("testsuite"):
        properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert properties == {"verdict": "incomplete", "scope": "all 58 applicable MUSTs", "checked_must": "38",
                              "applicable_must": "58"}
        assert suite[0].tag == "properties"


def test_a_report_made_before_coverage_has_no_properties_and_kindless_skips():
    document = sample(BEFORE_COVERAGE)
    root = parsed(document)
    assert root.findall("testsuite/properties") == []
    skipped = next(r for r in document["results"] if r["outcome"] == "skipped")
    assert case(root, skipped["id"]).find("skipped").get("message") == f"[blocked] {skipped['message']}"


def test_a_passed_requirement_carries_its_message_as_system_out():
    document = sample(SECRETS)
    element = case(parsed(document), "HS-003")
    assert [child.tag for child in element] == ["system-out"]
    assert element.find("system-out").text == result(document, "HS-003")["message"]


def test_markup_in_names_and_messages_survives_escaped():
    document = sample(MUTANT)
    document["plugin"]["name"] = 'a&b<"c">'
    result(document, "LEASE-005")["message"] = "saw <tag attr=\"1\"> & 'quotes' ]]>"
    root = parsed(document)
    assert root.find("testsuite").get("name").startswith('a&b<"c">.')
    assert case(root, "LEASE-005").find("failure").text.endswith("saw <tag attr=\"1\"> & 'quotes' ]]>")


def test_a_message_with_a_control_character_still_gives_well_formed_xml():
    document = sample(MUTANT)
    result(document, "LEASE-005")["message"] = "plugin said \x1b[31mrevoked\x1b[0m"
    failure = case(parsed(document), "LEASE-005").find("failure")
    assert "revoked" in failure.text
