"""Usage errors of the command line: bad input exits 2 with one line on stderr and no traceback, before the
command starts anything.

The cases the issue names (unknown option, missing binary, non-executable file, bad --type, bad manifest path)
and a few more run as `python -m conformance ...` in a process of their own, all at once, a few at a time, in
one module-scoped fixture. "Before it starts anything" is checked, not assumed: each runs with an audit hook (a
sitecustomize.py on its PYTHONPATH) that logs every program it starts (subprocess.Popen, os.posix_spawn,
os.exec*, os.fork, os.system) and every socket it connects (a server's API, the Docker daemon), and the log must
stay empty (a control case shows the hook does see a spawn); the --report-dir it was given must not exist after,
and its private TMPDIR must be empty. The binaries given are small files written here (an ELF header for this
machine's architecture and nothing else), which could not run even if the command tried.

The other options' errors go through the same entry point, conformance.cli.main(argv), in this process (a
subprocess each would cost a second of imports), under an audit hook of this module that records the same events.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.runtime.plugin_binary import ELF_MACHINES, host_architecture
from unit_samples import DATA, SECRETS

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120
WATCHED = {"subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn", "os.system", "os.fork", "os.forkpty",
           "pty.spawn", "socket.connect"}

SITECUSTOMIZE = f"""
import os, sys
_LOG = os.environ.get("VPC_UNIT_AUDIT_LOG")
_EVENTS = {sorted(WATCHED)!r}
if _LOG:
    def _vpc_unit_audit(event, args):
        if event in _EVENTS:
            with open(_LOG, "a") as log:
                log.write((event + " " + repr(args))[:400] + "\\n")
    sys.addaudithook(_vpc_unit_audit)
