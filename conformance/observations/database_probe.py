"""Look at the database itself: does a username/password log in, does a user exist.

The manifest's [database] says how, as commands (for Redis: redis-cli ACL
WHOAMI as the user, and ACL USERS as an observer). The suite runs them on its
own side, so the evidence that a revoked user is gone comes from the database,
not from the plugin's word.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Any

PROBE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Answer:
    yes: bool | None  # None: the probe itself could not run
    seen: str  # what the command printed (one line, for evidence; never a password)


class DatabaseProbe:
    def __init__(self, table, connection: dict[str, Any] | None = None):
        self.table = table  # None: the manifest has no [database]; the probe can then look at nothing
        self.connection = connection if connection is not None else (table.connection if table else {})

    @property
    def can_log_in(self) -> bool:
        return self.table is not None and self.table.login is not None

    @property
    def can_see_users(self) -> bool:
        return self.table is not None and self.table.user_exists is not None

    def logs_in(self, username: str, password: str) -> Answer:
        return self._ask(self.table.login, username, password)

    def exists(self, username: str) -> Answer:
        return self._ask(self.table.user_exists, username, "")

    def _ask(self, check, username: str, password: str) -> Answer:
        if check is None:
            return Answer(None, "no command in the manifest")
        values = {**{k: str(v) for k, v in self.connection.items()}, "username": username, "password": password}

        def fill(text: str) -> str:
            for key, value in values.items():
                text = text.replace("{" + key + "}", value)
            return text

        try:
            done = subprocess.run([fill(a) for a in check.command], capture_output=True, text=True,
                                  timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as error:
            return Answer(None, f"{check.command[0]}: {type(error).__name__}: {error}")
        out = done.stdout.strip()
        said = " ".join(" / ".join(t for t in (out, done.stderr.strip()) if t).split())[:200]  # both: the refusal is often on stderr
        if password:
            said = said.replace(password, "<redacted>")
        if done.returncode != 0:
            return Answer(False, f"exit {done.returncode}: {said}")
        if check.output is not None:
            return Answer(out == fill(check.output), said)
        return Answer(fill(check.line) in [line.strip() for line in out.splitlines()], said)
