"""An author's scenario tests, written only with the suite's public pytest fixtures (README, pytest plugin).

tests/conftest.py points `vault_plugin_binary` at the reference plugin; an author passes
--vault-plugin instead, or overrides the fixture in their own conftest.py.
"""

import json

import pytest


@pytest.mark.vault_requirement("PATH-015")
def test_configuration_reads_back_through_a_real_server(vault_mount):
    assert vault_mount.request("POST", "config", json={"username_prefix": "author", "password_length": 24}).ok
    data = vault_mount.request("GET", "config").json()["data"]
    assert (data["username_prefix"], data["password_length"]) == ("author", 24)


def test_credentials_come_with_a_lease(vault_mount):
    vault_mount.request("POST", "roles/web", json={"ttl": 60, "max_ttl": 120})
    issued = vault_mount.client.read(f"{vault_mount.path}/creds/web")
    assert issued["lease_duration"] == 60 and issued["renewable"]
    vault_mount.client.sys.revoke_lease(issued["lease_id"])


def test_the_plugin_answers_at_the_wire(vault_wire_host):
    vault_wire_host.handle_request("update", "config", {"username_prefix": "wire"})
    reply = vault_wire_host.handle_request("read", "config")
    assert json.loads(reply.response.data)["username_prefix"] == "wire"
