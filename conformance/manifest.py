"""Certify manifests: one TOML file that says how to register, mount, configure and exercise a plugin.

The schema is a set of pydantic models (unknown keys forbidden, types strict),
so that every mistake in a manifest is reported at once, each named by its
key: ``invalid manifest m.toml: plugin.colour: unknown key; lease.path: missing``.
The README's "Manifests" section documents every key; the example below is the
short version.

    [plugin]
    binary = "../bin/reference-secrets"   # relative to the manifest file
    go_install = "example.com/x/cmd/x@v1.2.3"  # optional: how to build the binary when it is missing
    type = "secret"                       # secret | auth | database
    name = "reference-secrets"            # optional, default: the binary's file name
    version = "v0.1.0"                    # optional: the version registered in the catalog
    args = []                             # optional: catalog args
    env = { }                             # optional: catalog env

    [mount]                               # optional: how the plugin is enabled
    options = { }                         # e.g. { version = "2" } for kv
    default_lease_ttl = "60s"
    max_lease_ttl = "1h"

    [[setup]]                             # optional: requests through the server after mounting
    operation = "update"
    path = "config"
    data = { username_prefix = "vpc" }

    [[exercise]]                          # optional: requests that write and read state; the last
    operation = "update"                  # read-type one is the read-back. expect: optional
    path = "config"                       # status codes and data the answer must carry
    data = { username_prefix = "vpc" }
    [[exercise]]
    operation = "read"
    path = "config"
    expect = { status = [200], data = { username_prefix = "vpc" } }

    [lease]                               # optional (secrets): how to get a leased secret
    setup = [ { operation = "update", path = "roles/vpc", data = { ttl = 60 } } ]
    path = "creds/vpc"

    [login]                               # auth plugins: how to log in
    path = "login"
    data = { username = "vpc", password = { env = "VPC_PASSWORD" } }
    refused_data = { username = "vpc", password = "wrong" }
    policies = ["vpc-reader"]

    [database]                            # database plugins: how to reach and look at the database
    connection = { host = "127.0.0.1", port = { env = "DB_PORT", as = "int", secret = false } }
    login = { command = ["redis-cli", "-p", "{port}", "--user", "{username}", "--pass", "{password}",
              "ACL", "WHOAMI"], output = "{username}" }

    [expect]                              # read by the self-tests, ignored by certify
    verdict = "conformant"
    failing = []

Any value inside data can be computed instead of written: ``{ env = "NAME" }``
(an environment variable), ``{ file = "path" }`` (a file's text, relative to the
manifest), or ``{ command = ["prog", "arg"] }`` (a program's stdout, run from
the manifest's folder). Computed values are treated as secrets: every report
and log shows them as <redacted> (unless ``secret = false``); ``as = "int"``
turns one into an integer.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conformance.catalog import BY_ID
from conformance.errors import UsageError

READ_OPERATIONS = {"read", "list"}
WRITE_OPERATIONS = {"create", "update", "patch"}
COMMAND_TIMEOUT_S = 30.0  # a value command that takes longer is a broken manifest, not a slow one
Operation = Literal["read", "list", "create", "update", "delete", "patch"]
PluginType = Literal["secret", "auth", "database"]
RELATIVE_PATH = r"^[^/\s][^\s]*$"
DURATION = r"^\d+[smhd]?$"
GO_INSTALL = r"^[^@\s]+@v\S+$"
PLUGIN_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
SEMVER = r"^v?\d+\.\d+\.\d+\S*$"
MOUNT_PATH = r"^[A-Za-z0-9][A-Za-z0-9_/-]*[A-Za-z0-9]$"
# What each pattern means, for error messages a person can act on.
PATTERN_WORDS = {
    RELATIVE_PATH: "a path relative to the mount (no leading '/', no spaces)",
    DURATION: "a duration such as \"60s\", \"10m\", \"1h\" or a number of seconds",
    GO_INSTALL: "module/path/cmd/name@vX.Y.Z",
    PLUGIN_NAME: "letters, digits, '.', '_' and '-'",
    SEMVER: "a semantic version such as v1.2.3",
    MOUNT_PATH: "a mount path such as vpc-kv (no leading or trailing '/')",
}


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Answer(Table):
    status: list[int] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


class Request(Table):
    operation: Operation
    path: str = Field(pattern=RELATIVE_PATH)
    data: dict[str, Any] | None = None
    expect: Answer | None = None

    @property
    def line(self) -> str:
        return f"{self.operation} {self.path}"


class PluginTable(Table):
    binary: str | None = Field(default=None, min_length=1)
    go_install: str | None = Field(default=None, pattern=GO_INSTALL)
    type: PluginType | None = None
    name: str | None = Field(default=None, pattern=PLUGIN_NAME)
    version: str | None = Field(default=None, pattern=SEMVER)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("env")
    @classmethod
    def _env_names(cls, env: dict[str, str]) -> dict[str, str]:
        bad = [k for k in env if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k)]
        if bad:
            raise ValueError(f"environment variable names must be identifiers, got {bad}")
        return env


class MountTable(Table):
    path: str | None = Field(default=None, pattern=MOUNT_PATH)
    description: str = ""
    options: dict[str, str] = Field(default_factory=dict)
    default_lease_ttl: str | None = Field(default=None, pattern=DURATION)
    max_lease_ttl: str | None = Field(default=None, pattern=DURATION)


class Verify(Table):
    """A request that shows whether an issued credential still works; {field} takes the secret's data."""

    operation: Operation = "read"
    path: str = Field(pattern=RELATIVE_PATH)
    data: dict[str, Any] | None = None
    active: Answer  # what the answer is while the lease is live
    revoked: Answer  # what it is once the lease was revoked


