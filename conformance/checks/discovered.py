"""PATH: every path and operation the plugin declares in its OpenAPI document, sent through the server."""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

from conformance.catalog import check
from conformance.observations.discovery import DerivedRequest, derive, undeclared
from conformance.observations.openapi import openapi_discovery
from conformance.outcomes import Evidence, Skip, expect
from conformance.runtime.registration import HTTP_METHOD, request_body, server_words
from conformance.observations.session import CertifySession

# What a server says when the plugin behind a request crashed or its connection broke, not a handler's error.
TRANSPORT_WORDS = re.compile(r"rpc error|transport is closing|connection refused|error reading from server|"
                             r"plugin exited|Unavailable|broken pipe|\bEOF\b|panic|connection reset|"
                             r"plugin shutdown|no such file or directory.*sock", re.I)


def classify(status: int, words: str) -> str:
    if status < 400:
        return "success"
    if status >= 500:
        return "crash" if TRANSPORT_WORDS.search(words) else "server-error"
    if status in (404, 405) or words != "(empty body)":
        return "refused"
    return "refused-silently"


def _send(session: CertifySession, mount_path: str, request: DerivedRequest) -> dict[str, Any]:
    started = time.monotonic()
    response = session.api(HTTP_METHOD[request.operation], f"{mount_path}/{request.path}",
                           **request_body(request.operation, request.data))
    words = server_words(response) if response.status_code >= 300 else ""
    return {"request": request.line[:160], "status": response.status_code, "words": words[:200],
            "class": classify(response.status_code, words), "ms": round((time.monotonic() - started) * 1000, 1)}


def derived_answers(session: CertifySession) -> dict[str, Any]:
    """Every derived request sent once, in document order, with the plugin's pids watched throughout."""
    def observe() -> dict[str, Any]:
        discovery = openapi_discovery(session)
        mount = session.mount
        requests = [r for op in discovery.operations for r in derive(op)]
        pids_before = session.plugin_pids()
        answers, pid_changes = [], []
        for request in requests:
            answer = _send(session, mount.path, request)
            answers.append(answer)
            if answer["status"] >= 500:  # only then can the process have gone; psutil scans cost ms
                pids = session.plugin_pids()
                if pids != pids_before:
                    pid_changes.append({"after": answer["request"], "pids": pids})
        pids_after = session.plugin_pids()
        if pids_after != pids_before and not pid_changes:
            pid_changes.append({"after": "the last request", "pids": pids_after})
        return {"answers": answers, "pids_before": pids_before, "pids_after": pids_after,
                "pid_changes": pid_changes, "skipped_paths": discovery.skipped_paths,
                "operations": [f"{op.operation} {op.template}" for op in discovery.operations]}
    return session.once("derived_answers", observe)


def _summary(answers: list[dict[str, Any]]) -> dict[str, int]:
    return dict(Counter(a["class"] for a in answers))


@check("PATH-009")
def derived_requests_do_not_crash(session: CertifySession, evidence: Evidence) -> str:
    run = derived_answers(session)
    answers = run["answers"]
    evidence.update({"operations": run["operations"], "requests_sent": len(answers), "by_class": _summary(answers),
                     "plugin_pids_before": run["pids_before"], "plugin_pids_after": run["pids_after"],
                     "regex_paths_not_derived": run["skipped_paths"]})
    crashes = [a for a in answers if a["class"] == "crash"]
    evidence["crashes"] = crashes[:10]
    expect(not crashes, "no request answered with a crashed plugin or a broken transport",
           f"{len(crashes)} of {len(answers)}, first: {crashes[0]['request']} -> HTTP {crashes[0]['status']}: "
           f"{crashes[0]['words']}" if crashes else "")
    expect(not run["pid_changes"], "the same plugin process throughout",
           f"the process changed after {run['pid_changes'][0]['after']}" if run["pid_changes"] else "")
    expect(bool(answers), "at least one derived request", "the document declares no operation")
    return (f"{len(answers)} requests derived from {len(run['operations'])} documented operations: "
            + ", ".join(f"{n} {c}" for c, n in sorted(_summary(answers).items())) + "; same process throughout")


@check("PATH-010")
def invalid_input_is_a_client_error(session: CertifySession, evidence: Evidence) -> str:
    answers = derived_answers(session)["answers"]
    evidence["by_class"] = _summary(answers)
    server_errors = [a for a in answers if a["class"] == "server-error"]
    silent = [a for a in answers if a["class"] == "refused-silently"]
    evidence["server_errors"] = server_errors[:10]
    evidence["refused_without_a_message"] = silent[:10]
    expect(not server_errors, "bad input refused with a 4xx and an error message",
           f"{len(server_errors)} HTTP 5xx, first: {server_errors[0]['request']} -> HTTP {server_errors[0]['status']}: "
           f"{server_errors[0]['words']}" if server_errors else "")
    expect(not silent, "every 4xx (other than 404/405) to carry an error message",
           f"{len(silent)} without one, first: {silent[0]['request']} -> HTTP {silent[0]['status']}" if silent else "")
    return f"{len(answers)} derived requests: no 5xx, every refusal explained"


@check("PATH-014")
def unsupported_operation_is_told_apart(session: CertifySession, evidence: Evidence) -> str:
    discovery = openapi_discovery(session)
    mount = session.mount
    probes = undeclared(discovery)
    if not probes:
        raise Skip("every literal path declares read, update and delete: no undeclared operation to send")
    answers = [_send(session, mount.path, r) for r in probes]
    evidence["undeclared_operations"] = answers
    wrong = [a for a in answers if a["status"] != 405]
    expect(not wrong, "HTTP 405 'unsupported operation' for an operation a declared path does not serve "
           "(404 is for paths the plugin does not serve)",
           f"{wrong[0]['request']} -> HTTP {wrong[0]['status']}: {wrong[0]['words']}" if wrong else "")
    return f"{len(answers)} undeclared operation(s) on declared paths: each HTTP 405"
