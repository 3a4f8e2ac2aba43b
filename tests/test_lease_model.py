"""Model-based: issue, renew, revoke, reload and lookup mixed at random on a real mount of reference-secrets.

A hypothesis state machine keeps a model of every lease (live or revoked) and,
after every step, checks the real server against it: nothing live is
unrenewable or unknown, nothing revoked is usable (the plugin's issued/ record
says revoked and the server has forgotten it), and when the mount is disabled
nothing of it is left in sys/leases. Short in CI; `tox -e model` (or
HYPOTHESIS_PROFILE=long) runs it longer.
"""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from conformance.observations.lease_ledger import leases_under
from conformance.runtime.plugin_binary import PluginBinary
from conformance.runtime.registration import another_mount, disable_mount, register_and_mount
from conformance.runtime.servers.locate import locate_server
from conformance.runtime.servers.process import ServerProcess

from conftest import built

MAX_TTL_S = 300
# Derandomized in CI: the same sequences every run, so a pass or a failure repeats.
settings.register_profile("ci", max_examples=12, stateful_step_count=10, deadline=None, derandomize=True,
                          database=None, phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is enough
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=40, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")


@pytest.fixture(scope="module", params=["reference-secrets", "mutant-revoke-does-nothing"])
def lease_server(request):
    server = ServerProcess(locate_server("openbao", None, None))
    server.start()
    try:
        binary = PluginBinary.inspect(built(request.param))
        first = register_and_mount(server, binary, "secret", request.param, mount_path="vpc-model-0")
        disable_mount(server, first)
        yield request.param, server, first
    finally:
        server.stop()


class LeaseModel(RuleBasedStateMachine):
    server = None
    registered = None
    counter = itertools.count(1)

    leases = Bundle("leases")

    def __init__(self):
        super().__init__()
        self.mount = another_mount(self.server, self.registered, f"{next(self.counter)}")
        response = self.server.request("POST", f"{self.mount.path}/roles/vpc", json={"ttl": 60, "max_ttl": MAX_TTL_S})
        assert response.status_code == 204, response.text
        self.live: dict[str, str] = {}  # lease id -> username
        self.revoked: dict[str, str] = {}

    @rule(target=leases)
    def issue(self):
        response = self.server.request("GET", f"{self.mount.path}/creds/vpc")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["lease_id"] and body["renewable"] is True and 0 < body["lease_duration"] <= MAX_TTL_S
        self.live[body["lease_id"]] = body["data"]["username"]
        return body["lease_id"]

    @rule(lease=leases)
    def renew(self, lease):
        response = self.server.request("PUT", "sys/leases/renew", json={"lease_id": lease, "increment": MAX_TTL_S * 10})
        if lease in self.live:
            assert response.status_code == 200, response.text
            assert response.json()["lease_duration"] <= MAX_TTL_S
        else:
            assert 400 <= response.status_code < 500, (response.status_code, response.text)

    @rule(lease=consumes(leases))
    def revoke(self, lease):
        response = self.server.request("PUT", "sys/leases/revoke", json={"lease_id": lease})
        assert response.status_code == 204, response.text
        if lease in self.live:
            self.revoked[lease] = self.live.pop(lease)

    @rule()
    def reload(self):
        response = self.server.request("PUT", "sys/plugins/reload/backend", json={"mounts": [f"{self.mount.path}/"]})
        assert response.status_code in (200, 204), response.text

    @invariant()
    def live_leases_are_known_and_renewable(self):
        for lease in self.live:
            response = self.server.request("PUT", "sys/leases/lookup", json={"lease_id": lease})
            assert response.status_code == 200 and response.json()["data"]["renewable"] is True, response.text

    @invariant()
    def revoked_credentials_are_unusable(self):
        for lease, username in self.revoked.items():
            assert self.server.request("PUT", "sys/leases/lookup", json={"lease_id": lease}).status_code == 400
            record = self.server.request("GET", f"{self.mount.path}/issued/{username}").json()["data"]
            assert record["status"] == "revoked", record

    def teardown(self):
        assert disable_mount(self.server, self.mount) == 204
        assert leases_under(self.server, self.mount.path) == set(), "leases left after the mount was disabled"


def test_lease_model(lease_server):
    plugin, LeaseModel.server, LeaseModel.registered = lease_server
    LeaseModel.TestCase.settings = settings.get_profile(PROFILE)
    state_machine_test = LeaseModel.TestCase("runTest")
    if plugin == "reference-secrets":
        state_machine_test.runTest()
    else:  # the model must catch a revoke that changes nothing, or it proves nothing
        with pytest.raises(AssertionError, match="revoked"):
            state_machine_test.runTest()
