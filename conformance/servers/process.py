"""A real OpenBao or Vault dev server as a local process: a clean start and a guaranteed stop.

The server runs in its own session (process group) with a private temp dir
for its plugin directory, HOME and TMPDIR, so the plugins it launches (which
inherit the group and TMPDIR) and their sockets go with it when it stops.
"""

from __future__ import annotations

import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import hvac
import psutil
import requests
from hvac.adapters import RawAdapter

from conformance.errors import InfrastructureError
from conformance.plugin_env import base_environment
from conformance.processes import signal_group, spawn
from conformance.servers.locate import ServerBinary
from conformance.tempdirs import short_tempdir

HEALTH_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 60.0
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


class ServerProcess:
    def __init__(self, binary: ServerBinary, port: int | None = None):
        self.binary = binary
        self.port = port
        self.root_token = secrets.token_hex(16)
        self.tempdir: Path | None = None
        self.process: subprocess.Popen | None = None
        self.client: hvac.Client | None = None
        self.version: str | None = None
        self._log_handle = None
        self.final_log: str | None = None  # kept after stop() removed the temp dir

    @property
    def kind(self) -> str:
        return self.binary.kind

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def plugin_directory(self) -> Path:
        assert self.tempdir is not None
        return self.tempdir / "plugins"

    @property
    def log_path(self) -> Path:
        assert self.tempdir is not None
        return self.tempdir / "server.log"

    def __enter__(self) -> "ServerProcess":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.tempdir = short_tempdir("vpc-server-")
        try:
            self._spawn_and_wait()
        except BaseException:
            self.stop()
            raise

    def _spawn_and_wait(self) -> None:
        assert self.tempdir is not None
        self.plugin_directory.mkdir()
        if self.port is None:
            self.port = free_port_pair()
        command = [
            str(self.binary.path), "server", "-dev",
            f"-dev-root-token-id={self.root_token}",
            f"-dev-listen-address=127.0.0.1:{self.port}",
            f"-dev-plugin-dir={self.plugin_directory}",
            "-dev-no-store-token",
            "-log-level=debug",
        ]
        self._log_handle = open(self.log_path, "wb")
        self.process = spawn(
            command,
            env=base_environment(self.tempdir),
            cwd=self.tempdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
        )
        self.client = hvac.Client(url=self.address, token=self.root_token, timeout=REQUEST_TIMEOUT_S, adapter=RawAdapter)
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise InfrastructureError(f"{self.kind} server failed to start: {self.failure_words()}")
            try:
                health = requests.get(f"{self.address}/v1/sys/health", timeout=2)
                if health.status_code == 200:
                    self.version = health.json().get("version")
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise InfrastructureError(
            f"{self.kind} server did not become healthy within {HEALTH_TIMEOUT_S:.0f} s: {self.failure_words()}"
        )

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
        if self.tempdir is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text("utf-8", "replace")
        text = SECRET_LINES.sub(lambda m: m.group(1) + "<redacted>", text)
        return text.replace(self.root_token, "<redacted>")

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One API call; never raises for HTTP errors, so checks see statuses and the server's words."""
        assert self.client is not None
        return self.client.adapter.request(method, f"/v1/{path.lstrip('/')}", raise_exception=False, **kwargs)

    def plugin_processes(self, binary_name: str) -> list[psutil.Process]:
        """Live processes the server started from plugin_directory/binary_name."""
        if self.process is None or self.process.poll() is not None:
            return []
        target = str((self.plugin_directory / binary_name).resolve())
        found = []
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        for child in children:
            try:
                if child.exe() == target and child.status() != psutil.STATUS_ZOMBIE:
                    found.append(child)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return found

    def stop(self) -> None:
        """SIGTERM (the server tears its plugins down), then SIGKILL the group; remove every file."""
        if self.process is not None:
            if self.process.poll() is None:
                signal_group(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    pass
            signal_group(self.process.pid, signal.SIGKILL)  # plugins share the server's group
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
        if self.client is not None:
            self.client.adapter.close()
        if self.tempdir is not None and self.final_log is None:
            self.final_log = self.log_text()
            shutil.rmtree(self.tempdir, ignore_errors=True)

