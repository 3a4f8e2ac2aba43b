"""Fixtures for the suite's own tests: the CLI as a user runs it, and the plugins under test."""

from __future__ import annotations

import json
import random
import signal
import time
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from conformance.runtime import strays

REPO = Path(__file__).resolve().parents[1]
PLUGINS = REPO / "plugins_under_test"
BIN = PLUGINS / "bin"
MANIFESTS = PLUGINS / "manifests"
CLI_TIMEOUT_S = 300


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    tmpdir: Path
    report_dir: Path | None

    @property
    def report(self) -> dict:
        assert self.report_dir is not None
        return json.loads((self.report_dir / "report.json").read_text())

    def outcomes(self) -> dict[str, str]:
        return {r["id"]: r["outcome"] for r in self.report["results"]}


@pytest.fixture
def private_tmpdir():
    """A short TMPDIR of the test's own (unix socket paths must stay under 108 bytes), removed after."""
    made = []

    def make() -> Path:
        made.append(Path(tempfile.mkdtemp(prefix="vpct-", dir="/tmp")))
        return made[-1]

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def run_cli(private_tmpdir):
    """Run `python -m conformance ...` in a subprocess with a private TMPDIR (to prove nothing is left behind)."""

    def run(*args: str, timeout: float = CLI_TIMEOUT_S) -> CliRun:
        private_tmp = private_tmpdir()
        env = {**os.environ, "TMPDIR": str(private_tmp)}
        completed = run_bounded([sys.executable, "-m", "conformance", *args], env, private_tmp, timeout)
        report_dir = None
        if "--report-dir" in args:
            report_dir = Path(args[args.index("--report-dir") + 1])
        return CliRun(completed.returncode, completed.stdout, completed.stderr, private_tmp, report_dir)

    return run


def run_bounded(command: list[str], env: dict[str, str], private_tmp: Path, timeout: float):
    """subprocess.run with a bound that, when it passes, also ends what the CLI started: its servers and
    plugins run in sessions of their own, but all carry a TMPDIR under private_tmp."""
    child = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        strays.kill(strays.with_tmpdir_under(private_tmp))
        raise
    return subprocess.CompletedProcess(command, child.returncode, stdout, stderr)


