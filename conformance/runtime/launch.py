"""A plugin binary started directly, the way a server starts it.

The process gets its own session (so stopping kills its whole group), stdout
and stderr are drained by one thread into bounded buffers (so the plugin never
blocks on a full pipe, and a flood costs no memory), and every wait takes a
bound. The thread reads the raw pipes through a selector with a wake-up pipe:
a child that left the plugin's session while holding its stdout open can keep
the pipe from ever reaching end-of-file, and the suite must still be able to
stop reading (a blocked readline could not be interrupted).
"""

from __future__ import annotations

import fcntl
import os
import queue
import selectors
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time
from pathlib import Path

from conformance.runtime import strays
from conformance.runtime.lifecycle import interrupts_held, pause, signal_group, spawned

MAX_CAPTURE = 256 * 1024  # per stream: what evidence keeps; the rest is drained and dropped
MAX_LINE = 64 * 1024  # a longer stdout "line" is cut there (a handshake line is ~1 KiB)
MAX_QUEUED_LINES = 64  # only the first lines are waited for (the handshake)
STOP_GRACE_S = 2.0  # go-plugin's Kill waits 2 s before SIGKILL
DRAIN_S = 2.0  # after the process ended, how long its pipes may take to reach end-of-file
READ_SIZE = 65536


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
        self._partial = bytearray()  # stdout since its last newline
        self._stdout_captured = 0
        self._reader: threading.Thread | None = None
        self._wake_r, self._wake_w = -1, -1
        self.pipe_holders: list[str] = []  # processes killed because they kept the plugin's pipes open
        self.tmpdir: Path | None = None  # this launch's own TMPDIR: whatever the plugin starts inherits it
        self._stopped = False
        self._stderr_lock = threading.Lock()
        self._stop_lock = threading.Lock()  # the thread that started it and a closing session may both stop it

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
        env = dict(self.env)
        if env.get("TMPDIR"):
            self.tmpdir = Path(tempfile.mkdtemp(prefix="p", dir=env["TMPDIR"]))
            env["TMPDIR"] = str(self.tmpdir)
        with spawned([str(Path(self.binary).resolve())], env=env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
            self.process = process
        self.started_at = time.monotonic()
        self._wake_r, self._wake_w = os.pipe()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- the reader thread ---------------------------------------------------------
    def _read(self) -> None:
        selector = selectors.DefaultSelector()
        try:
            for stream, on_data in ((self.process.stdout, self._on_stdout), (self.process.stderr, self._on_stderr)):
                os.set_blocking(stream.fileno(), False)
                selector.register(stream.fileno(), selectors.EVENT_READ, on_data)
            selector.register(self._wake_r, selectors.EVENT_READ, None)
            open_streams = 2
            while open_streams:
                for key, _ in selector.select():
                    if key.data is None:  # woken: stop reading now
                        return
                    try:
                        with self._stderr_lock:  # a chunk is either still in the pipe or captured, for stderr_mark()
                            chunk = os.read(key.fd, READ_SIZE)
                            if chunk and key.data == self._on_stderr:
                                self._on_stderr(chunk)
                                continue
                    except BlockingIOError:
                        continue
                    if not chunk:
                        selector.unregister(key.fd)
                        open_streams -= 1
                        if key.data == self._on_stdout and self._partial:
                            self._line(bytes(self._partial))
                        continue
                    key.data(chunk)
        except (ValueError, OSError):  # a pipe closed under the reader
            pass
        finally:
            selector.close()
            self._lines.put(None)

    def _on_stdout(self, chunk: bytes) -> None:
        self._partial += chunk
        while (end := self._partial.find(b"\n")) >= 0:
            self._line(bytes(self._partial[:end + 1]))
            del self._partial[:end + 1]
        if len(self._partial) > MAX_LINE:  # an endless line: keep its start, drop the rest as it comes
            self._line(bytes(self._partial[:MAX_LINE]))
            self._partial.clear()

    def _line(self, line: bytes) -> None:
        if self._stdout_captured < MAX_CAPTURE:
            self.stdout_lines.append(line)
            self._stdout_captured += len(line)
        if self._lines.qsize() < MAX_QUEUED_LINES:
            self._lines.put(line)

    def _on_stderr(self, chunk: bytes) -> None:
        room = MAX_CAPTURE - len(self._stderr)
        if room > 0:
            self._stderr.extend(chunk[:room])

    # -- what callers ask -------------------------------------------------------------
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

    def survivors(self, settle_s: float = 0.5) -> list[str]:
        """Processes the plugin started that are still running (they carry this launch's TMPDIR), once the
        plugin itself has ended; given settle_s to end along with it. Described, not stopped (stop() does)."""
        if self.tmpdir is None:
            return []
        deadline = time.monotonic() + settle_s
        while (found := strays.with_tmpdir_under(self.tmpdir)) and time.monotonic() < deadline:
            if pause(0.05):
                break
        described = []
        for process in found:
            try:
                described.append(f"pid {process.pid} {' '.join(process.cmdline())[:100]}")
            except Exception:  # noqa: BLE001 - it ended meanwhile
                continue
        return described

    def stderr_mark(self) -> int:
        """Where the plugin's stderr stands now: the bytes read, plus those it wrote that still wait in the pipe
        (a line written before this moment must not be counted after it, however late the reader gets to it)."""
        with self._stderr_lock:
            pending = 0
            try:
                pending = struct.unpack("i", fcntl.ioctl(self.process.stderr.fileno(), termios.FIONREAD,
                                                         b"\0\0\0\0"))[0]
            except (OSError, ValueError):
                pass
            return len(self._stderr) + pending

    def stderr_since(self, mark: int) -> str:
        return bytes(self._stderr[mark:]).decode("utf-8", "replace")

    @property
    def stderr_text(self) -> str:
        return self._stderr.decode("utf-8", "replace")

    def stop(self) -> int | None:
        """SIGTERM to the process group, then SIGKILL after the grace period. Returns the exit code."""
        with interrupts_held(), self._stop_lock:
            return self._stop()

    def _stop(self) -> int | None:
        if self.process is None:
            return None
        if self._stopped:  # stopped before: its pid (and group id) may belong to another process by now
            return self.process.returncode
        if self.process.poll() is None:
            signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        signal_group(self.process.pid, signal.SIGKILL)  # also children left behind in the plugin's group
        code = self.process.wait(timeout=5)
        if self._reader is not None:
            self._reader.join(timeout=DRAIN_S)
            if self._reader.is_alive():  # a process outside the group holds the pipes open: end it
                self.pipe_holders = strays.kill(self._holders())
                self._reader.join(timeout=DRAIN_S)
            if self._reader.is_alive():
                os.write(self._wake_w, b"x")
                self._reader.join(timeout=DRAIN_S)
        self._stopped = True
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                os.close(fd)
        self._wake_r = self._wake_w = -1
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()
        if self.tmpdir is not None:  # what left the plugin's group still has its TMPDIR
            strays.kill(strays.with_tmpdir_under(self.tmpdir))
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        return code

    def _holders(self):
        holders = {}
        for stream in (self.process.stdout, self.process.stderr):
            try:
                for process in strays.holding_pipe(stream.fileno()):
                    holders[process.pid] = process
            except (ValueError, OSError):
                continue
        return list(holders.values())
