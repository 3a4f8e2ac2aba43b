"""Requests derived from the plugin's own OpenAPI document.

The framework builds an OpenAPI document of every path and operation a plugin
serves (sdk/framework/openapi.go); a server returns it for ``GET
/v1/<mount>/?help=1``. From it this module derives, for every path and
operation: the documented request, one with a wrong type, one missing a
required field, one oversized, a boundary value for each field kind, and the
operations the path does not declare. Checks send them and judge the answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PROBE_NAME = "vpc-probe"  # fills path parameters: a name no manifest uses
OVERSIZED_CHARS = 1024 * 1024  # far above any sane field, far below the server's 32 MiB request limit
LONG_SEGMENT_CHARS = 4096
LOOPBACK_URL = "http://127.0.0.1:9/"  # discard port: a plugin that dials a URL field reaches nothing, off-host never
URL_FIELD = re.compile(r"(url|uri|addr|address|host|endpoint|issuer)", re.I)
METHOD_OPERATION = {"get": "read", "post": "update", "delete": "delete", "patch": "patch"}
# A server rejects these before the plugin sees them, or they need a body format of their own.
SKIPPED_METHODS = {"patch"}


@dataclass(frozen=True)
class Field:
    name: str
    schema: dict[str, Any]

    @property
    def kind(self) -> str:
        kind = self.schema.get("type", "string")
        fmt = self.schema.get("format", "")
        if fmt in ("duration", "seconds"):
            return "duration"
        return {"number": "integer"}.get(kind, kind)

    @property
    def url_like(self) -> bool:
        return bool(URL_FIELD.search(self.name)) and self.kind in ("string", "array")


@dataclass(frozen=True)
class Operation:
    template: str  # as in the document: /roles/{name}
    path: str  # concrete, relative to the mount: roles/vpc-probe
    operation: str  # read | list | update | delete
    fields: tuple[Field, ...] = ()
    required: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    unauthenticated: bool = False


@dataclass(frozen=True)
class DerivedRequest:
    kind: str  # documented | wrong-type | missing-required | oversized | boundary:<kind> | null | ...
    operation: str
    path: str
    template: str
    data: dict[str, Any] | None = None

    @property
    def line(self) -> str:
        return f"{self.operation} {self.path} ({self.kind})"


@dataclass
class Discovery:
    operations: list[Operation] = field(default_factory=list)
    skipped_paths: list[str] = field(default_factory=list)  # regex paths with no literal form

    def paths(self) -> dict[str, list[Operation]]:
        grouped: dict[str, list[Operation]] = {}
        for op in self.operations:
            grouped.setdefault(op.template, []).append(op)
        return grouped


def concrete_path(template: str, name: str = PROBE_NAME) -> str | None:
    """The path to send for a document path: parameters filled, a catch-all regex turned into a name."""
    path = template.lstrip("/")
    path = re.sub(r"\{[^}]+\}", name, path)
    path = re.sub(r"^\^|\$$", "", path)
    path = path.replace("(.*)", name).replace(".*", name).replace(".+", name)
    if re.search(r"[\^$()\[\]*+?\\|]", path):
        return None
    return path


def discover(document: dict[str, Any]) -> Discovery:
    found = Discovery()
    schemas = document.get("components", {}).get("schemas", {})
    for template, item in sorted(document.get("paths", {}).items()):
        path = concrete_path(template)
        if path is None:
            found.skipped_paths.append(template)
            continue
        parameters = tuple(p["name"] for p in item.get("parameters", []) if p.get("in") == "path")
        unauthenticated = bool(item.get("x-vault-unauthenticated"))
        for method, operation in METHOD_OPERATION.items():
            spec = item.get(method)
            if spec is None or method in SKIPPED_METHODS:
                continue
            if method == "get":
                list_param = next((p for p in spec.get("parameters", []) if p.get("name") == "list"), None)
                if list_param is not None:
                    found.operations.append(Operation(template, path, "list", parameters=parameters,
                                                      unauthenticated=unauthenticated))
                    if list_param.get("required"):
                        continue
            fields, required = (), ()
            if method == "post":
                schema = _request_schema(spec, schemas)
                fields = tuple(Field(n, s) for n, s in sorted(schema.get("properties", {}).items())
                               if n not in parameters)
                required = tuple(r for r in schema.get("required", []) if r not in parameters)
            found.operations.append(Operation(template, path, operation, fields, required, parameters, unauthenticated))
    return found


def _request_schema(spec: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    content = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    ref = schema.get("$ref", "")
    return schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else schema


# -- values ------------------------------------------------------------------
def documented_value(f: Field) -> Any:
    if "enum" in f.schema and f.schema["enum"]:
        return f.schema["enum"][0]
    if f.url_like:
        return [LOOPBACK_URL] if f.kind == "array" else LOOPBACK_URL
    if "default" in f.schema and f.schema["default"] not in (None, "", [], {}):
        return f.schema["default"]
    return {"string": "vpc", "integer": 1, "boolean": True, "duration": "30s", "array": ["vpc"],
            "object": {"vpc": "probe"}}.get(f.kind, "vpc")


def wrong_type_value(f: Field) -> Any:
    # The framework converts loosely (a number is a fine string), so only a nested object is wrong for all.
    return {"string": {"vpc": ["not", "a", "string"]}, "integer": "not-a-number", "boolean": "not-a-bool",
            "duration": "not-a-duration", "array": {"vpc": {"not": "a list"}},
            "object": "not-an-object"}.get(f.kind, {"vpc": ["wrong"]})


BOUNDARIES: dict[str, list[tuple[str, Any]]] = {
    "string": [("empty", ""), ("unicode", "vpc-ünïcødé-✓-\u202e")],
    "integer": [("negative", -1), ("int64-max", 9223372036854775807)],
    "duration": [("negative", -1), ("zero", 0)],
    "boolean": [],
    "array": [("empty", [])],
    "object": [("empty", {})],
}


def derive(op: Operation) -> list[DerivedRequest]:
    """The requests for one operation: reads and lists as documented, writes in every variant."""
    one = lambda kind, data=None, path=op.path: DerivedRequest(kind, op.operation, path, op.template, data)  # noqa: E731
    if op.operation in ("read", "list", "delete"):
        requests = [one("documented")]
        if op.parameters and op.operation == "read":
            requests.append(one("long-segment", path=concrete_path(op.template, "v" * LONG_SEGMENT_CHARS)))
        return requests
    documented = {f.name: documented_value(f) for f in op.fields}
    requests = [one("documented", documented), one("empty-body", {}),
                one("unknown-field", {**documented, "vpc_unknown_field": "vpc"})]
    if op.fields:
        requests.append(one("wrong-type", {f.name: wrong_type_value(f) for f in op.fields}))
        requests.append(one("null", {f.name: None for f in op.fields}))
    if op.required:
        requests.append(one("missing-required", {k: v for k, v in documented.items() if k != op.required[0]}))
    strings = [f for f in op.fields if f.kind == "string"]
    oversized = {**documented, **{f.name: ((LOOPBACK_URL if f.url_like else "") + "v" * OVERSIZED_CHARS)
                                  for f in strings}}
    if not strings:
        oversized["vpc_oversized"] = "v" * OVERSIZED_CHARS
    requests.append(one("oversized", oversized))
    for kind in sorted({f.kind for f in op.fields}):
        for label, value in BOUNDARIES.get(kind, []):
            data = {**documented, **{f.name: value for f in op.fields if f.kind == kind and not f.url_like}}
            requests.append(one(f"boundary:{kind}:{label}", data))
    return requests


def undeclared(discovery: Discovery) -> list[DerivedRequest]:
    """For every literal path, the read, update and delete it does not declare: each must be 'unsupported operation'."""
    requests = []
    for template, ops in discovery.paths().items():
        if not ops:
            continue
        declared = {op.operation for op in ops}
        if declared == {"list"}:
            continue  # a list-only path ends in '/', which other operations route elsewhere
        for operation in ("read", "update", "delete"):
            if operation not in declared:
                requests.append(DerivedRequest("undeclared-operation", operation, ops[0].path, template, {}))
    return requests
