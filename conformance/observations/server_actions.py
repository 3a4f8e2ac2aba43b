"""How checks act on the real server: the one small interface, every request it sends counted.

A check (through CheckContext.server) or an observation helper never holds the
server itself: it seals and unseals, reloads, disables and re-enables a mount,
mounts the plugin again, lists leases, reads a mount's tuning, looks at the
plugin's processes and the server's log, breaks and repairs the plugin's catalog
entry, and starts a persistent sibling server, all through ServerActions. Every
request it sends, the registration helpers' included (they are called with the
ServerActions as their server), is counted in the run's requests_checked, which
the report shows as metrics.path_requests.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import psutil
import requests

from conformance.observations.lease_ledger import leases_under
from conformance.runtime import registration
from conformance.runtime.plugin_binary import PluginBinary
from conformance.runtime.registration import Mount, MountPlan
from conformance.runtime.servers.base import RealServer, live


class ServerActions:
    """What a check may do to a running server. Built by the CheckContext from the session's server; the counter,
    the run's registry of resources and its phase clock are lent as three functions, never the session."""

    __slots__ = ("_server", "_count", "_hold", "_add_phase")

    def __init__(self, server: RealServer, count: Callable[[int], None], hold: Callable, add_phase: Callable):
        self._server = server
        self._count = count
        self._hold = hold
        self._add_phase = add_phase

    # -- requests --------------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One API call with the root token, counted; never raises for HTTP errors."""
        self._count(1)
        return self._server.request(method, path, **kwargs)

    def request_as(self, token: str | None | bool, method: str, path: str, **kwargs) -> requests.Response:
        """One API call on a connection of its own (safe from several threads at once), counted; token True: the
        root token, None: no token at all, else that token."""
        self._count(1)
        return self._server.request_as(self._server.root_token if token is True else token, method, path, **kwargs)

    # -- seal, reload, mounts --------------------------------------------------------------------------
    @property
    def has_unseal_key(self) -> bool:
        """Whether the server's unseal key is known (a dev server's, from its start-up output)."""
        return bool(self._server.unseal_key)

    def seal(self) -> int:
        return self.request("PUT", "sys/seal").status_code

    def unseal(self) -> requests.Response:
        return self.request("PUT", "sys/unseal", json={"key": self._server.unseal_key})

    def reload_mount(self, mount: Mount) -> requests.Response:
        """Reload the plugin behind one mount (sys/plugins/reload/backend with mounts)."""
        return self.request("PUT", "sys/plugins/reload/backend", json={"mounts": [f"{mount.path}/"]})

    def reload_plugin(self, name: str) -> requests.Response:
        """Reload every mount of a plugin, by its name (sys/plugins/reload/backend with plugin)."""
        return self.request("PUT", "sys/plugins/reload/backend", json={"plugin": name})

    def disable_mount(self, mount: Mount) -> int:
        return registration.disable_mount(self, mount)

    def reenable_mount(self, mount: Mount) -> None:
        """Enable a disabled mount again where it was (best effort)."""
        registration.reenable_mount(self, mount)

    def another_mount(self, mount: Mount, suffix: str) -> Mount:
        """A second mount of the same registered plugin at <path>-<suffix>; RegistrationFailed if refused."""
        return registration.another_mount(self, mount, suffix)

    def leases_under(self, prefix: str) -> set[str]:
        """Every lease id the expiration manager knows under a prefix (a LIST per level)."""
        return leases_under(self, prefix)

    def max_lease_ttl(self, mount: Mount) -> int | None:
        """The mount's max_lease_ttl in seconds (None when its tuning cannot be read)."""
        return registration.mount_max_lease_ttl(self, mount)

    # -- processes and the log -------------------------------------------------------------------------
    def plugin_pids(self, binary_name: str) -> list[int]:
        """The pids of the plugin processes this server runs (a check of the mount's plugin asks
        CheckContext.plugin_pids, which also records them for the report's processes)."""
        return sorted(p.pid for p in self._server.plugin_processes(binary_name))

    def run_processes(self) -> list[psutil.Process]:
        """Every process the server's run holds besides the server (plugins and anything they started)."""
        return self._server.run_processes()

    @staticmethod
    def still_running(pids) -> list[int]:
        """Those of pids whose process is still running (a zombie is not)."""
        return [process.pid for process in live(pids)]

    def log_text(self) -> str:
        """The server's output so far (secrets redacted)."""
        return self._server.log_text()

    # -- the plugin directory and the catalog (SHUT-010's faults, VER-002's second build) ------------------
    @property
    def plugin_directory(self) -> Path:
        """The server's plugin directory, as the suite sees it."""
        return self._server.plugin_directory

    def install_binary(self, source: Path, command: str) -> None:
        """Put an executable copy of source in the plugin directory as command (by a rename)."""
        registration.install_binary(source, self.plugin_directory / command)

    def register_in_catalog(self, mount: Mount, sha256: str) -> int:
        """Register the mount's plugin in the catalog again, with this sha256 (a wrong one is a catalog fault)."""
        body = registration.catalog_body(mount.name, sha256, mount.version, mount.plan)
        return self.request("PUT", f"sys/plugins/catalog/{mount.plugin_type}/{mount.name}", json=body).status_code

    # -- a persistent sibling server (SHUT-007, PATH-023) ----------------------------------------------------
    def start_persistent_server(self) -> "PersistentServer":
        """Another server like this one, on raft storage, started; registered with the run, which stops it
        whatever happens (stop it when done). Its boot counts in the run's server_boot_s."""
        server = self._hold(self._server.sibling(persistent=True))
        started = time.monotonic()
        server.start()
        self._add_phase("server_boot_s", time.monotonic() - started)
        return PersistentServer(server, self._count, self._hold, self._add_phase)


class PersistentServer(ServerActions):
    """A persistent sibling server: the plugin mounted on it, stopped by a signal, restarted on its storage."""

    __slots__ = ()

    def mount_plugin(self, binary: PluginBinary, plugin_type: str, name: str, version: str | None,
                     plan: MountPlan) -> Mount:
        """Register and mount the plugin on this server; RegistrationFailed if refused."""
        return registration.register_and_mount(self, binary, plugin_type, name, version, plan=plan)

    def stop_server_only(self, bound_s: float) -> bool:
        """SIGTERM the server alone (its plugins are the server's to end); whether it exited within bound_s."""
        return self._server.signal_server_only(bound_s)

    def restart(self) -> None:
        """Start the server again on its storage, unsealed; the boot counts in the run's server_boot_s."""
        started = time.monotonic()
        self._server.restart()
        self._add_phase("server_boot_s", time.monotonic() - started)

    def stop(self) -> None:
        self._server.stop()
