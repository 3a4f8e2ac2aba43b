"""Put a plugin binary into a real server: copy, register with its sha256, enable, read back."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.runtime.plugin_binary import PluginBinary
from conformance.runtime.servers.base import RealServer


# The HTTP verb a server maps to each logical operation (LIST is Vault's own verb).
HTTP_METHOD = {"read": "GET", "list": "LIST", "delete": "DELETE", "create": "POST", "update": "POST",
               "patch": "PATCH"}


class RegistrationFailed(Exception):
    def __init__(self, step: str, status: int, words: str, evidence: dict[str, Any]):
        super().__init__(f"{step} failed with HTTP {status}: {words}")
        self.step = step
        self.status = status
        self.words = words
        self.evidence = evidence


@dataclass
class Mount:
    name: str
    plugin_type: str
    path: str  # without trailing slash, e.g. "ref" or "auth/ref"
    sha256: str
    version: str | None
    catalog_entry: dict[str, Any]
    mount_entry: dict[str, Any]
    timings_ms: dict[str, float] = field(default_factory=dict)
    plan: "MountPlan | None" = None
    version_refused: str | None = None  # the server's words when it refused the declared version (VER-003's)

    @property
    def table(self) -> str:
        """Where the server lists and tunes this mount: sys/auth/<key> or sys/mounts/<key>."""
        return "sys/auth" if self.plugin_type == "auth" else "sys/mounts"

    @property
    def key(self) -> str:
        """The mount's path in its table (no auth/ prefix)."""
        return self.path.removeprefix("auth/")


def response_data(response) -> dict[str, Any]:
    """The data object of an answer ({} when it has none or is not JSON)."""
    try:
        return ((response.json() or {}).get("data") or {}) if response.content else {}
    except ValueError:
        return {}


def request_body(operation: str, data: dict | None) -> dict[str, Any]:
    """The requests keyword arguments for a logical operation: a JSON body, except for reads."""
    return {"json": data} if data is not None and operation not in ("read", "list") else {}


def server_words(response) -> str:
    try:
        errors = response.json().get("errors")
    except ValueError:
        errors = None
    if errors:
        return "; ".join(str(e).replace("\n", " ") for e in errors)
    return (response.text or "").strip()[:300] or "(empty body)"


