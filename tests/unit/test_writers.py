"""report.writers: every report file from one document through one redactor, and the bound on logs."""

from __future__ import annotations

import json

from conformance.report.badge import badge_svg
from conformance.report.html import html_report
from conformance.report.junit import junit_xml
from conformance.report.markdown import markdown_summary
from conformance.report.redact import REDACTED, Redactor
from conformance.report.writers import LOG_HEAD_CHARS, MAX_LOG_CHARS, WRITERS, bounded_log, write_log, write_reports
from unit_samples import MUTANT, SECRETS, result, sample

FILES = ["report.json", "junit.xml", "summary.md", "report.html", "badge.svg"]


def test_it_writes_the_five_report_files_each_its_renderer_of_the_document(tmp_path):
    document = sample(MUTANT)
    written = write_reports(tmp_path, document, Redactor())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES) and list(WRITERS) == FILES
    assert json.loads((tmp_path / "report.json").read_text()) == written == document
    assert (tmp_path / "report.json").read_text() == json.dumps(document, indent=2) + "\n"
    assert (tmp_path / "junit.xml").read_text() == junit_xml(document).decode()
    assert (tmp_path / "summary.md").read_text() == markdown_summary(document)
    assert (tmp_path / "report.html").read_text() == html_report(document)
    assert (tmp_path / "badge.svg").read_text() == badge_svg(document)


def test_a_known_secret_reaches_no_file(tmp_path):
    document = sample(MUTANT)
    secret = "s.9xQeZ4MvN7pL2kR8wT1yU3"
    result(document, "LEASE-005")["message"] += f" (token {secret})"
    result(document, "LEASE-005")["evidence"]["note"] = f"Authorization: Bearer {secret}"
    document["plugin"]["name"] = f"plugin-{secret}"
    written = write_reports(tmp_path, document, Redactor({secret}))
    for name in FILES:
        text = (tmp_path / name).read_text()
        assert secret not in text, name
        assert REDACTED in text or "&lt;redacted&gt;" in text, name
    assert written["plugin"]["name"] == f"plugin-{REDACTED}"


def test_values_under_secret_sounding_keys_are_redacted_in_every_file(tmp_path):
    document = sample(SECRETS)
    result(document, "PATH-008")["evidence"]["client_token"] = "hvs.generated-in-the-run"
    write_reports(tmp_path, document, Redactor())
    for name in FILES:
        assert "hvs.generated-in-the-run" not in (tmp_path / name).read_text(), name
    written = json.loads((tmp_path / "report.json").read_text())
    assert result(written, "PATH-008")["evidence"]["client_token"] == REDACTED


def test_the_callers_document_is_left_as_it_was(tmp_path):
    document = sample(SECRETS)
    result(document, "HS-001")["evidence"]["password"] = "hunter2hunter2"
    write_reports(tmp_path, document, Redactor({"hunter2hunter2"}))
    assert result(document, "HS-001")["evidence"]["password"] == "hunter2hunter2"


def test_logs_are_written_redacted(tmp_path):
    write_reports(tmp_path, sample(SECRETS), Redactor({"root-token-123456"}),
                  {"plugin.log": "started\nlogin with root-token-123456\n", "server.log": "ok\n"})
    assert (tmp_path / "plugin.log").read_text() == f"started\nlogin with {REDACTED}\n"
    assert (tmp_path / "server.log").read_text() == "ok\n"


def test_a_log_within_the_bound_is_kept_whole():
    text = "x" * MAX_LOG_CHARS
    assert bounded_log(text) is text


def test_a_flooded_log_keeps_its_start_and_its_end_and_says_how_much_it_left_out(tmp_path):
    head, middle, tail = "H" * LOG_HEAD_CHARS, "M" * (MAX_LOG_CHARS + 1000), "T" * (MAX_LOG_CHARS - LOG_HEAD_CHARS)
    text = head + middle + tail
    kept = bounded_log(text)
    left_out = len(text) - MAX_LOG_CHARS
    assert kept.startswith(head + "\n[... vault-plugin-conformance: ")
    assert f"{left_out} characters of this log left out (the first {LOG_HEAD_CHARS} and the last " \
           f"{MAX_LOG_CHARS - LOG_HEAD_CHARS} are kept) ...]\n" in kept
    assert kept.endswith("\n" + tail) and "M" not in kept
    write_log(tmp_path / "plugin.log", text, Redactor())
    assert (tmp_path / "plugin.log").read_text() == kept


def test_finish_adds_to_report_json_only_and_what_it_adds_is_redacted(tmp_path):
    secret = "late-secret-123456"

    def finish(document):
        document["timings"] = {"reports_s": 0.25}
        document["plugin"]["note"] = f"known only at the end: {secret}"

    written = write_reports(tmp_path, sample(SECRETS), Redactor({secret}), finish=finish)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["timings"] == {"reports_s": 0.25} == written["timings"]
    assert report["plugin"]["note"] == f"known only at the end: {REDACTED}" == written["plugin"]["note"]
    for name in ("junit.xml", "summary.md", "report.html", "badge.svg"):
        assert "known only at the end" not in (tmp_path / name).read_text(), name
