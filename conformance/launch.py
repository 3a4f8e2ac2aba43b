"""A plugin binary started directly, the way a server starts it.

The process gets its own session (so stopping kills its whole group), stdout
and stderr are drained by threads into bounded buffers (so the plugin never
blocks on a full pipe), and every wait takes a bound.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

from conformance.processes import interrupts_held, signal_group, spawned

MAX_CAPTURE = 256 * 1024
STOP_GRACE_S = 2.0  # go-plugin's Kill waits 2 s before SIGKILL


class PluginProcess:
    def __init__(self, binary: Path, env: dict[str, str], cwd: Path):
        self.binary = binary
        self.env = env
        self.cwd = cwd
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self.stdout_lines: list[bytes] = []
        self._stderr = bytearray()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> "PluginProcess":
        try:
            self.start()
        except BaseException:  # interrupted while starting: stop what did start
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        with spawned([str(Path(self.binary).resolve())], env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
            self.process = process
        self.started_at = time.monotonic()
        for target, stream in ((self._read_stdout, self.process.stdout), (self._read_stderr, self.process.stderr)):
            thread = threading.Thread(target=target, args=(stream,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _read_stdout(self, stream) -> None:
        captured = 0
        try:
            for line in iter(stream.readline, b""):
                if captured < MAX_CAPTURE:
                    self.stdout_lines.append(line)
                    captured += len(line)
                self._lines.put(line)
        except (ValueError, OSError):  # stop() closed the pipe under a reader that outlived its 2 s join
            pass
        self._lines.put(None)

    def _read_stderr(self, stream) -> None:
        try:
            for chunk in iter(lambda: stream.read1(65536), b""):
                room = MAX_CAPTURE - len(self._stderr)
                if room > 0:
                    self._stderr.extend(chunk[:room])
        except (ValueError, OSError):  # as above
            pass

    def first_line(self, timeout: float) -> tuple[bytes | None, float]:
        """The first stdout line (None if stdout closed or the bound passed) and seconds waited."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        return line, time.monotonic() - self.started_at

    def wait_exit(self, timeout: float) -> int | None:
        assert self.process is not None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    @property
    def stderr_text(self) -> str:
        return self._stderr.decode("utf-8", "replace")

    def stop(self) -> int | None:
        """SIGTERM to the process group, then SIGKILL after the grace period. Returns the exit code."""
        with interrupts_held():
            return self._stop()

    def _stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        signal_group(self.process.pid, signal.SIGKILL)  # also children left behind by the plugin
        code = self.process.wait(timeout=5)
        for thread in self._threads:
            thread.join(timeout=2)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()
        return code

