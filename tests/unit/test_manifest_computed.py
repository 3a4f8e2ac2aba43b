"""A manifest's computed values: { env = ... }, { file = ... } and { command = ... }, with `as` and `secret`,
wherever the manifest allows them; each mistake is one UsageError line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.manifest import load_manifest


def load(tmp_path: Path, body: str):
    path = tmp_path / "m.toml"
    path.write_text(body)
    return load_manifest(path)


def setup_data(tmp_path: Path, value: str):
    """The data of a [[setup]] request whose x is the given TOML value."""
    manifest = load(tmp_path, f'[[setup]]\noperation = "update"\npath = "config"\ndata = {{ x = {value}, y = "plain" }}\n')
    return manifest.setup[0].data, manifest.secrets


def failure(tmp_path: Path, value: str) -> str:
    with pytest.raises(UsageError) as raised:
        setup_data(tmp_path, value)
    message = str(raised.value)
    assert "\n" not in message and raised.value.exit_code == 2
    return message


def test_env_gives_the_variable_and_makes_it_a_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("VPC_UNIT_PASSWORD", "s3cret-from-env")
    assert setup_data(tmp_path, '{ env = "VPC_UNIT_PASSWORD" }') == ({"x": "s3cret-from-env", "y": "plain"},
                                                                     {"s3cret-from-env"})


def test_secret_false_keeps_a_value_out_of_the_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("VPC_UNIT_HOST", "db.internal.example")
    data, secrets = setup_data(tmp_path, '{ env = "VPC_UNIT_HOST", secret = false }')
    assert data["x"] == "db.internal.example" and secrets == set()


def test_as_int_turns_it_into_an_integer(tmp_path, monkeypatch):
    monkeypatch.setenv("VPC_UNIT_PORT", "6390")
    data, _ = setup_data(tmp_path, '{ env = "VPC_UNIT_PORT", as = "int", secret = false }')
    assert data["x"] == 6390 and isinstance(data["x"], int)


def test_as_string_is_the_default_spelled_out(tmp_path, monkeypatch):
    monkeypatch.setenv("VPC_UNIT_PORT", "6390")
    assert setup_data(tmp_path, '{ env = "VPC_UNIT_PORT", as = "string" }')[0]["x"] == "6390"


def test_an_unset_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("VPC_UNIT_SURELY_UNSET", raising=False)
    assert failure(tmp_path, '{ env = "VPC_UNIT_SURELY_UNSET" }') == (
        "manifest value setup[0].data.x: environment variable 'VPC_UNIT_SURELY_UNSET' is not set")


def test_as_int_of_something_else(tmp_path, monkeypatch):
    monkeypatch.setenv("VPC_UNIT_PORT", "sixty")
    assert failure(tmp_path, '{ env = "VPC_UNIT_PORT", as = "int" }') == (
        "manifest value setup[0].data.x: env gave 'sixty', not an integer")


def test_as_anything_else(tmp_path, monkeypatch):
    monkeypatch.setenv("VPC_UNIT_PORT", "1.5")
    assert failure(tmp_path, '{ env = "VPC_UNIT_PORT", as = "float" }') == (
        "manifest value setup[0].data.x: as must be \"string\" or \"int\", not 'float'")


def test_file_reads_relative_to_the_manifest_without_its_last_newlines(tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "pub.pem").write_text("-----BEGIN KEY-----\nabc\n-----END KEY-----\n\n")
    data, secrets = setup_data(tmp_path, '{ file = "keys/pub.pem" }')
    assert data["x"] == "-----BEGIN KEY-----\nabc\n-----END KEY-----"
    assert secrets == {data["x"]}


def test_a_file_that_is_not_there(tmp_path):
    assert failure(tmp_path, '{ file = "nope.pem" }') == (
        f"manifest value setup[0].data.x: cannot read {tmp_path / 'nope.pem'}: No such file or directory")


def test_a_file_must_be_named_by_a_string(tmp_path):
    assert failure(tmp_path, "{ file = 3 }") == "manifest value setup[0].data.x: file must be a path string"


def test_command_gives_its_stripped_stdout_run_from_the_manifests_folder(tmp_path):
    data, secrets = setup_data(tmp_path, '{ command = ["sh", "-c", "echo \\"  $(pwd)  \\""] }')
    assert data["x"] == str(tmp_path) and secrets == {str(tmp_path)}


def test_command_gets_no_stdin(tmp_path):
    data, _ = setup_data(tmp_path, '{ command = ["sh", "-c", "cat; echo done"] }')
    assert data["x"] == "done"


def test_a_failing_command_says_its_status_and_last_stderr_line(tmp_path):
    assert failure(tmp_path, '{ command = ["sh", "-c", "echo one >&2; echo two >&2; exit 3"] }') == (
        "manifest value setup[0].data.x: command 'sh' exited 3: two")
    assert failure(tmp_path, '{ command = ["false"] }') == "manifest value setup[0].data.x: command 'false' exited 1: no output"


def test_a_command_that_is_not_there(tmp_path):
    assert failure(tmp_path, '{ command = ["vpc-unit-no-such-program"] }') == (
        "manifest value setup[0].data.x: command 'vpc-unit-no-such-program' not found")


@pytest.mark.parametrize("value", ['{ command = [] }', '{ command = "echo hi" }', '{ command = ["echo", 1] }'])
def test_a_command_must_be_a_non_empty_array_of_strings(tmp_path, value):
    assert failure(tmp_path, value) == "manifest value setup[0].data.x: command must be a non-empty array of strings"


def test_a_table_with_other_keys_is_data_not_a_computed_value(tmp_path):
    data, secrets = setup_data(tmp_path, '{ env = "HOME", note = "kept" }')
    assert data["x"] == {"env": "HOME", "note": "kept"} and secrets == set()


def test_values_nested_in_lists_and_tables_are_computed(tmp_path, monkeypatch):
    monkeypatch.setenv("VPC_UNIT_A", "value-a-123456")
    data, _ = setup_data(tmp_path, '{ list = [1, { env = "VPC_UNIT_A" }], table = { inner = { env = "VPC_UNIT_A" } } }')
    assert data["x"] == {"list": [1, "value-a-123456"], "table": {"inner": "value-a-123456"}}


EVERY_PLACE = """
[[exercise]]
operation = "update"
path = "config"
data = { a = @V@ }
[[exercise]]
operation = "read"
path = "config"
[lease]
path = "creds/x"
operation = "update"
data = { b = @V@ }
setup = [ { operation = "update", path = "roles/x", data = { c = @V@ } } ]
[lease.expiring]
path = "creds/short"
data = { d = @V@ }
setup = [ { operation = "update", path = "roles/short", data = { e = @V@ } } ]
[login]
path = "login"
data = { f = @V@ }
refused_data = { g = @V@ }
[database]
connection = { h = @V@, port = { env = "VPC_UNIT_PORT", as = "int", secret = false } }
static = { username = "u", password = @V@ }
[database.login]
command = ["check", "--pass", @V@, "{username}"]
output = "OK"
[database.user_exists]
command = ["exists", @V@]
line = "{username}"
""".replace("@V@", '{ env = "VPC_UNIT_V" }')


def test_every_place_that_takes_computed_values(tmp_path, monkeypatch):
    monkeypatch.setenv("VPC_UNIT_V", "computed-value-1")
    monkeypatch.setenv("VPC_UNIT_PORT", "6390")
    manifest = load(tmp_path, EVERY_PLACE)
    c = "computed-value-1"
    assert manifest.exercise[0].data == {"a": c}
    assert manifest.lease.data == {"b": c} and manifest.lease.setup[0].data == {"c": c}
    assert manifest.lease.expiring.data == {"d": c} and manifest.lease.expiring.setup[0].data == {"e": c}
    assert manifest.login.data == {"f": c} and manifest.login.refused_data == {"g": c}
    assert manifest.database.connection == {"h": c, "port": 6390}
    assert manifest.database.static.password == c
    assert manifest.database.login.command == ["check", "--pass", c, "{username}"]
    assert manifest.database.user_exists.command == ["exists", c]
    assert manifest.secrets == {c}


def test_the_error_names_the_place_of_the_value(tmp_path, monkeypatch):
    monkeypatch.delenv("VPC_UNIT_SURELY_UNSET", raising=False)
    path = tmp_path / "m.toml"
    path.write_text('[login]\npath = "login"\ndata = { user = "u", creds = [ "a", { env = "VPC_UNIT_SURELY_UNSET" } ] }\n')
    with pytest.raises(UsageError, match=r"^manifest value login\.data\.creds\[1\]: environment variable"):
        load_manifest(path)


def test_the_jwt_manifest_computes_its_keys_with_a_command():
    manifests = Path(__file__).resolve().parents[2] / "plugins_under_test" / "manifests"
    manifest = load_manifest(manifests / "vault-plugin-auth-jwt.toml")
    key = manifest.setup[0].data["jwt_validation_pubkeys"]
    assert key.startswith("-----BEGIN PUBLIC KEY-----") and key in manifest.secrets
    assert manifest.login.data["jwt"].count(".") == 2  # a minted JWT: header.payload.signature
