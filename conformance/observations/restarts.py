"""A server stopped (SIGTERM) and started again on its persistent storage, observed once.

On a persistent server of its own (started in the background with the run): the
plugin mounted, the manifest's writes made, the server stopped, the plugin's
exit read from its log, the server started again and the written state read back.
SHUT-007 judges the stop, PATH-023 the read-back.
"""

from __future__ import annotations

import time
from typing import Any

from conformance.manifest import WRITE_OPERATIONS, read_back
from conformance.observations.context import CheckContext
from conformance.observations.plugin_exits import exit_lines
from conformance.observations.server_actions import PersistentServer
from conformance.observations.session import CertifySession
from conformance.runtime.registration import HTTP_METHOD, RegistrationFailed, request_body, response_data

SERVER_STOP_BOUND_S = 15.0  # go-plugin waits 2 s before SIGKILL; the rest is a loaded machine's margin


def _replay_writes(server: PersistentServer, mount, ctx: CheckContext) -> dict[str, Any]:
    """The manifest's [[setup]] and [[exercise]] on another server's mount: what was written, what reads back."""
    transcript, written = [], {}
    for request in (*ctx.setup, *ctx.exercise):
        response = server.request(HTTP_METHOD[request.operation], f"{mount.path}/{request.path}",
                                  **request_body(request.operation, request.data))
        transcript.append(f"{request.line} -> {response.status_code}")
        if request.operation in WRITE_OPERATIONS and response.status_code < 300:
            written.setdefault(request.path, {}).update(request.data or {})
    return {"transcript": transcript, "written": written}


def _read(server: PersistentServer, mount, reader) -> tuple[int, dict]:
    response = server.request(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")
    return response.status_code, response_data(response)


def stop_and_restart(ctx: CheckContext | CertifySession) -> dict[str, Any]:
    """On a persistent server of its own: mount, write, stop the server (SIGTERM), start it again, read back.
    The checks pass their context; the pipeline's prefetch (conformance/certify) passes the session, whose
    context this is then made through."""
    ctx = CheckContext.of(ctx)

    def observe() -> dict[str, Any]:
        server = ctx.server.start_persistent_server()  # the run stops it too, whatever happens
        facts: dict[str, Any] = {}
        try:
            try:
                mount = server.mount_plugin(ctx.binary, ctx.plugin_type, ctx.name, ctx.plugin_version, ctx.plan)
            except RegistrationFailed as failure:
                facts["mount_failed"] = f"{failure.step}: HTTP {failure.status}: {failure.words}"
                return facts
            reader = read_back(ctx.exercise) if ctx.exercise else None
            if reader is not None:
                facts["writes"] = _replay_writes(server, mount, ctx)
                facts["read_before"] = _read(server, mount, reader)
            else:
                server.request("GET", f"{mount.path}/", params={"help": "1"})  # the plugin runs now
            pids = server.plugin_pids(ctx.name)
            mark = len(server.log_text())
            started = time.monotonic()
            facts["server_exited_in_bound"] = server.stop_server_only(SERVER_STOP_BOUND_S)  # the server must end them
            facts.update({"pids": pids, "server_stopped_in_ms": round((time.monotonic() - started) * 1000, 1),
                          "alive_after": server.still_running(pids),
                          "server_log": exit_lines(server.log_text()[mark:], ctx.name)[-6:]})
            if reader is not None:
                started = time.monotonic()
                server.restart()
                facts["restarted_in_ms"] = round((time.monotonic() - started) * 1000, 1)
                facts["read_after"] = _read(server, mount, reader)
                facts["reader"] = reader.line
                facts["written"] = facts["writes"]["written"].get(reader.path) or {}
        finally:
            server.stop()
        return facts
    return ctx.once("stop_and_restart", observe)
