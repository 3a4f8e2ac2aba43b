"""The report schema (conformance/schemas/report-v1.schema.json): every recorded report.json is valid, what the
model writes is valid, what breaks the contract is not, and the schema agrees with the catalog."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

import conformance
from conformance.catalog import AREAS, REQUIREMENTS, Level
from conformance.outcomes import Outcome, SkipKind
from conformance.report.model import METRIC_KEYS, SCHEMA as SCHEMA_ID, Report, Result
from unit_samples import BEFORE_COVERAGE, DEADLINE, SAMPLES, SECRETS, requirement, sample

SCHEMAS = Path(conformance.__file__).resolve().parent / "schemas"
SCHEMA = json.loads((SCHEMAS / "report-v1.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def errors(document: dict) -> list[str]:
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(document))


def test_the_schema_is_a_valid_draft_2020_12_schema_with_the_reports_id():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == SCHEMA_ID == SCHEMA["properties"]["schema"]["const"]
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == ["report-v1.schema.json"]


@pytest.mark.parametrize("name", SAMPLES + (BEFORE_COVERAGE,))
def test_every_recorded_report_is_valid(name):
    assert errors(sample(name)) == []


def test_the_verdicts_and_the_coverage_block():
    summary = SCHEMA["properties"]["summary"]["properties"]
    assert summary["verdict"]["enum"] == ["conformant", "non-conformant", "incomplete", "error"]
    kinds = summary["coverage"]["properties"]["not_checked"]["items"]["properties"]["kind"]["enum"]
    assert kinds == [kind.value for kind in SkipKind] + ["error"]


def test_a_report_the_model_writes_is_valid():
    document = Report(plugin={"name": "p", "type": "auth", "path": "/p", "sha256": "a" * 64, "version": "v1.0.0"},
                      server={"kind": "vault", "version": "1.18.0", "runtime": "docker"},
                      started_at=dt.datetime.now(dt.timezone.utc), duration_s=3.0,
                      results=[Result(requirement("HS-901", Level.MUST), Outcome.ERROR, "HS-901: check raised X")],
                      metrics={"handshake_ms": 12.0}, processes=[], timings={"checks_s": 1.0},
                      baseline={"path": "b.json", "regressions": []}).as_dict()
    assert errors(document) == []


def test_a_started_at_without_microseconds_is_valid():
    document = Report(plugin={"name": "p", "type": "secret", "path": "/p", "sha256": "b" * 64, "version": None},
                      server={"kind": "none", "version": None, "runtime": "wire"},
                      started_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), duration_s=0.0, results=[],
                      metrics={}).as_dict()
    assert document["started_at"] == "2026-01-01T00:00:00Z" and errors(document) == []


@pytest.mark.parametrize("change, where", [
    (lambda d: d.pop("summary"), ": 'summary' is a required property"),
    (lambda d: d.update(schema="vault-plugin-conformance/report/v2"), "schema: 'vault-plugin-conformance/report/v1' was expected"),
    (lambda d: d["plugin"].update(sha256="XYZ"), "plugin/sha256: 'XYZ' does not match"),
    (lambda d: d["plugin"].update(type="kms"), "plugin/type: 'kms' is not one of"),
    (lambda d: d["server"].update(runtime="vm"), "server/runtime: 'vm' is not one of"),
    (lambda d: d.update(started_at="2026-11-30 23:43:04"), "started_at: '2026-11-30 23:43:04' does not match"),
    (lambda d: d["summary"].update(verdict="fine"), "summary/verdict: 'fine' is not one of"),
    (lambda d: d["summary"].update(passed=-1), "summary/passed: -1 is less than the minimum of 0"),
    (lambda d: d["results"][0].update(id="HS-1"), "results/0/id: 'HS-1' does not match"),
    (lambda d: d["results"][0].update(outcome="xfail"), "results/0/outcome: 'xfail' is not one of"),
    (lambda d: d["results"][0].update(message=""), "results/0/message: '' should be non-empty"),
    (lambda d: d["results"][0].pop("evidence"), "results/0: 'evidence' is a required property"),
    (lambda d: d["metrics"].pop("rpc_p99_ms"), "metrics: 'rpc_p99_ms' is a required property"),
    (lambda d: d["metrics"].update(path_requests=1.5), "metrics/path_requests: 1.5 is not of type 'integer', 'null'"),
    (lambda d: d["timings"].update(checks_s="fast"), "timings/checks_s: 'fast' is not of type 'number'"),
    (lambda d: d.update(baseline={"path": "b.json"}), "baseline: 'regressions' is a required property"),
    (lambda d: d["processes"][0].pop("pid"), "processes/0: 'pid' is a required property"),
    (lambda d: d["results"][-1].update(skip_kind="lazy"), "results/88/skip_kind: 'lazy' is not one of"),
    (lambda d: d["summary"]["coverage"].pop("not_checked"), "summary/coverage: 'not_checked' is a required property"),
    (lambda d: d["summary"]["coverage"].update(checked_must=-1), "summary/coverage/checked_must: -1 is less than"),
], ids=["no-summary", "other-schema", "sha256", "plugin-type", "runtime", "started-at", "verdict", "negative-count",
        "result-id", "outcome", "empty-message", "no-evidence", "metric-missing", "path-requests-float", "timing",
        "baseline-without-regressions", "process-without-pid", "skip-kind", "coverage-without-not-checked",
        "coverage-negative"])
def test_what_breaks_the_contract_is_invalid(change, where):
    document = sample(SECRETS)
    change(document)
    found = errors(document)
    assert len(found) == 1 and found[0].startswith(where), found


def test_extensions_beyond_v1_are_allowed():
    document = sample(DEADLINE)
    document["merged_from"] = [{"started_at": document["started_at"], "duration_s": 1.0, "checked": 3}]
    document["plugin"]["manifest"] = "m.toml"
    assert errors(document) == []


def test_the_schemas_ids_and_areas_are_the_catalogs():
    result = SCHEMA["properties"]["results"]["items"]["properties"]
    prefixes = result["id"]["pattern"].split("(", 1)[1].split(")", 1)[0].split("|")
    assert sorted(prefixes) == sorted(AREAS)
    assert set(AREAS.values()) <= set(result["area"]["enum"])
    assert result["level"]["enum"] == [level.value for level in Level]
    assert result["outcome"]["enum"] == [outcome.value for outcome in Outcome]
    assert result["skip_kind"]["enum"] == [kind.value for kind in SkipKind]
    assert all(VALIDATOR.evolve(schema=result["id"]).is_valid(r.id) for r in REQUIREMENTS)


def test_the_schemas_metrics_are_the_models():
    metrics = SCHEMA["properties"]["metrics"]
    assert list(metrics["properties"]) == list(METRIC_KEYS)
    assert set(metrics["required"]) == set(METRIC_KEYS) - {"path_requests"}  # path_requests: an extension


def undescribed(value, schema: dict, where: str = "") -> set[str]:
    """The keys of value that its schema does not name (where it names its object's properties)."""
    found: set[str] = set()
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key in schema["properties"]:
                found |= undescribed(item, schema["properties"][key], f"{where}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                found |= undescribed(item, schema["additionalProperties"], f"{where}.{key}")
            else:
                found.add(f"{where}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            found |= undescribed(item, schema["items"], f"{where}[]")
    return found


def test_the_schema_names_every_key_a_recorded_report_has():
    found = set().union(*(undescribed(sample(name), SCHEMA) for name in SAMPLES))
    assert found == set(), sorted(found)


def test_undescribed_finds_a_key_the_schema_does_not_name():
    document = sample(SECRETS)
    document["plugin"]["colour"] = "red"
    document["results"][0]["extra"] = 1
    assert undescribed(document, SCHEMA) >= {".plugin.colour", ".results[].extra"}
