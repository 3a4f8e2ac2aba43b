"""PATH: the plugin's paths, at the wire and mounted in a real server.

At the wire (the wire host's run): Setup, Type, SpecialPaths, an unknown
operation, storage through the broker and the existence check. Through a real
server: registration and mount, help and the OpenAPI document, unknown paths,
what the manifest's [[exercise]] writes reading back (after a reload, a new
process and a server restart too), isolation of mounts, concurrent requests,
lists and deletes, every request derived from the plugin's OpenAPI document,
and an auth method's login and unauthenticated paths.

Sources: openbao/openbao sdk/plugin (grpc_backend_server.go, grpc_storage.go,
pb/translation.go), sdk/framework (backend.go, path.go, openapi.go, lease.go),
sdk/logical (storage.go, response_util.go, auth.go), internal/vault (mount.go,
router.go, request_handling.go, plugin_reload.go); hashicorp/vault
sdk/framework/backend.go and website/content/docs/plugins/plugin-development.mdx.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil

from conformance.catalog import check
from conformance.manifest import read_back
from conformance.observations.answers import answer_text
from conformance.observations.discovery import PROBE_NAME, DerivedRequest, derive, undeclared
from conformance.observations.logins import auth_facts, logged_in, login_mount_max_ttl, login_recipe
from conformance.observations.openapi import openapi_discovery
from conformance.observations.read_back import mismatches, read_back_state
from conformance.observations.restarts import stop_and_restart
from conformance.observations.context import CheckContext
from conformance.observations.wire_run import wire_exercise, wire_seen
from conformance.outcomes import Blocked, Evidence, NeedsManifest, NotApplicable, Skip, expect
from conformance.runtime.registration import HTTP_METHOD, RegistrationFailed, request_body, response_data, server_words
from conformance.wirehost.scenario import UNKNOWN_OPERATION
from conformance.errors import WrongPluginType
from conformance.manifest_needs import EXERCISE, LOGIN, LOGIN_REFUSED

DECLARED_TYPE = {"secret": 1, "auth": 2}
UNKNOWN_PATH = "vpc-no-such-path/deeper"
CONCURRENT_REQUESTS = 50
LIST_PROBE = "vpc-list-probe"
NEVER_WRITTEN = "vpc-never-written"
RELAUNCH_BOUND_S = 20.0  # how long the server may take to start a killed plugin again on the next request
EXIT_BOUND_S = 5.0
CAPPED_WORDS = ("capped", "exceeded the effective max_ttl")


# -- at the wire: Setup, Type, SpecialPaths, an unknown operation, storage through the broker ----------
@check("PATH-007")
def setup_succeeds(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence, mount_facts_only=True)
    expect(seen.setup_error is None, "a SetupReply", seen.setup_error or "")
    expect(seen.setup_err == "", "an empty SetupReply.err", f"err {seen.setup_err!r}")
    return "Setup succeeded with the mount's configuration"


TYPE_WORDS = {"secret": "a secrets engine", "auth": "an auth method"}


@check("PATH-004")
def type_matches_declared(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence, mount_facts_only=True)
    want = DECLARED_TYPE[ctx.plugin_type]
    evidence["type"] = seen.type
    reported = next((name for name, number in DECLARED_TYPE.items() if number == seen.type), None)
    if reported is not None and reported != ctx.plugin_type:
        # A plugin type of its own, another than the one given: the user named the wrong one (most likely), or
        # the plugin's Type() is wrong. Either way no verdict on the catalog would mean anything.
        raise WrongPluginType(f"the plugin reports it is {TYPE_WORDS[reported]} (Type {seen.type}); did you mean "
                              f"--type {reported}? (if it is {TYPE_WORDS[ctx.plugin_type]}, its Type() is wrong)")
    expect(seen.type == want, f"Type {want} for a {ctx.plugin_type} plugin", f"Type {seen.type}")
    return f"Type {seen.type}"


def special_path_problem(path: str) -> str | None:
    if not path:
        return "an empty path"
    if path.startswith("/"):
        return f"{path!r} starts with '/'"
    if "*" in path[:-1]:
        return f"{path!r} has '*' before the end"
    if any("+" in segment and segment != "+" for segment in path.rstrip("*").split("/")):
        return f"{path!r} has '+' inside a segment"
    return None


@check("PATH-005")
def special_paths_well_formed(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence, mount_facts_only=True)
    evidence["special_paths"] = seen.special_paths
    problems = [f"{kind}: {problem}" for kind, paths in (seen.special_paths or {}).items()
                for path in paths if (problem := special_path_problem(path))]
    expect(not problems, "well-formed special paths", "; ".join(problems))
    return f"{sum(len(p) for p in seen.special_paths.values())} special path(s), all well-formed"


@check("PATH-006")
def unknown_operation_is_unsupported(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    answer = seen.unknown_operation or {}
    evidence["operation"] = UNKNOWN_OPERATION
    evidence["answer"] = answer
    expect(bool(answer), "a HandleRequestReply", f"never asked: the plugin died during {seen.died_before_cleanup}")
    expect("error" not in answer, "a HandleRequestReply", answer.get("error", ""))
    expect(answer.get("err_type") in (5, 6), "err_type 5 (unsupported operation) or 6 (unsupported path)",
           f"err_type {answer.get('err_type')} {answer.get('err_msg', '')!r}")
    return f"err_type {answer['err_type']} {answer['err_msg']!r}"


@check("PATH-008", needs=(EXERCISE,))
def state_round_trips_through_storage(ctx: CheckContext, evidence: Evidence) -> str:
    exercise = wire_exercise(ctx, evidence)
    writes = [c for r in exercise["requests"] for c in r["storage_calls"] if c.startswith(("Put", "Delete"))]
    read_back = exercise["requests"][exercise["read_back_index"]]
    # Reads of what was written: a plugin's own background work (a tidy listing) is no read-back.
    written = {c.split(" ", 1)[1] for c in writes}
    reads = [c for c in read_back["storage_calls"]
             if (c.startswith("Get ") and c[4:] in written) or (c.startswith("List ") and any(k.startswith(c[5:]) for k in written))]
    expect(bool(writes), "writes to reach the host's storage through the broker", "no Put or Delete arrived")
    expect(read_back["answer"] == "response", f"an answer to {read_back['request']!r}", read_back["answer"])
    expect(bool(reads), f"{read_back['request']!r} to read what was written from the host's storage",
           f"no Get or List of {sorted(written)} arrived")
    return f"{len(writes)} write(s) and {len(reads)} read(s) through the broker"


@check("PATH-011", needs=(EXERCISE,))
def existence_check_matches_storage(ctx: CheckContext, evidence: Evidence) -> str:
    exercise = wire_exercise(ctx, evidence)
    seen_paths: set[str] = set()
    checked = []
    for request in exercise["requests"]:
        existence, path = request.get("existence"), request["request"].split(" ", 1)[1]
        first = path not in seen_paths
        seen_paths.add(path)
        if not existence or not existence["check_found"]:
            continue
        checked.append({"request": request["request"], **existence})
        if first:  # the scenario starts on empty storage: nothing exists before its first write
            expect(existence["exists_before"] is False, f"ExistenceCheck of {path} before its first write: exists false",
                   "exists true (the server would route the create as an update)")
        if "exists_after" in existence:
            expect(existence["exists_after"] is True, f"ExistenceCheck of {path} after a successful write: exists true",
                   f"{existence['exists_after']!r} (the server would route the next update as a create)")
    evidence["existence_checks"] = checked
    if not checked:
        raise NotApplicable("no exercised write path has an existence check")
    return f"{len(checked)} write(s): the existence check said absent before and present after"


# -- mounted in a real server: registration, help, unknown paths -------------------------------------
@check("PATH-001")
def registers_and_mounts(ctx: CheckContext, evidence: Evidence) -> str:
    try:
        mount = ctx.mount
    except RegistrationFailed as failure:
        evidence.update(failure.evidence)
        expect(False, "registration and mount to succeed", f"{failure.step}: HTTP {failure.status}: {failure.words}")
    evidence.update({"mount_path": mount.path, "catalog_entry": {k: mount.catalog_entry.get(k) for k in ("name", "sha256", "version")},
                     "mount_entry": {k: mount.mount_entry.get(k) for k in ("type", "plugin_version", "running_plugin_version", "running_sha256")},
                     "timings_ms": mount.timings_ms})
    running = mount.mount_entry.get("running_sha256")
    expect(running == mount.sha256, f"running_sha256 {mount.sha256}", f"running_sha256 {running!r}")
    pids = ctx.plugin_pids()
    evidence["plugin_pids"] = pids
    return f"mounted at {mount.path}/ running sha256 {running[:12]}…, version {mount.mount_entry.get('running_plugin_version') or 'none'}"


@check("PATH-002")
def root_help_returns_text(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    response, elapsed_ms = ctx.timed_request("GET", f"{mount.path}/", params={"help": "1"})
    evidence["request"] = f"GET /v1/{mount.path}/?help=1 -> {response.status_code} in {elapsed_ms:.1f} ms"
    expect(response.status_code == 200, "HTTP 200 with a help text",
           f"HTTP {response.status_code}: {server_words(response)}")
    body = response.json()
    help_text = body.get("help") or ""
    evidence["help_excerpt"] = help_text[:300]
    evidence["openapi_document"] = bool(body.get("openapi"))
    expect(bool(help_text.strip()), "a non-empty 'help' field", f"keys {sorted(body)}")
    return f"help text of {len(help_text)} characters" + (", with an OpenAPI document" if body.get("openapi") else "")


@check("PATH-003")
def unknown_path_is_unsupported(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    before = ctx.plugin_pids()
    response, elapsed_ms = ctx.timed_request("GET", f"{mount.path}/{UNKNOWN_PATH}")
    words = server_words(response)
    after = ctx.plugin_pids()
    evidence.update({
        "request": f"GET /v1/{mount.path}/{UNKNOWN_PATH} -> {response.status_code} in {elapsed_ms:.1f} ms",
        "server_words": words, "plugin_pids_before": before, "plugin_pids_after": after,
    })
    # A plugin that serves every path (kv) answers a missing item with no response: an empty 404.
    not_found = response.status_code == 404 and ("unsupported path" in words or words == '{"errors":[]}')
    expect(not_found, "HTTP 404 ('unsupported path' or an empty not-found)", f"HTTP {response.status_code}: {words}")
    expect(bool(before) and before == after, "the same plugin process before and after",
           f"plugin pids {before} before, {after} after")
    return f"404 {'unsupported path' if 'unsupported path' in words else 'not found'}; plugin pid {after[0]} still up"


# -- what the paths mean: read-back, isolation, concurrency, lists, deletes, persistence --------------
@check("PATH-015", needs=(EXERCISE,))
def written_state_reads_back(ctx: CheckContext, evidence: Evidence) -> str:
    state = read_back_state(ctx)
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


@check("PATH-017", needs=(EXERCISE,))
def mounts_do_not_share_state(ctx: CheckContext, evidence: Evidence) -> str:
    state = read_back_state(ctx)
    reader, first = state["reader"], state["read"]
    mount = ctx.mount
    written = state["written"].get(reader.path) or {}
    others, answers = [], []
    try:
        for number in range(2, 2 + EXTRA_MOUNTS):
            try:
                others.append(ctx.server.another_mount(mount, str(number)))
            except RegistrationFailed as failure:
                expect(False, f"mount {number} of the same plugin", f"{failure.step}: HTTP {failure.status}: {failure.words}")
            other = others[-1]
            for request in ctx.setup:  # the other mounts get the same configuration, not the exercise's writes
                ctx.api(HTTP_METHOD[request.operation], f"{other.path}/{request.path}", json=request.data)
            response = ctx.api(HTTP_METHOD[reader.operation], f"{other.path}/{reader.path}")
            seen = response_data(response)
            answers.append(f"{other.path}/: {reader.line} -> {response.status_code}")
            same, _ = mismatches(written, seen or {}) if written else ([], [])
            leaked = bool(seen) and (seen == first.get("data") and bool(written) or bool(same))
            expect(not leaked, f"{reader.line} on {other.path}/ not to return what the first mount wrote",
                   f"fields {same or sorted(seen or {})} with the first mount's values")
        ctx.api(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")  # every mount live now
        pids = ctx.plugin_pids()
        ctx.multiplexing.update({"mounts": 1 + len(others), "processes": len(pids),
                                 "served_as": "one process for all mounts" if len(pids) == 1
                                 else "one process per mount" if len(pids) == 1 + len(others)
                                 else f"{len(pids)} processes for {1 + len(others)} mounts"})
        evidence.update({"other_mounts": answers, "processes": pids, "served_as": ctx.multiplexing["served_as"],
                         "reports_multiplexing": ctx.multiplexing.get("reported")})
    finally:
        evidence["other_mounts_disabled"] = [ctx.server.disable_mount(other) for other in others]
    return (f"{len(others)} more mounts answered {reader.line} without the first mount's data; "
            f"{1 + len(others)} mounts served by {ctx.multiplexing['served_as']}")


@check("PATH-018")
def concurrent_requests_all_succeed(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    reader = read_back(ctx.exercise) if ctx.exercise else None
    method, path, params = ((HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}", None) if reader
                            else ("GET", f"{mount.path}/", {"help": "1"}))
    single = ctx.api(method, path, params=params).status_code
    pids_before = ctx.plugin_pids()

    def one(_):
        started = time.monotonic()
        response = ctx.server.request_as(True, method, path, params=params)  # a connection of its own per thread
        return response.status_code, (time.monotonic() - started) * 1000, server_words(response) if response.status_code >= 300 else ""

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
        answers = list(pool.map(one, range(CONCURRENT_REQUESTS)))
    wall_ms = (time.monotonic() - started) * 1000
    pids_after = ctx.plugin_pids()
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


def _list_pairs(ctx: CheckContext) -> list[tuple[str, Any]]:
    """(list path, write operation) pairs: a list path and the item path under it that the plugin writes."""
    operations = openapi_discovery(ctx).operations
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
def list_answers_carry_keys(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    pairs = _list_pairs(ctx)
    if not pairs:
        raise NotApplicable("the OpenAPI document declares no list operation")
    seen, confirmed = [], 0
    for list_path, writer in pairs:
        wrote = None
        if writer is not None:
            data = derive(writer)[0].data  # the documented request
            item = writer.path.replace(PROBE_NAME, LIST_PROBE)
            response = ctx.api("POST", f"{mount.path}/{item}", json=data)
            wrote = LIST_PROBE if response.status_code < 300 else None
            seen.append({"write": f"POST {item}", "status": response.status_code})
        response = ctx.api("LIST", f"{mount.path}/{list_path}")
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
            ctx.api("DELETE", f"{mount.path}/{writer.path.replace(PROBE_NAME, LIST_PROBE)}")
    evidence["lists"] = seen
    if not confirmed and not any(s.get("status") == 200 for s in seen if "list" in s):
        raise Blocked("no list answered with items: nothing listable could be written")
    return f"{len([s for s in seen if 'list' in s])} list path(s): keys as a list of strings" + (
        f", including the item just written ({confirmed})" if confirmed else "")


@check("PATH-013")
def delete_of_missing_item_is_not_an_error(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    deletes = [op for op in openapi_discovery(ctx).operations if op.operation == "delete" and op.parameters]
    if not deletes:
        raise NotApplicable("the OpenAPI document declares no delete of a named item")
    answers = []
    for op in deletes:
        path = op.path.replace(PROBE_NAME, NEVER_WRITTEN)
        response = ctx.api("DELETE", f"{mount.path}/{path}")
        answers.append({"request": f"DELETE {path}", "status": response.status_code,
                        "words": server_words(response) if response.status_code >= 300 else ""})
    evidence["deletes"] = answers
    failed = [a for a in answers if a["status"] >= 500]
    expect(not failed, "a delete of an item that does not exist to succeed or be refused (never HTTP 5xx)",
           f"{failed[0]['request']} -> HTTP {failed[0]['status']}: {failed[0]['words']}" if failed else "")
    return ", ".join(f"{a['request']} -> {a['status']}" for a in answers)


@check("PATH-016", needs=(EXERCISE,))
def state_survives_reload_and_restart(ctx: CheckContext, evidence: Evidence) -> str:
    state = read_back_state(ctx)
    reader, first = state["reader"], state["read"]
    written = state["written"].get(reader.path) or {}
    mount = ctx.mount
    expect(first["status"] == 200, f"{reader.line} to answer before the reload", f"HTTP {first['status']}")
    steps = []

    def read_again(label: str) -> None:
        response = ctx.api(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")
        steps.append({"after": label, "read": f"{reader.line} -> {response.status_code}", "pids": ctx.plugin_pids()})
        expect(response.status_code == 200, f"{reader.line} to answer HTTP 200 after {label}",
               f"HTTP {response.status_code}: {server_words(response)}")
        seen = response_data(response) or {}
        same, different = mismatches(written, seen) if written else ([], [])
        expect(not different and (same or not written) and (written or seen == first.get("data")),
               f"what was written before {label}", "; ".join(different) or f"fields {sorted(seen)}")

    evidence["steps"] = steps
    pids = ctx.plugin_pids()
    reload = ctx.server.reload_mount(mount)
    steps.append({"reload": f"PUT sys/plugins/reload/backend -> {reload.status_code}", "pids_before": pids})
    expect(reload.status_code in (200, 204), "the server to reload the mount's plugin",
           f"HTTP {reload.status_code}: {server_words(reload)}")
    read_again("a plugin reload")
    killed = _kill(ctx.plugin_pids())
    steps.append({"killed": killed})
    expect(bool(killed), "a plugin process to restart", "none was running")
    deadline = time.monotonic() + RELAUNCH_BOUND_S
    while True:  # the server relaunches a dead plugin on the next request, which may first fail once
        response = ctx.api(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    read_again("the plugin process was killed and relaunched")
    after = ctx.plugin_pids()
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


@check("PATH-023", needs=(EXERCISE,))
def state_survives_server_restart(ctx: CheckContext, evidence: Evidence) -> str:
    if not ctx.exercise:
        raise NeedsManifest("no [[exercise]] requests in the manifest: nothing known that writes and reads state",
                            '[[exercise]]')
    facts = stop_and_restart(ctx)
    expect("mount_failed" not in facts, "the plugin mounted on a persistent server", facts.get("mount_failed", ""))
    (before, seen_before), (after, seen) = facts["read_before"], facts["read_after"]
    evidence.update({"writes": facts["writes"]["transcript"], "read_before_stop": f"{facts['reader']} -> {before}",
                     "restarted_in_ms": facts["restarted_in_ms"], "read_after_restart": f"{facts['reader']} -> {after}"})
    expect(before == 200, f"{facts['reader']} to answer before the server stopped", answer_text(before))
    expect(after == 200, f"{facts['reader']} to answer HTTP 200 after the server restarted", answer_text(after))
    written = facts["written"]
    same, different = mismatches(written, seen) if written else ([], [])
    evidence["fields_read_back"] = same
    expect(not different and (same or not written) and (written or seen == seen_before),
           "what was written before the server stopped", "; ".join(different) or f"fields {sorted(seen)}")
    return f"{facts['reader']} after a server stop and start on raft storage: as written ({', '.join(same) or 'unchanged'})"


# -- every path and operation of the plugin's OpenAPI document, sent through the server --------------
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


def _send(ctx: CheckContext, mount_path: str, request: DerivedRequest) -> dict[str, Any]:
    started = time.monotonic()
    response = ctx.api(HTTP_METHOD[request.operation], f"{mount_path}/{request.path}",
                       **request_body(request.operation, request.data))
    words = server_words(response) if response.status_code >= 300 else ""
    return {"request": request.line[:160], "status": response.status_code, "words": words[:200],
            "class": classify(response.status_code, words), "ms": round((time.monotonic() - started) * 1000, 1)}


def derived_answers(ctx: CheckContext) -> dict[str, Any]:
    """Every derived request sent once, in document order, with the plugin's pids watched throughout."""
    def observe() -> dict[str, Any]:
        discovery = openapi_discovery(ctx)
        mount = ctx.mount
        requests = [r for op in discovery.operations for r in derive(op)]
        pids_before = ctx.plugin_pids()
        answers, pid_changes = [], []
        for request in requests:
            answer = _send(ctx, mount.path, request)
            answers.append(answer)
            if answer["status"] >= 500:  # only then can the process have gone; psutil scans cost ms
                pids = ctx.plugin_pids()
                if pids != pids_before:
                    pid_changes.append({"after": answer["request"], "pids": pids})
        pids_after = ctx.plugin_pids()
        if pids_after != pids_before and not pid_changes:
            pid_changes.append({"after": "the last request", "pids": pids_after})
        return {"answers": answers, "pids_before": pids_before, "pids_after": pids_after,
                "pid_changes": pid_changes, "skipped_paths": discovery.skipped_paths,
                "operations": [f"{op.operation} {op.template}" for op in discovery.operations]}
    return ctx.once("derived_answers", observe)


