"""The generated wire protocol: fresh generation works, and names and numbers are the real ones."""

import filecmp

import pytest

from conformance.wire import generate


def test_fresh_generation_matches_the_package(tmp_path):
    out = tmp_path / "wire"
    generate.generate_into(out)
    produced = sorted(p.name for p in out.glob("*.py"))
    assert "backend_pb2.py" in produced and "backend_grpc.py" in produced and "backend_pb2_grpc.py" in produced
    for name in produced:
        assert filecmp.cmp(out / name, generate.WIRE_DIR / name, shallow=False), name


def test_stale_stamp_regenerates(tmp_path):
    out = tmp_path / "wire"
    generate.generate_into(out)
    (out / "backend_pb2.py").write_text("broken")
    (out / generate.STAMP_NAME).write_text("stale\n")
    generate.generate_into(out)
    assert "broken" not in (out / "backend_pb2.py").read_text()


FIELDS = [
    ("backend_pb2", "SetupArgs", {"broker_id": 1, "Config": 2, "backendUUID": 3}),
    ("backend_pb2", "HandleRequestArgs", {"storage_id": 1, "request": 2}),
    ("backend_pb2", "LeaseOptions", {"TTL": 1, "renewable": 2, "increment": 3, "issue_time": 4, "MaxTTL": 5}),
    ("backend_pb2", "Secret", {"lease_options": 1, "internal_data": 2, "lease_id": 3}),
    ("backend_pb2", "ProtoError", {"err_type": 1, "err_msg": 2, "err_code": 3}),
    ("backend_pb2", "TypeReply", {"type": 1}),
    ("backend_pb2", "SetupReply", {"err": 1}),
    ("backend_pb2", "StorageEntry", {"key": 1, "value": 2, "seal_wrap": 3}),
    ("grpc_broker_pb2", "ConnInfo", {"service_id": 1, "network": 2, "address": 3, "knock": 4}),
    ("grpc_stdio_pb2", "StdioData", {"channel": 1, "data": 2}),
    ("multiplexing_pb2", "MultiplexingSupportResponse", {"supported": 1}),
    ("version_pb2", "VersionReply", {"plugin_version": 1}),
    ("database_pb2", "NewUserRequest", {"username_config": 1, "password": 2, "expiration": 3, "statements": 4,
                                        "rollback_statements": 5, "credential_type": 6, "public_key": 7, "subject": 8}),
]


@pytest.mark.parametrize("module,message,numbers", FIELDS, ids=[f[1] for f in FIELDS])
def test_field_numbers(module, message, numbers):
    import importlib

    descriptor = getattr(importlib.import_module(f"conformance.wire.{module}"), message).DESCRIPTOR
    assert {f.name: f.number for f in descriptor.fields if f.name in numbers} == numbers


METHODS = [
    ("grpc_broker_pb2", "GRPCBroker", "StartStream", "/plugin.GRPCBroker/StartStream"),
    ("grpc_controller_pb2", "GRPCController", "Shutdown", "/plugin.GRPCController/Shutdown"),
    ("grpc_stdio_pb2", "GRPCStdio", "StreamStdio", "/plugin.GRPCStdio/StreamStdio"),
    ("backend_pb2", "Backend", "HandleRequest", "/pb.Backend/HandleRequest"),
    ("backend_pb2", "Storage", "Get", "/pb.Storage/Get"),
    ("backend_pb2", "SystemView", "DefaultLeaseTTL", "/pb.SystemView/DefaultLeaseTTL"),
    ("multiplexing_pb2", "PluginMultiplexing", "MultiplexingSupport",
     "/pluginutil.multiplexing.PluginMultiplexing/MultiplexingSupport"),
    ("version_pb2", "PluginVersion", "Version", "/logical.PluginVersion/Version"),
    ("database_pb2", "Database", "NewUser", "/dbplugin.v5.Database/NewUser"),
]


@pytest.mark.parametrize("module,service,method,full_name", METHODS, ids=[m[3] for m in METHODS])
def test_full_method_names(module, service, method, full_name):
    import importlib

    descriptor = importlib.import_module(f"conformance.wire.{module}").DESCRIPTOR.services_by_name[service]
    found = descriptor.methods_by_name[method]
    assert f"/{descriptor.full_name}/{found.name}" == full_name
