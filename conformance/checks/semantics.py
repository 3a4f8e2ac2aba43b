"""PATH: what a mounted plugin's paths mean: read-back, lists, deletes, isolation, concurrency, persistence."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil

from conformance.catalog import check
from conformance.observations.discovery import PROBE_NAME, derive
from conformance.manifest import read_back
from conformance.outcomes import Evidence, Skip, expect
from conformance.runtime.registration import (
    HTTP_METHOD, RegistrationFailed, another_mount, disable_mount, response_data, server_words,
)
from conformance.observations.openapi import openapi_discovery
from conformance.observations.read_back import mismatches, read_back_state
from conformance.observations.session import CertifySession

CONCURRENT_REQUESTS = 50
LIST_PROBE = "vpc-list-probe"
NEVER_WRITTEN = "vpc-never-written"
RELAUNCH_BOUND_S = 20.0  # how long the server may take to start a killed plugin again on the next request
EXIT_BOUND_S = 5.0


@check("PATH-015")
def written_state_reads_back(session: CertifySession, evidence: Evidence) -> str:
    state = read_back_state(session)
    evidence["transcript"] = state["transcript"]
    reader, read = state["reader"], state["read"]
    expect(read["status"] == 200, f"{reader.line} to answer HTTP 200", f"HTTP {read['status']}: {read['words']}")
    written = state["written"].get(reader.path)
    if not written:
        return f"{reader.line}: HTTP 200 (the manifest writes nothing to that path to compare)"
    same, different = mismatches(written, read.get("data") or {})
    evidence["fields_read_back"] = same
    expect(not different, f"{reader.line} to return the values written", "; ".join(different))
    expect(bool(same), f"{reader.line} to return at least one of the written fields {sorted(written)}",
           f"fields {sorted((read.get('data') or {}))}")
    return f"{reader.line} returned what was written ({', '.join(same)})"


EXTRA_MOUNTS = 2  # with the first: three mounts of one plugin, as a platform serving several teams has


@check("PATH-017")
def mounts_do_not_share_state(session: CertifySession, evidence: Evidence) -> str:
    state = read_back_state(session)
    reader, first = state["reader"], state["read"]
    mount = session.mount
    written = state["written"].get(reader.path) or {}
    others, answers = [], []
    try:
        for number in range(2, 2 + EXTRA_MOUNTS):
            try:
                others.append(another_mount(session.server, mount, str(number)))
            except RegistrationFailed as failure:
                expect(False, f"mount {number} of the same plugin", f"{failure.step}: HTTP {failure.status}: {failure.words}")
            other = others[-1]
            for request in session.setup:  # the other mounts get the same configuration, not the exercise's writes
                session.api(HTTP_METHOD[request.operation], f"{other.path}/{request.path}", json=request.data)
            response = session.api(HTTP_METHOD[reader.operation], f"{other.path}/{reader.path}")
            seen = response_data(response)
            answers.append(f"{other.path}/: {reader.line} -> {response.status_code}")
            same, _ = mismatches(written, seen or {}) if written else ([], [])
            leaked = bool(seen) and (seen == first.get("data") and bool(written) or bool(same))
            expect(not leaked, f"{reader.line} on {other.path}/ not to return what the first mount wrote",
                   f"fields {same or sorted(seen or {})} with the first mount's values")
        session.api(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")  # every mount live now
        pids = session.plugin_pids()
        session.multiplexing.update({"mounts": 1 + len(others), "processes": len(pids),
                                     "served_as": "one process for all mounts" if len(pids) == 1
                                     else "one process per mount" if len(pids) == 1 + len(others)
                                     else f"{len(pids)} processes for {1 + len(others)} mounts"})
        evidence.update({"other_mounts": answers, "processes": pids, "served_as": session.multiplexing["served_as"],
                         "reports_multiplexing": session.multiplexing.get("reported")})
    finally:
        evidence["other_mounts_disabled"] = [disable_mount(session.server, other) for other in others]
    return (f"{len(others)} more mounts answered {reader.line} without the first mount's data; "
            f"{1 + len(others)} mounts served by {session.multiplexing['served_as']}")


@check("PATH-018")
def concurrent_requests_all_succeed(session: CertifySession, evidence: Evidence) -> str:
    mount = session.mount
    reader = read_back(session.exercise) if session.exercise else None
    method, path, params = ((HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}", None) if reader
                            else ("GET", f"{mount.path}/", {"help": "1"}))
    single = session.api(method, path, params=params).status_code
    pids_before = session.plugin_pids()
    token = session.server.root_token

    def one(_):
        started = time.monotonic()
        response = session.server.request_as(token, method, path, params=params)
        return response.status_code, (time.monotonic() - started) * 1000, server_words(response) if response.status_code >= 300 else ""

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
        answers = list(pool.map(one, range(CONCURRENT_REQUESTS)))
    wall_ms = (time.monotonic() - started) * 1000
    session.requests_checked += CONCURRENT_REQUESTS
    pids_after = session.plugin_pids()
    statuses = sorted({a[0] for a in answers})
    latencies = sorted(a[1] for a in answers)
    evidence.update({"request": f"{method} {path}", "concurrency": CONCURRENT_REQUESTS, "single_status": single,
                     "statuses": statuses, "p50_ms": round(latencies[len(latencies) // 2], 1),
                     "max_ms": round(latencies[-1], 1), "wall_ms": round(wall_ms, 1),
                     "plugin_pids_before": pids_before, "plugin_pids_after": pids_after})
    odd = [a for a in answers if a[0] != single]
    expect(not odd, f"all {CONCURRENT_REQUESTS} concurrent requests answered like a single one (HTTP {single})",
           f"{len(odd)} answered otherwise, e.g. HTTP {odd[0][0]}: {odd[0][2]}" if odd else "")
    expect(single < 500, "a request that succeeds alone", f"HTTP {single}")
    expect(pids_before == pids_after, "the same plugin process before and after", f"{pids_before} -> {pids_after}")
    return f"{CONCURRENT_REQUESTS} concurrent {method} {path}: all HTTP {single} in {wall_ms:.0f} ms; same process"


def _list_pairs(session: CertifySession) -> list[tuple[str, Any]]:
    """(list path, write operation) pairs: a list path and the item path under it that the plugin writes."""
    operations = openapi_discovery(session).operations
    posts = {op.template: op for op in operations if op.operation == "update"}
    pairs = []
    for op in operations:
        if op.operation != "list":
            continue
        # metadata/{path} lists metadata/; a catch-all {path}/ lists the mount's root
        base = re.sub(rf"{re.escape(PROBE_NAME)}/?$", "", op.path)
        writer = next((w for w in posts.values() if w.path == base + PROBE_NAME), None)
        pairs.append((base, writer))
    return pairs


@check("PATH-012")
def list_answers_carry_keys(session: CertifySession, evidence: Evidence) -> str:
    mount = session.mount
    pairs = _list_pairs(session)
    if not pairs:
        raise Skip("the OpenAPI document declares no list operation")
    seen, confirmed = [], 0
    for list_path, writer in pairs:
        wrote = None
        if writer is not None:
            data = derive(writer)[0].data  # the documented request
            item = writer.path.replace(PROBE_NAME, LIST_PROBE)
            response = session.api("POST", f"{mount.path}/{item}", json=data)
            wrote = LIST_PROBE if response.status_code < 300 else None
            seen.append({"write": f"POST {item}", "status": response.status_code})
        response = session.api("LIST", f"{mount.path}/{list_path}")
        data = response_data(response) or {}
        keys = data.get("keys")
        seen.append({"list": f"LIST {list_path}", "status": response.status_code, "keys": keys if isinstance(keys, list) else keys,
                     "data_fields": sorted(data)})
        if wrote:
            expect(response.status_code == 200, f"LIST {list_path} after writing {wrote} to answer HTTP 200 with keys",
                   f"HTTP {response.status_code}: {server_words(response)}")
            confirmed += 1
        if response.status_code == 200:
            expect(isinstance(keys, list) and all(isinstance(k, str) for k in keys),
                   f"LIST {list_path}: data.keys, a list of strings", f"data fields {sorted(data)}, keys {keys!r}")
        if wrote:
            expect(wrote in keys or f"{wrote}/" in keys, f"LIST {list_path} to name {wrote}, just written",
                   f"keys {keys[:10]}")
            session.api("DELETE", f"{mount.path}/{writer.path.replace(PROBE_NAME, LIST_PROBE)}")
    evidence["lists"] = seen
    if not confirmed and not any(s.get("status") == 200 for s in seen if "list" in s):
        raise Skip("no list answered with items: nothing listable could be written")
    return f"{len([s for s in seen if 'list' in s])} list path(s): keys as a list of strings" + (
        f", including the item just written ({confirmed})" if confirmed else "")


@check("PATH-013")
def delete_of_missing_item_is_not_an_error(session: CertifySession, evidence: Evidence) -> str:
    mount = session.mount
    deletes = [op for op in openapi_discovery(session).operations if op.operation == "delete" and op.parameters]
    if not deletes:
        raise Skip("the OpenAPI document declares no delete of a named item")
    answers = []
    for op in deletes:
        path = op.path.replace(PROBE_NAME, NEVER_WRITTEN)
        response = session.api("DELETE", f"{mount.path}/{path}")
        answers.append({"request": f"DELETE {path}", "status": response.status_code,
                        "words": server_words(response) if response.status_code >= 300 else ""})
    evidence["deletes"] = answers
    failed = [a for a in answers if a["status"] >= 500]
    expect(not failed, "a delete of an item that does not exist to succeed or be refused (never HTTP 5xx)",
           f"{failed[0]['request']} -> HTTP {failed[0]['status']}: {failed[0]['words']}" if failed else "")
    return ", ".join(f"{a['request']} -> {a['status']}" for a in answers)


@check("PATH-016")
def state_survives_reload_and_restart(session: CertifySession, evidence: Evidence) -> str:
    state = read_back_state(session)
    reader, first = state["reader"], state["read"]
    written = state["written"].get(reader.path) or {}
    mount = session.mount
    expect(first["status"] == 200, f"{reader.line} to answer before the reload", f"HTTP {first['status']}")
    steps = []

    def read_again(label: str) -> None:
        response = session.api(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")
        steps.append({"after": label, "read": f"{reader.line} -> {response.status_code}", "pids": session.plugin_pids()})
        expect(response.status_code == 200, f"{reader.line} to answer HTTP 200 after {label}",
               f"HTTP {response.status_code}: {server_words(response)}")
        seen = response_data(response) or {}
        same, different = mismatches(written, seen) if written else ([], [])
        expect(not different and (same or not written) and (written or seen == first.get("data")),
               f"what was written before {label}", "; ".join(different) or f"fields {sorted(seen)}")

    evidence["steps"] = steps
    pids = session.plugin_pids()
    reload = session.api("PUT", "sys/plugins/reload/backend", json={"mounts": [f"{mount.path}/"]})
    steps.append({"reload": f"PUT sys/plugins/reload/backend -> {reload.status_code}", "pids_before": pids})
    expect(reload.status_code in (200, 204), "the server to reload the mount's plugin",
           f"HTTP {reload.status_code}: {server_words(reload)}")
    read_again("a plugin reload")
    killed = _kill(session.plugin_pids())
    steps.append({"killed": killed})
    expect(bool(killed), "a plugin process to restart", "none was running")
    deadline = time.monotonic() + RELAUNCH_BOUND_S
    while True:  # the server relaunches a dead plugin on the next request, which may first fail once
        response = session.api(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    read_again("the plugin process was killed and relaunched")
    after = session.plugin_pids()
    expect(bool(after) and not set(after) & set(killed), "a new plugin process serving the mount",
           f"pids {after}, killed {killed}")
    return f"read back after a reload and after a new process (pid {killed} -> {after})"


def _kill(pids: list[int]) -> list[int]:
    processes = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            process.kill()
            processes.append(process)
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(processes, timeout=EXIT_BOUND_S)
    return [p.pid for p in processes]
