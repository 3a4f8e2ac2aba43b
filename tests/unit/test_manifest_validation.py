"""conformance.manifest.load_manifest: every kind of bad manifest is one UsageError line naming the file and the
key; good manifests (every one under plugins_under_test/manifests/) load."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.manifest import load_manifest, read_back

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "plugins_under_test" / "manifests"
REDIS_ENV = {"VPC_REDIS_HOST": "127.0.0.1", "VPC_REDIS_PORT": "6390", "VPC_REDIS_ROOT_PASSWORD": "root-pw-123456",
             "VPC_REDIS_OBSERVER_PASSWORD": "observer-pw-123456", "VPC_REDIS_STATIC_PASSWORD": "static-pw-123456"}


def usage_error(tmp_path: Path, body: str | bytes) -> str:
    path = tmp_path / "m.toml"
    path.write_bytes(body) if isinstance(body, bytes) else path.write_text(body)
    with pytest.raises(UsageError) as raised:
        load_manifest(path)
    assert raised.value.exit_code == 2
    return str(raised.value)


BAD = [
    ("unknown-key", '[plugin]\ncolour = "red"\n', ["plugin.colour: unknown key"]),
    ("unknown-table", 'colour = 1\n', ["colour: unknown key"]),
    ("wrong-type", '[plugin]\nversion = 3\n', ["plugin.version: Input should be a valid string, got 3"]),
    ("bad-plugin-type", '[plugin]\ntype = "secrets"\n', ["plugin.type", "'secret', 'auth' or 'database'",
                                                          "got 'secrets'"]),
    ("absolute-path", '[[exercise]]\noperation = "read"\npath = "/config"\n',
     ["exercise[0].path: expected a path relative to the mount (no leading '/', no spaces), got '/config'"]),
    ("bad-operation", '[[exercise]]\noperation = "write"\npath = "config"\n', ["exercise[0].operation", "got 'write'"]),
    ("no-read-back", '[[exercise]]\noperation = "update"\npath = "config"\n',
     ["manifest: [[exercise]] needs a read or list request to read back"]),
    ("bad-duration", '[mount]\nmax_lease_ttl = "forever"\n', ["mount.max_lease_ttl: expected a duration"]),
    ("mount-option-not-a-string", '[mount]\noptions = { version = 2 }\n', ["mount.options.version", "valid string"]),
    ("bad-mount-path", '[mount]\npath = "/kv/"\n', ["mount.path: expected a mount path such as vpc-kv", "got '/kv/'"]),
    ("env-name", '[plugin]\nenv = { "1BAD" = "x" }\n', ["plugin.env", "must be identifiers", "1BAD"]),
    ("go-install", '[plugin]\ngo_install = "example.com/x"\n', ["plugin.go_install: expected module/path/cmd/name@vX.Y.Z"]),
    ("plugin-name", '[plugin]\nname = "my plugin"\n', ["plugin.name: expected letters, digits", "got 'my plugin'"]),
    ("plugin-version", '[plugin]\nversion = "latest"\n', ["plugin.version: expected a semantic version"]),
    ("args-not-a-list", '[plugin]\nargs = "x"\n', ["plugin.args: Input should be a valid list, got 'x'"]),
    ("login-without-data", '[login]\npath = "login"\n', ["login.data: missing (required)"]),
    ("lease-without-path", '[lease]\nsetup = []\n', ["lease.path: missing (required)"]),
    ("lease-max-ttl", '[lease]\npath = "creds/x"\nmax_ttl = 0\n', ["lease.max_ttl: Input should be greater than 0"]),
    ("verify-half", '[lease]\npath = "c"\n[lease.verify]\npath = "x"\nactive = {}\n',
     ["lease.verify.revoked: missing (required)"]),
    ("status-as-text", '[[exercise]]\noperation = "read"\npath = "x"\nexpect = { status = ["200"] }\n',
     ["exercise[0].expect.status[0]: Input should be a valid integer, got '200'"]),
    ("expect-unknown-id", '[expect]\nverdict = "conformant"\nfailing = ["NOPE-001"]\n',
     ["expect.failing", "not catalog requirement ids", "NOPE-001"]),
    ("expect-verdict", '[expect]\nverdict = "great"\n', ["expect.verdict", "got 'great'"]),
    ("upgrade-version", '[upgrade]\nbinary = "b"\nversion = "latest"\n', ["upgrade.version: expected a semantic version"]),
    ("db-login-output-and-line", '[database]\nconnection = {}\n[database.login]\ncommand = ["x"]\noutput = "a"\n'
     'line = "b"\n', ["database.login: give exactly one of output (the whole stdout) or line (one line of it)"]),
    ("db-login-neither", '[database]\nconnection = {}\n[database.login]\ncommand = ["x"]\n', ["database.login: give exactly one"]),
    ("db-login-no-command", '[database]\nconnection = {}\n[database.login]\ncommand = []\noutput = "a"\n',
     ["database.login.command"]),
    ("db-connection-a-string", '[database]\nconnection = "redis://x"\n', ["database.connection"]),
    ("db-static-user", '[database]\nconnection = {}\n[database.static]\nusername = ""\npassword = "p"\n',
     ["database.static.username"]),
    ("db-rotate-root-text", '[database]\nconnection = {}\nrotate_root = "yes"\n', ["database.rotate_root"]),
    ("toml-syntax", "[plugin\n", ["Expected ']' at the end of a table declaration (at line 1, column 8)"]),
    ("not-utf8", b'[plugin]\nname = "\xff"\n', ["'utf-8' codec can't decode byte 0xff"]),
]


@pytest.mark.parametrize("body, words", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_a_bad_manifest_is_one_line_naming_the_file_and_the_key(tmp_path, body, words):
    message = usage_error(tmp_path, body)
    assert message.startswith(f"invalid manifest {tmp_path / 'm.toml'}: ")
    assert "\n" not in message and "Traceback" not in message
    for word in words:
        assert word in message


def test_every_problem_is_named_at_once(tmp_path):
    message = usage_error(tmp_path, '[plugin]\nbinary = "x"\ntype = "secret"\ncolour = "red"\nversion = 3\n'
                                    '[lease]\nsetup = []\n')
    problems = message.split(": ", 1)[1].split("; ")
    assert sorted(problems) == ["lease.path: missing (required)", "plugin.colour: unknown key",
                                "plugin.version: Input should be a valid string, got 3"]


def test_a_missing_manifest_cannot_be_read(tmp_path):
    with pytest.raises(UsageError, match=r"^cannot read manifest .*/nope\.toml: No such file or directory$"):
        load_manifest(tmp_path / "nope.toml")


def test_a_directory_is_not_a_manifest(tmp_path):
    with pytest.raises(UsageError, match="^cannot read manifest "):
        load_manifest(tmp_path)


def test_a_key_with_a_newline_still_gives_one_line(tmp_path):
    message = usage_error(tmp_path, '[plugin]\n"colour\\nred" = 1\n')
    assert "unknown key" in message and "\n" not in message


def test_every_manifest_of_the_plugins_under_test_loads(monkeypatch):
    for key, value in REDIS_ENV.items():
        monkeypatch.setenv(key, value)
    paths = sorted(MANIFESTS.glob("*.toml"))
    assert len(paths) > 50
    for path in paths:
        manifest = load_manifest(path)
        assert manifest.plugin_type in ("secret", "auth", "database"), path.name
        assert manifest.binary.resolve().parent == (MANIFESTS.parent / "bin").resolve(), path.name
        if manifest.expect is not None:
            assert manifest.expect.verdict in ("conformant", "non-conformant", "incomplete")


def test_the_reference_manifest_in_detail():
    manifest = load_manifest(MANIFESTS / "reference-secrets.toml")
    assert manifest.path == MANIFESTS / "reference-secrets.toml"
    assert manifest.binary == MANIFESTS / "../bin/reference-secrets"
    assert (manifest.plugin_type, manifest.name, manifest.version) == ("secret", None, None)
    assert [r.line for r in manifest.exercise] == ["update config", "read config"]
    assert read_back(manifest.exercise).line == "read config"
    assert manifest.lease.path == "creds/vpc" and manifest.lease.max_ttl == 300
    assert manifest.lease.verify.active.data == {"status": "active"}
    assert manifest.lease.expiring.path == "creds/vpc-short"
    assert manifest.upgrade == (MANIFESTS / "../bin/reference-secrets-v0.2.0", "v0.2.0")
    assert (manifest.expect.verdict, manifest.expect.failing) == ("conformant", [])
    assert manifest.secrets == set()


def test_the_mutants_manifest_names_the_requirements_it_fails():
    manifest = load_manifest(MANIFESTS / "mutant-revoke-does-nothing.toml")
    assert manifest.expect.verdict == "non-conformant"
    assert set(manifest.expect.failing) >= {"LEASE-005"}


def test_an_empty_manifest_loads_with_every_default(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text("")
    manifest = load_manifest(path)
    assert (manifest.binary, manifest.plugin_type, manifest.go_install) == (None, None, None)
    assert (manifest.setup, manifest.exercise, manifest.args, manifest.env) == ((), (), (), {})
    assert (manifest.lease, manifest.login, manifest.database, manifest.upgrade, manifest.expect) == (None,) * 5
    assert manifest.mount.options == {} and manifest.mount.path is None


def test_a_binary_is_relative_to_the_manifests_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "m.toml"
    path.write_text('[plugin]\nbinary = "../bin/p"\ntype = "auth"\nname = "p.v2_x-y"\nversion = "v1.2.3-rc.1"\n'
                    'args = ["-a"]\nenv = { A_B = "1" }\n')
    manifest = load_manifest(path)
    assert manifest.binary == tmp_path / "sub" / "../bin/p"
    assert (manifest.name, manifest.version, manifest.args, manifest.env) == ("p.v2_x-y", "v1.2.3-rc.1", ("-a",),
                                                                              {"A_B": "1"})


def test_read_back_is_the_last_read_or_list(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[[exercise]]\noperation = "list"\npath = "a/"\n[[exercise]]\noperation = "update"\npath = "b"\n'
                    '[[exercise]]\noperation = "read"\npath = "c"\n[[exercise]]\noperation = "delete"\npath = "d"\n')
    assert read_back(load_manifest(path).exercise).line == "read c"
