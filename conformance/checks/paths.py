"""PATH: the plugin mounted in a real server, answering requests routed to it."""

from __future__ import annotations

from conformance.catalog import check
from conformance.outcomes import Evidence, expect
from conformance.runtime.registration import RegistrationFailed, server_words
from conformance.observations.session import CertifySession

UNKNOWN_PATH = "vpc-no-such-path/deeper"


@check("PATH-001")
def registers_and_mounts(session: CertifySession, evidence: Evidence) -> str:
    try:
        mount = session.mount
    except RegistrationFailed as failure:
        evidence.update(failure.evidence)
        expect(False, "registration and mount to succeed", f"{failure.step}: HTTP {failure.status}: {failure.words}")
    evidence.update({"mount_path": mount.path, "catalog_entry": {k: mount.catalog_entry.get(k) for k in ("name", "sha256", "version")},
                     "mount_entry": {k: mount.mount_entry.get(k) for k in ("type", "plugin_version", "running_plugin_version", "running_sha256")},
                     "timings_ms": mount.timings_ms})
    running = mount.mount_entry.get("running_sha256")
    expect(running == mount.sha256, f"running_sha256 {mount.sha256}", f"running_sha256 {running!r}")
    pids = session.plugin_pids()
    evidence["plugin_pids"] = pids
    return f"mounted at {mount.path}/ running sha256 {running[:12]}…, version {mount.mount_entry.get('running_plugin_version') or 'none'}"


@check("PATH-002")
def root_help_returns_text(session: CertifySession, evidence: Evidence) -> str:
    mount = session.mount
    response, elapsed_ms = session.timed_request("GET", f"{mount.path}/", params={"help": "1"})
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
def unknown_path_is_unsupported(session: CertifySession, evidence: Evidence) -> str:
    mount = session.mount
    before = session.plugin_pids()
    response, elapsed_ms = session.timed_request("GET", f"{mount.path}/{UNKNOWN_PATH}")
    words = server_words(response)
    after = session.plugin_pids()
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
