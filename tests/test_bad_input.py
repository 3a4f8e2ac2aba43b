"""Bad input: one clear line on stderr, exit code 2, no traceback, nothing left behind."""

import shutil
import socket
import subprocess

import pytest

from conftest import assert_nothing_left


def assert_usage_error(run, *words):
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {run.stderr!r}"
    assert "Traceback" not in run.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert_nothing_left(run)


def test_missing_binary(run_cli, tmp_path):
    assert_usage_error(run_cli("certify", str(tmp_path / "nope"), "--type", "secret"), "not found")


def test_directory_instead_of_file(run_cli, tmp_path):
    assert_usage_error(run_cli("certify", str(tmp_path), "--type", "secret"), "is a directory")


def test_no_exec_bit(run_cli, tmp_path, reference_secrets):
    copy = tmp_path / "plugin"
    shutil.copyfile(reference_secrets, copy)
    copy.chmod(0o644)
    assert_usage_error(run_cli("certify", str(copy), "--type", "secret"), "not executable")


def test_not_an_elf(run_cli, tmp_path):
    script = tmp_path / "plugin.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    assert_usage_error(run_cli("certify", str(script), "--type", "secret"), "not an ELF")


def test_elf_for_another_architecture(run_cli, tmp_path):
    go = shutil.which("go")
    assert go, "Go is needed to build a foreign-architecture binary"
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    (tmp_path / "go.mod").write_text("module foreign\n\ngo 1.21\n")
    foreign = tmp_path / "foreign"
    subprocess.run([go, "build", "-o", str(foreign), "."], cwd=tmp_path, check=True, timeout=300,
                   env={**__import__("os").environ, "GOARCH": "arm64", "GOOS": "linux", "CGO_ENABLED": "0"})
    assert_usage_error(run_cli("certify", str(foreign), "--type", "secret"), "aarch64")


def test_unknown_type(run_cli, reference_secrets):
    assert_usage_error(run_cli("certify", str(reference_secrets), "--type", "kms"), "unknown --type")


def test_unknown_option(run_cli, reference_secrets):
    assert_usage_error(run_cli("certify", str(reference_secrets), "--type", "secret", "--colour"), "unrecognized")


def test_unwritable_report_dir(run_cli, tmp_path, reference_secrets):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert_usage_error(run_cli("certify", str(reference_secrets), "--type", "secret",
                               "--report-dir", str(blocker / "reports")), "not writable")