class Recipe(Table):
    path: str = Field(pattern=RELATIVE_PATH)
    operation: Literal["read", "update"] = "read"
    data: dict[str, Any] | None = None
    setup: list[Request] = Field(default_factory=list)


class Removal(Table):
    """A request that removes an issued credential behind the expiration manager's back; {field} as in verify."""

    operation: Operation = "delete"
    path: str = Field(pattern=RELATIVE_PATH)
    data: dict[str, Any] | None = None


class LeaseTable(Recipe):
    max_ttl: int | None = Field(default=None, gt=0)  # seconds from issue a renewal must never pass
    verify: Verify | None = None
    remove: Removal | None = None
    expiring: Recipe | None = None  # issues a lease whose TTL is a few seconds


class LoginTable(Table):
    path: str = Field(pattern=RELATIVE_PATH)
    data: dict[str, Any]
    refused_data: dict[str, Any] | None = None
    policies: list[str] = Field(default_factory=list)
    renewable: bool = False  # the plugin promises renewable logins: LEASE-010/011 renew them
    max_ttl: int | None = Field(default=None, gt=0)  # seconds no renewal may pass (else the mount's max)


class UpgradeTable(Table):
    """Another build of the same plugin, registered as a second version and switched to on a mount."""

    binary: str = Field(min_length=1)
    version: str = Field(pattern=SEMVER)


class CommandCheck(Table):
    """A command that tells something about a user in the database; {username}, {password} and
    {<connection key>} in its arguments are replaced. It says yes when it exits 0 and its stdout (stripped)
    equals `output`, or has a line equal to `line`."""

    command: list[str | dict[str, Any]] = Field(min_length=1)  # an argument may be a computed value
    output: str | None = None
    line: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> "CommandCheck":
        if (self.output is None) == (self.line is None):
            raise ValueError("give exactly one of output (the whole stdout) or line (one line of it)")
        return self


class StaticUser(Table):
    """An existing database user for a static role, and its password before the role takes it over."""

    username: str = Field(min_length=1)
    password: Any


class DatabaseTable(Table):
    connection: dict[str, Any]  # database/config/<name> details (plugin_name and allowed_roles are the suite's)
    unreachable: dict[str, Any] = Field(default_factory=dict)  # overrides that point the connection at nothing
    creation_statements: list[str] = Field(default_factory=list)
    login: CommandCheck | None = None  # does {username}/{password} log in?
    user_exists: CommandCheck | None = None  # does {username} exist?
    static: StaticUser | None = None
    rotate_root: bool = True  # rotate-root changes the connection user's password: only on a disposable database


