"""report.redact.Redactor: known secret values anywhere, and any value under a secret-sounding key."""

from __future__ import annotations

import json
import re

import pytest

from conformance.report.redact import REDACTED, SECRET_KEY, Redactor
from unit_samples import SAMPLES, sample


def test_every_occurrence_of_a_known_secret_is_replaced():
    assert Redactor({"abcdef123"}).text("x abcdef123 y abcdef123") == f"x {REDACTED} y {REDACTED}"


def test_the_longest_secret_is_replaced_first():
    # were the shorter one first, "...-suffix" would be left behind
    redactor = Redactor({"secret-value", "secret-value-suffix"})
    assert redactor.text("[secret-value-suffix] [secret-value]") == f"[{REDACTED}] [{REDACTED}]"


def test_secrets_shorter_than_six_characters_are_not_taken():
    redactor = Redactor({"abc", "12345", "", None})
    redactor.add("short")
    redactor.add(None)
    redactor.add("")
    assert redactor.secrets == set()
    assert redactor.text("abc 12345 short") == "abc 12345 short"
    redactor.add("sixsix")
    assert redactor.text("a sixsix b") == f"a {REDACTED} b"


@pytest.mark.parametrize("key", ["password", "Password", "db_password", "passphrase", "secret_key", "private_key",
                                 "client_token", "root_token", "unseal_keys_b64", "token", "TOKEN", "secret_id"])
def test_a_value_under_a_secret_sounding_key_is_redacted_whatever_it_is(key):
    data = Redactor().data({key: "anything", "nested": {key: 12345}, "items": [{key: ["a", "b"]}]})
    assert data == {key: REDACTED, "nested": {key: REDACTED}, "items": [{key: REDACTED}]}


@pytest.mark.parametrize("key", ["tokens", "token_ttl", "accessor", "username", "secret", "role_id", "lease_id"])
def test_other_keys_are_left_alone(key):
    assert Redactor().data({key: "visible"}) == {key: "visible"}
    assert not SECRET_KEY.search(key)


def test_empty_values_under_secret_keys_stay_empty_so_a_reader_sees_nothing_was_there():
    data = Redactor().data({"password": "", "client_token": None, "root_token": [], "token": "t"})
    assert data == {"password": "", "client_token": None, "root_token": [], "token": REDACTED}


def test_known_secrets_inside_nested_strings_lists_and_tuples():
    redactor = Redactor({"pa55word-xyz"})
    data = redactor.data({"steps": ["login pa55word-xyz", ("t", "pa55word-xyz!")], "n": 3, "ok": True, "no": None})
    assert data == {"steps": [f"login {REDACTED}", ["t", f"{REDACTED}!"]], "n": 3, "ok": True, "no": None}


def test_data_returns_new_containers():
    original = {"a": ["pa55word-xyz"]}
    Redactor({"pa55word-xyz"}).data(original)
    assert original == {"a": ["pa55word-xyz"]}


def test_keys_that_are_not_strings_are_walked_not_matched():
    assert Redactor({"pa55word-xyz"}).data({1: "pa55word-xyz", None: "x"}) == {1: REDACTED, None: "x"}


def test_a_known_secret_used_as_a_key_is_replaced_too():
    data = Redactor({"hunter2-secret"}).data({"users": {"hunter2-secret": "created"}})
    assert "hunter2-secret" not in repr(data)


def test_the_recorded_reports_hold_no_secret_under_a_secret_sounding_key():
    def walk(value, where):
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and SECRET_KEY.search(key) and item not in (None, "", []):
                    yield where + "." + key, item
                yield from walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, f"{where}[{index}]")

    found = {name: list(walk(sample(name), name)) for name in SAMPLES}
    assert all(value == REDACTED for pairs in found.values() for _, value in pairs), found
    assert sum(len(pairs) for pairs in found.values()) >= 5  # the recorded runs did redact something


def test_the_recorded_reports_hold_no_server_token():
    token = re.compile(r"\b(hvs|hvb|hvr|s|b|r)\.[A-Za-z0-9]{20,}")
    for name in SAMPLES:
        text = json.dumps(sample(name))
        assert not token.search(text), (name, token.search(text))
