"""WireHost: one plugin process, driven exactly as a server drives it.

Sequence (spec 8.2 and 15): launch with the server's environment, read the
handshake line, dial the announced socket with mutual TLS, open the broker
stream and the stdio stream, ask MultiplexingSupport, then per mount serve a
broker listener (Storage, SystemView), send its ConnInfo and call Setup, Type,
SpecialPaths, Initialize; requests; Cleanup; and Shutdown: close the broker
stream, GRPCController/Shutdown, wait 2 s, SIGKILL. Every RPC is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from cryptography.hazmat.primitives.serialization import Encoding
from google.protobuf import empty_pb2
from grpclib import GRPCError
from grpclib.exceptions import StreamTerminatedError
from grpclib.client import Channel
from grpclib.config import Configuration
from grpclib.server import Server

from conformance.runtime import strays
from conformance.runtime.handshake import HandshakeLine, decode_certificate_field
from conformance.runtime.hostcert import HostCertificate
from conformance.runtime.launch import PluginProcess
from conformance.wire import (
    backend_grpc, backend_pb2, grpc_broker_grpc, grpc_broker_pb2, grpc_controller_grpc, grpc_controller_pb2,
    grpc_stdio_grpc, multiplexing_grpc, multiplexing_pb2, version_grpc, version_pb2,
)
from conformance.wirehost.loop import LoopThread
from conformance.wirehost.services import MemoryStorage, SystemView
from conformance.wirehost.tls import broker_server_context, client_context

RPC_TIMEOUT_S = 30.0
SHUTDOWN_GRACE_S = 2.0  # go-plugin's Kill: Shutdown, then 2 s, then SIGKILL
BASE62 = string.ascii_letters + string.digits


class BrokerServer(Server):
    """A grpclib server that counts the plugin's dials: accepted, and with mutual TLS completed."""

    def __init__(self, handlers) -> None:
        super().__init__(handlers)
        self.accepted = 0
        self.mtls_established = 0

    def _protocol_factory(self):  # grpclib's hook for each accepted connection
        self.accepted += 1
        protocol = super()._protocol_factory()
        made = protocol.connection_made

        def connection_made(transport) -> None:  # asyncio calls it only after the TLS handshake succeeded
            self.mtls_established += 1
            made(transport)

        protocol.connection_made = connection_made
        return protocol


class HostError(Exception):
    """The host could not get as far as it needed (no handshake, TLS refused, ...)."""


@dataclass
class RpcRecord:
    method: str
    elapsed_ms: float
    outcome: str  # "ok" or the gRPC status name

    def as_evidence(self) -> str:
        return f"{self.method} {self.outcome} {self.elapsed_ms:.1f} ms"


@dataclass
class ShutdownResult:
    replied: bool
    exit_code: int | None
    seconds_to_exit: float | None
    killed: bool
    survivors: list[str] = field(default_factory=list)  # processes it started, still running once it exited


