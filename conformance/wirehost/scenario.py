"""The lifecycle the wire host plays against a plugin, once per run, recorded as facts for the checks.

launch -> handshake -> TLS -> MultiplexingSupport -> Setup (broker dialled) ->
Type -> SpecialPaths -> Initialize -> Version -> requests (help, an unknown
operation) -> abuse (parallel, malformed JSON, oversized, cancelled) ->
Cleanup -> still serving? -> Shutdown -> exit.
A step that cannot run (the one before failed) leaves its fact None.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

from grpclib import GRPCError
from grpclib.exceptions import StreamTerminatedError
from grpclib.health.v1.health_grpc import HealthStub
from grpclib.health.v1.health_pb2 import HealthCheckRequest

from conformance.manifest import read_back
from conformance.wire import backend_pb2
from conformance.outcomes import bounded
from conformance.runtime.lifecycle import pause
from conformance.wirehost.host import (
    RPC_TIMEOUT_S, HostError, ShutdownResult, WireHost, cancelled_request, concurrent_requests,
)

PARALLEL_REQUESTS = 16
OVERSIZED_BYTES = 8 * 1024 * 1024  # over grpc-go's 4 MiB default; hosts and the SDK allow 2 GiB
UNKNOWN_OPERATION = "vpc-unknown-operation"
LATENCY_SAMPLES = 30
BROKER_DIAL_BOUND_S = 5.0  # go-plugin's broker waits 5 s for a connection (grpc_broker.go)
QUIET_AFTER_CLEANUP_S = 0.75  # a background job that Cleanup did not stop shows within this (the reference ticks at 250 ms)
CONNECT_RETRY_S = 2.0  # a listener under load may refuse the very first connect; a real host's dial retries


@dataclass
class WireObservation:
    start_error: str | None = None
    multiplexing: bool | None = None
    setup_err: str | None = None
    setup_error: str | None = None
    broker_connections: tuple[int, int] | None = None  # (accepted, mutual TLS established)
    type: int | None = None
    special_paths: dict[str, list[str]] | None = None
    initialize_error: str | None = None
    version: str | None = None
    help_data: str | None = None
    unknown_operation: dict[str, Any] | None = None
    abuse: dict[str, Any] = field(default_factory=dict)
    pid_before_abuse: int | None = None
    alive_after_abuse: bool | None = None
    cleanup_error: str | None = None
    storage_after_cleanup: list[str] | None = None  # storage calls the plugin made on its own once Cleanup answered
    log_after_cleanup: list[str] | None = None  # stderr lines it wrote then
    serving_after_cleanup: str | None = None
    shutdown: ShutdownResult | None = None
    transcript: list[str] = field(default_factory=list)
    storage_calls: list[str] = field(default_factory=list)
    request_ms: list[float] = field(default_factory=list)
    rss_mb: float | None = None  # after the parallel batch, before the suite's own 8 MiB request
    seconds_to_handshake: float | None = None  # this launch's wait for the handshake line
    listeners: list[str] | None = None  # addresses the plugin (or a child) listens on, seen after the abuse
    exercise: dict[str, Any] | None = None  # None: the manifest gave no [[exercise]] requests
    died_before_cleanup: str | None = None  # the step the plugin did not survive
    second_mount: dict[str, Any] | None = None  # None: not multiplexed, or no [[exercise]]
    leases: dict[str, Any] | None = None  # None: no [lease] recipe (or not a secrets engine)


def _error_text(error: BaseException) -> str:
    if isinstance(error, GRPCError):
        return f"gRPC {error.status.name}: {error.message}"
    return f"{type(error).__name__}: {error}"


def _reply_summary(result) -> str:
    if isinstance(result, BaseException):
        return _error_text(result)
    if result.HasField("err") and (result.err.err_type or result.err.err_msg):
        return f"err_type {result.err.err_type}: {result.err.err_msg[:120]}"
    return "response"


def play(host: WireHost, plugin_type: str, exercise: tuple = (), lease=None, seen: WireObservation | None = None,
         on_mounted=None) -> WireObservation:
    """The whole lifecycle into seen; on_mounted() is called once the mount facts (Setup, the broker dial,
    Type, SpecialPaths, Initialize) are in it and final, or the run ended before them."""
    seen = seen if seen is not None else WireObservation()

    def mounted() -> None:
        seen.transcript = [r.as_evidence() for r in host.transcript]
        if on_mounted is not None:
            on_mounted()

    try:
        _play(host, plugin_type, seen, exercise, lease, mounted)
    finally:
        seen.transcript = [r.as_evidence() for r in host.transcript]
        seen.storage_calls = list(host.storage.calls)
        if on_mounted is not None:
            on_mounted()
    return seen


def _play(host: WireHost, plugin_type: str, seen: WireObservation, exercise: tuple, lease, mounted) -> None:
    try:
        host.start()
    except (HostError, GRPCError, OSError, TimeoutError) as error:
        seen.start_error = _error_text(error)
        return
    try:
        seen.multiplexing = _first_call(host)
    except (GRPCError, OSError, TimeoutError) as error:
        seen.start_error = _error_text(error)
        return
    try:
        facts = host.mount(plugin_type)
    except Exception as error:  # noqa: BLE001 - a gRPC error, a timeout, a dead plugin: all are facts
        seen.setup_error = _error_text(error)
        return
    seen.setup_err = facts["setup_err"]
    seen.broker_connections = _await_broker(host)
    if seen.setup_err:
        return
    seen.type = facts["type"]
    paths = facts["special_paths"]
    seen.special_paths = {name: list(getattr(paths, name)) for name in
                          ("root", "unauthenticated", "local_storage", "seal_wrap_storage", "write_forwarded_storage")}
    if facts["initialize"].HasField("err"):
        seen.initialize_error = facts["initialize"].err.err_msg
    mounted()
    try:
        seen.version = host.version()
        help_reply = host.handle_request("help", "")
        seen.help_data = help_reply.response.data if help_reply.HasField("response") else None
    except (GRPCError, OSError, TimeoutError, StreamTerminatedError) as error:
        # The connection broke right after the mount: a fact about the plugin, reported by the checks.
        seen.died_before_cleanup = f"the first requests after the mount ({_error_text(error)})"
        return
    try:
        reply = host.handle_request(UNKNOWN_OPERATION, "")
        seen.unknown_operation = {"err_type": reply.err.err_type, "err_msg": reply.err.err_msg,
                                  "has_response": reply.HasField("response")}
    except Exception as error:  # noqa: BLE001
        seen.unknown_operation = {"error": _error_text(error)}
    _abuse(host, seen)
    # A plugin that dies mid-step can still look alive for a moment: a broken connection there is a fact.
    broken = (GRPCError, OSError, TimeoutError, StreamTerminatedError)
    if exercise and seen.alive_after_abuse:
        seen.exercise = _exercise(host, exercise)
        if seen.multiplexing and host.alive():
            try:
                seen.second_mount = _second_mount(host, plugin_type, exercise)
            except broken as error:
                seen.second_mount = {"setup_err": f"the plugin stopped answering: {_error_text(error)}"}
    alive_before_leases = host.alive()
    if lease is not None and plugin_type == "secret" and seen.alive_after_abuse and alive_before_leases:
        try:
            seen.leases = _leases(host, lease)
        except broken as error:
            seen.leases = {"issued": f"the plugin stopped answering: {_error_text(error)}"}
    if not host.alive():
        seen.died_before_cleanup = ("lease requests" if alive_before_leases and seen.leases else
                                    "storage faults" if seen.alive_after_abuse else "request abuse")
        return
    try:
        host.backend("Cleanup", timeout=10)
    except Exception as error:  # noqa: BLE001
        seen.cleanup_error = _error_text(error)
    else:
        # Nothing is asked of the plugin now: any storage call it makes is its own background work.
        mark, log_mark = len(host.storage.calls), host.plugin.stderr_mark()
        pause(QUIET_AFTER_CLEANUP_S)  # the watch window; cut short only when the run is ending
        seen.storage_after_cleanup = host.storage.calls[mark:]
        seen.log_after_cleanup = [line for line in host.plugin.stderr_since(log_mark).splitlines() if line.strip()]
    try:
        status = host.call("Health/Check", lambda: HealthStub(host.channel).Check(HealthCheckRequest(service="plugin")),
                           timeout=5)
        seen.serving_after_cleanup = f"health {status.status}"
    except Exception as error:  # noqa: BLE001
        seen.serving_after_cleanup = None if host.alive() else f"process gone: {_error_text(error)}"
        if host.alive():
            seen.serving_after_cleanup = f"alive but health check failed: {_error_text(error)}"
    if host.alive():
        seen.shutdown = host.shutdown()


PARALLEL_BOUND_MAX_S = 150.0
LATENCY_BUDGET_S = 10.0


def _abuse(host: WireHost, seen: WireObservation) -> None:
    """Every step is bounded; a step the plugin does not answer in time is a fact (SEC-001), not an error."""
    seen.pid_before_abuse = host.pid
    # The batch's bound grows with what one answer costs (a legal 100 MB reply takes seconds over TLS on a loaded
    # machine), so the verdict says whether the plugin answered, not how busy the machine was.
    started = time.monotonic()
    try:
        host.handle_request("read", "")
        single_s = time.monotonic() - started
    except Exception:  # noqa: BLE001 - the batch below meets the same trouble and records it
        single_s = 0.0
    bound = min(PARALLEL_BOUND_MAX_S, max(RPC_TIMEOUT_S, 3 * PARALLEL_REQUESTS * single_s))
    seen.abuse["parallel_bound_s"] = round(bound, 1)
    try:
        results = concurrent_requests(host, PARALLEL_REQUESTS, timeout=bound)
    except TimeoutError:  # the whole batch outlived its bound
        results = [TimeoutError(f"not all answered within {bound:.0f} s")]
    except Exception as error:  # noqa: BLE001 - the plugin went away
        results = [error]
    answered = [r for r in results if not isinstance(r, BaseException)]
    seen.abuse["parallel"] = {"sent": PARALLEL_REQUESTS, "answered": len(answered),
                              "errors": sorted({_error_text(r) for r in results if isinstance(r, BaseException)})}
    _abuse_with(host, seen, "malformed_json", {"raw_data": "{not json"})
    if host.alive():
        try:
            cancelled_request(host)
            seen.abuse["cancelled"] = "stream reset after 5 ms"
        except Exception as error:  # noqa: BLE001
            seen.abuse["cancelled"] = _error_text(error)
    sampling = time.monotonic()
    for _ in range(LATENCY_SAMPLES if host.alive() and host.pid == seen.pid_before_abuse else 0):
        if time.monotonic() - sampling > LATENCY_BUDGET_S:  # slow answers: the samples so far tell enough
            break
        started = time.monotonic()
        try:
            host.handle_request("read", "")
        except Exception as error:  # noqa: BLE001 - no latency figure from a request that was not answered
            seen.abuse["latency_sample"] = _error_text(error)
            break
        seen.request_ms.append((time.monotonic() - started) * 1000)
    # Memory once the plugin served what it was asked (its own answers to the batch included), before the suite's
    # own 8 MiB request, which comes last: a figure inflated by the suite's request is not the plugin's.
    _measure_rss(host, seen)
    seen.listeners = host.listeners()
    _abuse_with(host, seen, "oversized", {"data": {"blob": "x" * OVERSIZED_BYTES}})
    seen.alive_after_abuse = host.alive() and host.pid == seen.pid_before_abuse


def _abuse_with(host: WireHost, seen: WireObservation, label: str, kwargs: dict) -> None:
    if not host.alive():
        return
    try:
        seen.abuse[label] = _reply_summary(host.handle_request("update", "", **kwargs))
    except Exception as error:  # noqa: BLE001
        seen.abuse[label] = _error_text(error)


def _measure_rss(host: WireHost, seen: WireObservation) -> None:
    try:
        seen.rss_mb = round(psutil.Process(host.pid).memory_info().rss / 2**20, 2)
    except (psutil.Error, TypeError):
        pass


def _first_call(host: WireHost) -> bool:
    """The first RPC opens the connection; like grpc-go's dial, retry a refused connect for a moment."""
    deadline = time.monotonic() + CONNECT_RETRY_S
    while True:
        try:
            return host.multiplexing_support()
        except ConnectionRefusedError:
            if time.monotonic() > deadline or not host.alive() or pause(0.1):
                raise


