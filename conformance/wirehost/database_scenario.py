"""The dbplugin v5 lifecycle played at the wire, with its effect checked in the real database.

What the server's database secrets engine does with a database plugin
(openbao sdk/database/dbplugin/v5, builtin/logical/database): Type,
Initialize (verifying the connection, or not), NewUser for a lease, UpdateUser
for a rotation (password) or a renewal (expiration), DeleteUser on
revocation, Close when the connection goes away, then GRPCController/Shutdown.
Each step is kept with its answer; where the manifest says how to look at the
database, each step's effect is looked at too (does the credential log in, is
the user gone).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2
from grpclib import GRPCError

from conformance.observations.database_probe import DatabaseProbe
from conformance.wire import database_grpc, database_pb2
from conformance.wirehost.host import HostError, ShutdownResult, WireHost

INITIALIZE_BOUND_S = 20.0  # an unreachable database must be reported within this, not waited on forever
DISPLAY_NAME, ROLE_NAME = "token", "vpc"


def generated_password() -> str:
    """Like the server's default password policy: 20 characters, upper, lower, digits and a dash."""
    return "A1a-" + secrets.token_urlsafe(12).replace("_", "x").replace("-", "y")


@dataclass
class Step:
    ok: bool
    error: str | None = None
    ms: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)

    def as_evidence(self) -> dict[str, Any]:
        return {"ok": self.ok, "error": self.error, "ms": round(self.ms, 1), **self.facts}


@dataclass
class DatabaseObservation:
    start_error: str | None = None
    multiplexing: bool | None = None
    protocol_version: str | None = None
    version: str | None = None
    steps: dict[str, Step] = field(default_factory=dict)
    shutdown: ShutdownResult | None = None
    transcript: list[str] = field(default_factory=list)
    passwords: list[str] = field(default_factory=list)  # generated here: the report redacts them
    usernames: list[str] = field(default_factory=list)


def _struct(data: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(data)
    return message


def _timestamp(after: dt.timedelta) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(dt.datetime.now(dt.timezone.utc) + after)
    return stamp


def _error_text(error: BaseException) -> str:
    if isinstance(error, GRPCError):
        return f"gRPC {error.status.name}: {error.message}"
    return f"{type(error).__name__}: {error}"


class _Player:
    def __init__(self, host: WireHost, table, seen: DatabaseObservation):
        self.host, self.table, self.seen = host, table, seen
        self.stub = database_grpc.DatabaseStub(host.channel)
        self.probe = DatabaseProbe(table)

    def rpc(self, method: str, request, timeout: float = INITIALIZE_BOUND_S):
        return self.host.call(method, lambda: getattr(self.stub, method)(request, metadata=self.host._metadata), timeout)

    def step(self, name: str, method: str, request, timeout: float = INITIALIZE_BOUND_S) -> tuple[Step, Any]:
        started = time.monotonic()
        try:
            reply = self.rpc(method, request, timeout)
            step = Step(True, ms=(time.monotonic() - started) * 1000)
        except Exception as error:  # noqa: BLE001 - a refusal, a timeout, a dead plugin: all are facts
            reply, step = None, Step(False, _error_text(error), (time.monotonic() - started) * 1000)
        self.seen.steps[name] = step
        return step, reply

    def login(self, step: Step, label: str, username: str, password: str) -> None:
        if self.probe.can_log_in and username:
            answer = self.probe.logs_in(username, password)
            step.facts[label] = answer.yes
            step.facts[f"{label}_seen"] = answer.seen

    def exists(self, step: Step, label: str, username: str) -> None:
        if self.probe.can_see_users and username:
            answer = self.probe.exists(username)
            step.facts[label] = answer.yes
            step.facts[f"{label}_seen"] = answer.seen


def play_database(host: WireHost, table) -> DatabaseObservation:
    seen = DatabaseObservation()
    try:
        _play(host, table, seen)
    finally:
        seen.transcript = [r.as_evidence() for r in host.transcript]
    return seen


def _play(host: WireHost, table, seen: DatabaseObservation) -> None:
    try:
        host.start()
        seen.protocol_version = host.handshake.field(2) if host.handshake else None
        seen.multiplexing = host.multiplexing_support()
        seen.version = host.version()
    except (HostError, GRPCError, OSError, TimeoutError) as error:
        seen.start_error = _error_text(error)
        return
    play = _Player(host, table, seen)
    step, reply = play.step("type", "Type", database_pb2.Empty())
    if reply is not None:
        step.facts["type"] = reply.Type
    if table is None:
        seen.steps["initialize"] = Step(False, "no [database] connection in the manifest")
        _end(host, play, seen)
        return
    if table.unreachable:
        unreachable = {**table.connection, **table.unreachable}
        play.step("initialize_unreachable", "Initialize",
                  database_pb2.InitializeRequest(config_data=_struct(unreachable), verify_connection=True))
        play.step("initialize_lazy", "Initialize",
                  database_pb2.InitializeRequest(config_data=_struct(unreachable), verify_connection=False))
    step, reply = play.step("initialize", "Initialize",
                            database_pb2.InitializeRequest(config_data=_struct(table.connection), verify_connection=True))
    if reply is not None:
        returned = dict(reply.config_data) if reply.HasField("config_data") else {}
        step.facts["returned_keys"] = sorted(returned)
        step.facts["missing_keys"] = sorted(set(table.connection) - set(returned))
    if not step.ok:
        _end(host, play, seen)
        return
    first, second = generated_password(), generated_password()
    seen.passwords += [first, second]
    step, reply = play.step("new_user", "NewUser", database_pb2.NewUserRequest(
        username_config=database_pb2.UsernameConfig(display_name=DISPLAY_NAME, role_name=ROLE_NAME),
        password=first, expiration=_timestamp(dt.timedelta(hours=1)),
        statements=database_pb2.Statements(Commands=list(table.creation_statements))))
    username = reply.username if reply is not None else ""
    step.facts["username"] = username
    if username:
        seen.usernames.append(username)
    play.login(step, "logs_in", username, first)
    if step.ok and username:
        step, _ = play.step("update_password", "UpdateUser", database_pb2.UpdateUserRequest(
            username=username, password=database_pb2.ChangePassword(new_password=second)))
        play.login(step, "new_password_logs_in", username, second)
        play.login(step, "old_password_logs_in", username, first)
        play.step("update_expiration", "UpdateUser", database_pb2.UpdateUserRequest(
            username=username, expiration=database_pb2.ChangeExpiration(new_expiration=_timestamp(dt.timedelta(hours=2)))))
        step, _ = play.step("delete_user", "DeleteUser", database_pb2.DeleteUserRequest(username=username))
        play.login(step, "logs_in_after", username, second)
        play.exists(step, "exists_after", username)
        play.step("delete_user_again", "DeleteUser", database_pb2.DeleteUserRequest(username=username))
    _end(host, play, seen)


def _end(host: WireHost, play: _Player, seen: DatabaseObservation) -> None:
    if host.alive():
        play.step("close", "Close", database_pb2.Empty(), timeout=10)
    if host.alive():
        seen.shutdown = host.shutdown()
