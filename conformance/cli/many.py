"""Several plugins in one command: `certify --manifest A --manifest B ... --jobs N`.

Each manifest is certified by a worker process of its own (`python -m
conformance certify`, its own server, its own report directory under
--report-dir), at most N at a time; then the reports are compared in one
matrix (matrix.html, matrix.md). Workers are children of this process: an
interrupt is passed on to every running one, which cleans up after itself,
and one that does not end within the bound is killed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conformance.errors import UsageError
from conformance.runtime.lifecycle import ending, interrupts_held

OVERRUN_S = 600.0  # past its --deadline, a worker finishes the check it is in and writes its reports
INTERRUPT_GRACE_S = 60.0  # a worker passed Ctrl-C cleans up within this


@dataclass
class WorkerResult:
    manifest: str
    report_dir: Path
    exit_code: int
    output: str
    seconds: float


def forwarded_options(options) -> list[str]:
    """The certify options every worker gets (everything but the manifests, the report dir and --jobs)."""
    flags = []
    for name, flag in (("runtime", "--runtime"), ("server", "--server"), ("server_version", "--server-version"),
                       ("server_binary", "--server-binary"), ("server_image", "--server-image"),
                       ("level", "--level"), ("keyword", "-k"), ("deadline", "--deadline")):
        value = getattr(options, name)
        if value is not None:
            flags += [flag, str(value)]
    for area in options.areas or []:
        flags += ["--area", area]
    if options.allow_incomplete:
        flags.append("--allow-incomplete")
    return flags


def certify_many(manifests: list[str], options) -> tuple[int, Path, list[WorkerResult]]:
    for unsupported, why in ((options.baseline, "--baseline"), (options.server_port, "--server-port"),
                             (options.binary, "a BINARY argument"), (options.plugin_type, "--type"),
                             (options.name, "--name"), (options.plugin_version, "--plugin-version")):
        if unsupported:
            raise UsageError(f"{why} applies to one plugin: give it with a single --manifest")
    for manifest in manifests:
        if not Path(manifest).is_file():
            raise UsageError(f"cannot read manifest {manifest}: no such file")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    root = Path(options.report_dir or f"reports/many-{stamp}")
    root.mkdir(parents=True, exist_ok=True)
    names = _unique_names(manifests)
    running: dict[int, subprocess.Popen] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def work(item: tuple[str, str]) -> WorkerResult:
        manifest, name = item
        report_dir = root / name
        if stop.is_set() or ending():
            return WorkerResult(manifest, report_dir, 130, "not started: interrupted", 0.0)
        started = time.monotonic()
        with interrupts_held():
            child = subprocess.Popen([sys.executable, "-m", "conformance", "certify", "--manifest", manifest,
                                      "--report-dir", str(report_dir), *forwarded_options(options)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True, env={**os.environ})
            with lock:
                running[child.pid] = child
        try:
            output, _ = child.communicate(timeout=options.deadline + OVERRUN_S)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGINT)
            output, _ = child.communicate(timeout=INTERRUPT_GRACE_S)
            output += f"\nstopped: no verdict within {options.deadline + OVERRUN_S:.0f} s"
        finally:
            with lock:
                running.pop(child.pid, None)
        return WorkerResult(manifest, report_dir, child.returncode, output, time.monotonic() - started)

    results: list[WorkerResult] = []
    pool = ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="vpc-worker")
    try:
        results = list(pool.map(work, zip(manifests, names)))
    except KeyboardInterrupt:
        stop.set()
        with lock:
            children = list(running.values())
        for child in children:  # each worker stops its server and plugins itself
            _signal(child, signal.SIGINT)
        deadline = time.monotonic() + INTERRUPT_GRACE_S
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(child, signal.SIGKILL)
                child.wait(timeout=5)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    _write_matrix(root, results)
    return _exit_code(results), root, results


def _signal(child: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(child.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _unique_names(manifests: list[str]) -> list[str]:
    names, seen = [], {}
    for manifest in manifests:
        stem = Path(manifest).stem
        seen[stem] = seen.get(stem, 0) + 1
        names.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return names


def _write_matrix(root: Path, results: list[WorkerResult]) -> None:
    from conformance.report.compare import compare, matrix_html, matrix_markdown

    documents = []
    for result in results:
        path = result.report_dir / "report.json"
        if path.is_file():
            documents.append(json.loads(path.read_text()))
    if documents:
        matrix = compare(documents)
        (root / "matrix.html").write_text(matrix_html(matrix), encoding="utf-8")
        (root / "matrix.md").write_text(matrix_markdown(matrix), encoding="utf-8")


def _exit_code(results: list[WorkerResult]) -> int:
    codes = {r.exit_code for r in results}
    for code in (130, 3, 2, 1, 4):  # the most serious first (CONTRACT: 3, 2, 1, 4, 0; an interrupt above all)
        if code in codes:
            return code
    return 0 if codes <= {0} else 3
