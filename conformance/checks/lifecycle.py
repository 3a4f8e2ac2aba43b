"""SHUT through a real server: sealing and disabling the mount end the plugin's process, cleanly.

go-plugin's client logs how every plugin process it started ended ("plugin
process exited", with the error when the status was not 0) and says "plugin
failed to exit gracefully" before it SIGKILLs one that outlived the 2 s grace
(client.go Kill). The server's log is therefore the evidence of how the
process ended, in every runtime (a container's pids are not the host's).
"""

from __future__ import annotations

import time
from typing import Any

import psutil

from conformance.catalog import check
from conformance.manifest import read_back
from conformance.outcomes import Evidence, expect
from conformance.process_tracker import EXITED, FORCED
from conformance.registration import (
    HTTP_METHOD, RegistrationFailed, disable_mount, reenable_mount, register_and_mount, server_words,
)
from conformance.servers.base import live
from conformance.session import CertifySession

EXIT_BOUND_S = 10.0
SERVER_STOP_BOUND_S = 15.0  # go-plugin waits 2 s before SIGKILL; the rest is a loaded machine's margin


def exit_lines(log: str, binary_name: str) -> list[str]:
    """The server's lines on how the plugin's processes ended: exits, and SIGKILLs after the grace."""
    return [line.strip() for line in log.splitlines()
            if FORCED.search(line) or (EXITED.search(line) and binary_name in line)]


def _wake(session: CertifySession) -> tuple[str, str, dict | None]:
    """A request that needs the plugin: the exercise's read-back, else the mount's help."""
    mount = session.mount
    if session.exercise:
        reader = read_back(session.exercise)
        return HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}", None
    return "GET", f"{mount.path}/", {"help": "1"}


def ending(session: CertifySession, label: str, action) -> dict[str, Any]:
    """Do action; wait (bounded) for the plugin's processes to end; read how the server saw them end."""
    server = session.server
    method, path, params = _wake(session)
    before = session.api(method, path, params=params).status_code  # wakes the plugin: a stopped one shows nothing
    pids = session.plugin_pids()
    expect(bool(pids), f"a running plugin process before {label}", "none")
    mark = len(server.log_text())
    started = time.monotonic()
    status = action()
    # The old processes must go; a reload may start the new one at once, so watch only these pids.
    while set(session.plugin_pids()) & set(pids) and time.monotonic() - started < EXIT_BOUND_S:
        time.sleep(0.02)
    elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    left = sorted(set(session.plugin_pids()) & set(pids))
    lines: list[str] = []
    deadline = time.monotonic() + 2.0  # the log line may trail the exit
    while time.monotonic() < deadline:
        lines = exit_lines(server.log_text()[mark:], session.name)
        if any(EXITED.search(line) for line in lines):
            break
        time.sleep(0.05)
    return {"action": label, "status": status, "wake": f"{method} {path} -> {before}", "wake_status": before,
            "pids_before": pids, "pids_after": left, "ended_in_ms": elapsed_ms,
            "server_log": lines[-6:]}


def _judge(facts: dict[str, Any], label: str) -> str:
    expect(not facts["pids_after"], f"the plugin process to end within {EXIT_BOUND_S:.0f} s of {label}",
           f"pids {facts['pids_after']} still running after {facts['ended_in_ms']} ms")
    forced = [line for line in facts["server_log"] if FORCED.search(line)]
    expect(not forced, f"the plugin to exit by itself on {label} (no SIGKILL after the 2 s grace)", forced[0] if forced else "")
    exits = [line for line in facts["server_log"] if EXITED.search(line)]
    expect(bool(exits), "the server to log how the plugin process exited", "no 'plugin process exited' line")
    # The exit status itself is SHUT-003's (a SHOULD): here it is evidence only.
    failed = [line.rsplit("error=", 1)[1] for line in exits if "error=" in line]
    return f"ended by itself in {facts['ended_in_ms']} ms, " + (f"exit {failed[0]}" if failed else "exit status 0")


@check
def seal_ends_the_plugin(session: CertifySession, evidence: Evidence) -> str:
    server = session.server
    key = server.unseal_key
    expect(bool(key), "the dev server's unseal key (from its start-up output)", "none printed")
    facts = ending(session, "sealing the server", lambda: server.request("PUT", "sys/seal").status_code)
    unseal = server.request("PUT", "sys/unseal", json={"key": key})
    facts["reopened_http"] = unseal.status_code  # (a key named "unseal…" would be redacted)
    evidence.update(facts)
    expect(facts["status"] == 204, "sys/seal to succeed", f"HTTP {facts['status']}")
    expect(unseal.status_code == 200 and unseal.json().get("sealed") is False, "the server to unseal",
           f"HTTP {unseal.status_code}: {server_words(unseal)}")
    verdict = _judge(facts, "sealing")
    method, path, params = _wake(session)
    response = session.api(method, path, params=params)
    evidence["after_reopening"] = f"{method} {path} -> {response.status_code}"
    expect(response.status_code == facts["wake_status"] < 500,
           f"{method} {path} answered after unsealing as before sealing (HTTP {facts['wake_status']})",
           f"HTTP {response.status_code}: {server_words(response)}")
    return f"sealed: {verdict}; unsealed: served again by pid {session.plugin_pids()}"