def certify_side_by_side(base: Path, expected_exit: dict[str, int]) -> dict[str, Path]:
    """Real process-runtime certifications of the named manifests, run at the same time, each with a private
    TMPDIR; each must exit as expected. Their report directories, by manifest name."""
    for name in expected_exit:
        built(name)
    runs, private_tmps = {}, []
    try:
        for name in expected_exit:
            private_tmps.append(Path(tempfile.mkdtemp(prefix="vpct-", dir="/tmp")))
            runs[name] = subprocess.Popen(
                [sys.executable, "-m", "conformance", "certify", "--manifest", str(MANIFESTS / f"{name}.toml"),
                 "--runtime", "process", "--report-dir", str(base / name)],
                cwd=REPO, env={**os.environ, "TMPDIR": str(private_tmps[-1])},
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, run in runs.items():
            stdout, stderr = run.communicate(timeout=CLI_TIMEOUT_S)
            assert run.returncode == expected_exit[name], f"{name}: exit {run.returncode}\n{stdout}{stderr}"
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
                run.wait()
        for path in private_tmps:
            strays.kill(strays.with_tmpdir_under(path))
            shutil.rmtree(path, ignore_errors=True)
    return {name: base / name for name in expected_exit}


def service_absent(reason: str) -> None:
    """A test whose external service (Redis, Docker, chromium) is absent skips with the reason, except in CI:
    .ci/run sets VPC_REQUIRE_SERVICES=1 (scripts/setup-dev installed them), and there the absence fails it."""
    if os.environ.get("VPC_REQUIRE_SERVICES") == "1" or os.environ.get("VPC_REQUIRE_DOCKER") == "1":
        pytest.fail(f"{reason} (VPC_REQUIRE_SERVICES=1: CI needs it)")
    pytest.skip(f"{reason}: scripts/setup-dev installs it")


def redis_server_missing() -> bool:
    return shutil.which("redis-server") is None


def built(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run plugins_under_test/build first (README, set-up)")
    return path


@pytest.fixture(scope="session")
def vault_plugin_binary() -> Path:
    """The pytest plugin's fixtures (vault_mount, vault_wire_host) run the reference plugin in these tests."""
    return built("reference-secrets")


@pytest.fixture(scope="session")
def reference_secrets() -> Path:
    return built("reference-secrets")


def processes_under(directory: Path) -> list[str]:
    """Processes whose executable or working directory lies under directory."""
    found = []
    for proc in psutil.process_iter(["pid", "exe", "cwd", "cmdline"]):
        try:
            places = [proc.info["exe"] or "", proc.info["cwd"] or "", " ".join(proc.info["cmdline"] or [])]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(str(directory) in place for place in places):
            found.append(f"{proc.info['pid']} {proc.info['exe']}")
    return found


def assert_nothing_left(run: CliRun) -> None:
    assert list(run.tmpdir.iterdir()) == [], f"left behind in TMPDIR: {list(run.tmpdir.iterdir())}"
    assert processes_under(run.tmpdir) == [], "processes left running"


def run_cli_once(tmp_path_factory, *args: str):
    """A module-scoped CLI run (a generator for yield fixtures); its private TMPDIR is removed after."""
    private_tmp = Path(tempfile.mkdtemp(prefix="vpct-", dir="/tmp"))
    report_dir = tmp_path_factory.mktemp("run") / "report"
    completed = subprocess.run([sys.executable, "-m", "conformance", *args, "--report-dir", str(report_dir)],
                               cwd=REPO, env={**os.environ, "TMPDIR": str(private_tmp)},
                               capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    yield CliRun(completed.returncode, completed.stdout, completed.stderr, private_tmp, report_dir)
    shutil.rmtree(private_tmp, ignore_errors=True)


# Random interrupts per runtime: 8 in a normal run (CI), VPC_INTERRUPTED_RUNS=40 for a long soak.
INTERRUPTED_RUNS = int(os.environ.get("VPC_INTERRUPTED_RUNS", "8"))


@dataclass
class InterruptedRun:
    pid: int
    signals: list
    seconds_to_exit: float


def handlers_installed(pid: int, bound_s: float = 20.0) -> None:
    """Wait (bounded) until process pid catches SIGINT and SIGTERM (its SigCgt mask in /proc/<pid>/status)."""
    wanted = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return  # it ended: the caller sees how
        caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
        if caught & wanted == wanted:
            return
        time.sleep(0.01)
    raise AssertionError(f"pid {pid} did not install its SIGINT/SIGTERM handlers within {bound_s:.0f} s")


def interrupted_runs(runtime: str, tmp_path: Path, private_tmpdir, runs: int = INTERRUPTED_RUNS, seed: int = 20261129):
    """Certify reference-secrets `runs` times, each interrupted at a random moment of its whole run (SIGINT or
    SIGTERM; one run in four gets a second SIGINT soon after), asserting after each that it ended without a
    traceback and left no process and no file. Yields each run's facts for the caller's own assertions."""
    rng = random.Random(f"{seed}-{runtime}")
    for attempt in range(runs):
        private_tmp = private_tmpdir()
        cli = subprocess.Popen(
            [sys.executable, "-m", "conformance", "certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"),
             "--runtime", runtime, "--report-dir", str(tmp_path / f"r{attempt}")],
            cwd=REPO, env={**os.environ, "TMPDIR": str(private_tmp)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Anywhere in a certification (6-10 s here), once the program runs: a signal while the interpreter
        # itself is still starting (it can take over 0.2 s on a loaded machine) meets Python's defaults.
        handlers_installed(cli.pid)
        time.sleep(rng.uniform(0.0, 8.0))
        signals = [rng.choice([signal.SIGINT, signal.SIGTERM])]
        cli.send_signal(signals[0])
        sent = time.monotonic()
        if rng.random() < 0.25:
            time.sleep(rng.uniform(0.02, 0.3))
            if cli.poll() is None:
                cli.send_signal(signal.SIGINT)
                signals.append(signal.SIGINT)
        _, stderr = cli.communicate(timeout=90)
        seconds = time.monotonic() - sent
        assert "Traceback" not in stderr, f"attempt {attempt} ({[s.name for s in signals]}): {stderr}"
        assert cli.returncode in (0, 1, 130), f"attempt {attempt}: exit {cli.returncode}: {stderr}"
        assert processes_under(private_tmp) == [], f"attempt {attempt} ({[s.name for s in signals]}): a process survived"
        assert list(private_tmp.iterdir()) == [], f"attempt {attempt}: files survived: {list(private_tmp.iterdir())}"
        yield InterruptedRun(cli.pid, signals, seconds)


TIERS = ("unit", "server", "docker")


def pytest_collection_modifyitems(config, items):
    """One tier per test: tests/unit/ is the unit tier; any other test is `server` unless it says `docker`."""
    unit_dir = Path(__file__).resolve().parent / "unit"
    for item in items:
        in_unit_dir = unit_dir in Path(str(item.fspath)).resolve().parents
        marked = {mark.name for mark in item.iter_markers() if mark.name in TIERS}
        if in_unit_dir:
            if marked - {"unit"}:
                raise pytest.UsageError(f"{item.nodeid}: a test under tests/unit/ cannot be {sorted(marked)}")
            item.add_marker(pytest.mark.unit)
        elif "unit" in marked:
            raise pytest.UsageError(f"{item.nodeid}: a unit test belongs under tests/unit/")
        elif not marked:
            item.add_marker(pytest.mark.server)
    # The long ones first, so that two workers end together instead of one waiting out a 60 s timeout alone.
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker("docker")
               else 2 if item.get_closest_marker("server") else 3)