def _summary(answers: list[dict[str, Any]]) -> dict[str, int]:
    return dict(Counter(a["class"] for a in answers))


@check("PATH-009")
def derived_requests_do_not_crash(ctx: CheckContext, evidence: Evidence) -> str:
    run = derived_answers(ctx)
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
def invalid_input_is_a_client_error(ctx: CheckContext, evidence: Evidence) -> str:
    answers = derived_answers(ctx)["answers"]
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
def unsupported_operation_is_told_apart(ctx: CheckContext, evidence: Evidence) -> str:
    discovery = openapi_discovery(ctx)
    mount = ctx.mount
    probes = undeclared(discovery)
    if not probes:
        raise NotApplicable("every literal path declares read, update and delete: no undeclared operation to send")
    answers = [_send(ctx, mount.path, r) for r in probes]
    evidence["undeclared_operations"] = answers
    wrong = [a for a in answers if a["status"] != 405]
    expect(not wrong, "HTTP 405 'unsupported operation' for an operation a declared path does not serve "
           "(404 is for paths the plugin does not serve)",
           f"{wrong[0]['request']} -> HTTP {wrong[0]['status']}: {wrong[0]['words']}" if wrong else "")
    return f"{len(answers)} undeclared operation(s) on declared paths: each HTTP 405"