"""


def fake_elf(machine: str) -> bytes:
    """A 64-bit little-endian ELF header naming the machine, and nothing else."""
    number = {name: n for n, name in ELF_MACHINES.items()}[machine]
    return b"\x7fELF\x02\x01\x01" + bytes(9) + (2).to_bytes(2, "little") + number.to_bytes(2, "little") + bytes(44)


def materials(root: Path) -> dict[str, str]:
    """The files the cases name, by the {placeholder} they use."""
    (root / "site").mkdir()
    (root / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    other = "aarch64" if host_architecture() != "aarch64" else "x86_64"
    for name, machine, mode in (("reference-fake", host_architecture(), 0o755), ("plugin-644", host_architecture(), 0o644),
                                ("foreign", other, 0o755)):
        (root / name).write_bytes(fake_elf(machine))
        (root / name).chmod(mode)
    (root / "plugin.sh").write_text("#!/bin/sh\necho this must never run >&2\n")
    (root / "plugin.sh").chmod(0o755)
    (root / "dir").mkdir()
    (root / "bad.toml").write_text('[plugin]\nbinary = "reference-fake"\ntype = "secret"\ncolour = "red"\n')
    (root / "no-binary.toml").write_text('[plugin]\nbinary = "no-such-plugin"\ntype = "secret"\n')
    (root / "control.toml").write_text('[plugin]\nbinary = "no-such-plugin"\ntype = "secret"\n[[setup]]\n'
                                       'operation = "update"\npath = "config"\ndata = { x = { command = ["true"] } }\n')
    (root / "not-a-report.json").write_text('{"hello": 1}\n')
    (root / "a-file").write_text("")
    return {"elf": str(root / "reference-fake"), "elf644": str(root / "plugin-644"), "foreign": str(root / "foreign"),
            "other": other, "script": str(root / "plugin.sh"), "dir": str(root / "dir"),
            "missing": str(root / "missing"), "bad_manifest": str(root / "bad.toml"),
            "manifest_no_binary": str(root / "no-binary.toml"), "control": str(root / "control.toml"),
            "not_report": str(root / "not-a-report.json"), "blocker": str(root / "a-file"), "site": str(root / "site"),
            "secrets_report": str(DATA / SECRETS / "report.json")}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    audit: list[str]
    tmp_left: list[str]
    report_dir: Path


def arguments(case: str, args: list[str], names: dict[str, str], root: Path) -> tuple[list[str], Path]:
    """The case's arguments filled in; a certify run gets a --report-dir that must never be made (unless it names
    its own)."""
    report_dir = root / "reports" / case
    args = [a.format(**names) for a in args]
    if args[:1] == ["certify"] and "--report-dir" not in args:
        args += ["--report-dir", str(report_dir)]
    return args, report_dir


# id: (arguments, words the one line must hold); {...} name the files materials() makes.
SUBPROCESS_CASES: dict[str, tuple[list[str], list[str]]] = {
    "unknown-option": (["certify", "{elf}", "--type", "secret", "--colour", "red"],
                       ["unrecognized arguments: --colour red"]),
    "missing-binary": (["certify", "{missing}", "--type", "secret"], ["plugin binary not found: {missing}"]),
    "not-executable": (["certify", "{elf644}", "--type", "secret"], ["plugin binary is not executable (chmod +x {elf644})"]),
    "bad-type": (["certify", "{elf}", "--type", "kms"], ["unknown --type 'kms': choose secret, auth or database"]),
    "manifest-path": (["certify", "--manifest", "{missing}.toml"],
                      ["cannot read manifest {missing}.toml: No such file or directory"]),
    "manifest-invalid": (["certify", "--manifest", "{bad_manifest}"],
                         ["invalid manifest {bad_manifest}: plugin.colour: unknown key"]),
    "no-command": ([], ["the following arguments are required: command"]),
    "requirements-format": (["requirements", "--format", "yaml"],
                            ["requirements: argument --format: invalid choice: 'yaml'"]),
}
# The control: its manifest computes a value with a command (`true`) before its binary turns out to be missing.
CONTROL = (["certify", "--manifest", "{control}"], ["plugin binary not found: "])


def run(case: str, args: list[str], root: Path, names: dict[str, str]) -> Run:
    private_tmp = Path(tempfile.mkdtemp(prefix=f"{case}-", dir=root / "tmp"))
    args, report_dir = arguments(case, args, names, root)
    audit_log = root / "audit" / f"{case}.log"
    env = {**os.environ, "TMPDIR": str(private_tmp), "VPC_UNIT_AUDIT_LOG": str(audit_log),
           "PYTHONPATH": os.pathsep.join(filter(None, [names["site"], os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "conformance", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    audit = audit_log.read_text().splitlines() if audit_log.exists() else []
    return Run(done.returncode, done.stdout, done.stderr, audit, sorted(os.listdir(private_tmp)), report_dir)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("cli")
    for folder in ("tmp", "reports", "audit"):
        (path / folder).mkdir()
    return path, materials(path)


@pytest.fixture(scope="module")
def runs(root) -> dict[str, Run]:
    path, names = root
    cases = dict(SUBPROCESS_CASES, control=CONTROL)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {case: pool.submit(run, case, args, path, names) for case, (args, _) in cases.items()}
        return {case: future.result() for case, future in futures.items()}


def assert_usage_error(done: Run, words: list[str]) -> None:
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    lines = done.stderr.splitlines()
    assert len(lines) == 1, f"expected one line: {done.stderr!r}"
    assert lines[0].startswith("vault-conformance: ") and "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert done.stdout == ""
    assert done.audit == [], f"it started or connected something before the usage error: {done.audit}"
    assert done.tmp_left == [], f"it left files in its TMPDIR: {done.tmp_left}"


def test_the_audit_hook_sees_what_a_command_starts(runs):
    done = runs["control"]
    assert done.returncode == 2, done.stderr
    assert any(line.startswith("subprocess.Popen ") and "'true'" in line for line in done.audit), done.audit


@pytest.mark.parametrize("case", list(SUBPROCESS_CASES))
def test_python_m_conformance_with_bad_input(runs, root, case):
    done = runs[case]
    assert_usage_error(done, [w.format(**root[1]) for w in SUBPROCESS_CASES[case][1]])
    assert not done.report_dir.exists(), "it made its report directory"


class Watch:
    """This module's audit hook: the events of WATCHED while a main() of the in-process cases runs."""

    active = False
    seen: list[str] = []

    @classmethod
    def hook(cls, event, args):
        if cls.active and event in WATCHED:
            cls.seen.append(f"{event} {args!r}"[:400])


sys.addaudithook(Watch.hook)


@pytest.fixture
def cli(capsys, root):
    """conformance.cli.main(argv) in this process; the signal handlers and unraisable hook it installs are put
    back after."""
    path, names = root

    def call(case: str, args: list[str]) -> Run:
        args, report_dir = arguments(case, args, names, path)
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        hook = sys.unraisablehook
        Watch.seen, Watch.active = [], True
        try:
            code = main(args)
        finally:
            Watch.active = False
            for number, handler in handlers.items():
                signal.signal(number, handler)
            sys.unraisablehook = hook
        out, err = capsys.readouterr()
        return Run(code, out, err, list(Watch.seen), [], report_dir)

    return call