class ExpectTable(Table):
    verdict: Literal["conformant", "non-conformant", "incomplete"]
    failing: list[str] = Field(default_factory=list)
    runtime: Literal["process", "wire"] = "process"  # the runtime the self-test certifies with

    @property
    def exit_code(self) -> int:
        """What the CLI must exit with for this verdict (CONTRACT exit codes)."""
        return {"conformant": 0, "non-conformant": 1, "incomplete": 4}[self.verdict]

    @field_validator("failing")
    @classmethod
    def _known_ids(cls, failing: list[str]) -> list[str]:
        unknown = [f for f in failing if f not in BY_ID]
        if unknown:
            raise ValueError(f"not catalog requirement ids: {unknown}")
        return failing


class ManifestDocument(Table):
    plugin: PluginTable = Field(default_factory=PluginTable)
    mount: MountTable = Field(default_factory=MountTable)
    setup: list[Request] = Field(default_factory=list)
    exercise: list[Request] = Field(default_factory=list)
    lease: LeaseTable | None = None
    login: LoginTable | None = None
    upgrade: UpgradeTable | None = None
    database: DatabaseTable | None = None
    expect: ExpectTable | None = None

    @model_validator(mode="after")
    def _exercise_reads_back(self) -> "ManifestDocument":
        if self.exercise and not any(r.operation in READ_OPERATIONS for r in self.exercise):
            raise ValueError("[[exercise]] needs a read or list request to read back")
        return self


class Manifest:
    """A validated manifest, with paths resolved against its folder and computed values filled in."""

    def __init__(self, path: Path, document: ManifestDocument, secrets: set[str]):
        self.path = path
        self.document = document
        self.secrets = secrets  # computed values: the redactor hides them
        plugin = document.plugin
        self.binary = (path.parent / plugin.binary) if plugin.binary else None
        self.go_install = plugin.go_install
        self.plugin_type = plugin.type
        self.name = plugin.name
        self.version = plugin.version
        self.args = tuple(plugin.args)
        self.env = dict(plugin.env)
        self.mount = document.mount
        self.setup = tuple(document.setup)
        self.exercise = tuple(document.exercise)
        self.lease = document.lease
        self.login = document.login
        self.database = document.database
        self.upgrade = ((path.parent / document.upgrade.binary, document.upgrade.version)
                        if document.upgrade else None)
        self.expect = document.expect