# -- auth methods: login, the token it yields, unauthenticated paths ----------------------------------
@check("PATH-019", needs=(LOGIN,))
def login_yields_a_working_token(ctx: CheckContext, evidence: Evidence) -> str:
    recipe = ctx.login
    with logged_in(ctx) as login:
        pass
    evidence["auth"] = auth_facts(login["auth"])
    expect(login["lookup_status"] == 200, "the issued token to work (auth/token/lookup-self answers 200)",
           f"HTTP {login['lookup_status']}: {login['lookup_words']}")
    policies = set(login["token_data"].get("policies") or [])
    evidence["token_policies"] = sorted(policies)
    expect(bool(policies - {"default"}) or not recipe.policies, "a token with the login's policies",
           f"policies {sorted(policies)}")
    missing = sorted(set(recipe.policies) - policies)
    expect(not missing, f"the token to carry the policies {recipe.policies} the manifest names",
           f"policies {sorted(policies)}, missing {missing}")
    return f"logged in without a token: token works, policies {sorted(policies)}"


@check("PATH-020", needs=(LOGIN,))
def login_ttl_within_mount_limits(ctx: CheckContext, evidence: Evidence) -> str:
    with logged_in(ctx) as login:
        auth = login["auth"]
    max_ttl = login_mount_max_ttl(ctx)
    duration, token_ttl = auth.get("lease_duration"), login["token_data"].get("ttl")
    evidence.update({"lease_duration": duration, "token_ttl": token_ttl, "mount_max_lease_ttl": max_ttl,
                     "warnings": login["warnings"]})
    expect(isinstance(duration, int) and duration > 0, "a positive lease_duration", f"{duration!r}")
    expect(not max_ttl or duration <= max_ttl, f"lease_duration within the mount's max_lease_ttl {max_ttl}",
           f"{duration}")
    capped = [w for w in login["warnings"] if any(word in w for word in CAPPED_WORDS)]
    expect(not capped, "a login that asks for no more than the mount allows (no capping warning)", "; ".join(capped))
    return f"lease_duration {duration} s within the mount's max {max_ttl} s, nothing capped"


