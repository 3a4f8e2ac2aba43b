"""report.json is written once, last, after redaction; every other file sees the same document (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.report.redact import Redactor
from conformance.report.writers import WRITERS, write_reports



def minimal_document(secret: str) -> dict:
    return {
        "schema": "vault-plugin-conformance/report/v1",
        "tool": {"name": "vault-plugin-conformance", "version": "0"},
        "plugin": {"name": "p", "type": "secret", "path": "/p", "sha256": "0" * 64, "version": None},
        "server": {"kind": "none", "version": None, "runtime": "wire"},
        "started_at": "2026-11-30T00:00:00Z", "duration_s": 1.0,
        "summary": {"total": 1, "passed": 1, "failed": 0, "skipped": 0, "errors": 0, "must_failed": 0,
                    "verdict": "conformant"},
        "results": [{"id": "HS-001", "level": "MUST", "area": "handshake", "title": "t", "source": "s",
                     "outcome": "passed", "message": f"saw {secret}", "duration_s": 0.1, "evidence": {},
                     "checks": ["refuses_without_cookie"]}],
        "metrics": {},
        "timings": {"checks_s": 1.0},
    }


def test_report_json_is_written_once_last_with_what_finish_adds(tmp_path, monkeypatch):
    secret = "s3cr3t-value-that-must-not-appear"
    writes: list[str] = []
    real_write = Path.write_text

    def counting(self, *args, **kwargs):
        writes.append(self.name)
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", counting)

    def finish(document):
        assert set(writes) == set(WRITERS) - {"report.json"} | {"plugin.log"}, "report.json must come last"
        document["timings"]["reports_s"] = 0.5
        document["results"][0]["message"] += f" and again {secret}"  # finish cannot bypass the redactor

    document = write_reports(tmp_path, minimal_document(secret), Redactor({secret}),
                             {"plugin.log": f"log {secret}"}, finish=finish)
    assert writes.count("report.json") == 1 and writes[-1] == "report.json"
    written = json.loads((tmp_path / "report.json").read_text())
    assert written == document
    assert written["timings"] == {"checks_s": 1.0, "reports_s": 0.5}
    for path in tmp_path.iterdir():
        assert secret not in path.read_text(), path.name
