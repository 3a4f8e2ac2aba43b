"""The environment a server gives a plugin it launches (conformance/runtime/plugin_env.py), as OpenBao and Vault
set it: cookies, protocol versions, AutoMTLS, ports, and nothing of the suite's own environment."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from conformance.runtime.plugin_env import (BACKEND_COOKIE_KEY, BACKEND_COOKIE_VALUE, DATABASE_COOKIE_KEY,
                                            DATABASE_COOKIE_VALUE, base_environment, cookie_for, server_environment)
from conformance.runtime.strays import OWNER_VARIABLE, owner_alive

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
WORKDIR = Path("/tmp/vpc-unit-workdir")


@pytest.mark.parametrize("plugin_type, key, value", [
    ("secret", "VAULT_BACKEND_PLUGIN", "6669da05-b1c8-4f49-97d9-c8e5bed98e20"),
    ("auth", "VAULT_BACKEND_PLUGIN", "6669da05-b1c8-4f49-97d9-c8e5bed98e20"),
    ("database", "VAULT_DATABASE_PLUGIN", "926a0820-aea2-be28-51d6-83cdf00e8edb"),
])
def test_the_magic_cookie_of_each_plugin_type(plugin_type, key, value):
    cookie = cookie_for(plugin_type)
    assert (cookie.key, cookie.value) == (key, value)
    assert server_environment(plugin_type, WORKDIR, None)[key] == value


def test_base_environment_is_small_and_points_into_the_workdir(monkeypatch):
    monkeypatch.setenv("PATH", "/opt/x/bin:/usr/bin")
    env = base_environment(WORKDIR)
    assert set(env) == {"PATH", "HOME", "TMPDIR", "LANG", OWNER_VARIABLE}
    assert (env["PATH"], env["HOME"], env["TMPDIR"], env["LANG"]) == ("/opt/x/bin:/usr/bin", str(WORKDIR),
                                                                     str(WORKDIR), "C.UTF-8")


def test_without_a_path_the_plugin_gets_a_plain_one(monkeypatch):
    monkeypatch.delenv("PATH")
    assert base_environment(WORKDIR)["PATH"] == "/usr/bin:/bin"


def test_the_owner_tag_names_this_process_and_its_start(monkeypatch):
    tag = base_environment(WORKDIR)[OWNER_VARIABLE]
    pid, started = tag.split(":")
    assert int(pid) == os.getpid()
    assert float(started) == pytest.approx(psutil.Process().create_time(), abs=0.01)
    assert owner_alive(tag)


def test_the_suites_own_environment_does_not_reach_the_plugin(monkeypatch):
    monkeypatch.setenv("VPC_UNIT_LEAK", "x")
    monkeypatch.setenv("VAULT_TOKEN", "hvs.of-the-user")
    env = server_environment("secret", WORKDIR, PEM)
    assert "VPC_UNIT_LEAK" not in env and "VAULT_TOKEN" not in env and "VAULT_ADDR" not in env


def test_openbao_sets_every_sdk_variable_twice():
    env = server_environment("secret", WORKDIR, PEM, server_version="2.7.2")
    for key, value in (("VERSION", "2.7.2"), ("PLUGIN_AUTOMTLS_ENABLED", "true"), ("PLUGIN_METADATA_MODE", "false")):
        assert env[f"VAULT_{key}"] == env[f"BAO_{key}"] == value


def test_vault_sets_only_the_vault_names():
    env = server_environment("auth", WORKDIR, PEM, server_version="1.18.0", openbao=False)
    assert env["VAULT_VERSION"] == "1.18.0"
    assert [k for k in env if k.startswith("BAO_")] == []


def test_with_a_client_certificate_automtls_is_on_and_the_certificate_is_given():
    env = server_environment("secret", WORKDIR, PEM)
    assert env["PLUGIN_CLIENT_CERT"] == PEM.decode()
    assert env["VAULT_PLUGIN_AUTOMTLS_ENABLED"] == "true"


def test_without_one_automtls_is_off_and_nothing_is_given():
    env = server_environment("secret", WORKDIR, None)
    assert "PLUGIN_CLIENT_CERT" not in env
    assert env["VAULT_PLUGIN_AUTOMTLS_ENABLED"] == env["BAO_PLUGIN_AUTOMTLS_ENABLED"] == "false"


def test_without_the_cookie_for_the_refusal_checks():
    env = server_environment("database", WORKDIR, PEM, with_cookie=False)
    assert BACKEND_COOKIE_KEY not in env and DATABASE_COOKIE_KEY not in env
    assert env["PLUGIN_PROTOCOL_VERSIONS"] == "5,6"  # the rest is as usual


@pytest.mark.parametrize("plugin_type, versions", [("secret", "5"), ("auth", "5"), ("database", "5,6")])
def test_offered_protocol_versions(plugin_type, versions):
    assert server_environment(plugin_type, WORKDIR, PEM)["PLUGIN_PROTOCOL_VERSIONS"] == versions


def test_the_port_range_and_the_whole_environment():
    env = server_environment("secret", WORKDIR, PEM)
    assert (env["PLUGIN_MIN_PORT"], env["PLUGIN_MAX_PORT"]) == ("10000", "25000")
    assert set(env) == {"PATH", "HOME", "TMPDIR", "LANG", OWNER_VARIABLE, "VAULT_VERSION", "BAO_VERSION",
                        "VAULT_PLUGIN_AUTOMTLS_ENABLED", "BAO_PLUGIN_AUTOMTLS_ENABLED", "VAULT_PLUGIN_METADATA_MODE",
                        "BAO_PLUGIN_METADATA_MODE", BACKEND_COOKIE_KEY, "PLUGIN_PROTOCOL_VERSIONS", "PLUGIN_MIN_PORT",
                        "PLUGIN_MAX_PORT", "PLUGIN_CLIENT_CERT"}
    assert env[BACKEND_COOKIE_KEY] == BACKEND_COOKIE_VALUE != DATABASE_COOKIE_VALUE


def test_every_value_is_a_string():
    for plugin_type in ("secret", "auth", "database"):
        env = server_environment(plugin_type, WORKDIR, PEM)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())