def _matches(pattern: str, path: str) -> bool:
    """The server's special-path match: a trailing '*' is a prefix, '+' one whole segment."""
    prefix = pattern.endswith("*")
    parts, segments = pattern.rstrip("*").split("/"), path.split("/")
    if not prefix and len(parts) != len(segments):
        return False
    if len(segments) < len(parts):
        return False
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "+":
            continue
        if last and prefix:
            return segments[i].startswith(part)
        if part != segments[i]:
            return False
    return True


def _candidates(ctx: CheckContext, pattern: str) -> list[str]:
    """Concrete paths for a declared pattern: documented paths it covers first, else the pattern filled in."""
    try:
        documented = sorted({op.path for op in openapi_discovery(ctx).operations})
    except Skip:
        documented = []
    covered = [p for p in documented if _matches(pattern, p)]
    filled = pattern.rstrip("*").replace("+", PROBE_NAME) or PROBE_NAME
    return covered[:1] or [filled]


# Requests that tell "the plugin answered" from "the server refused for want of a token": the server's
# refusal is always 403, while an undeclared operation is the plugin's 405. Harmless ones first: a DELETE
# is sent only when a read and an empty write both met a 403, i.e. when the path is most likely not served.
PROBES = (("GET", None), ("POST", {}), ("DELETE", None))


