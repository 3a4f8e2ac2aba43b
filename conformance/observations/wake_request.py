"""A request that needs the plugin running: what checks send to wake it, time it, or see it answer again."""

from __future__ import annotations

from conformance.manifest import read_back
from conformance.runtime.registration import HTTP_METHOD
from conformance.observations.context import CheckContext


def wake_request(ctx: CheckContext) -> tuple[str, str, dict | None]:
    """A request that needs the plugin: the exercise's read-back, else the mount's help."""
    mount = ctx.mount
    if ctx.exercise:
        reader = read_back(ctx.exercise)
        return HTTP_METHOD[reader.operation], f"{mount.path}/{reader.path}", None
    return "GET", f"{mount.path}/", {"help": "1"}
