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


def test_random_interrupts_leave_nothing(tmp_path, private_tmpdir):
    """Twenty process-runtime runs interrupted at random moments (some twice): nothing survives, and a second
    Ctrl-C does not make the suite skip its clean-up (interrupts are held around every start and stop)."""
    runs = list(interrupted_runs("process", tmp_path, private_tmpdir))
    doubled = [r for r in runs if len(r.signals) == 2]
    assert doubled, "the seed should give some runs a second Ctrl-C"
    assert max(r.seconds_to_exit for r in runs) < 60