@dataclass
class WireHost:
    binary: Path
    env: dict[str, str]
    workdir: Path
    host_certificate: HostCertificate
    handshake_timeout_s: float = 60.0
    storage: MemoryStorage = field(default_factory=MemoryStorage)
    system_view: SystemView = field(default_factory=SystemView)
    transcript: list[RpcRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.loop = LoopThread()
        self.plugin: PluginProcess | None = None
        self.mount_options: dict[str, str] = {}  # what the mount passes in SetupArgs.Config besides plugin_*
        self.handshake: HandshakeLine | None = None
        self.plugin_cert_der: bytes | None = None
        self.channel: Channel | None = None
        self._broker_out: asyncio.Queue | None = None
        self._broker_servers: list[BrokerServer] = []
        self._tasks: list[asyncio.Task] = []
        self._next_broker_id = 1
        self.multiplex_id = "".join(secrets.choice(BASE62) for _ in range(10))
        self.seconds_to_handshake: float | None = None
        self.broker_stream_error: str | None = None
        self.broker_socket: Path | None = None

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self) -> "WireHost":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self.plugin.pid if self.plugin else None

    def alive(self) -> bool:
        return bool(self.plugin and self.plugin.process and self.plugin.process.poll() is None)

    def start(self) -> None:
        """Launch, handshake, connect; HostError when the plugin does not get that far."""
        if self.__dict__.get("_closed"):
            raise HostError("the host was closed before it started (the run is ending)")
        self.plugin = PluginProcess(self.binary, self.env, self.workdir)
        self.plugin.start()
        line, waited = self.plugin.first_line(self.handshake_timeout_s)
        if line is None:
            raise HostError(f"no handshake line within {self.handshake_timeout_s:.0f} s")
        self.seconds_to_handshake = waited
        self.handshake = HandshakeLine.parse(line)
        cert, problem = decode_certificate_field(self.handshake.field(6) or "")
        if cert is None:
            raise HostError(f"no usable server certificate in the handshake: {problem}")
        self.plugin_cert_der = cert.public_bytes(Encoding.DER)
        self.loop.run(self._connect(), RPC_TIMEOUT_S)

    async def _connect(self) -> None:
        context = client_context(self.host_certificate, self.plugin_cert_der, self.workdir)
        config = Configuration(ssl_target_name_override="localhost")
        network, address = self.handshake.network, self.handshake.address
        if network == "unix":
            self.channel = Channel(path=address, ssl=context, config=config)
        else:
            host, _, port = address.rpartition(":")
            self.channel = Channel(host, int(port), ssl=context, config=config)
        self._broker_out = asyncio.Queue()
        self._tasks.append(asyncio.get_running_loop().create_task(self._broker_stream()))
        self._tasks.append(asyncio.get_running_loop().create_task(self._stdio_stream()))

    async def _broker_stream(self) -> None:
        stub = grpc_broker_grpc.GRPCBrokerStub(self.channel)
        try:
            async with stub.StartStream.open() as stream:
                await stream.send_request()
                receiver = asyncio.get_running_loop().create_task(self._drain(stream))
                try:
                    while (message := await self._broker_out.get()) is not None:
                        await stream.send_message(message)
                    await stream.end()
                finally:
                    receiver.cancel()
        except (GRPCError, StreamTerminatedError, OSError) as error:
            self.broker_stream_error = f"{type(error).__name__}: {error}"  # the plugin went away

    @staticmethod
    async def _drain(stream) -> None:
        try:
            async for _ in stream:  # ConnInfo the plugin announces for its own services: unused by hosts
                pass
        except (GRPCError, StreamTerminatedError, OSError):
            return

    async def _stdio_stream(self) -> None:
        stub = grpc_stdio_grpc.GRPCStdioStub(self.channel)
        try:
            async with stub.StreamStdio.open() as stream:
                await stream.send_message(empty_pb2.Empty(), end=True)
                async for _ in stream:  # servers discard it too (SyncStdout = io.Discard)
                    pass
        except (GRPCError, StreamTerminatedError, OSError):
            return  # UNIMPLEMENTED is allowed; the stream ends with the plugin

    # -- calls ---------------------------------------------------------------
    def call(self, method: str, coroutine_factory, timeout: float = RPC_TIMEOUT_S):
        started = time.monotonic()
        try:
            result = self.loop.run(coroutine_factory(), timeout)
        except GRPCError as error:
            self.transcript.append(RpcRecord(method, (time.monotonic() - started) * 1000, error.status.name))
            raise
        except (TimeoutError, asyncio.TimeoutError):
            self.transcript.append(RpcRecord(method, (time.monotonic() - started) * 1000, "TIMEOUT"))
            raise
        except Exception as error:
            self.transcript.append(RpcRecord(method, (time.monotonic() - started) * 1000, type(error).__name__))
            raise
        self.transcript.append(RpcRecord(method, (time.monotonic() - started) * 1000, "ok"))
        return result

    @property
    def _metadata(self) -> dict[str, str]:
        return {"multiplex_id": self.multiplex_id}

    @contextlib.contextmanager
    def another_mount(self):
        """Calls inside go to a second mount on the same process: its own multiplex_id and storage."""
        saved = (self.multiplex_id, self.storage)
        self.multiplex_id = "".join(secrets.choice(BASE62) for _ in range(10))
        self.storage = MemoryStorage()
        try:
            yield self.storage
        finally:
            self.multiplex_id, self.storage = saved

    def multiplexing_support(self) -> bool | None:
        """None when the plugin does not implement it (UNIMPLEMENTED: not multiplexed)."""
        stub = multiplexing_grpc.PluginMultiplexingStub(self.channel)
        try:
            reply = self.call("MultiplexingSupport",
                              lambda: stub.MultiplexingSupport(multiplexing_pb2.MultiplexingSupportRequest()))
        except GRPCError:
            return None
        return reply.supported

    def version(self) -> str | None:
        stub = version_grpc.PluginVersionStub(self.channel)
        try:
            return self.call("Version", lambda: stub.Version(version_pb2.Empty(), metadata=self._metadata)).plugin_version
        except GRPCError:
            return None

    def setup(self, config: dict[str, str], backend_uuid: str) -> backend_pb2.SetupReply:
        """Serve a broker listener, announce it, then call Setup (the plugin dials it meanwhile)."""
        broker_id = self._next_broker_id
        self._next_broker_id += 1
        path = self.workdir / f"broker-{broker_id}.sock"
        self.loop.run(self._serve_broker(path), RPC_TIMEOUT_S)
        self.broker_socket = path
        info = grpc_broker_pb2.ConnInfo(service_id=broker_id, network="unix", address=str(path))
        self.loop.loop.call_soon_threadsafe(self._broker_out.put_nowait, info)
        stub = backend_grpc.BackendStub(self.channel)
        args = backend_pb2.SetupArgs(broker_id=broker_id, Config=config, backendUUID=backend_uuid)
        return self.call("Setup", lambda: stub.Setup(args, metadata=self._metadata))

    async def _serve_broker(self, path: Path) -> None:
        server = BrokerServer([self.storage, self.system_view])
        await server.start(path=str(path), ssl=broker_server_context(self.host_certificate, self.plugin_cert_der,
                                                                     self.workdir))
        self._broker_servers.append(server)

    def broker_connections(self) -> tuple[int, int]:
        """(accepted, with mutual TLS established) over every brokered listener."""
        return (sum(s.accepted for s in self._broker_servers), sum(s.mtls_established for s in self._broker_servers))

    def backend(self, method: str, request=None, timeout: float = RPC_TIMEOUT_S):
        stub = backend_grpc.BackendStub(self.channel)
        request = request if request is not None else backend_pb2.Empty()
        return self.call(method, lambda: getattr(stub, method)(request, metadata=self._metadata), timeout)

    def handle_request(self, operation: str, path: str, data: Any = None, raw_data: str | None = None,
                       timeout: float = RPC_TIMEOUT_S, mount_point: str = "vpc/",
                       secret: backend_pb2.Secret | None = None) -> backend_pb2.HandleRequestReply:
        request = backend_pb2.Request(
            id=str(secrets.token_hex(8)), operation=operation, path=path,
            data=raw_data if raw_data is not None else json.dumps(data),
            mount_point=mount_point, mount_type="vpc", display_name="root", secret=secret,
        )
        return self.backend("HandleRequest", backend_pb2.HandleRequestArgs(request=request), timeout)

    def mount(self, plugin_type: str, name: str = "vpc") -> dict[str, Any]:
        """What a mount does: Setup (with the mount's config), Type, SpecialPaths, Initialize."""
        # A server passes the mount's options in the same map (kv reads its version there).
        config = {**self.mount_options, "plugin_name": name, "plugin_type": plugin_type, "plugin_version": ""}
        setup = self.setup(config, backend_uuid=secrets.token_hex(16))
        facts: dict[str, Any] = {"setup_err": setup.err}
        if setup.err:
            return facts
        facts["type"] = self.backend("Type").type
        facts["special_paths"] = self.backend("SpecialPaths").paths
        facts["initialize"] = self.backend("Initialize", backend_pb2.InitializeArgs())
        return facts

    # -- the end ---------------------------------------------------------------
    def listeners(self) -> list[str] | None:
        """ip:port of every TCP socket the plugin or a process it started listens on (None: not known)."""
        if not self.alive():
            return None
        try:
            family = [psutil.Process(self.pid), *psutil.Process(self.pid).children(recursive=True)]
        except psutil.Error:
            return None
        if self.plugin.tmpdir is not None:
            family += strays.with_tmpdir_under(self.plugin.tmpdir)
        pids = {p.pid for p in family}
        return sorted({f"{c.laddr.ip}:{c.laddr.port}" for c in psutil.net_connections(kind="inet")
                       if c.status == psutil.CONN_LISTEN and c.pid in pids})

    def shutdown(self) -> ShutdownResult:
        """go-plugin's Kill: close the broker stream, Shutdown, wait 2 s, SIGKILL."""
        assert self.plugin is not None and self.plugin.process is not None
        if self._broker_out is not None:
            self.loop.loop.call_soon_threadsafe(self._broker_out.put_nowait, None)
        controller = grpc_controller_grpc.GRPCControllerStub(self.channel)
        replied = True
        started = time.monotonic()
        try:
            self.call("Shutdown", lambda: controller.Shutdown(grpc_controller_pb2.Empty()), timeout=SHUTDOWN_GRACE_S)
        except Exception:  # noqa: BLE001 - a plugin that exits before replying still shut down
            replied = False
        remaining = max(0.0, SHUTDOWN_GRACE_S - (time.monotonic() - started))
        code = self.plugin.wait_exit(remaining)
        seconds = time.monotonic() - started if code is not None else None
        killed = code is None
        survivors = [] if killed else self.plugin.survivors()
        if killed:
            self.plugin.stop()
        return ShutdownResult(replied=replied, exit_code=code, seconds_to_exit=seconds, killed=killed,
                              survivors=survivors)

    def close(self) -> None:
        if self.__dict__.get("_closed"):
            # Closed already (the session closes every host it holds once more on its way out): only make sure
            # no plugin process started meanwhile by a thread that was past start()'s check survives.
            if self.plugin is not None:
                self.plugin.stop()
            return
        self._closed = True

        async def close_connections() -> None:
            for server in self._broker_servers:
                server.close()
                await server.wait_closed()
            if self.channel is not None:
                self.channel.close()

        try:
            self.loop.run(close_connections(), 5)
        except Exception:  # noqa: BLE001 - closing whatever is left
            pass
        self.loop.close()
        if self.plugin is not None:
            self.plugin.stop()


