"""What every real-server runtime shares: a server on a loopback port, a clean start, a sure stop.

A server is a dev server (in-memory storage, unsealed at start) unless it is
persistent: then it runs from a config file with raft storage in its temp dir,
is initialised and unsealed by the suite (one key share, held in memory only),
and can be restarted on the same storage.

A runtime subclass says how to launch the server (_launch), whether it has
exited (_exited), what it printed (_raw_log), how to stop it (_terminate), and
which processes are the plugin it runs (plugin_processes). The rest is here:
the port, the health wait with a bound, the API client, the server's own
words on failure, and a log with its secrets redacted.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import socket
import threading
import time
from pathlib import Path

import hvac
import psutil
import requests
from hvac.adapters import RawAdapter

from conformance.runtime.deadline import Deadline, DeadlinePassed
from conformance.errors import InfrastructureError
from conformance.runtime.lifecycle import ending, interrupts_held, pause
from conformance.runtime.servers.locate import ServerBinary
from conformance.runtime.tempdirs import short_tempdir

HEALTH_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
INTERRUPTED_STOP_S = 2.0  # the grace a server gets once the run is interrupted: its data is thrown away anyway
REQUEST_TIMEOUT_S = 60.0
PORT_ATTEMPTS = 3
UNSEAL_KEY = re.compile(r"^\s*Unseal Key:\s*(\S+)", re.MULTILINE)
PERSISTENT_INIT_BOUND_S = 30.0  # raft bootstrap and leader election on a loaded machine (2-3 s measured)
SECRET_LINES = re.compile(r"^(\s*(?:Unseal Key|Root Token)[^:]*:\s*)(\S+)", re.MULTILINE)


def free_port_pair() -> int:
    """A loopback port p with p+1 also free: dev servers put the cluster listener on p+1."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port < 65535 and port_is_free(port) and port_is_free(port + 1):
            return port
    raise InfrastructureError("no free pair of loopback ports found")


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RealServer:
    """One real OpenBao or Vault server on a loopback port: a dev server (in memory) or, with persistent=True,
    a raft-backed server that is initialised, unsealed and can be stopped and started again with its data."""

    runtime = "none"

    def __init__(self, binary: ServerBinary, port: int | None = None, persistent: bool = False):
        self.binary = binary
        self.port = port
        self.persistent = persistent
        self.root_token = secrets.token_hex(16)  # a persistent server replaces it with the one init returns
        self._persistent_unseal_key: str | None = None
        self.tempdir: Path | None = None
        self.client: hvac.Client | None = None
        self.version: str | None = None
        self.final_log: str | None = None  # kept after stop() removed the temp dir
        # No launch once a stop began: a thread starting this server while the run ends (an interrupt) must not
        # create a process or container after stop() looked for what to end.
        self._lifecycle = threading.Lock()
        self._stopping = False
        self.deadline: Deadline | None = None  # set by a certification: requests end by it

    @property
    def kind(self) -> str:
        return self.binary.kind

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def plugin_directory(self) -> Path:
        """The plugin directory as this side (the suite) sees it."""
        assert self.tempdir is not None
        return self.tempdir / "plugins"

    @property
    def persistent_directory(self) -> Path:
        """Config and raft data of a persistent server, as this side sees them."""
        assert self.tempdir is not None
        return self.tempdir / "persistent"

    def server_arguments(self, plugin_directory: str, persistent_directory: str) -> list[str]:
        """The server's command line; the paths are as the server sees them (a container's differ)."""
        if not self.persistent:
            return self.dev_arguments(plugin_directory)
        config = self.persistent_directory / "server.hcl"
        config.write_text(
            f'storage "raft" {{\n  path = "{persistent_directory}/data"\n  node_id = "vpc"\n'
            f'  performance_multiplier = 1\n}}\n'  # 1: the fastest elections (the default 5 is for production WANs)
            f'listener "tcp" {{\n  address = "127.0.0.1:{self.port}"\n  tls_disable = true\n}}\n'
            f'api_addr = "http://127.0.0.1:{self.port}"\ncluster_addr = "http://127.0.0.1:{self.port + 1}"\n'
            f'plugin_directory = "{plugin_directory}"\ndisable_mlock = true\n')
        return ["server", f"-config={persistent_directory}/server.hcl", "-log-level=debug"]

    def dev_arguments(self, plugin_directory: str) -> list[str]:
        return [
            "server", "-dev",
            f"-dev-root-token-id={self.root_token}",
            f"-dev-listen-address=127.0.0.1:{self.port}",
            f"-dev-plugin-dir={plugin_directory}",
            "-dev-no-store-token",
            "-log-level=debug",
        ]

    def __enter__(self) -> "RealServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        with self._lifecycle:
            if self._stopping or self.final_log is not None:
                raise InfrastructureError(f"{self.kind} server was stopped before it started (the run is ending)")
            self.tempdir = short_tempdir("vpc-server-")
        chosen_port = self.port is not None
        try:
            self.plugin_directory.mkdir()
            if self.persistent:
                (self.persistent_directory / "data").mkdir(parents=True)
            for attempt in range(PORT_ATTEMPTS):
                if not chosen_port:
                    self.port = free_port_pair()
                try:
                    self._launch_unless_stopping()
                    self._wait_healthy()
                    return
                except InfrastructureError as error:
                    # A port picked here can be taken by another process between the pick and the bind.
                    if chosen_port or "address already in use" not in str(error) or attempt == PORT_ATTEMPTS - 1:
                        raise
                    self._terminate()
        except BaseException:
            self.stop()
            raise

    def _launch_unless_stopping(self) -> None:
        with self._lifecycle:
            if self._stopping or ending():
                raise InfrastructureError(f"{self.kind} server was stopped while it started (the run is ending)")
            self._launch()

    def _wait_healthy(self) -> None:
        if self.client is not None:
            self.client.adapter.close()
        self.client = hvac.Client(url=self.address, token=self.root_token, timeout=REQUEST_TIMEOUT_S,
                                  adapter=RawAdapter)
        # A dev server is healthy (200) at once; a persistent one first answers 501 (not initialised) or 503 (sealed).
        status = self._await_health(HEALTH_TIMEOUT_S, (200,) if not self.persistent else (200, 501, 503))
        if status == 200:
            return
        if status == 501:
            self._initialise()
        self.unseal()

    def _await_health(self, bound: float, statuses: tuple[int, ...]) -> int:
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            if self._stopping or ending():
                raise InfrastructureError(f"{self.kind} server was stopped while it started (the run is ending)")
            if self._exited():
                raise InfrastructureError(f"{self.kind} server failed to start: {self.failure_words()}")
            try:
                health = requests.get(f"{self.address}/v1/sys/health", timeout=2)
                if health.status_code in statuses:
                    self.version = health.json().get("version")
                    return health.status_code
            except (requests.RequestException, ValueError):
                pass
            pause(0.05)
        raise InfrastructureError(
            f"{self.kind} server did not become healthy within {bound:.0f} s: {self.failure_words()}"
        )

    def _initialise(self) -> None:
        """sys/init with one key share; the key and root token stay in this object's memory only."""
        answer = requests.put(f"{self.address}/v1/sys/init", json={"secret_shares": 1, "secret_threshold": 1},
                              timeout=PERSISTENT_INIT_BOUND_S)
        if answer.status_code != 200:
            raise InfrastructureError(f"{self.kind} server refused sys/init: HTTP {answer.status_code}")
        keys = answer.json()
        self._persistent_unseal_key = keys["keys_base64"][0]
        self.root_token = keys["root_token"]
        self.client.token = self.root_token

    def unseal(self) -> None:
        """Unseal with the server's key and wait (bounded) until it is active."""
        key = self.unseal_key
        if key is None:
            raise InfrastructureError(f"{self.kind} server: no unseal key known")
        answer = requests.put(f"{self.address}/v1/sys/unseal", json={"key": key}, timeout=REQUEST_TIMEOUT_S)
        if answer.status_code != 200:
            raise InfrastructureError(f"{self.kind} server refused to unseal: HTTP {answer.status_code}")
        self._await_health(PERSISTENT_INIT_BOUND_S, (200,))

    def restart(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and start it again on the same storage, unsealed."""
        assert self.persistent, "only a persistent server keeps its state over a restart"
        self._terminate()
        self._launch_unless_stopping()
        self._wait_healthy()

    def failure_words(self) -> str:
        """The server's own explanation on one line: its error lines, else its last line."""
        lines = [line.strip() for line in self.log_text().splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("Error") or "[ERROR]" in line]
        if errors:
            return " ".join(errors[:4])
        return lines[-1] if lines else "(no output)"

    def log_text(self) -> str:
        """The server's output so far, with the root token and unseal key redacted."""
        if self.final_log is not None:
            return self.final_log
        text = self._raw_log()
        text = SECRET_LINES.sub(lambda m: m.group(1) + "<redacted>", text)
        for secret in (self.root_token, self._persistent_unseal_key):
            if secret:
                text = text.replace(secret, "<redacted>")
        return text

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One API call; never raises for HTTP errors, so checks see statuses and the server's words."""
        assert self.client is not None
        with self._within_deadline(kwargs):
            return self.client.adapter.request(method, f"/v1/{path.lstrip('/')}", raise_exception=False, **kwargs)

    @contextlib.contextmanager
    def _within_deadline(self, kwargs: dict):
        """Shorten the request's timeout to the run's deadline; a timeout it caused is DeadlinePassed."""
        if self.deadline is None:
            yield
            return
        kwargs["timeout"] = self.deadline.bound(kwargs.get("timeout") or REQUEST_TIMEOUT_S)
        try:
            yield
        except requests.Timeout as timeout:
            if self.deadline.passed():
                raise DeadlinePassed(f"the certification's deadline ({self.deadline.seconds:g} s, --deadline) "
                                     "passed while the server was answering") from timeout
            raise

    def sibling(self, persistent: bool = False) -> "RealServer":
        """Another server like this one (same runtime, binary and image), not started, on its own port."""
        return type(self)(self.binary, persistent=persistent)

    @property
    def unseal_key(self) -> str | None:
        """The unseal key: a persistent server's from init; a dev server's as it printed it at start
        (never written anywhere by the suite)."""
        if self.persistent:
            return self._persistent_unseal_key
        match = UNSEAL_KEY.search(self._raw_log()) if self.final_log is None else None
        return match.group(1) if match else None

    def request_as(self, token: str | None, method: str, path: str, timeout: float = REQUEST_TIMEOUT_S,
                   **kwargs) -> requests.Response:
        """One API call with another token, or none at all (token None): what a client without root sees."""
        headers = {"X-Vault-Token": token} if token else {}
        kwargs["timeout"] = timeout
        with self._within_deadline(kwargs):
            return requests.request(method, f"{self.address}/v1/{path.lstrip('/')}", headers=headers, **kwargs)

    def stop(self) -> None:
        """Stop the server and everything it started; keep its log; remove every file (safe to repeat)."""
        with interrupts_held():
            with self._lifecycle:
                self._stopping = True
            self._terminate()
            if self.client is not None:
                self.client.adapter.close()
            if self.final_log is None:
                self.final_log = self.log_text() if self.tempdir is not None else ""
            if self.tempdir is not None:
                shutil.rmtree(self.tempdir, ignore_errors=True)

    # -- what a runtime provides ------------------------------------------------
    def _launch(self) -> None:
        raise NotImplementedError

    def _exited(self) -> bool:
        raise NotImplementedError

    def _raw_log(self) -> str:
        raise NotImplementedError

    def _terminate(self) -> None:
        raise NotImplementedError

    def plugin_processes(self, binary_name: str) -> list[psutil.Process]:
        raise NotImplementedError

    def signal_server_only(self, timeout: float) -> bool:
        raise NotImplementedError

    def run_processes(self) -> list[psutil.Process]:
        """Every process the server's run holds besides the server (plugins and anything they started)."""
        raise NotImplementedError


def live(pids) -> list[psutil.Process]:
    found = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found
