"""SHUT: how the plugin's process ends: Cleanup, Shutdown, unmount, seal, reload, server stop, catalog faults.

At the wire: Cleanup answered with the plugin still serving and then quiet,
GRPCController/Shutdown followed by a prompt exit (status 0) with nothing the
plugin started left behind. Through a real server: sealing, disabling the
mount, a reload by name and the server's own stop each end the plugin's
process by itself within go-plugin's 2 s grace (the server's log says how it
ended: see conformance/observations/plugin_exits.py), no process outlives the
last mount, and a catalog fault (binary removed, wrong sha256) is survived.

Sources: hashicorp/go-plugin client.go (Kill: Shutdown, 2 s grace, SIGKILL),
server.go, grpc_controller.go; openbao/openbao sdk/plugin/grpc_backend_client.go
and grpc_backend_server.go (Cleanup), internal/vault/mount.go (unmountInternal),
internal/vault/core.go (seal), internal/vault/plugin_reload.go,
internal/command/server.go (SIGTERM), sdk/helper/pluginutil/run_config.go;
hashicorp/vault sdk/logical/logical.go (Backend.Cleanup).
"""

from __future__ import annotations

import time
from typing import Any

import psutil
import requests

from conformance.catalog import check
from conformance.observations.answers import answer_text
from conformance.observations.context import CheckContext
from conformance.observations.metrics import UNMOUNT_EXIT_MS
from conformance.observations.plugin_exits import exit_lines
from conformance.observations.process_tracker import EXITED, FORCED
from conformance.observations.read_back import read_back_state
from conformance.observations.restarts import stop_and_restart
from conformance.observations.wake_request import wake_request
from conformance.observations.wire_run import wire_seen
from conformance.outcomes import Blocked, Evidence, expect
from conformance.runtime.registration import response_data, server_words
from conformance.wirehost.scenario import QUIET_AFTER_CLEANUP_S

SHUTDOWN_BOUND_S = 2.0
EXIT_BOUND_S = 10.0
WAKE_BOUND_S = 3.0


