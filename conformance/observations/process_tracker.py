"""Every plugin process a run's server started: pid, start time, the check that first saw it, how it ended.

Processes are noted whenever a check looks the plugin's pids up; how each ended
comes from the server's log at the end of the run (go-plugin's client logs
"plugin process exited" with id=<pid> and error="..." when the status was not
0). Inside a container the log speaks of the container's pid namespace, so the
namespaced pid is noted too (from /proc/<pid>/status NSpid).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import psutil

EXITED = re.compile(r"plugin process exited: plugin=(?P<plugin>\S+) id=(?P<id>\d+)(?: error=\"(?P<error>[^\"]*)\")?")
FORCED = re.compile(r"plugin failed to exit gracefully")


@dataclass
class TrackedProcess:
    pid: int
    ns_pid: int
    started_at: str
    first_seen_during: str
    ended: str = "still running when the server stopped (ended with it)"

    def as_dict(self) -> dict:
        return {"pid": self.pid, "namespace_pid": self.ns_pid, "started_at": self.started_at,
                "first_seen_during": self.first_seen_during, "ended": self.ended}


@dataclass
class ProcessTracker:
    processes: dict[int, TrackedProcess] = field(default_factory=dict)
    current: str = "start"  # the requirement being checked

    def observe(self, pids: list[int]) -> None:
        for pid in pids:
            if pid in self.processes:
                continue
            try:
                started = dt.datetime.fromtimestamp(psutil.Process(pid).create_time(), dt.timezone.utc)
            except psutil.NoSuchProcess:
                continue
            self.processes[pid] = TrackedProcess(pid, _namespace_pid(pid), started.isoformat().replace("+00:00", "Z"),
                                                 self.current)

    def settle(self, server_log: str, binary_name: str) -> list[dict]:
        """How each noted process ended, read from the server's log; the report's processes list."""
        lines = server_log.splitlines()
        for index, line in enumerate(lines):
            match = EXITED.search(line)
            if not match or not match.group("plugin").endswith(f"/{binary_name}"):
                continue
            ns_pid = int(match.group("id"))
            forced = any(FORCED.search(previous) for previous in lines[max(0, index - 3):index])
            how = f"exit: {match.group('error')}" if match.group("error") else "exit status 0"
            for process in self.processes.values():
                if process.ns_pid == ns_pid:
                    process.ended = how + (" (after a SIGKILL: it outlived the 2 s grace)" if forced else "")
        return [p.as_dict() for p in sorted(self.processes.values(), key=lambda p: p.started_at)]


def _namespace_pid(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError):
        pass
    return pid
