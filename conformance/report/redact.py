"""Keep secrets out of every file the tool writes.

Two nets: known secret values (the root token, unseal keys) are replaced
wherever they appear, and values under secret-sounding keys are replaced
whatever they are (generated credentials in evidence).
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "<redacted>"
SECRET_KEY = re.compile(r"(password|passphrase|secret_key|private_key|client_token|root_token|unseal|^token$|secret_id)", re.I)


class Redactor:
    def __init__(self, secrets: set[str] | None = None):
        self.secrets = {s for s in (secrets or set()) if s and len(s) >= 6}

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 6:
            self.secrets.add(secret)

    def text(self, value: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        return value

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {(self.text(k) if isinstance(k, str) else k):  # a secret used as a key (an evidence map's)
                    (REDACTED if isinstance(k, str) and SECRET_KEY.search(k) and v not in (None, "", [])
                     else self.data(v)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value