@dataclass(frozen=True)
class MountPlan:
    """How the plugin goes into the catalog and is enabled: the manifest's [plugin] args/env and [mount]."""

    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    path: str | None = None
    description: str = ""
    options: tuple[tuple[str, str], ...] = ()
    default_lease_ttl: str | None = None
    max_lease_ttl: str | None = None

    @classmethod
    def from_manifest(cls, manifest) -> "MountPlan":
        if manifest is None:
            return cls()
        mount = manifest.mount
        return cls(args=tuple(manifest.args), env=tuple(sorted(manifest.env.items())), path=mount.path,
                   description=mount.description, options=tuple(sorted(mount.options.items())),
                   default_lease_ttl=mount.default_lease_ttl, max_lease_ttl=mount.max_lease_ttl)

    def enable_body(self, name: str, pinned: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": name}
        if self.description:
            body["description"] = self.description
        if self.options:
            body["options"] = dict(self.options)
        config = {k: v for k, v in (("default_lease_ttl", self.default_lease_ttl),
                                    ("max_lease_ttl", self.max_lease_ttl)) if v}
        if pinned:
            # OpenBao reads the version from config.plugin_version (logical_system.go handleMount: apiConfig);
            # Vault documents it at the top level. Unpinned, a server picks a version of its own choosing.
            body["plugin_version"] = pinned
            config["plugin_version"] = pinned
        if config:
            body["config"] = config
        return body


def _caller(server: RealServer, evidence: dict[str, Any], timings: dict[str, float] | None = None):
    """One registration step: the request, its time and status in the evidence, RegistrationFailed if refused."""
    def call(step: str, method: str, path: str, ok: tuple[int, ...] = (200, 204), **kwargs):
        started = time.monotonic()
        response = server.request(method, path, **kwargs)
        if timings is not None:
            timings[step] = round((time.monotonic() - started) * 1000, 2)
        evidence[f"{step}_http"] = f"{method} /v1/{path} -> {response.status_code}"
        if response.status_code not in ok:
            raise RegistrationFailed(step, response.status_code, server_words(response), evidence)
        return response
    return call


def catalog_body(name: str, sha256: str, version: str | None, plan: "MountPlan") -> dict[str, Any]:
    """The body of a catalog registration (sys/plugins/catalog/<type>/<name>)."""
    body: dict[str, Any] = {"sha256": sha256, "command": name}
    if version:
        body["version"] = version
    if plan.args:
        body["args"] = list(plan.args)
    if plan.env:
        body["env"] = [f"{k}={v}" for k, v in plan.env]
    return body


def install_binary(source: Path, target: Path) -> None:
    """Copy source to target, executable, by a rename: a plugin process still running the old file (one
    that outlived its mount) would make a copy over it fail with ETXTBSY."""
    staging = target.with_name(f".{target.name}.{os.getpid()}.new")
    shutil.copy2(source, staging)
    staging.chmod(0o755)
    os.replace(staging, target)


def register_and_mount(
    server: RealServer, binary: PluginBinary, plugin_type: str, name: str,
    version: str | None = None, mount_path: str | None = None, plan: MountPlan = MountPlan(),
    connection: dict[str, Any] | None = None,
) -> Mount:
    """Register the binary and mount it; a database plugin is mounted as a connection of a database
    secrets engine mounted for it (<mount>/config/<name> with plugin_name and the connection details)."""
    evidence: dict[str, Any] = {"plugin_directory_command": name, "sha256": binary.sha256}
    timings: dict[str, float] = {}
    target = server.plugin_directory / name
    install_binary(binary.path, target)  # the server runs it from its plugin directory

    call = _caller(server, evidence, timings)

    catalog_path = f"sys/plugins/catalog/{plugin_type}/{name}"
    body = catalog_body(name, binary.sha256, version, plan)
    version_refused = None
    try:
        call("register", "PUT", catalog_path, json=body)
    except RegistrationFailed as failure:
        # A plugin that reports another version than declared is VER-003's failure: register it
        # unversioned (as the server then adopts what it reports) so the other checks still run.
        if not version or "version mismatch" not in failure.words:
            raise
        version_refused, version = failure.words, None
        evidence["version_refused"] = version_refused
        body.pop("version")
        call("register", "PUT", catalog_path, json=body)
    # Unversioned registration adopts the plugin's self-reported version, so look the
    # entry up in the detailed list by name, type and sha256, then pin the mount to it.
    listing = call("read_catalog", "GET", "sys/plugins/catalog").json()["data"].get("detailed") or []
    matches = [e for e in listing if e.get("name") == name and e.get("type") == plugin_type
               and e.get("sha256") == binary.sha256 and (not version or e.get("version") == version)]
    if not matches:
        raise RegistrationFailed("read_catalog", 200, f"no catalog entry {name} with sha256 {binary.sha256}", evidence)
    catalog_entry = matches[0]
    pinned = catalog_entry.get("version") or None
    evidence["catalog_entry"] = {k: catalog_entry.get(k) for k in ("name", "type", "sha256", "version", "builtin")}

    path = mount_path or plan.path or f"vpc-{name}"
    if plugin_type == "database":
        api_path, mount_entry = enable_database_connection(server, name, pinned, path, plan, connection or {}, call)
        evidence["connection"] = f"{api_path}/config/{name}"
        return Mount(name=name, plugin_type=plugin_type, path=api_path, sha256=binary.sha256, version=pinned,
                     catalog_entry=catalog_entry, mount_entry=mount_entry, timings_ms=timings, plan=plan,
                     version_refused=version_refused)
    api_path, mount_entry = enable_mount(server, plugin_type, name, pinned, path, plan, call)
    evidence["mount_entry"] = {
        k: mount_entry.get(k) for k in ("type", "plugin_version", "running_plugin_version", "running_sha256", "accessor")
    }
    return Mount(
        name=name, plugin_type=plugin_type, path=api_path, sha256=binary.sha256, version=pinned,
        catalog_entry=catalog_entry, mount_entry=mount_entry, timings_ms=timings, plan=plan,
        version_refused=version_refused,
    )


def enable_mount(server: RealServer, plugin_type: str, name: str, pinned: str | None, path: str,
                 plan: MountPlan, call) -> tuple[str, dict[str, Any]]:
    """Enable an already registered plugin at path; returns its API path and its mount table entry."""
    if plugin_type == "auth":
        enable_path, table_path, api_path = f"sys/auth/{path}", "sys/auth", f"auth/{path}"
    else:
        enable_path, table_path, api_path = f"sys/mounts/{path}", "sys/mounts", path
    call("enable", "POST", enable_path, json=plan.enable_body(name, pinned))
    table = call("read_mounts", "GET", table_path).json()
    entries = table.get("data", table)
    return api_path, entries.get(f"{path}/", {})


def enable_database_connection(server: RealServer, name: str, pinned: str | None, path: str, plan: MountPlan,
                               connection: dict[str, Any], call) -> tuple[str, dict[str, Any]]:
    """A database secrets engine at path, with one connection (config/<name>) that runs the plugin, verified."""
    body: dict[str, Any] = {"type": "database"}
    if plan.description:
        body["description"] = plan.description
    config = {k: v for k, v in (("default_lease_ttl", plan.default_lease_ttl), ("max_lease_ttl", plan.max_lease_ttl)) if v}
    if config:
        body["config"] = config
    call("enable", "POST", f"sys/mounts/{path}", json=body)
    details = {**connection, "plugin_name": name, "allowed_roles": ["*"], "verify_connection": True}
    if pinned:
        details["plugin_version"] = pinned
    call("configure_connection", "PUT", f"{path}/config/{name}", json=details)
    table = call("read_mounts", "GET", "sys/mounts").json()
    return path, table.get("data", table).get(f"{path}/", {})


def another_mount(server: RealServer, mount: Mount, suffix: str) -> Mount:
    """A second mount of the same registered plugin (same catalog entry, same plan) at <path>-<suffix>."""
    path = f"{mount.key}-{suffix}"
    api_path, entry = enable_mount(server, mount.plugin_type, mount.name, mount.version, path, mount.plan,
                                   _caller(server, {}))
    return Mount(name=mount.name, plugin_type=mount.plugin_type, path=api_path, sha256=mount.sha256,
                 version=mount.version, catalog_entry=mount.catalog_entry, mount_entry=entry, plan=mount.plan)


def disable_mount(server: RealServer, mount: Mount) -> int:
    return server.request("DELETE", f"{mount.table}/{mount.key}").status_code


def reenable_mount(server: RealServer, mount: Mount) -> None:
    """Enable a disabled mount again where it was (best effort: what runs next reports what it finds)."""
    try:
        enable_mount(server, mount.plugin_type, mount.name, mount.version, mount.key, mount.plan, _caller(server, {}))
    except RegistrationFailed:
        pass


def mount_max_lease_ttl(server: RealServer, mount: Mount) -> int | None:
    """The mount's max_lease_ttl in seconds (None when its tuning cannot be read)."""
    tune = server.request("GET", f"{mount.table}/{mount.key}/tune")
    if tune.status_code != 200:
        return None
    return int((tune.json().get("data") or tune.json()).get("max_lease_ttl") or 0)