def _await_broker(host: WireHost, bound_s: float = BROKER_DIAL_BOUND_S) -> tuple[int, int]:
    """go-plugin gives a broker dial 5 s; wait that long at most for an established connection."""
    deadline = time.monotonic() + bound_s
    while host.broker_connections()[1] == 0 and time.monotonic() < deadline and host.alive():
        if pause(0.01):
            break
    return host.broker_connections()


STORAGE_FAILURE = "vpc: injected storage failure"
SLOW_STORAGE_S = 1.0


def _send(host: WireHost, request) -> dict[str, Any]:
    """One exercise request as a server sends it: an existence check first for writes."""
    operation = request.operation
    existence = None
    if operation in ("create", "update"):
        try:
            check = host.backend("HandleExistenceCheck", _existence_args(request))
        except Exception as error:  # noqa: BLE001 - the plugin's answer, or its absence, is the fact
            return {"request": f"{operation} {request.path}", "answer": _error_text(error), "data": None,
                    "elapsed_ms": 0.0, "storage_calls": [], "existence": None}
        operation = "create" if check.check_found and not check.exists else "update"
        existence = {"check_found": check.check_found, "exists_before": check.exists}
    calls_before = len(host.storage.calls)
    started = time.monotonic()
    data = None
    try:
        reply = host.handle_request(operation, request.path, request.data)
        summary = _reply_summary(reply)
        if reply.HasField("response"):
            data = _kept(reply.response.data)
        del reply
    except Exception as error:  # noqa: BLE001
        summary = _error_text(error)
    elapsed_ms = round((time.monotonic() - started) * 1000, 2)
    storage_calls = host.storage.calls[calls_before:]
    if existence is not None and existence["check_found"] and summary == "response":
        try:  # after a successful write, the item exists: a server would now route writes as update
            existence["exists_after"] = host.backend("HandleExistenceCheck", _existence_args(request)).exists
        except Exception as error:  # noqa: BLE001
            existence["exists_after"] = _error_text(error)
    return {"request": f"{operation} {request.path}", "answer": summary, "data": data,
            "elapsed_ms": elapsed_ms, "storage_calls": storage_calls, "existence": existence}