IN_PROCESS_CASES: dict[str, tuple[list[str], list[str]]] = {
    "directory": (["certify", "{dir}", "--type", "secret"], ["plugin binary is a directory, not a file: {dir}"]),
    "not-elf": (["certify", "{script}", "--type", "secret"], ["plugin binary is not an ELF executable: {script}"]),
    "foreign-elf": (["certify", "{foreign}", "--type", "secret"],
                    ["plugin binary is built for {other}, this machine is"]),
    "no-type": (["certify", "{elf}"], ["no plugin type: give --type secret|auth|database or plugin.type"]),
    "no-binary": (["certify", "--type", "secret"], ["no plugin binary: give BINARY or a --manifest"]),
    "manifest-binary-missing": (["certify", "--manifest", "{manifest_no_binary}"], ["plugin binary not found: "]),
    "bad-runtime": (["certify", "{elf}", "--type", "secret", "--runtime", "vm"],
                    ["certify: argument --runtime: invalid choice: 'vm'"]),
    "bad-level": (["certify", "{elf}", "--type", "secret", "--level", "may"],
                  ["certify: argument --level: invalid choice: 'may'"]),
    "bad-server": (["certify", "{elf}", "--type", "secret", "--server", "consul"],
                   ["certify: argument --server: invalid choice: 'consul'"]),
    "port-not-a-number": (["certify", "{elf}", "--type", "secret", "--server-port", "http"],
                          ["certify: argument --server-port: invalid int value: 'http'"]),
    "deadline-zero": (["certify", "{elf}", "--type", "secret", "--deadline", "0"],
                      ["--deadline must be a positive number of seconds (got 0.0)"]),
    "deadline-infinite": (["certify", "{elf}", "--type", "secret", "--deadline", "inf"],
                          ["--deadline must be a positive number of seconds (got inf)"]),
    "deadline-text": (["certify", "{elf}", "--type", "secret", "--deadline", "soon"],
                      ["argument --deadline: invalid float value: 'soon'"]),
    "jobs-zero": (["certify", "{elf}", "--type", "secret", "--jobs", "0"], ["--jobs must be at least 1"]),
    "bad-keyword": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "-k", "HS and ("],
                    ["invalid -k expression 'HS and ('"]),
    "unknown-area": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--area", "weather"],
                     ["unknown --area 'weather': choose from "]),
    "bad-baseline": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--baseline", "{not_report}"],
                     ["baseline {not_report} is not a vault-plugin-conformance/report/v1 report"]),
    "baseline-of-another-plugin": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--baseline",
                                    "{secrets_report}"],
                                   ["baseline {secrets_report} is of another plugin 'reference-secrets' (this run: "
                                    "'reference-fake')", "give --baseline-any to compare anyway"]),
    "missing-baseline": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--baseline",
                          "{missing}.json"], ["cannot read baseline {missing}.json"]),
    "server-image-without-docker": (["certify", "{elf}", "--type", "secret", "--runtime", "process",
                                     "--server-image", "openbao/openbao:2.7.2"],
                                    ["--server-image needs --runtime docker (asked: --runtime process)"]),
    "server-binary-missing": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--server-binary",
                               "{missing}/bao"], ["--server-binary is not an executable file: {missing}/bao"]),
    "report-dir-unwritable": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--report-dir",
                               "{blocker}/reports"], ["report directory {blocker}/reports is not writable"]),
    "list-unknown-area": (["certify", "{elf}", "--type", "secret", "--list", "--area", "weather"],
                          ["unknown --area 'weather'"]),
    "unknown-command": (["frobnicate"], ["argument command: invalid choice: 'frobnicate'"]),
    "report-missing": (["report", "{missing}.json", "--format", "html"], ["cannot read report {missing}.json"]),
    "report-bad-format": (["report", "{not_report}", "--format", "pdf"], ["argument --format: invalid choice: 'pdf'"]),
    "report-not-a-report": (["report", "{not_report}", "--format", "junit"],
                            ["report {not_report} is not a vault-plugin-conformance report (no results list)"]),
    "compare-not-json": (["compare", "{bad_manifest}"], ["report {bad_manifest} is not JSON: "]),
}


@pytest.mark.parametrize("case", list(IN_PROCESS_CASES))
def test_main_with_bad_input(cli, root, case):
    args, words = IN_PROCESS_CASES[case]
    done = cli(case, args)
    assert_usage_error(done, [w.format(**root[1]) for w in words])
    if case != "report-dir-unwritable":
        assert not done.report_dir.exists(), "it made its report directory"


def test_the_in_process_watch_sees_a_spawn_too(cli):
    done = cli("control-in-process", CONTROL[0])
    assert done.returncode == 2
    assert any(line.startswith("subprocess.Popen ") and "'true'" in line for line in done.audit), done.audit
