"""Usage errors of the command line: `python -m conformance ...` with bad input exits 2 with one line on stderr
and no traceback, before it starts anything.

"Before it starts anything" is checked, not assumed: each command runs with an audit hook (a sitecustomize.py on
its PYTHONPATH) that logs every program it starts (subprocess.Popen, os.posix_spawn, os.exec*, os.fork,
os.system) and every socket it connects (a server's API, the Docker daemon), and the log must stay empty; the
--report-dir it was given must not have been created, and its private TMPDIR must be left empty. The binaries
given are small files written here (a fake ELF header for this machine's architecture), which could not run
even if the command tried. All commands run at once, a few at a time, in one module-scoped fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.runtime.plugin_binary import ELF_MACHINES, host_architecture

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60

SITECUSTOMIZE = '''
import os, sys
_LOG = os.environ.get("VPC_UNIT_AUDIT_LOG")
_EVENTS = {"subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn", "os.system", "os.fork", "os.forkpty",
           "pty.spawn", "socket.connect"}
if _LOG:
    def _vpc_unit_audit(event, args):
        if event in _EVENTS:
            with open(_LOG, "a") as log:
                log.write((event + " " + repr(args))[:400] + "\\n")
    sys.addaudithook(_vpc_unit_audit)
'''


def fake_elf(machine: str) -> bytes:
    """A 64-bit little-endian ELF header naming the machine, and nothing else."""
    number = {name: n for n, name in ELF_MACHINES.items()}[machine]
    return b"\x7fELF\x02\x01\x01" + bytes(9) + (2).to_bytes(2, "little") + number.to_bytes(2, "little") + bytes(44)


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    audit: list[str]
    tmp_left: list[str]
    report_dir: Path


# id: (arguments, words the one line must hold). {…} are files made by the fixture; every certify run also gets
# --report-dir {report} (that must never be created) unless it gives its own.
CASES: dict[str, tuple[list[str], list[str]]] = {
    "unknown-option": (["certify", "{elf}", "--type", "secret", "--colour", "red"],
                       ["unrecognized arguments: --colour red"]),
    "missing-binary": (["certify", "{missing}", "--type", "secret"], ["plugin binary not found: {missing}"]),
    "directory": (["certify", "{dir}", "--type", "secret"], ["plugin binary is a directory, not a file: {dir}"]),
    "not-executable": (["certify", "{elf644}", "--type", "secret"], ["plugin binary is not executable (chmod +x {elf644})"]),
    "not-elf": (["certify", "{script}", "--type", "secret"], ["plugin binary is not an ELF executable: {script}"]),
    "foreign-elf": (["certify", "{foreign}", "--type", "secret"], ["plugin binary is built for {other}, this machine is"]),
    "bad-type": (["certify", "{elf}", "--type", "kms"], ["unknown --type 'kms': choose secret, auth or database"]),
    "no-type": (["certify", "{elf}"], ["no plugin type: give --type secret|auth|database or plugin.type"]),
    "no-binary": (["certify", "--type", "secret"], ["no plugin binary: give BINARY or a --manifest"]),
    "manifest-path": (["certify", "--manifest", "{missing}.toml"],
                      ["cannot read manifest {missing}.toml: No such file or directory"]),
    "manifest-invalid": (["certify", "--manifest", "{bad_manifest}"],
                         ["invalid manifest {bad_manifest}: plugin.colour: unknown key"]),
    "manifest-binary-missing": (["certify", "--manifest", "{manifest_no_binary}"], ["plugin binary not found: "]),
    "bad-level": (["certify", "{elf}", "--type", "secret", "--level", "may"],
                  ["certify: argument --level: invalid choice: 'may'"]),
    "deadline-zero": (["certify", "{elf}", "--type", "secret", "--deadline", "0"],
                      ["--deadline must be a positive number of seconds (got 0.0)"]),
    "jobs-zero": (["certify", "{elf}", "--type", "secret", "--jobs", "0"], ["--jobs must be at least 1"]),
    "bad-keyword": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "-k", "HS and ("],
                    ["invalid -k expression 'HS and ('"]),
    "unknown-area": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--area", "weather"],
                     ["unknown --area 'weather': choose from "]),
    "bad-baseline": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--baseline", "{not_report}"],
                     ["baseline {not_report} is not a vault-plugin-conformance/report/v1 report"]),
    "server-image-without-docker": (["certify", "{elf}", "--type", "secret", "--runtime", "process",
                                     "--server-image", "openbao/openbao:2.7.2"],
                                    ["--server-image needs --runtime docker (asked: --runtime process)"]),
    "report-dir-unwritable": (["certify", "{elf}", "--type", "secret", "--runtime", "process", "--report-dir",
                               "{blocker}/reports"], ["report directory {blocker}/reports is not writable"]),
    "no-command": ([], ["the following arguments are required: command"]),
    "requirements-format": (["requirements", "--format", "yaml"], ["requirements: argument --format: invalid choice: 'yaml'"]),
    "report-missing": (["report", "{missing}.json", "--format", "html"], ["cannot read report {missing}.json"]),
    "compare-not-a-report": (["compare", "{not_report}"],
                             ["report {not_report} is not a vault-plugin-conformance report (no results list)"]),
}


# A control: the manifest computes a value with a command (`true`) before its binary turns out to be missing;
# the audit log of that run must show the spawn, or the empty logs of the other cases would prove nothing.
CONTROL = (["certify", "--manifest", "{control}"], ["plugin binary not found: "])


def materials(root: Path) -> dict[str, str]:
    """The files the cases name."""
    (root / "site").mkdir()
    (root / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    elf = root / "reference-fake"
    elf.write_bytes(fake_elf(host_architecture()))
    elf.chmod(0o755)
    elf644 = root / "plugin-644"
    elf644.write_bytes(fake_elf(host_architecture()))
    elf644.chmod(0o644)
    other = "aarch64" if host_architecture() != "aarch64" else "x86_64"
    foreign = root / "foreign"
    foreign.write_bytes(fake_elf(other))
    foreign.chmod(0o755)
    script = root / "plugin.sh"
    script.write_text("#!/bin/sh\necho this must never run >&2\n")
    script.chmod(0o755)
    (root / "dir").mkdir()
    bad_manifest = root / "bad.toml"
    bad_manifest.write_text('[plugin]\nbinary = "reference-fake"\ntype = "secret"\ncolour = "red"\n')
    no_binary = root / "no-binary.toml"
    no_binary.write_text('[plugin]\nbinary = "no-such-plugin"\ntype = "secret"\n')
    not_report = root / "not-a-report.json"
    not_report.write_text('{"hello": 1}\n')
    blocker = root / "a-file"
    blocker.write_text("")
    control = root / "control.toml"
    control.write_text('[plugin]\nbinary = "no-such-plugin"\ntype = "secret"\n[[setup]]\noperation = "update"\n'
                       'path = "config"\ndata = { x = { command = ["true"] } }\n')
    return {"elf": str(elf), "elf644": str(elf644), "foreign": str(foreign), "other": other, "script": str(script),
            "dir": str(root / "dir"), "missing": str(root / "missing"), "bad_manifest": str(bad_manifest),
            "manifest_no_binary": str(no_binary), "not_report": str(not_report), "blocker": str(blocker),
            "site": str(root / "site"), "control": str(control)}


def run(case: str, args: list[str], root: Path, names: dict[str, str]) -> Run:
    private_tmp = Path(tempfile.mkdtemp(prefix=f"{case}-", dir=root / "tmp"))
    report_dir = root / "reports" / case
    args = [a.format(**names) for a in args]
    if args[:1] == ["certify"] and "--report-dir" not in args:
        args += ["--report-dir", str(report_dir)]
    audit_log = root / "audit" / f"{case}.log"
    env = {**os.environ, "TMPDIR": str(private_tmp), "VPC_UNIT_AUDIT_LOG": str(audit_log),
           "PYTHONPATH": os.pathsep.join(filter(None, [names["site"], os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "conformance", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    audit = audit_log.read_text().splitlines() if audit_log.exists() else []
    return Run(args, done.returncode, done.stdout, done.stderr, audit, sorted(os.listdir(private_tmp)), report_dir)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[dict[str, Run], dict[str, str]]:
    root = tmp_path_factory.mktemp("cli")
    for folder in ("tmp", "reports", "audit"):
        (root / folder).mkdir()
    names = materials(root)
    every = dict(CASES, **{"control-audit-sees-a-spawn": CONTROL})
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {case: pool.submit(run, case, args, root, names) for case, (args, _) in every.items()}
        return {case: future.result() for case, future in futures.items()}, names



def test_the_audit_hook_sees_what_a_command_starts(runs):
    done = runs[0]["control-audit-sees-a-spawn"]
    assert done.returncode == 2, done.stderr
    assert any(line.startswith("subprocess.Popen ") and "'true'" in line for line in done.audit), done.audit


@pytest.mark.parametrize("case", list(CASES))
def test_a_usage_error_is_one_line_exit_2_and_nothing_started(runs, case):
    results, names = runs
    done = results[case]
    words = [w.format(**names) for w in CASES[case][1]]
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    lines = done.stderr.splitlines()
    assert len(lines) == 1, f"expected one line: {done.stderr!r}"
    assert lines[0].startswith("vault-conformance: ") and "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert done.stdout == ""
    assert done.audit == [], f"it started something before the usage error: {done.audit}"
    assert done.tmp_left == [], f"it left files in its TMPDIR: {done.tmp_left}"
    if case != "report-dir-unwritable":
        assert not done.report_dir.exists(), "it made its report directory"
