"""VER: the version a plugin reports, the version it registers as, and a switch to another version on a live mount.

The reported version (PluginVersion, at the wire) must be a semantic version
or empty, and be the one the plugin is registered as (the catalog and the
mount listing show it); tuned to another registered version and reloaded, a
mount must run that version and binary and read back the old version's state.

Sources: openbao/openbao sdk/logical/logical.go (PluginVersioner),
sdk/framework/backend.go (RunningVersion), internal/vault/plugin_catalog.go
(semver check, version mismatch), internal/vault/logical_system.go (mount tune:
plugin_version, running_plugin_version), internal/vault/plugin_reload.go,
internal/vault/mount.go (running_sha256).
"""

from __future__ import annotations

import re
import shutil

from conformance.catalog import check
from conformance.manifest import WRITE_OPERATIONS, read_back
from conformance.outcomes import Blocked, Evidence, NeedsManifest, expect
from conformance.runtime.plugin_binary import PluginBinary
from conformance.runtime.registration import HTTP_METHOD, RegistrationFailed, response_data, server_words
from conformance.observations.context import CheckContext
from conformance.observations.wire_run import wire_seen
from conformance.observations.wake_request import wake_request
from conformance.manifest_needs import UPGRADE

# hashicorp/go-version's semver pattern, as the catalog applies it (an optional leading v).
SEMVER = re.compile(r"^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


@check("VER-001")
def reported_version_is_semver(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    evidence["reported_version"] = seen.version
    if not seen.version:
        return "no version reported (allowed: the catalog then registers it unversioned)"
    expect(bool(SEMVER.match(seen.version)), "a semantic version (or none)", f"{seen.version!r}")
    return f"reports {seen.version}"


@check("VER-003")
def reported_version_is_the_registered_one(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    declared, reported = ctx.plugin_version, seen.version or None
    evidence.update({"declared_version": declared, "reported_version": reported})
    try:
        mount = ctx.mount if ctx.server is not None else None
    except RegistrationFailed as failure:
        raise Blocked(f"the plugin did not mount ({failure.step}: {failure.words}): PATH-001's failure") from None
    if mount is not None:
        method, path, params = wake_request(ctx)  # the listing shows the version of a running plugin only
        ctx.api(method, path, params=params)
        entry = _mount_entry(ctx, mount)
        evidence.update({"catalog_version": mount.catalog_entry.get("version") or None,
                         "running_plugin_version": entry.get("running_plugin_version") or None,
                         "version_refused": mount.version_refused})
        expect(mount.version_refused is None, f"the server to register the plugin as its declared version {declared}",
               f"refused: {mount.version_refused}")
    if declared:
        expect(reported is None or reported == declared, f"the plugin to report its declared version {declared}",
               f"it reports {reported}")
    if mount is None:
        return f"reports {reported or 'no version'}" + (", as declared" if declared else " (no version declared)")
    shown = {evidence["catalog_version"], evidence["running_plugin_version"]}
    want = declared or reported
    expect(shown == {want}, f"the catalog and the mount listing to show {want or 'no version'}",
           f"catalog {evidence['catalog_version']!r}, mount running_plugin_version {evidence['running_plugin_version']!r}")
    return (f"reports {reported or 'no version'}; catalog and mount show {want or 'no version'}"
            + ("" if declared else " (no version declared: the server adopted the reported one)"))


def _mount_entry(ctx: CheckContext, mount) -> dict:
    data = ctx.api("GET", mount.table).json()
    return (data.get("data") or data).get(f"{mount.key}/", {})


@check("VER-002", needs=(UPGRADE,))
def upgrade_switches_version_and_keeps_state(ctx: CheckContext, evidence: Evidence) -> str:
    if ctx.upgrade is None:
        raise NeedsManifest("no [upgrade] in the manifest: no second build of the plugin to switch to", '[upgrade]')
    if not ctx.exercise:
        raise NeedsManifest("no [[exercise]] requests in the manifest: nothing to write before the switch",
                            '[[exercise]]')
    upgrade_path, version = ctx.upgrade
    new = PluginBinary.inspect(upgrade_path)
    server, first = ctx.server, ctx.mount
    try:
        mount = server.another_mount(first, "upgrade")
    except RegistrationFailed as failure:
        expect(False, "a mount for the upgrade", f"{failure.step}: HTTP {failure.status}: {failure.words}")
    steps: list = []
    evidence["steps"] = steps
    try:
        for request in (*ctx.setup, *[r for r in ctx.exercise if r.operation in WRITE_OPERATIONS]):
            response = ctx.api(HTTP_METHOD[request.operation], f"{mount.path}/{request.path}", json=request.data)
            steps.append(f"{request.line} on {mount.path} -> {response.status_code}")
        reader = read_back(ctx.exercise)
        before = ctx.api(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")
        command = f"{first.name}-upgrade"
        shutil.copy2(new.path, server.plugin_directory / command)
        (server.plugin_directory / command).chmod(0o755)
        register = ctx.api("PUT", f"sys/plugins/catalog/{first.plugin_type}/{first.name}",
                           json={"sha256": new.sha256, "command": command, "version": version})
        steps.append(f"register {first.name} {version} -> {register.status_code}")
        expect(register.status_code in (200, 204), f"the server to register {first.name} {version}",
               f"HTTP {register.status_code}: {server_words(register)}")
        tune = ctx.api("POST", f"{mount.table}/{mount.key}/tune", json={"plugin_version": version})
        reload = server.reload_mount(mount)
        steps.append(f"tune plugin_version={version} -> {tune.status_code}; reload -> {reload.status_code}")
        expect(tune.status_code in (200, 204) and reload.status_code in (200, 204), "the mount pinned to the new version and reloaded",
               f"tune HTTP {tune.status_code}, reload HTTP {reload.status_code}: {server_words(tune if tune.status_code >= 300 else reload)}")
        after = ctx.api(HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}")
        entry = _mount_entry(ctx, mount)
        running = {k: entry.get(k) for k in ("plugin_version", "running_plugin_version", "running_sha256")}
        evidence.update({"mount": mount.path, "running_after": running, "read_before": before.status_code,
                         "read_after": after.status_code})
        expect(running["running_plugin_version"] == version and running["running_sha256"] == new.sha256,
               f"the mount running {version} (sha256 {new.sha256[:12]}…)",
               f"running_plugin_version {running['running_plugin_version']!r}, running_sha256 {str(running['running_sha256'])[:12]}…")
        kept = response_data(after) == response_data(before)
        expect(after.status_code == before.status_code == 200 and kept,
               f"{reader.line} to read back the same after the switch",
               f"HTTP {before.status_code} before, {after.status_code} after" +
               ("" if kept else f"; fields {sorted(response_data(before))} before, {sorted(response_data(after))} after"))
    finally:
        evidence["upgrade_mount_disabled"] = server.disable_mount(mount)
    return f"{mount.path}/ switched to {version} (sha256 {new.sha256[:12]}…) by tune + reload; {reader.line} unchanged"