KEPT_DATA_BYTES = 1 << 20


def _kept(data: str) -> str:
    """A reply's data as kept for the checks: a huge one with its long strings cut (the checks compare fields)."""
    if len(data) <= KEPT_DATA_BYTES:
        return data
    try:
        return json.dumps(bounded(json.loads(data)))
    except ValueError:
        return bounded(data)


def _existence_args(request):
    return backend_pb2.HandleExistenceCheckArgs(request=backend_pb2.Request(
        operation=request.operation, path=request.path, data=json.dumps(request.data), mount_point="vpc/"))


def _exercise(host: WireHost, requests: tuple) -> dict[str, Any]:
    """Replay the manifest's requests, then read back with failing and with slow storage."""
    pid = host.pid
    facts: dict[str, Any] = {"requests": [_send(host, r) for r in requests]}
    reader = read_back(requests)
    facts["read_back_index"] = requests.index(reader)
    host.storage.faults.error = STORAGE_FAILURE
    facts["failing_storage"] = _send(host, reader) if host.alive() else None
    host.storage.faults.error = None
    host.storage.faults.delay_s = SLOW_STORAGE_S
    facts["slow_storage"] = _send(host, reader) if host.alive() else None
    host.storage.faults.delay_s = 0.0
    if host.alive() and facts["requests"]:
        written = requests[0].path
        try:  # what a standby does when storage changes under it: the reply carries nothing
            host.backend("InvalidateKey", backend_pb2.InvalidateKeyArgs(key=written), timeout=5)
            facts["invalidate_key"] = f"InvalidateKey {written}: answered"
        except Exception as error:  # noqa: BLE001
            facts["invalidate_key"] = f"InvalidateKey {written}: {_error_text(error)}"
    facts["alive_after_faults"] = host.alive() and host.pid == pid
    return facts