def test_invalid_manifest(run_cli, tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text("[plugin]\nbinary = 3\n")
    assert_usage_error(run_cli("certify", "--manifest", str(manifest)), "invalid manifest")


def test_manifest_problems_are_all_named_by_key(run_cli, tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text('[plugin]\nbinary = "x"\ntype = "secret"\ncolour = "red"\nversion = 3\n'
                        '[lease]\nsetup = []\n')
    assert_usage_error(run_cli("certify", "--manifest", str(manifest)), str(manifest),
                       "plugin.colour: unknown key", "plugin.version: Input should be a valid string, got 3",
                       "lease.path: missing (required)")


@pytest.mark.parametrize("body, words", [
    ('[plugin]\ntype = "secrets"\n', ("plugin.type", "'secret', 'auth' or 'database'", "got 'secrets'")),
    ('[[exercise]]\noperation = "update"\npath = "/config"\n', ("exercise[0].path", "no leading '/'")),
    ('[[exercise]]\noperation = "write"\npath = "config"\n', ("exercise[0].operation", "got 'write'")),
    ('[[exercise]]\noperation = "update"\npath = "config"\n', ("needs a read or list request",)),
    ('[mount]\nmax_lease_ttl = "forever"\n', ("mount.max_lease_ttl", "a duration")),
    ('[mount]\noptions = { version = 2 }\n', ("mount.options.version", "valid string")),
    ('[plugin]\nenv = { "1BAD" = "x" }\n', ("plugin.env", "identifiers")),
    ('[plugin]\ngo_install = "example.com/x"\n', ("plugin.go_install", "module/path/cmd/name@vX.Y.Z")),
    ('[login]\npath = "login"\n', ("login.data: missing",)),
    ('[expect]\nverdict = "conformant"\nfailing = ["NOPE-001"]\n', ("expect.failing", "NOPE-001")),
    ('[[setup]]\noperation = "update"\npath = "config"\ndata = { x = { env = "VPC_SURELY_UNSET" } }\n',
     ("setup[0].data.x", "VPC_SURELY_UNSET", "not set")),
    ('[[setup]]\noperation = "update"\npath = "config"\ndata = { x = { command = ["false"] } }\n',
     ("setup[0].data.x", "exited 1")),
    ('[[setup]]\noperation = "update"\npath = "config"\ndata = { x = { file = "nope.pem" } }\n',
     ("setup[0].data.x", "cannot read")),
    ("[plugin\n", ("invalid manifest",)),
])
def test_manifest_field_errors(run_cli, tmp_path, body, words):
    manifest = tmp_path / "m.toml"
    manifest.write_text(body)
    assert_usage_error(run_cli("certify", "--manifest", str(manifest)), *words)


def test_invalid_keyword_expression(run_cli, reference_secrets):
    assert_usage_error(run_cli("certify", str(reference_secrets), "--type", "secret", "-k", "HS and ("), "-k")


def test_baseline_not_a_report(run_cli, tmp_path, reference_secrets):
    baseline = tmp_path / "b.json"
    baseline.write_text('{"hello": 1}')
    assert_usage_error(run_cli("certify", str(reference_secrets), "--type", "secret", "--baseline", str(baseline)),
                       "baseline")


def test_port_taken_is_an_infrastructure_error(run_cli, tmp_path, reference_secrets):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = run_cli("certify", str(reference_secrets), "--type", "secret", "--server-port", str(port),
                      "--runtime", "process", "--report-dir", str(tmp_path / "r"))
    assert run.returncode == 3, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "address already in use" in lines[0], run.stderr
    assert "Traceback" not in run.stderr
    assert_nothing_left(run)
    assert "address already in use" in (tmp_path / "r" / "server.log").read_text()


@pytest.mark.parametrize("args", [["requirements", "--format", "yaml"], ["report", "/nonexistent.json", "--format", "junit"]])
def test_other_commands_bad_input(run_cli, args):
    assert_usage_error(run_cli(*args))


# Every certify option given a wrong value (the binary is real, so only the option is wrong): exit 2, one line
# naming the option, no traceback. Checked before any server or plugin starts.
@pytest.mark.parametrize("option, words", [
    (["--runtime", "vm"], ("--runtime", "vm")),
    (["--server", "consul"], ("--server", "consul")),
    (["--server-binary", "/nonexistent/bao"], ("--server-binary",)),
    (["--server-port", "http"], ("--server-port", "http")),
    (["--level", "may"], ("--level", "may")),
    (["--jobs", "0"], ("--jobs",)),
    (["--jobs", "two"], ("--jobs", "two")),
    (["--baseline", "/nonexistent/report.json"], ("baseline",)),
    (["--type", "kms"], ("kms",)),
    (["--manifest", "/nonexistent/m.toml"], ("/nonexistent/m.toml",)),
    (["-k", "not"], ("-k",)),
    (["--deadline", "0"], ("--deadline",)),
    (["--deadline", "soon"], ("--deadline", "soon")),
    (["--deadline", "inf"], ("--deadline",)),
    (["--area", "weather"], ("weather",)),
], ids=lambda v: v[0] if isinstance(v, list) else None)
def test_every_option_with_a_wrong_value(run_cli, tmp_path, reference_secrets, option, words):
    args = ["certify", "--report-dir", str(tmp_path / "r")]
    if "--manifest" not in option:
        args += [str(reference_secrets)] + (["--type", "secret"] if "--type" not in option else [])
    assert_usage_error(run_cli(*args, *option), *words)


@pytest.mark.parametrize("body, words", [
    ('[database]\nconnection = { host = "h" }\n[database.login]\ncommand = ["true"]\n', ("database.login",)),
    ('[database]\nconnection = { port = { env = "HOME", as = "int" } }\n', ("database.connection.port", "not an integer")),
    ('[database]\nconnection = { port = { env = "HOME", as = "float" } }\n', ("database.connection.port", "as must be")),
    ('[database]\nconnection = "redis://x"\n', ("database.connection",)),
    ('[database]\nconnection = {}\n[database.static]\nusername = ""\npassword = "p"\n', ("database.static.username",)),
    ('[database]\nconnection = {}\nrotate_root = "yes"\n', ("database.rotate_root",)),
])
def test_database_manifest_field_errors(run_cli, tmp_path, body, words):
    manifest = tmp_path / "m.toml"
    manifest.write_text('[plugin]\nbinary = "/bin/true"\ntype = "database"\n' + body)
    assert_usage_error(run_cli("certify", "--manifest", str(manifest)), *words)


@pytest.mark.parametrize("args", [
    ["compare", "/nonexistent.json"],
    ["report", "/etc/hostname", "--format", "html"],
])
def test_report_commands_bad_input(run_cli, args):
    assert_usage_error(run_cli(*args))


@pytest.mark.parametrize("runtime", ["wire", "process"])
def test_a_type_the_plugin_contradicts_is_a_usage_error_with_a_hint(run_cli, tmp_path, reference_secrets, runtime):
    """A secrets engine certified as an auth method: exit 2 and the type it reports, not a plugin defect."""
    run = run_cli("certify", str(reference_secrets), "--type", "auth", "--runtime", runtime,
                  "--report-dir", str(tmp_path / "r"))
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.strip().splitlines() == [
        "vault-conformance: the plugin reports it is a secrets engine (Type 1); did you mean --type secret? "
        "(if it is an auth method, its Type() is wrong)"]
    assert "Traceback" not in run.stderr and not (tmp_path / "r" / "report.json").exists()
    assert_nothing_left(run)