# -- at the wire: Cleanup and GRPCController/Shutdown -------------------------------------------------
@check("SHUT-001")
def serves_after_cleanup(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    if seen.died_before_cleanup:
        raise Blocked(f"the plugin process died during the {seen.died_before_cleanup}, before Cleanup")
    evidence["cleanup_error"] = seen.cleanup_error
    evidence["after_cleanup"] = seen.serving_after_cleanup
    expect(seen.cleanup_error is None, "an answer to Cleanup", seen.cleanup_error or "")
    expect(bool(seen.serving_after_cleanup) and seen.serving_after_cleanup.startswith("health"),
           "the plugin still serving after Cleanup", seen.serving_after_cleanup or "nothing")
    return f"Cleanup answered; still serving ({seen.serving_after_cleanup})"


@check("SHUT-009")
def quiet_after_cleanup(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    if seen.died_before_cleanup:
        raise Blocked(f"the plugin process died during the {seen.died_before_cleanup}, before Cleanup")
    if seen.storage_after_cleanup is None:
        raise Blocked(f"Cleanup was not answered ({seen.cleanup_error}): SHUT-001's failure")
    calls, lines = seen.storage_after_cleanup, seen.log_after_cleanup or []
    window = f"{QUIET_AFTER_CLEANUP_S * 1000:.0f} ms"
    evidence.update({"storage_calls_after_cleanup": calls[:10], "log_lines_after_cleanup": lines[:5], "watched_ms": window})
    # The SDK closes the mount's storage connection on Cleanup: work left running then fails, and usually says so.
    expect(not calls, f"no storage call in the {window} after Cleanup answered", f"{len(calls)} call(s), e.g. {calls[0]}" if calls else "")
    expect(not lines, f"no activity in the {window} after Cleanup answered (background work stopped)",
           f"{len(lines)} log line(s), e.g. {lines[0][:200]}" if lines else "")
    return f"no storage call and no log line in the {window} after Cleanup"


@check("SHUT-002")
def exits_after_shutdown(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    result = seen.shutdown
    if result is None:
        raise Blocked("the plugin was gone before Shutdown")
    evidence["shutdown"] = {"exit_code": result.exit_code, "seconds_to_exit": result.seconds_to_exit,
                            "killed": result.killed}
    expect(not result.killed, f"the process to exit within {SHUTDOWN_BOUND_S:.0f} s of Shutdown",
           "still running: SIGKILLed")
    return f"exited {result.seconds_to_exit * 1000:.0f} ms after Shutdown"


@check("SHUT-011")
def nothing_outlives_the_plugin(ctx: CheckContext, evidence: Evidence) -> str:
    result = wire_seen(ctx, evidence).shutdown
    evidence["left_running"] = result.survivors
    expect(not result.survivors, "no process the plugin started still running once it exited after Shutdown",
           "; ".join(result.survivors[:3]))
    return "nothing the plugin started outlived it"


@check("SHUT-003")
def exits_zero_after_shutdown(ctx: CheckContext, evidence: Evidence) -> str:
    result = wire_seen(ctx, evidence).shutdown
    evidence["exit_code"] = result.exit_code
    expect(result.exit_code == 0, "exit status 0", f"exit status {result.exit_code}")
    return "exit status 0"


# -- through a real server: seal, unmount, reload, server stop, orphans, catalog faults ---------------
def ending(ctx: CheckContext, label: str, action) -> dict[str, Any]:
    """Do action; wait (bounded) for the plugin's processes to end; read how the server saw them end."""
    server = ctx.server
    method, path, params = wake_request(ctx)
    waking = time.monotonic()
    while True:  # wakes the plugin: a stopped one shows nothing; after a crash the first request may only fail
        before = ctx.api(method, path, params=params).status_code
        pids = ctx.plugin_pids()
        if pids or time.monotonic() - waking > WAKE_BOUND_S:
            break
        time.sleep(0.1)
    expect(bool(pids), f"a running plugin process before {label}", "none")
    mark = len(server.log_text())
    started = time.monotonic()
    status = action()
    # The old processes must go; a reload may start the new one at once, so watch only these pids.
    while set(ctx.plugin_pids()) & set(pids) and time.monotonic() - started < EXIT_BOUND_S:
        time.sleep(0.02)
    elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    left = sorted(set(ctx.plugin_pids()) & set(pids))
    lines: list[str] = []
    deadline = time.monotonic() + 2.0  # the log line may trail the exit
    while time.monotonic() < deadline:
        lines = exit_lines(server.log_text()[mark:], ctx.name)
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


@check("SHUT-005")
def seal_ends_the_plugin(ctx: CheckContext, evidence: Evidence) -> str:
    server = ctx.server
    expect(server.has_unseal_key, "the dev server's unseal key (from its start-up output)", "none printed")
    facts = ending(ctx, "sealing the server", server.seal)
    unseal = server.unseal()
    facts["reopened_http"] = unseal.status_code  # (a key named "unseal…" would be redacted)
    evidence.update(facts)
    expect(facts["status"] == 204, "sys/seal to succeed", f"HTTP {facts['status']}")
    expect(unseal.status_code == 200 and unseal.json().get("sealed") is False, "the server to unseal",
           f"HTTP {unseal.status_code}: {server_words(unseal)}")
    verdict = _judge(facts, "sealing")
    method, path, params = wake_request(ctx)
    response = ctx.api(method, path, params=params)
    evidence["after_reopening"] = f"{method} {path} -> {response.status_code}"
    expect(response.status_code == facts["wake_status"] < 500,
           f"{method} {path} answered after unsealing as before sealing (HTTP {facts['wake_status']})",
           f"HTTP {response.status_code}: {server_words(response)}")
    return f"sealed: {verdict}; unsealed: served again by pid {ctx.plugin_pids()}"


@check("SHUT-004")
def unmount_ends_the_plugin(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    facts = ending(ctx, "disabling the mount", lambda: ctx.server.disable_mount(mount))
    evidence.update(facts)
    expect(facts["status"] == 204, "disabling the mount to succeed", f"HTTP {facts['status']}")
    verdict = _judge(facts, "disabling the mount")
    # The report's shutdown_ms where PERF-003 set none (it runs before this late check, at the wire).
    ctx.once(UNMOUNT_EXIT_MS, lambda: facts["ended_in_ms"])
    ctx.server.reenable_mount(mount)  # what runs after (the latency figures) needs a mount
    return f"mount disabled: {verdict}"


@check("SHUT-006")
def reload_by_plugin_starts_a_new_process(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    facts = ending(ctx, "reloading the plugin by name", lambda: ctx.server.reload_plugin(mount.name).status_code)
    evidence.update(facts)
    expect(facts["status"] in (200, 204), "sys/plugins/reload/backend with the plugin's name to succeed",
           f"HTTP {facts['status']}")
    verdict = _judge(facts, "a reload")
    method, path, params = wake_request(ctx)
    response = ctx.api(method, path, params=params)
    after = ctx.plugin_pids()
    evidence.update({"after_reload": f"{method} {path} -> {response.status_code}", "pids_after_reload": after})
    expect(response.status_code == facts["wake_status"], f"{method} {path} answered as before the reload "
           f"(HTTP {facts['wake_status']})", f"HTTP {response.status_code}: {server_words(response)}")
    expect(bool(after) and not set(after) & set(facts["pids_before"]), "a new plugin process serving the mount",
           f"pids {facts['pids_before']} before, {after} after")
    if ctx.plugin_type == "auth" and ctx.login is not None:
        login = ctx.api("POST", f"{mount.path}/{ctx.login.path}", token=None, json=ctx.login.data)
        evidence["login_after_reload"] = f"POST {ctx.login.path} without a token -> {login.status_code}"
        expect(login.status_code == 200, "the unauthenticated login path to work after the reload",
               f"HTTP {login.status_code}: {server_words(login)}")
        token = (login.json().get("auth") or {}).get("client_token")
        if token:
            ctx.api("PUT", "auth/token/revoke-self", token=token)
    return f"old process {verdict}; new pid {after} serves the mount"


@check("SHUT-007")
def server_stop_ends_the_plugin(ctx: CheckContext, evidence: Evidence) -> str:
    """On a server of its own: stopping the server (SIGTERM) must end the plugin by itself, before the server exits."""
    facts = stop_and_restart(ctx)
    expect("mount_failed" not in facts, "the plugin mounted on a second server", facts.get("mount_failed", ""))
    evidence.update({k: facts[k] for k in ("pids", "server_exited_in_bound", "server_stopped_in_ms", "server_log",
                                           "alive_after")})
    lines = facts["server_log"]
    expect(bool(facts["pids"]), "a running plugin process before stopping the server", "none")
    expect(not facts["alive_after"], "no plugin process left once the server stopped", f"pids {facts['alive_after']}")
    forced = [line for line in lines if FORCED.search(line)]
    expect(not forced, "the plugin to exit by itself when the server stops (no SIGKILL after the 2 s grace)", forced[0] if forced else "")
    expect(any(EXITED.search(line) for line in lines), "the server to log the plugin's exit before it stopped",
           "no 'plugin process exited' line: the plugin outlived the server's own shutdown")
    return f"server stopped in {facts['server_stopped_in_ms']} ms; the plugin exited by itself before it"


ORPHAN_BOUND_S = 5.0  # the 2 s grace, plus a loaded machine's margin


@check("SHUT-008")
def nothing_outlives_the_mounts(ctx: CheckContext, evidence: Evidence) -> str:
    """With the plugin's last mount gone, no process it started (a plugin or a child of one) may be left."""
    mount = ctx.mount
    status = ctx.server.disable_mount(mount)
    expect(status == 204, "disabling the mount to succeed", answer_text(status))
    started = time.monotonic()
    while ctx.server.run_processes() and time.monotonic() - started < ORPHAN_BOUND_S:
        time.sleep(0.05)
    left = []
    for process in ctx.server.run_processes():
        try:
            left.append(f"pid {process.pid}: {' '.join(process.cmdline())[:100]}")
        except psutil.Error:
            continue
    evidence.update({"after_unmount_ms": round((time.monotonic() - started) * 1000, 1), "left": left})
    ctx.server.reenable_mount(mount)
    expect(not left, f"no process of the plugin's left {ORPHAN_BOUND_S:.0f} s after its last mount was disabled",
           "; ".join(left[:3]))
    return "no process left once the last mount was gone"


FAULT_REQUEST_BOUND_S = 15.0  # a server that cannot start a plugin must say so, not hang the client
RECOVERY_BOUND_S = 20.0
WRONG_SHA256 = "0" * 64


class _Asker:
    """The wake request, asked with a bound at each step of a scenario; each answer kept as evidence."""

    def __init__(self, ctx: CheckContext):
        self.ctx = ctx
        self.method, self.path, self.params = wake_request(ctx)
        self.steps: list[dict[str, Any]] = []

    def __call__(self, label: str) -> tuple[int | None, dict]:
        started = time.monotonic()
        try:
            response = self.ctx.server.request_as(True, self.method, self.path, params=self.params,
                                                  timeout=FAULT_REQUEST_BOUND_S)
            status, data = response.status_code, response_data(response)
            words = server_words(response) if status >= 300 else ""
        except requests.RequestException as error:
            status, data, words = None, {}, f"no answer within {FAULT_REQUEST_BOUND_S:.0f} s ({type(error).__name__})"
        self.steps.append({"step": label, "request": f"{self.method} {self.path}", "status": status,
                           "ms": round((time.monotonic() - started) * 1000, 1), "words": words[:200]})
        return status, data

    def note(self, label: str, status: int) -> None:
        self.steps.append({"step": label, "status": status})


@check("SHUT-010")
def catalog_faults_are_survived(ctx: CheckContext, evidence: Evidence) -> str:
    """Binary removed under a running plugin, then a wrong sha256 registered: serve, fail cleanly, recover."""
    server, mount = ctx.server, ctx.mount
    if ctx.exercise:
        read_back_state(ctx)  # the manifest's writes are in place: the data to find again after the fault
    ask = _Asker(ctx)
    evidence["steps"] = ask.steps
    before, before_data = ask("before the fault")
    expect(before is not None and before < 500, f"{ask.method} {ask.path} to be answered before the fault",
           answer_text(before))
    target = server.plugin_directory / ctx.name  # the file the catalog entry runs

    def register(sha256: str) -> int:
        return server.register_in_catalog(mount, sha256)

    def reload() -> int:
        return server.reload_mount(mount).status_code

    def restore() -> None:
        if not target.exists():
            server.install_binary(ctx.binary.path, ctx.name)
        ask.note("binary restored; registered with its sha256", register(ctx.binary.sha256))
        ask.note("reload", reload())
        # A mount whose plugin could not start while unsealing keeps a storage view stuck in setup (OpenBao
        # 2.6.1: "cannot write to storage during setup" on a later unmount); one more seal and unseal sets it up anew.
        ask.note("seal after the repair", server.seal())
        ask.note("unseal after the repair", server.unseal().status_code)

    pids = ctx.plugin_pids()
    try:
        target.unlink()
        removed, _ = ask("binary removed from disk, plugin still running")
        ask.note("reload with the binary missing", reload())
        missing, _ = ask("after the reload: the binary missing")
        server.install_binary(ctx.binary.path, ctx.name)
        ask.note(f"registered with a wrong sha256 ({WRONG_SHA256[:8]}…)", register(WRONG_SHA256))
        ask.note("reload with the wrong sha256", reload())
        wrong, _ = ask("after the reload: the wrong sha256")
        sealed = server.seal()
        unsealed = server.unseal()
        ask.note("seal during the fault", sealed)
        ask.note("unseal during the fault", unsealed.status_code)
        restore()
        deadline = time.monotonic() + RECOVERY_BOUND_S
        while True:  # the first request after a repair may still meet the failed launch
            after, after_data = ask("after re-registering and reloading")
            if after == before or time.monotonic() > deadline:
                break
            time.sleep(0.25)
    except BaseException:
        restore()
        raise
    evidence["pids"] = {"before": pids, "after": ctx.plugin_pids()}
    expect(removed == before, f"the running plugin to keep serving with its binary removed from disk (HTTP {before})",
           f"HTTP {removed}: {ask.steps[1]['words']}")
    for label, status in (("the binary missing", missing), ("a wrong sha256", wrong)):
        expect(status is not None, f"the server to answer within {FAULT_REQUEST_BOUND_S:.0f} s with {label}",
               "no answer (a hang)")
    expect(sealed == 204 and unsealed.status_code == 200 and unsealed.json().get("sealed") is False,
           "the server to seal and unseal with the faulty catalog entry", f"seal HTTP {sealed}, unseal HTTP {unsealed.status_code}")
    expect(after == before, f"{ask.method} {ask.path} to answer HTTP {before} again once re-registered and reloaded",
           f"{answer_text(after)}: {ask.steps[-1]['words']}")
    if ctx.exercise:
        same = {k: v for k, v in after_data.items() if before_data.get(k) == v}
        expect(after_data == before_data, "the data read before the fault", f"fields that changed: "
               f"{sorted(set(before_data) ^ set(same))}")
    return (f"served with its binary removed; binary missing -> HTTP {missing}, wrong sha256 -> HTTP {wrong} "
            f"(no hang); sealed and unsealed; recovered -> HTTP {after}")