@check
def unmount_ends_the_plugin(session: CertifySession, evidence: Evidence) -> str:
    mount = session.mount
    facts = ending(session, "disabling the mount", lambda: disable_mount(session.server, mount))
    evidence.update(facts)
    expect(facts["status"] == 204, "disabling the mount to succeed", f"HTTP {facts['status']}")
    verdict = _judge(facts, "disabling the mount")
    session.unmount_ms = facts["ended_in_ms"]
    reenable_mount(session.server, mount)  # what runs after (the latency figures) needs a mount
    return f"mount disabled: {verdict}"


@check
def reload_by_plugin_starts_a_new_process(session: CertifySession, evidence: Evidence) -> str:
    mount = session.mount
    facts = ending(session, "reloading the plugin by name",
                   lambda: session.api("PUT", "sys/plugins/reload/backend", json={"plugin": mount.name}).status_code)
    evidence.update(facts)
    expect(facts["status"] in (200, 204), "sys/plugins/reload/backend with the plugin's name to succeed",
           f"HTTP {facts['status']}")
    verdict = _judge(facts, "a reload")
    method, path, params = _wake(session)
    response = session.api(method, path, params=params)
    after = session.plugin_pids()
    evidence.update({"after_reload": f"{method} {path} -> {response.status_code}", "pids_after_reload": after})
    expect(response.status_code == facts["wake_status"], f"{method} {path} answered as before the reload "
           f"(HTTP {facts['wake_status']})", f"HTTP {response.status_code}: {server_words(response)}")
    expect(bool(after) and not set(after) & set(facts["pids_before"]), "a new plugin process serving the mount",
           f"pids {facts['pids_before']} before, {after} after")
    if session.plugin_type == "auth" and session.login is not None:
        login = session.api("POST", f"{mount.path}/{session.login.path}", token=None, json=session.login.data)
        evidence["login_after_reload"] = f"POST {session.login.path} without a token -> {login.status_code}"
        expect(login.status_code == 200, "the unauthenticated login path to work after the reload",
               f"HTTP {login.status_code}: {server_words(login)}")
        token = (login.json().get("auth") or {}).get("client_token")
        if token:
            session.api("PUT", "auth/token/revoke-self", token=token)
    return f"old process {verdict}; new pid {after} serves the mount"


@check
def server_stop_ends_the_plugin(session: CertifySession, evidence: Evidence) -> str:
    """On a server of its own: stopping the server (SIGTERM) must end the plugin by itself, before the server exits."""
    server = session.server.sibling()
    server.start()
    try:
        mount = register_and_mount(server, session.binary, session.plugin_type, session.name, session.plugin_version,
                                   plan=session.plan)
        server.request("GET", f"{mount.path}/", params={"help": "1"})  # the plugin runs now
        pids = sorted(p.pid for p in server.plugin_processes(session.name))
        mark = len(server.log_text())
        expect(bool(pids), "a running plugin process before stopping the server", "none")
    except RegistrationFailed as failure:
        server.stop()
        expect(False, "the plugin mounted on a second server", f"{failure.step}: HTTP {failure.status}: {failure.words}")
    started = time.monotonic()
    try:
        exited = server.signal_server_only(SERVER_STOP_BOUND_S)  # not the plugins: the server must end them
        stop_ms = round((time.monotonic() - started) * 1000, 1)
        alive = [p.pid for p in live(pids)]
        log = server.log_text()
    finally:
        server.stop()
    lines = exit_lines(log[mark:], session.name)
    evidence["server_exited_in_bound"] = exited
    evidence.update({"pids": pids, "server_stopped_in_ms": stop_ms, "server_log": lines[-6:], "alive_after": alive})
    expect(not alive, "no plugin process left once the server stopped", f"pids {alive}")
    forced = [line for line in lines if FORCED.search(line)]
    expect(not forced, "the plugin to exit by itself when the server stops (no SIGKILL after the 2 s grace)", forced[0] if forced else "")
    expect(any(EXITED.search(line) for line in lines), "the server to log the plugin's exit before it stopped",
           "no 'plugin process exited' line: the plugin outlived the server's own shutdown")
    return f"server stopped in {stop_ms} ms; the plugin exited by itself before it"


ORPHAN_BOUND_S = 5.0  # the 2 s grace, plus a loaded machine's margin


@check
def nothing_outlives_the_mounts(session: CertifySession, evidence: Evidence) -> str:
    """With the plugin's last mount gone, no process it started (a plugin or a child of one) may be left."""
    mount = session.mount
    status = disable_mount(session.server, mount)
    expect(status == 204, "disabling the mount to succeed", f"HTTP {status}")
    started = time.monotonic()
    while session.server.run_processes() and time.monotonic() - started < ORPHAN_BOUND_S:
        time.sleep(0.05)
    left = []
    for process in session.server.run_processes():
        try:
            left.append(f"pid {process.pid}: {' '.join(process.cmdline())[:100]}")
        except psutil.Error:
            continue
    evidence.update({"after_unmount_ms": round((time.monotonic() - started) * 1000, 1), "left": left})
    reenable_mount(session.server, mount)
    expect(not left, f"no process of the plugin's left {ORPHAN_BOUND_S:.0f} s after its last mount was disabled",
           "; ".join(left[:3]))
    return "no process left once the last mount was gone"