def validate_manifest(raw_path: str | Path) -> ManifestDocument:
    """The manifest read and validated, with the same one-line errors as certify, but no computed value
    (`{ env = ... }`, `{ file = ... }`, `{ command = ... }`) made: what a dry run (--list) may do."""
    path = Path(raw_path)
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as error:
        raise UsageError(f"cannot read manifest {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"invalid manifest {path}: {error}") from None
    try:
        return ManifestDocument.model_validate(raw)
    except ValidationError as error:
        raise UsageError(f"invalid manifest {path}: {describe(error)}") from None


def load_manifest(raw_path: str | Path) -> Manifest:
    path = Path(raw_path)
    document = validate_manifest(path)
    secrets: set[str] = set()
    document = document.model_copy(update=_computed(document, path.parent, secrets))
    return Manifest(path, document, secrets)


def describe(error: ValidationError) -> str:
    """Every problem, each as 'key: what was wrong' in TOML's own dotted spelling."""
    problems = []
    for item in error.errors(include_url=False):
        key = _dotted(item["loc"])
        if item["type"] == "extra_forbidden":
            problems.append(f"{key}: unknown key")
        elif item["type"] == "missing":
            problems.append(f"{key}: missing (required)")
        else:
            seen = item.get("input")
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "string_pattern_mismatch":
                message = "expected " + PATTERN_WORDS.get(item["ctx"]["pattern"], f"a match for {item['ctx']['pattern']}")
            shown = f", got {seen!r}" if not isinstance(seen, (dict, list)) else ""
            problems.append(f"{key or 'manifest'}: {message}{shown}")
    return "; ".join(problems)


def _dotted(loc: tuple) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif not str(part).startswith(("function-", "literal[")):
            part = str(part).encode("unicode_escape").decode("ascii")  # a quoted TOML key may hold a newline
            key += f".{part}" if key else part
    return key


def read_back(requests) -> Request:
    """The request that reads state back: the last read or list among them."""
    return [r for r in requests if r.operation in READ_OPERATIONS][-1]


# -- computed values ---------------------------------------------------------
def _computed(document: ManifestDocument, folder: Path, secrets: set[str]) -> dict[str, Any]:
    def requests(where: str, items: list[Request]) -> list[Request]:
        return [r.model_copy(update={"data": _fill(r.data, f"{where}[{i}].data", folder, secrets)})
                for i, r in enumerate(items)]

    update: dict[str, Any] = {"setup": requests("setup", document.setup),
                              "exercise": requests("exercise", document.exercise)}
    if document.lease:
        expiring = document.lease.expiring
        update["lease"] = document.lease.model_copy(update={
            "setup": requests("lease.setup", document.lease.setup),
            "data": _fill(document.lease.data, "lease.data", folder, secrets),
            "expiring": expiring.model_copy(update={
                "setup": requests("lease.expiring.setup", expiring.setup),
                "data": _fill(expiring.data, "lease.expiring.data", folder, secrets)}) if expiring else None})
    if document.login:
        update["login"] = document.login.model_copy(update={
            "data": _fill(document.login.data, "login.data", folder, secrets),
            "refused_data": _fill(document.login.refused_data, "login.refused_data", folder, secrets)})
    if document.database:
        database = document.database
        update["database"] = database.model_copy(update={
            "connection": _fill(database.connection, "database.connection", folder, secrets),
            "login": database.login.model_copy(update={
                "command": [str(a) for a in _fill(database.login.command, "database.login.command", folder, secrets)]})
            if database.login else None,
            "user_exists": database.user_exists.model_copy(update={
                "command": [str(a) for a in _fill(database.user_exists.command, "database.user_exists.command", folder,
                                                  secrets)]})
            if database.user_exists else None,
            "static": database.static.model_copy(update={
                "password": _fill(database.static.password, "database.static.password", folder, secrets)})
            if database.static else None})
    return update


SOURCES = ("env", "file", "command")


def _fill(value: Any, key: str, folder: Path, secrets: set[str]) -> Any:
    if isinstance(value, dict):
        sources = [k for k in value if k in SOURCES]
        if len(sources) == 1 and set(value) <= {*SOURCES, "as", "secret"}:
            computed = _compute(sources[0], value[sources[0]], key, folder)
            if value.get("secret", True) is not False:
                secrets.add(computed)
            if value.get("as", "string") == "int":
                try:
                    return int(computed)
                except ValueError:
                    raise UsageError(f"manifest value {key}: {sources[0]} gave {computed!r}, not an integer") from None
            if value.get("as", "string") != "string":
                raise UsageError(f"manifest value {key}: as must be \"string\" or \"int\", not {value['as']!r}")
            return computed
        return {k: _fill(v, f"{key}.{k}", folder, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, f"{key}[{i}]", folder, secrets) for i, v in enumerate(value)]
    return value


def _compute(kind: str, spec: Any, key: str, folder: Path) -> str:
    if kind == "env":
        if not isinstance(spec, str) or spec not in os.environ:
            raise UsageError(f"manifest value {key}: environment variable {spec!r} is not set")
        return os.environ[spec]
    if kind == "file":
        if not isinstance(spec, str):
            raise UsageError(f"manifest value {key}: file must be a path string")
        try:
            return (folder / spec).read_text().rstrip("\n")  # like $(cat file)
        except OSError as error:
            raise UsageError(f"manifest value {key}: cannot read {folder / spec}: {error.strerror}") from None
    if not isinstance(spec, list) or not spec or not all(isinstance(a, str) for a in spec):
        raise UsageError(f"manifest value {key}: command must be a non-empty array of strings")
    try:
        done = subprocess.run(spec, cwd=folder, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise UsageError(f"manifest value {key}: command {spec[0]!r} not found") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"manifest value {key}: command {spec[0]!r} ran longer than {COMMAND_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"manifest value {key}: command {spec[0]!r} exited {done.returncode}: {last}")
    return done.stdout.strip()
