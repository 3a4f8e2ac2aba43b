"""Interrupted mid-run (Ctrl-C or SIGTERM), the suite stops everything it started and removes its files."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, interrupted_runs, processes_under

SILENT_PLUGIN = """package main

import "time"

// Never prints a handshake line: keeps a certification waiting inside its bound.
func main() { time.Sleep(10 * time.Minute) }
"""


@pytest.fixture(scope="module")
def silent_plugin(tmp_path_factory):
    go = shutil.which("go")
    assert go, "Go is needed to build the silent plugin"
    src = tmp_path_factory.mktemp("silent")
    (src / "main.go").write_text(SILENT_PLUGIN)
    (src / "go.mod").write_text("module silent\n\ngo 1.21\n")
    subprocess.run([go, "build", "-o", "silent", "."], cwd=src, check=True, timeout=300,
                   env={**os.environ, "CGO_ENABLED": "0"})
    return src / "silent"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_leaves_nothing(tmp_path, private_tmpdir, silent_plugin, sig):
    private_tmp = private_tmpdir()
    cli = subprocess.Popen([sys.executable, "-m", "conformance", "certify", str(silent_plugin), "--type", "secret",
                            "--runtime", "process", "--report-dir", str(tmp_path / "report")],
                           cwd=REPO, env={**os.environ, "TMPDIR": str(private_tmp)},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        # Wait until both the server and the directly launched plugin are running.
        while time.monotonic() < deadline and len(processes_under(private_tmp)) < 2:
            time.sleep(0.05)
        assert len(processes_under(private_tmp)) >= 2, "the server and the plugin never both ran"
        cli.send_signal(sig)
        _, stderr = cli.communicate(timeout=30)
    finally:
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert processes_under(private_tmp) == []
    assert list(private_tmp.iterdir()) == []


@pytest.mark.slow
def test_random_interrupts_leave_nothing(tmp_path, private_tmpdir):
    """Process-runtime runs (VPC_INTERRUPTED_RUNS, 8 by default) interrupted at random moments (some twice):
    nothing survives, and a second Ctrl-C does not make the suite skip its clean-up (interrupts are held around
    every start and stop)."""
    runs = list(interrupted_runs("process", tmp_path, private_tmpdir))
    doubled = [r for r in runs if len(r.signals) == 2]
    assert doubled, "the seed should give some runs a second Ctrl-C"
    assert max(r.seconds_to_exit for r in runs) < 60


def test_cleanup_ends_what_a_killed_process_run_left(tmp_path, private_tmpdir, silent_plugin):
    """kill -9 of the certify process leaves its server and plugin running (sessions of their own) and its temp
    dirs on disk; `vault-conformance cleanup` ends and removes them, and spares a run that is still going."""
    private_tmp = private_tmpdir()
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    command = [sys.executable, "-m", "conformance", "certify", str(silent_plugin), "--type", "secret",
               "--runtime", "process"]
    killed = subprocess.Popen([*command, "--report-dir", str(tmp_path / "killed")], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    live_tmp = private_tmpdir()
    live = subprocess.Popen([*command, "--report-dir", str(tmp_path / "live")], cwd=REPO,
                            env={**os.environ, "TMPDIR": str(live_tmp)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (len(processes_under(private_tmp)) < 2
                                               or len(processes_under(live_tmp)) < 2):
            time.sleep(0.05)
        assert len(processes_under(private_tmp)) >= 2, "the server and the plugin never both ran"
        killed.kill()
        killed.wait(timeout=10)
        time.sleep(0.5)
        assert processes_under(private_tmp), "nothing outlived the killed run: the test proves nothing"
        cleanup = subprocess.run([sys.executable, "-m", "conformance", "cleanup"], cwd=REPO, env=env,
                                 capture_output=True, text=True, timeout=60)
        assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
        assert "Traceback" not in cleanup.stderr
        time.sleep(0.5)
        assert processes_under(private_tmp) == [], f"cleanup left {processes_under(private_tmp)}\n{cleanup.stdout}"
        assert list(private_tmp.iterdir()) == [], f"cleanup left {list(private_tmp.iterdir())}\n{cleanup.stdout}"
        assert len(processes_under(live_tmp)) >= 2 and live.poll() is None, "cleanup touched a run still going"
    finally:
        for cli in (killed, live):
            if cli.poll() is None:
                cli.send_signal(signal.SIGINT)
                try:
                    cli.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    cli.kill()