async def _gather_requests(host: "WireHost", requests: list) -> list:
    stub = backend_grpc.BackendStub(host.channel)

    async def one(request):  # keep the reply's size, not the reply: replies can be huge (hostile-huge-response)
        reply = await stub.HandleRequest(backend_pb2.HandleRequestArgs(request=request), metadata=host._metadata)
        return reply.ByteSize()

    return await asyncio.gather(*(one(r) for r in requests), return_exceptions=True)


def concurrent_requests(host: "WireHost", count: int, timeout: float = RPC_TIMEOUT_S) -> list:
    """count HandleRequest calls in flight at once; each result is the reply's size in bytes or the exception
    it raised."""
    requests = [backend_pb2.Request(id=secrets.token_hex(8), operation="read", path="",
                                    data="null", mount_point="vpc/") for _ in range(count)]
    started = time.monotonic()
    results = host.loop.run(_gather_requests(host, requests), timeout)
    host.transcript.append(RpcRecord(f"HandleRequest x{count} in parallel", (time.monotonic() - started) * 1000, "done"))
    return results


def cancelled_request(host: "WireHost", after_s: float = 0.005) -> None:
    """A request the host gives up on almost at once (the stream is reset), as a server does on client disconnect."""
    request = backend_pb2.Request(id=secrets.token_hex(8), operation="read", path="", data="null",
                                  mount_point="vpc/")

    async def give_up() -> None:
        stub = backend_grpc.BackendStub(host.channel)
        try:
            await asyncio.wait_for(stub.HandleRequest(backend_pb2.HandleRequestArgs(request=request),
                                                      metadata=host._metadata), after_s)
        except (asyncio.TimeoutError, GRPCError, StreamTerminatedError):
            pass

    host.loop.run(give_up(), 5)
    host.transcript.append(RpcRecord("HandleRequest cancelled", after_s * 1000, "cancelled"))
