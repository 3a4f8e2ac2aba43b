"""A server's answer told in evidence, including no answer at all."""

from __future__ import annotations


def answer_text(status: int | None) -> str:
    """An HTTP status as evidence; None (no answer within the bound) said in words."""
    return f"HTTP {status}" if status is not None else "no answer within the bound"
