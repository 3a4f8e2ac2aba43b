"""Certify manifests: a TOML file naming the binary, its type and how to register it.

    [plugin]
    binary = "../bin/reference-secrets"   # relative to the manifest file
    type = "secret"                       # secret | auth | database
    name = "reference-secrets"            # optional, default: the binary's file name
    version = "v0.1.0"                    # optional: registered version

    [[exercise]]                          # optional: requests that write and read state,
    operation = "update"                  # replayed over the wire (storage round trip,
    path = "config"                       # storage faults); the last read-type one is
    data = { username_prefix = "vpc" }    # the read-back
    [[exercise]]
    operation = "read"
    path = "config"

    [lease]                               # optional (secrets): how to get a leased secret
    setup = [ { operation = "update", path = "roles/vpc", data = { ttl = 60 } } ]
    path = "creds/vpc"                    # read through the server: a renewable lease

    [expect]                              # read by the self-tests, ignored by certify
    verdict = "conformant"
    failing = []
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from conformance.catalog import BY_ID, PLUGIN_TYPES
from conformance.errors import UsageError

PLUGIN_KEYS = {"binary", "type", "name", "version"}
EXPECT_KEYS = {"verdict", "failing"}
EXERCISE_KEYS = {"operation", "path", "data"}
READ_OPERATIONS = {"read", "list"}
VERDICTS = {"conformant", "non-conformant"}


@dataclass(frozen=True)
class Expectation:
    verdict: str
    failing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExerciseRequest:
    operation: str
    path: str
    data: dict | None = None


@dataclass(frozen=True)
class LeaseRecipe:
    path: str
    setup: tuple[ExerciseRequest, ...] = ()


@dataclass(frozen=True)
class Manifest:
    path: Path
    binary: Path | None
    plugin_type: str | None
    name: str | None
    version: str | None
    expect: Expectation | None = field(default=None)
    exercise: tuple[ExerciseRequest, ...] = ()
    lease: LeaseRecipe | None = None


def load_manifest(raw_path: str | Path) -> Manifest:
    path = Path(raw_path)
    try:
        document = tomllib.loads(path.read_text())
    except OSError as error:
        raise UsageError(f"cannot read manifest {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"invalid manifest {path}: {error}") from None
    unknown = set(document) - {"plugin", "expect", "exercise", "lease"}
    if unknown:
        raise UsageError(f"invalid manifest {path}: unknown table(s) {sorted(unknown)}")
    plugin = document.get("plugin", {})
    if not isinstance(plugin, dict) or set(plugin) - PLUGIN_KEYS:
        raise UsageError(f"invalid manifest {path}: [plugin] takes only {sorted(PLUGIN_KEYS)}")
    for key in PLUGIN_KEYS & set(plugin):
        if not isinstance(plugin[key], str) or not plugin[key]:
            raise UsageError(f"invalid manifest {path}: plugin.{key} must be a non-empty string")
    if plugin.get("type") and plugin["type"] not in PLUGIN_TYPES:
        raise UsageError(f"invalid manifest {path}: plugin.type must be one of {', '.join(PLUGIN_TYPES)}")
    binary = (path.parent / plugin["binary"]) if "binary" in plugin else None
    return Manifest(
        path=path, binary=binary, plugin_type=plugin.get("type"), name=plugin.get("name"),
        version=plugin.get("version"), expect=_expectation(path, document.get("expect")),
        exercise=_requests(path, "exercise", document.get("exercise", [])),
        lease=_lease(path, document.get("lease")),
    )


def read_back(requests) -> "ExerciseRequest":
    """The request that reads state back: the last read or list among them."""
    return [r for r in requests if r.operation in READ_OPERATIONS][-1]


def _lease(path: Path, table) -> LeaseRecipe | None:
    if table is None:
        return None
    if not isinstance(table, dict) or set(table) - {"path", "setup"} or not isinstance(table.get("path"), str):
        raise UsageError(f"invalid manifest {path}: [lease] needs path (a string) and optional setup requests")
    return LeaseRecipe(path=table["path"], setup=_requests(path, "lease.setup", table.get("setup", [])))


def _requests(path: Path, where: str, table) -> tuple[ExerciseRequest, ...]:
    if not isinstance(table, list) or not all(isinstance(item, dict) for item in table):
        raise UsageError(f"invalid manifest {path}: {where} must be an array of tables")
    requests = []
    for item in table:
        if set(item) - EXERCISE_KEYS or not isinstance(item.get("operation"), str) or not isinstance(item.get("path"), str):
            raise UsageError(f"invalid manifest {path}: each {where} request needs operation and path (and optional data)")
        if "data" in item and not isinstance(item["data"], dict):
            raise UsageError(f"invalid manifest {path}: {where} data must be a table")
        requests.append(ExerciseRequest(item["operation"], item["path"], item.get("data")))
    if where == "exercise" and requests and not any(r.operation in READ_OPERATIONS for r in requests):
        raise UsageError(f"invalid manifest {path}: [[exercise]] needs a read or list request to read back")
    return tuple(requests)


def _expectation(path: Path, table) -> Expectation | None:
    if table is None:
        return None
    if not isinstance(table, dict) or set(table) - EXPECT_KEYS or table.get("verdict") not in VERDICTS:
        raise UsageError(f"invalid manifest {path}: [expect] needs verdict = {' or '.join(sorted(VERDICTS))}, optional failing")
    failing = table.get("failing", [])
    if not isinstance(failing, list) or any(f not in BY_ID for f in failing):
        raise UsageError(f"invalid manifest {path}: expect.failing must list catalog requirement ids")
    return Expectation(verdict=table["verdict"], failing=tuple(failing))
