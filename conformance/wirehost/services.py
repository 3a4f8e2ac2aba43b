"""What the host serves back to the plugin on the brokered connection: pb.Storage and pb.SystemView.

Storage lives in memory and is observable by checks; faults (errors, delays)
can be switched on. The system view's values are plain attributes. Calls are
recorded for evidence. Errors travel in the replies' err strings, as the real
servers do; RPCs a server does not have answer UNIMPLEMENTED, as OpenBao does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from grpclib import GRPCError
from grpclib.const import Status

from conformance.wire import backend_grpc, backend_pb2, plugin_environment_pb2

NANOSECONDS = 1_000_000_000


@dataclass
class StorageFaults:
    error: str | None = None  # every call answers with this err string
    delay_s: float = 0.0


@dataclass
class MemoryStorage(backend_grpc.StorageBase):
    entries: dict[str, bytes] = field(default_factory=dict)
    faults: StorageFaults = field(default_factory=StorageFaults)
    calls: list[str] = field(default_factory=list)

    async def _fault(self, call: str) -> str | None:
        self.calls.append(call)
        if self.faults.delay_s:
            await asyncio.sleep(self.faults.delay_s)
        return self.faults.error

    async def List(self, stream) -> None:
        request = await stream.recv_message()
        error = await self._fault(f"List {request.prefix}")
        keys = set()
        for key in self.entries:
            if key.startswith(request.prefix):
                rest = key[len(request.prefix):]
                keys.add(rest.split("/", 1)[0] + "/" if "/" in rest else rest)
        await stream.send_message(backend_pb2.StorageListReply(keys=[] if error else sorted(keys), err=error or ""))

    async def Get(self, stream) -> None:
        request = await stream.recv_message()
        error = await self._fault(f"Get {request.key}")
        reply = backend_pb2.StorageGetReply(err=error or "")
        if not error and request.key in self.entries:
            reply.entry.CopyFrom(backend_pb2.StorageEntry(key=request.key, value=self.entries[request.key]))
        await stream.send_message(reply)

    async def Put(self, stream) -> None:
        request = await stream.recv_message()
        error = await self._fault(f"Put {request.entry.key}")
        if not error:
            self.entries[request.entry.key] = request.entry.value
        await stream.send_message(backend_pb2.StoragePutReply(err=error or ""))

    async def Delete(self, stream) -> None:
        request = await stream.recv_message()
        error = await self._fault(f"Delete {request.key}")
        if not error:
            self.entries.pop(request.key, None)
        await stream.send_message(backend_pb2.StorageDeleteReply(err=error or ""))

    async def IsTransactional(self, stream) -> None:
        await stream.recv_message()
        await stream.send_message(backend_pb2.StorageIsTransactionalReply(transactional=False))

    async def ListPage(self, stream) -> None:
        raise GRPCError(Status.UNIMPLEMENTED, "ListPage is not served by this host")

    async def BeginReadOnlyTx(self, stream) -> None:
        raise GRPCError(Status.UNIMPLEMENTED, "transactions are not served by this host")

    BeginTx = BeginReadOnlyTx
    Commit = BeginReadOnlyTx
    Rollback = BeginReadOnlyTx


@dataclass
class SystemView(backend_grpc.SystemViewBase):
    default_lease_ttl_s: int = 768 * 3600
    max_lease_ttl_s: int = 768 * 3600
    tainted: bool = False
    caching_disabled: bool = False
    replication_state: int = 0
    mlock_enabled: bool = False
    local_mount: bool = False
    server_version: str = "2.7.2"
    cluster_id: str = "vault-plugin-conformance"
    calls: list[str] = field(default_factory=list)

    async def _reply(self, stream, name: str, message) -> None:
        await stream.recv_message()
        self.calls.append(name)
        await stream.send_message(message)

    async def DefaultLeaseTTL(self, stream) -> None:
        await self._reply(stream, "DefaultLeaseTTL", backend_pb2.TTLReply(TTL=self.default_lease_ttl_s * NANOSECONDS))

    async def MaxLeaseTTL(self, stream) -> None:
        await self._reply(stream, "MaxLeaseTTL", backend_pb2.TTLReply(TTL=self.max_lease_ttl_s * NANOSECONDS))

    async def Tainted(self, stream) -> None:
        await self._reply(stream, "Tainted", backend_pb2.TaintedReply(tainted=self.tainted))

    async def CachingDisabled(self, stream) -> None:
        await self._reply(stream, "CachingDisabled", backend_pb2.CachingDisabledReply(disabled=self.caching_disabled))

    async def ReplicationState(self, stream) -> None:
        await self._reply(stream, "ReplicationState", backend_pb2.ReplicationStateReply(state=self.replication_state))

    async def ResponseWrapData(self, stream) -> None:
        await self._reply(stream, "ResponseWrapData",
                          backend_pb2.ResponseWrapDataReply(err="response wrapping is not served by this host"))

    async def MlockEnabled(self, stream) -> None:
        await self._reply(stream, "MlockEnabled", backend_pb2.MlockEnabledReply(enabled=self.mlock_enabled))

    async def LocalMount(self, stream) -> None:
        await self._reply(stream, "LocalMount", backend_pb2.LocalMountReply(local=self.local_mount))

    async def EntityInfo(self, stream) -> None:
        await self._reply(stream, "EntityInfo", backend_pb2.EntityInfoReply())

    async def GroupsForEntity(self, stream) -> None:
        await self._reply(stream, "GroupsForEntity", backend_pb2.GroupsForEntityReply())

    async def PluginEnv(self, stream) -> None:
        environment = plugin_environment_pb2.PluginEnvironment(vault_version=self.server_version)
        await self._reply(stream, "PluginEnv", backend_pb2.PluginEnvReply(plugin_environment=environment))

    async def GeneratePasswordFromPolicy(self, stream) -> None:
        raise GRPCError(Status.UNIMPLEMENTED, "password policies are not served by this host")

    async def ClusterInfo(self, stream) -> None:
        await self._reply(stream, "ClusterInfo", backend_pb2.ClusterInfoReply(cluster_id=self.cluster_id))

    async def GenerateIdentityToken(self, stream) -> None:  # Vault only, as on OpenBao
        raise GRPCError(Status.UNIMPLEMENTED, "not served by OpenBao")

    GetRotationInformation = GenerateIdentityToken
    RegisterRotationJob = GenerateIdentityToken
    RegisterRotationJobWithResponse = GenerateIdentityToken
    DeregisterRotationJob = GenerateIdentityToken