UNKNOWN_SECRET_TYPE = "vpc-unknown-secret-type"


def _leases(host: WireHost, recipe) -> dict[str, Any]:
    """A secret issued over the wire, then revoked twice and renewed/revoked with broken internal data."""
    facts: dict[str, Any] = {"setup": [_send(host, r)["answer"] for r in recipe.setup]}
    try:
        reply = host.handle_request(recipe.operation, recipe.path, recipe.data if recipe.operation != "read" else None)
    except Exception as error:  # noqa: BLE001
        facts["issued"] = _error_text(error)
        return facts
    if not (reply.HasField("response") and reply.response.HasField("secret")):
        facts["issued"] = f"no secret in the answer ({_reply_summary(reply)})"
        return facts
    issued = reply.response.secret
    facts["issued"] = "secret"
    pid = host.pid

    def secret(internal_data: str) -> backend_pb2.Secret:
        # What the expiration manager sends back: the secret as issued, its lease id, its issue time.
        copy = backend_pb2.Secret()
        copy.CopyFrom(issued)
        copy.internal_data = internal_data
        copy.lease_id = f"vpc/{recipe.path}/{secrets.token_hex(6)}"
        copy.lease_options.issue_time.GetCurrentTime()
        return copy

    def answer(operation: str, internal_data: str) -> str:
        if not host.alive():
            return "not sent: the plugin is gone"
        try:
            return _reply_summary(host.handle_request(operation, recipe.path, None, secret=secret(internal_data)))
        except Exception as error:  # noqa: BLE001
            return _error_text(error)

    real = issued.internal_data
    facts["revoke_twice"] = [answer("revoke", real), answer("revoke", real)]
    kept = json.loads(real) if real else {}
    broken = {
        "fields of the wrong type": json.dumps({k: ({"vpc": [1]} if k != "secret_type" else v) for k, v in kept.items()}),
        "fields missing": json.dumps({k: v for k, v in kept.items() if k == "secret_type"}),
        "an unknown secret type": json.dumps({**kept, "secret_type": UNKNOWN_SECRET_TYPE}),
        "not JSON": "{vpc: not json",
    }
    facts["broken"] = {f"{operation} with {label}": answer(operation, data)
                       for label, data in broken.items() for operation in ("renew", "revoke")}
    facts["alive_after"] = host.alive() and host.pid == pid
    return facts


def _second_mount(host: WireHost, plugin_type: str, requests: tuple) -> dict[str, Any]:
    """A second mount on the same (multiplexed) process reads what the first one wrote: it must not see it."""
    with host.another_mount() as storage:
        facts = host.mount(plugin_type)
        if facts["setup_err"]:
            return {"setup_err": facts["setup_err"]}
        seen = _send(host, read_back(requests))
        try:
            host.backend("Cleanup", timeout=10)
        except Exception as error:  # noqa: BLE001
            seen["cleanup"] = _error_text(error)
        seen["own_storage_keys"] = sorted(storage.entries)
    return seen