@check("PATH-021")
def unauthenticated_paths_are_served(ctx: CheckContext, evidence: Evidence) -> str:
    seen = ctx.wire_run
    declared = (seen.special_paths or {}).get("unauthenticated") if seen.special_paths else None
    if not declared:
        raise NotApplicable("the plugin declares no unauthenticated path")
    mount = ctx.mount
    results = []
    for pattern in declared:
        path = _candidates(ctx, pattern)[0]
        answers = []
        for method, body in PROBES:
            response = ctx.api(method, f"{mount.path}/{path}", token=None, **({"json": body} if body is not None else {}))
            words = server_words(response)
            answers.append(f"{method} -> {response.status_code}" + (f": {words[:80]}" if response.status_code >= 300 else ""))
            served = response.status_code != 403 and not (response.status_code == 404 and "unsupported path" in words)
            if served:
                break
        results.append({"declared": pattern, "path": path, "served": served, "answers_without_a_token": answers})
    evidence["unauthenticated"] = results
    unserved = [r for r in results if not r["served"]]
    expect(not unserved, "every path declared unauthenticated to be served without a token (an answer of the plugin's, "
           "not the server's 403 or 'unsupported path')",
           f"{unserved[0]['declared']} ({unserved[0]['path']}): {'; '.join(unserved[0]['answers_without_a_token'])}"
           if unserved else "")
    return f"{len(results)} unauthenticated path(s) served without a token: " + ", ".join(
        f"{r['declared']} ({r['answers_without_a_token'][-1]})" for r in results)


@check("PATH-022", needs=(LOGIN, LOGIN_REFUSED))
def refused_login_is_a_client_error(ctx: CheckContext, evidence: Evidence) -> str:
    recipe = login_recipe(ctx)
    if recipe.refused_data is None:
        raise NeedsManifest("no login.refused_data in the manifest: no known-bad login to send", 'login.refused_data')
    mount = ctx.mount
    response = ctx.api("POST", f"{mount.path}/{recipe.path}", token=None, json=recipe.refused_data)
    words = server_words(response)
    evidence["refused_login"] = f"POST {recipe.path} with login.refused_data -> {response.status_code}: {words[:200]}"
    expect(response.status_code in (400, 401, 403), "a refused login answered 400 or 403 with an error",
           f"HTTP {response.status_code}: {words}")
    try:
        granted = bool((response.json() or {}).get("auth"))
    except ValueError:
        granted = False
    expect(not granted, "no auth in a refused login", "an auth block")
    return f"refused login: HTTP {response.status_code}"
