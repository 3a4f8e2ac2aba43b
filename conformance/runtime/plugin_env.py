"""The environment a server gives a plugin process it launches (spec section 2.2)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from conformance.runtime.strays import OWNER_VARIABLE, owner_tag

BACKEND_COOKIE_KEY = "VAULT_BACKEND_PLUGIN"
BACKEND_COOKIE_VALUE = "6669da05-b1c8-4f49-97d9-c8e5bed98e20"
DATABASE_COOKIE_KEY = "VAULT_DATABASE_PLUGIN"
DATABASE_COOKIE_VALUE = "926a0820-aea2-be28-51d6-83cdf00e8edb"

PLUGIN_MIN_PORT = 10000
PLUGIN_MAX_PORT = 25000

# What current hosts offer first: backend v5 (AutoMTLS), database v5/v6.
OFFERED_VERSIONS = {"secret": (5,), "auth": (5,), "database": (5, 6)}


@dataclass(frozen=True)
class Cookie:
    key: str
    value: str


def cookie_for(plugin_type: str) -> Cookie:
    if plugin_type == "database":
        return Cookie(DATABASE_COOKIE_KEY, DATABASE_COOKIE_VALUE)
    return Cookie(BACKEND_COOKIE_KEY, BACKEND_COOKIE_VALUE)


def base_environment(workdir: Path) -> dict[str, str]:
    """A small, clean process environment: sockets and temp files land in workdir; the owner tag lets
    `vault-conformance cleanup` find what a killed run left (conformance/runtime/strays.py)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        OWNER_VARIABLE: owner_tag(),
    }


def server_environment(
    plugin_type: str,
    workdir: Path,
    client_cert_pem: bytes | None,
    server_version: str = "2.7.2",
    openbao: bool = True,
    with_cookie: bool = True,
) -> dict[str, str]:
    """The env of a v5 launch by OpenBao (VAULT_* and BAO_* twins) or Vault (VAULT_* only)."""
    env = base_environment(workdir)
    automtls = "true" if client_cert_pem else "false"
    sdk = {
        "VERSION": server_version,
        "PLUGIN_AUTOMTLS_ENABLED": automtls,
        "PLUGIN_METADATA_MODE": "false",
    }
    for key, value in sdk.items():
        env[f"VAULT_{key}"] = value
        if openbao:
            env[f"BAO_{key}"] = value
    if with_cookie:
        cookie = cookie_for(plugin_type)
        env[cookie.key] = cookie.value
    env["PLUGIN_PROTOCOL_VERSIONS"] = ",".join(str(v) for v in OFFERED_VERSIONS[plugin_type])
    env["PLUGIN_MIN_PORT"] = str(PLUGIN_MIN_PORT)
    env["PLUGIN_MAX_PORT"] = str(PLUGIN_MAX_PORT)
    if client_cert_pem:
        env["PLUGIN_CLIENT_CERT"] = client_cert_pem.decode()
    return env
