"""Every file a certification writes, from one document, through one redactor.

The writers (JSON, JUnit, Markdown, HTML, badge) all render the same
document, so they cannot disagree; the redactor is applied to the document
before any writer sees it and once more to each rendered file, so a secret
cannot reach a report by a path nobody thought of.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from conformance.report.badge import badge_svg
from conformance.report.html import html_report
from conformance.report.junit import junit_xml
from conformance.report.markdown import markdown_summary
from conformance.report.redact import Redactor

WRITERS = {
    "report.json": lambda document: json.dumps(document, indent=2) + "\n",
    "junit.xml": lambda document: junit_xml(document).decode("utf-8"),
    "summary.md": markdown_summary,
    "report.html": html_report,
    "badge.svg": badge_svg,
}


def write_reports(report_dir: Path, document: dict[str, Any], redactor: Redactor,
                  logs: dict[str, str] | None = None,
                  finish: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Write every report file and the given logs into report_dir; returns the redacted document.

    report.json is written once, last, after redaction: `finish` may add to the document what is only known
    once the other files are written (how long writing them took) before it is."""
    document = redactor.data(document)
    for name, render in WRITERS.items():
        if name != "report.json":
            (report_dir / name).write_text(redactor.text(render(document)), encoding="utf-8")
    for name, text in (logs or {}).items():
        write_log(report_dir / name, text, redactor)
    if finish is not None:
        finish(document)
        document = redactor.data(document)
    (report_dir / "report.json").write_text(redactor.text(WRITERS["report.json"](document)), encoding="utf-8")
    return document


MAX_LOG_CHARS = 8 * 2**20  # a plugin flooding its output makes the server log it all: keep the start and the end
LOG_HEAD_CHARS = 2 * 2**20


def bounded_log(text: str) -> str:
    if len(text) <= MAX_LOG_CHARS:
        return text
    left_out = len(text) - MAX_LOG_CHARS
    tail = text[-(MAX_LOG_CHARS - LOG_HEAD_CHARS):]
    return (f"{text[:LOG_HEAD_CHARS]}\n[... vault-plugin-conformance: {left_out} characters of this log left out "
            f"(the first {LOG_HEAD_CHARS} and the last {len(tail)} are kept) ...]\n{tail}")


def write_log(path: Path, text: str, redactor: Redactor) -> None:
    path.write_text(redactor.text(bounded_log(text)), encoding="utf-8")
