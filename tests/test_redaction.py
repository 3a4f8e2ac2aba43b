"""One redactor applied to everything written: planted secrets reach no report file, by any path."""

import base64
import copy
import json
import secrets

import pytest

from conformance.report.redact import Redactor
from conformance.report.writers import WRITERS, write_reports

from conftest import MANIFESTS, run_cli_once


@pytest.fixture(scope="module")
def real_document(tmp_path_factory):
    """A real certification's report.json (wire runtime: quick), to plant secrets into."""
    yield from (json.loads((run.report_dir / "report.json").read_text())
                for run in run_cli_once(tmp_path_factory, "certify", "--manifest",
                                        str(MANIFESTS / "reference-secrets.toml"), "--runtime", "wire"))


def test_planted_secrets_reach_no_file(real_document, tmp_path):
    root_token = "s." + secrets.token_hex(12)
    unseal_key = base64.b64encode(secrets.token_bytes(32)).decode()
    password = "A1a-" + secrets.token_urlsafe(14)
    document = copy.deepcopy(real_document)
    # Wherever a check could put something it saw: messages, evidence at any depth, lists, the plugin block.
    first, second = document["results"][0], document["results"][-1]
    first["message"] += f" (token {root_token})"
    first["evidence"]["nested"] = {"deeper": [f"unseal with {unseal_key}", {"note": password}]}
    second["evidence"]["transcript"] = [f"login with {password}", root_token]
    document["plugin"]["path"] = f"/tmp/{password}/plugin"
    logs = {"plugin.log": f"Root Token: {root_token}\nUnseal Key: {unseal_key}\npassword={password}\n",
            "server.log": f"[INFO] using {root_token} and {unseal_key}"}
    written = write_reports(tmp_path, document, Redactor({root_token, unseal_key, password}), logs)
    files = sorted(tmp_path.iterdir())
    assert {f.name for f in files} == set(WRITERS) | set(logs)
    for path in files:
        text = path.read_text()
        for secret in (root_token, unseal_key, password):
            assert secret not in text, f"{secret[:6]}… leaked into {path.name}"
    assert "<redacted>" in (tmp_path / "report.json").read_text()
    assert written["results"][0]["message"].endswith("(token <redacted>)")


def test_values_under_secret_keys_are_redacted_whatever_they_are(real_document, tmp_path):
    document = copy.deepcopy(real_document)
    document["results"][0]["evidence"]["credential"] = {"username": "vpc-u", "password": "unknown-to-the-redactor"}
    write_reports(tmp_path, document, Redactor())
    for name in WRITERS:
        assert "unknown-to-the-redactor" not in (tmp_path / name).read_text(), name
    assert "vpc-u" in (tmp_path / "report.json").read_text()
