"""The hostile plugin zoo: a certification of a badly broken plugin ends with its verdict, within the bound
its manifest documents, and leaves nothing behind — no process, no listening socket, no temp file.

Each hostile plugin (plugins_under_test/hostile/, binary hostile-<name>) has a manifest
plugins_under_test/manifests/hostile-<name>.toml with its [expect] table and a comment line
`# bound_s: N`, the most a certification of it may take (manifests forbid unknown keys, so the bound
lives in a comment). Each is certified here in its manifest's runtime (process, except slow-answers:
through a server every request takes 30 s, so it is certified at the wire) under a private TMPDIR.

A run that outlives its bound by AFTER_BOUND_S is aborted (SIGABRT: faulthandler shows where it hung) and
fails; whatever it left is then killed by this test, so one broken run never spills into the next.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from conformance.manifest import load_manifest

from conftest import MANIFESTS, REPO, built

pytestmark = pytest.mark.slow

ZOO = sorted(MANIFESTS.glob("hostile-*.toml"))
BOUND = re.compile(r"^#\s*bound_s:\s*(\d+(?:\.\d+)?)\s*$", re.MULTILINE)
# What hostile-listens-everywhere logs (an hclog JSON line; the server re-logs it as key=value).
LISTENING = re.compile(r"listening on every interface.{0,80}?address\W+0\.0\.0\.0:(\d+)")
MAX_LOG_BYTES = 9 * 2**20  # report/writers.py keeps 8 Mi characters of a log (plain ASCII here)
AFTER_BOUND_S = 15  # how long past its bound a run may go before it is stopped
STOP_GRACE_S = 10  # after SIGABRT, how long the CLI gets to print its threads before SIGKILL
ZOO_WAIT_S = 300  # the final test waits this long for hostile certifications elsewhere to end
ZOO_TMPDIRS: list[Path] = []  # the private TMPDIRs of this module's runs (what it may clean up)

# Hostile plugins the suite does not survive yet, each with what goes wrong (strict: once the suite is
# fixed the test passes, XPASS fails the run, and the entry must go).
SUITE_BUGS: dict[str, str] = {}


@dataclass
class Run:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    stopped: bool  # outlived its bound and was aborted by the test


def bound_of(manifest_path: Path) -> float:
    match = BOUND.search(manifest_path.read_text())
    assert match, f"{manifest_path.name}: no '# bound_s: N' line"
    return float(match.group(1))


def certify(manifest_path: Path, runtime: str, report_dir: Path, private_tmp: Path, bound: float,
            extra: tuple[str, ...] = ()) -> Run:
    """The CLI as a user runs it. Past bound + AFTER_BOUND_S it is sent SIGABRT: faulthandler then prints
    where every thread of it was stuck (in the failure message); what it started is left to the test."""
    started = time.monotonic()
    cli = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "conformance", "certify",
                            "--manifest", str(manifest_path), "--runtime", runtime, "--report-dir", str(report_dir), *extra],
                           cwd=REPO, env={**os.environ, "TMPDIR": str(private_tmp)}, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stopped = False
    try:
        stdout, stderr = cli.communicate(timeout=bound + AFTER_BOUND_S)
    except subprocess.TimeoutExpired:
        stopped = True
        os.kill(cli.pid, signal.SIGABRT)
        try:
            stdout, stderr = cli.communicate(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(cli.pid, signal.SIGKILL)
            stdout, stderr = cli.communicate()
    return Run(cli.returncode, stdout, stderr, time.monotonic() - started, stopped)


def _live(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _describe(process: psutil.Process) -> str:
    try:
        return f"{process.pid} {process.exe() or process.name()} (TMPDIR={process.environ().get('TMPDIR')})"
    except psutil.Error:
        return f"{process.pid}"


def is_hostile(process: psutil.Process) -> bool:
    """Runs a hostile-* binary (from bin/ or a server's plugin directory; the file may be deleted)."""
    try:
        names = [process.name(), os.path.basename(process.exe()), *(os.path.basename(a) for a in process.cmdline()[:1])]
    except psutil.Error:
        return False
    return any(name.startswith("hostile-") for name in names)


def _under(process: psutil.Process, directories: list[Path]) -> bool:
    """The process's executable, working directory, command line or environment lies under one of directories
    (plugins get TMPDIR=<a temp dir of the run>; a survivor keeps it even when its directory is gone)."""
    try:
        places = [process.exe(), process.cwd(), " ".join(process.cmdline()), *process.environ().values()]
    except psutil.Error:
        return False
    return any(str(directory) in place for directory in directories for place in places)


def processes_of(directory: Path) -> list[psutil.Process]:
    me = os.getpid()
    return [p for p in psutil.process_iter() if p.pid != me and _under(p, [directory]) and _live(p)]


def hostile_processes() -> list[psutil.Process]:
    return [p for p in psutil.process_iter() if is_hostile(p) and _live(p)]


def logged_listener_ports(report_dir: Path) -> set[int]:
    ports = set()
    for log in report_dir.glob("*.log"):
        ports.update(int(port) for port in LISTENING.findall(log.read_text("utf-8", "replace")))
    return ports


def listening_sockets(pids: set[int], ports: set[int]) -> list[str]:
    """LISTEN sockets owned by one of pids, or on 0.0.0.0 at one of ports."""
    found = []
    for conn in psutil.net_connections(kind="inet"):
        if conn.status != psutil.CONN_LISTEN:
            continue
        if conn.pid in pids or (conn.laddr.ip == "0.0.0.0" and conn.laddr.port in ports):
            found.append(f"{conn.laddr.ip}:{conn.laddr.port} (pid {conn.pid})")
    return found


def kill_all(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=5)


def _params():
    for path in ZOO:
        marks = [pytest.mark.xfail(strict=True, reason=f"suite bug: {SUITE_BUGS[path.stem]}")] \
            if path.stem in SUITE_BUGS else []
        yield pytest.param(path, marks=marks, id=path.stem)


@pytest.mark.parametrize("manifest_path", list(_params()))
def test_hostile_plugin_ends_in_bound_with_its_verdict_and_leaves_nothing(tmp_path, private_tmpdir, manifest_path):
    manifest = load_manifest(manifest_path)
    built(manifest.binary.name)
    expect = manifest.expect
    bound = bound_of(manifest_path)
    private_tmp = private_tmpdir()
    ZOO_TMPDIRS.append(private_tmp)
    report_dir = tmp_path / "report"
    run = certify(manifest_path, expect.runtime, report_dir, private_tmp, bound)
    time.sleep(0.5)  # let processes the run killed at its very end be reaped

    problems = []
    if run.stopped:
        problems.append(f"no verdict within {bound:.0f} s + {AFTER_BOUND_S} s: aborted after {run.seconds:.0f} s "
                        f"(its threads are on stderr below; what it started is killed by the test)")
    elif run.seconds > bound:
        problems.append(f"took {run.seconds:.1f} s, more than its bound of {bound:.0f} s")
    report_file = report_dir / "report.json"
    if not run.stopped and not report_file.exists():
        problems.append(f"no report.json (exit {run.returncode})")
    if report_file.exists():
        report = json.loads(report_file.read_text())
        outcomes = {r["id"]: r["outcome"] for r in report["results"]}
        if report["summary"]["verdict"] != expect.verdict:
            problems.append(f"verdict {report['summary']['verdict']}, expected {expect.verdict}")
        if run.returncode != expect.exit_code:
            problems.append(f"exit code {run.returncode}")
        problems += [f"{req_id} not flagged: {outcomes[req_id]}" for req_id in expect.failing
                     if outcomes[req_id] != "failed"]
        problems += [f"{r['id']} (MUST) failed, not in the manifest's failing list: {r['message'][:200]}"
                     for r in report["results"] if r["outcome"] == "failed" and r["level"] == "MUST"
                     and r["id"] not in expect.failing]
    if "Traceback" in run.stderr and not run.stopped:
        problems.append("a traceback on stderr")
    for log in report_dir.glob("*.log"):  # a flood is cut to the log's start and end (report/writers.py)
        if log.stat().st_size > MAX_LOG_BYTES:
            problems.append(f"{log.name} is {log.stat().st_size} bytes, more than {MAX_LOG_BYTES}")

    # Nothing left: no process of the run (by its files or its environment), none running this binary
    # with the run's TMPDIR, no listener of theirs or on the ports the plugin logged, an empty TMPDIR.
    ports = logged_listener_ports(report_dir)
    if manifest.binary.name == "hostile-listens-everywhere" and not ports:
        problems.append("the plugin's 0.0.0.0 listener was never logged: the hostile behaviour did not happen")
    left = processes_of(private_tmp)
    sockets = listening_sockets({p.pid for p in left}, ports)
    files = sorted(str(p.relative_to(private_tmp)) for p in private_tmp.iterdir())
    kill_all(left)  # whatever happened, the next test starts clean
    if left:
        problems.append(f"processes left running: {[_describe(p) for p in left]}")
    if sockets:
        problems.append(f"sockets left listening: {sockets}")
    if files:
        problems.append(f"left in TMPDIR: {files}")
    assert problems == [], (f"{manifest_path.stem} ({expect.runtime}, {run.seconds:.1f} s):\n  "
                            + "\n  ".join(problems) + f"\n--- stdout\n{run.stdout[-3000:]}\n--- stderr\n"
                            + run.stderr[-6000:])


DEADLINE_S = 20
DEADLINE_BOUND_S = 90  # the deadline, the check running then (one 30 s answer, within the 60 s request
                       # bound), the clean-up and the reports


def test_deadline_ends_a_certification_whose_plugin_takes_30_s_per_request(tmp_path, private_tmpdir):
    """Through a server, hostile-slow-answers makes every check wait 30 s per request (a run of well over 19
    minutes): --deadline ends it, the checks not started are errors saying so, the verdict is error (exit 3),
    and nothing is left behind."""
    manifest_path = MANIFESTS / "hostile-slow-answers.toml"
    built(load_manifest(manifest_path).binary.name)
    private_tmp = private_tmpdir()
    ZOO_TMPDIRS.append(private_tmp)
    report_dir = tmp_path / "report"
    run = certify(manifest_path, "process", report_dir, private_tmp, DEADLINE_BOUND_S,
                  extra=("--deadline", str(DEADLINE_S)))
    time.sleep(0.5)
    left = processes_of(private_tmp)
    kill_all(left)
    assert not run.stopped and run.seconds <= DEADLINE_BOUND_S, f"took {run.seconds:.0f} s\n{run.stderr[-3000:]}"
    report = json.loads((report_dir / "report.json").read_text())
    not_run = [r["id"] for r in report["results"] if r["outcome"] == "error" and "deadline" in r["message"]]
    assert report["summary"]["verdict"] == "error" and run.returncode == 3, (report["summary"], run.stdout[-2000:])
    assert not_run, "no check reported as not run because of the deadline"
    assert f"deadline ({DEADLINE_S} s, --deadline)" in run.stdout
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert left == [] and sorted(private_tmp.iterdir()) == [], (left, sorted(private_tmp.iterdir()))


def _running_zoo_certifications() -> list[str]:
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "certify" in cmdline and any(os.path.basename(a).startswith("hostile-") for a in cmdline):
            found.append(f"{process.info['pid']} {' '.join(cmdline)}")
    return found


def test_no_hostile_process_outlives_the_zoo():
    """After the zoo (and any certification of a hostile plugin still running elsewhere, e.g. on the other
    xdist worker, which it waits for), no hostile-* process exists on the machine. Those of this module's
    runs are then killed; others are only reported."""
    deadline = time.monotonic() + ZOO_WAIT_S
    while (running := _running_zoo_certifications()) and time.monotonic() < deadline:
        time.sleep(1)
    assert running == [], f"hostile certifications still running after {ZOO_WAIT_S} s: {running}"
    time.sleep(0.5)
    left = hostile_processes()
    described = [_describe(p) for p in left]
    kill_all([p for p in left if _under(p, ZOO_TMPDIRS)])
    assert described == [], f"hostile plugin processes outlived their certification: {described}"
