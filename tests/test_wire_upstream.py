"""Our .proto files against the real ones: every upstream message, field and RPC must match on the wire.

The upstream files come from the Go module cache that plugins_under_test/build
fills (github.com/hashicorp/vault/sdk and github.com/hashicorp/go-plugin at the
versions go.sum pins). Ours may add fields and RPCs (OpenBao's), never differ.
"""

import re
import subprocess
from pathlib import Path

import grpc_tools
import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

REPO = Path(__file__).resolve().parents[1]
GO_SUM = REPO / "plugins_under_test" / "go.sum"


def module_dir(module: str) -> Path:
    version = re.search(rf"^{re.escape(module)} (v[^ /]+) h1:", GO_SUM.read_text(), re.M).group(1)
    cache = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
    path = Path(cache) / f"{module}@{version}"
    assert path.is_dir(), f"{path} missing: run plugins_under_test/build (it downloads the SDK)"
    return path


def descriptor_set(include_roots: list[Path], files: list[str], out: Path) -> descriptor_pb2.FileDescriptorSet:
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = ["protoc", *[f"-I{root}" for root in include_roots], f"-I{well_known}",
            "--include_imports", f"--descriptor_set_out={out}", *files]
    assert protoc.main(args) == 0, f"protoc failed on {files}"
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def index(fds: descriptor_pb2.FileDescriptorSet):
    messages, services = {}, {}

    def walk(prefix, message):
        name = f"{prefix}.{message.name}"
        messages[name] = message
        for nested in message.nested_type:
            walk(name, nested)

    for file in fds.file:
        if file.package.startswith("google."):
            continue
        for message in file.message_type:
            walk(file.package, message)
        for service in file.service:
            services[f"{file.package}.{service.name}"] = service
    return messages, services


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upstream")
    (tmp / "sdk").symlink_to(module_dir("github.com/hashicorp/vault/sdk"))
    go_plugin = module_dir("github.com/hashicorp/go-plugin")
    vault_files = ["sdk/plugin/pb/backend.proto", "sdk/helper/pluginutil/multiplexing.proto", "sdk/logical/observation.proto",
                   "sdk/logical/version.proto", "sdk/database/dbplugin/v5/proto/database.proto"]
    plugin_files = [f"internal/plugin/{n}.proto" for n in ("grpc_broker", "grpc_controller", "grpc_stdio")]
    vault = index(descriptor_set([tmp], vault_files, tmp / "vault.pb"))
    plugin = index(descriptor_set([go_plugin], plugin_files, tmp / "plugin.pb"))
    return {**vault[0], **plugin[0]}, {**vault[1], **plugin[1]}


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    files = [str(p.relative_to(REPO / "proto")) for p in (REPO / "proto/conformance/wire").glob("*.proto")]
    return index(descriptor_set([REPO / "proto"], files, tmp_path_factory.mktemp("ours") / "ours.pb"))


def test_every_upstream_message_matches(upstream, ours):
    problems = []
    for name, theirs in upstream[0].items():
        mine = ours[0].get(name)
        if mine is None:
            problems.append(f"missing message {name}")
            continue
        fields = {f.number: f for f in mine.field}
        for field in theirs.field:
            got = fields.get(field.number)
            if got is None:
                problems.append(f"{name}: missing field {field.number} ({field.name})")
            elif (got.name, got.type, got.label, got.type_name) != (field.name, field.type, field.label, field.type_name):
                problems.append(f"{name}.{field.name} = {field.number}: ours {got.name}/{got.type}/{got.type_name}")
    assert not problems, "\n".join(problems)


def test_every_upstream_rpc_matches(upstream, ours):
    problems = []
    for name, theirs in upstream[1].items():
        mine = {m.name: m for m in ours[1].get(name, descriptor_pb2.ServiceDescriptorProto()).method}
        for method in theirs.method:
            got = mine.get(method.name)
            shape = lambda m: (m.input_type, m.output_type, m.client_streaming, m.server_streaming)  # noqa: E731
            if got is None or shape(got) != shape(method):
                problems.append(f"/{name}/{method.name}")
    assert not problems, "\n".join(problems)
