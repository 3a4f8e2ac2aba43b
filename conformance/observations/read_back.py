"""The manifest's [[exercise]] replayed through the server once: what was written, and what reads back.

Checks of the paths and shutdown areas compare what they read later (after a
reload, a restart, a catalog fault) with it; `mismatches` tells written and
read values apart in one spelling ('60s' and 60, '42' and 42, 'a,b' and ['a', 'b']).
"""

from __future__ import annotations

import re
from typing import Any

from conformance.manifest import READ_OPERATIONS, WRITE_OPERATIONS, read_back
from conformance.outcomes import NeedsManifest, expect
from conformance.runtime.registration import HTTP_METHOD, request_body, response_data, server_words
from conformance.observations.context import CheckContext

DURATION = re.compile(r"^(\d+)([smhd])$")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _exercise(ctx: CheckContext):
    if not ctx.exercise:
        raise NeedsManifest("no [[exercise]] requests in the manifest: nothing known that writes and reads state",
                            '[[exercise]]')
    return ctx.exercise


def normalised(value: Any) -> Any:
    """Written and read values in one spelling: '60s' and 60, '42' and 42, 'a,b' and ['a', 'b']."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = DURATION.match(value)
        if match:
            return float(int(match.group(1)) * UNIT_S[match.group(2)])
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    return value


def mismatches(written: dict[str, Any], read: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(fields read back with the written value, fields read back with another value); write-only fields are absent."""
    same, different = [], []
    for key, value in written.items():
        if key not in read:
            continue
        want, got = normalised(value), normalised(read[key])
        if isinstance(want, str) and isinstance(got, list):
            want = [normalised(v.strip()) for v in value.split(",")]
        if isinstance(want, dict) and isinstance(got, dict):
            inner_same, inner_different = mismatches(value, read[key])
            (different if inner_different or not inner_same else same).append(key)
        elif want == got:
            same.append(key)
        else:
            different.append(f"{key}: wrote {value!r}, read {read[key]!r}")
    return same, different


def read_back_state(ctx: CheckContext) -> dict[str, Any]:
    """The manifest's [[exercise]] replayed through the server once: what was written, what reads back."""
    def observe() -> dict[str, Any]:
        requests = _exercise(ctx)
        mount = ctx.mount
        transcript, written = [], {}
        for request in requests:
            response = ctx.api(HTTP_METHOD[request.operation], f"{mount.path}/{request.path}",
                               **request_body(request.operation, request.data))
            step = {"request": request.line, "status": response.status_code,
                    "words": server_words(response) if response.status_code >= 300 else ""}
            transcript.append(step)
            if request.operation in WRITE_OPERATIONS:
                expect(response.status_code < 300, f"{request.line} to succeed", f"HTTP {response.status_code}: {step['words']}")
                written.setdefault(request.path, {}).update(request.data or {})
            if request.expect is not None:
                _meets(request, response)
            if request.operation in READ_OPERATIONS:
                step["data"] = response_data(response)
        reader = read_back(requests)
        return {"transcript": transcript, "written": written, "reader": reader,
                "read": next(t for t in reversed(transcript) if t["request"] == reader.line)}
    return ctx.once("read_back_state", observe)


def _meets(request, response) -> None:
    want = request.expect
    if want.status:
        expect(response.status_code in want.status, f"{request.line} to answer HTTP {' or '.join(map(str, want.status))}",
               f"HTTP {response.status_code}: {server_words(response)}")
    if want.data:
        same, different = mismatches(want.data, response_data(response) or {})
        missing = sorted(set(want.data) - set(response_data(response) or {}))
        expect(not different and not missing, f"{request.line} to answer with {sorted(want.data)} as the manifest expects",
               "; ".join(different + [f"{m}: absent" for m in missing]))

