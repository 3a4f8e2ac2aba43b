"""The mount's OpenAPI document (the help answer of its root), discovered once and shared by the checks.

What the document declares (conformance/observations/discovery.py) drives the
derived requests, the list and delete probes, and the unauthenticated-path probes.
"""

from __future__ import annotations

from conformance.observations.discovery import Discovery, discover
from conformance.outcomes import NotApplicable
from conformance.observations.context import CheckContext


def openapi_discovery(ctx: CheckContext) -> Discovery:
    def observe() -> Discovery:
        mount = ctx.mount
        response = ctx.api("GET", f"{mount.path}/", params={"help": "1"})
        document = response.json().get("openapi") if response.status_code == 200 else None
        if not document or not document.get("paths"):
            raise NotApplicable(f"the mount's help answer (HTTP {response.status_code}) carries no OpenAPI paths: nothing to derive")
        return discover(document)
    return ctx.once("openapi_discovery", observe)
