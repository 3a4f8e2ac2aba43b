"""A real OpenBao or Vault dev server as a local process.

The server runs in its own session (process group) with a private temp dir
for its plugin directory, HOME and TMPDIR, so the plugins it launches (which
inherit the group and TMPDIR) and their sockets go with it when it stops.
"""

from __future__ import annotations

import os
import signal
import subprocess

import psutil

from conformance.runtime import strays
from conformance.runtime.plugin_env import base_environment
from conformance.runtime.lifecycle import ending, signal_group, spawned
from conformance.runtime.servers.base import INTERRUPTED_STOP_S, RealServer, STOP_TIMEOUT_S, live


class ServerProcess(RealServer):
    runtime = "process"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.process: subprocess.Popen | None = None
        self._log_handle = None

    @property
    def log_path(self):
        return self.tempdir / "server.log"

    def _launch(self) -> None:
        self._log_handle = open(self.log_path, "ab")  # a restart appends to the log
        arguments = self.server_arguments(str(self.plugin_directory), str(self.persistent_directory))
        with spawned([str(self.binary.path), *arguments],
                     env=base_environment(self.tempdir), cwd=self.tempdir, stdin=subprocess.DEVNULL,
                     stdout=self._log_handle, stderr=subprocess.STDOUT) as process:
            self.process = process

    def _exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def _raw_log(self) -> str:
        if self.tempdir is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text("utf-8", "replace")

    def signal_server_only(self, timeout: float) -> bool:
        """SIGTERM to the server alone (as a service manager stops it): did it exit within timeout?"""
        if self.process is None or self.process.poll() is not None:
            return True
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def _terminate(self) -> None:
        """SIGTERM (the server tears its plugins down), then SIGKILL the group."""
        if self.process is not None:
            if self.process.poll() is None:
                signal_group(self.process.pid, signal.SIGTERM)
                try:  # a server waiting on a plugin that never handshakes holds its exit up to 10 s: not on Ctrl-C
                    self.process.wait(timeout=INTERRUPTED_STOP_S if ending() else STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    pass
            signal_group(self.process.pid, signal.SIGKILL)  # plugins share the server's group
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.tempdir is not None:  # what left the group (setsid) still has the server's TMPDIR
            strays.kill(strays.with_tmpdir_under(self.tempdir))
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def run_processes(self) -> list[psutil.Process]:
        """Every live process of the server's run but the server: its plugins, and whatever they left, in
        the server's session or (having left it) with the server's TMPDIR."""
        if self.process is None or self.process.poll() is not None:
            return []
        found = {p.pid for p in strays.with_tmpdir_under(self.tempdir)} if self.tempdir is not None else set()
        for process in psutil.process_iter(["pid"]):
            try:
                if os.getsid(process.pid) == self.process.pid:
                    found.add(process.pid)
            except (ProcessLookupError, PermissionError):
                continue
        found.discard(self.process.pid)
        return live(sorted(found))

    def plugin_processes(self, binary_name: str) -> list[psutil.Process]:
        """Live processes the server started from plugin_directory/binary_name."""
        if self.process is None or self.process.poll() is not None:
            return []
        target = str((self.plugin_directory / binary_name).resolve())
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        mine = []
        for child in children:
            try:
                if child.exe() == target:
                    mine.append(child.pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return live(mine)
