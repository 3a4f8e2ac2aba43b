"""badge.svg: a shields.io-style flat badge of a report's verdict, self-contained (no fonts or images to fetch)."""

from __future__ import annotations

import hashlib
from typing import Any
from xml.sax.saxutils import escape, quoteattr

LABEL = "conformance"
COLOURS = {"conformant": "#4c1", "non-conformant": "#e05d44", "incomplete": "#dfb317", "error": "#9f9f9f"}

# Advance widths of Verdana at 11px (what shields.io measures with), in px; others count as WIDE/DEFAULT.
_NARROW = dict.fromkeys("fijlrt.,:;'!|()[] ", 4.0)
_WIDE = dict.fromkeys("mwMW", 10.5)
_UPPER = 7.6
_DEFAULT = 6.9


def text_width(text: str) -> float:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += _NARROW[char]
        elif char in _WIDE:
            width += _WIDE[char]
        elif char.isupper():
            width += _UPPER
        else:
            width += _DEFAULT
    return width


def must_counts(document: dict[str, Any]) -> tuple[int, int]:
    """(passed, checked): MUST requirements that passed, of those that were checked (not skipped)."""
    musts = [r for r in document["results"] if r["level"] == "MUST" and r["outcome"] != "skipped"]
    return sum(1 for r in musts if r["outcome"] == "passed"), len(musts)


def badge_text(document: dict[str, Any]) -> tuple[str, str, str]:
    """(right-hand text, colour, accessible description)."""
    verdict = document["summary"]["verdict"]
    passed, checked = must_counts(document)
    coverage = document["summary"].get("coverage") or {}
    scope = coverage.get("scope", f"{checked} checked MUST requirements")
    if verdict == "conformant":
        return ("conformant", COLOURS[verdict],
                f"conformant: all {checked} checked MUST requirements passed ({scope})")
    if verdict == "non-conformant":
        return (f"{passed} of {checked} MUST", COLOURS[verdict],
                f"non-conformant: {passed} of {checked} checked MUST requirements passed")
    if verdict == "incomplete":
        applicable = coverage.get("applicable_must", checked)
        return (f"incomplete · {coverage.get('checked_must', checked)}/{applicable} MUST", COLOURS[verdict],
                f"incomplete: {coverage.get('checked_must', checked)} of {applicable} applicable MUST requirements "
                "checked, none failed; the manifest lacks what would check the others")
    return "error", COLOURS["error"], "error: the run could not decide every requirement"


def badge_svg(document: dict[str, Any]) -> str:
    value, colour, description = badge_text(document)
    plugin = document.get("plugin", {}).get("name", "plugin")
    left_w = round(text_width(LABEL) + 10)
    right_w = round(text_width(value) + 10)
    total = left_w + right_w
    title = f"{plugin} {LABEL}: {description}"
    # ids of its own, so that badges inlined into one page do not clip each other
    uid = hashlib.sha256(f"{plugin}|{value}|{colour}".encode()).hexdigest()[:8]

    def text(x_centre: float, content: str, width: int) -> str:
        # shields' trick: draw at 10x and scale down, for sub-pixel placement; a shadow line under the text
        x, length = round(x_centre * 10), (width - 10) * 10
        body = escape(content)
        return (f'<text aria-hidden="true" x="{x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" '
                f'textLength="{length}">{body}</text>'
                f'<text x="{x}" y="140" transform="scale(.1)" fill="#fff" textLength="{length}">{body}</text>')

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label={quoteattr(f"{LABEL}: {value}")}>'
        f'<title>{escape(title)}</title>'
        f'<linearGradient id="s{uid}" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r{uid}"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r{uid})"><rect width="{left_w}" height="20" fill="#555"/>'
        f'<rect x="{left_w}" width="{right_w}" height="20" fill="{colour}"/>'
        f'<rect width="{total}" height="20" fill="url(#s{uid})"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'text-rendering="geometricPrecision" font-size="110">'
        f'{text(left_w / 2, LABEL, left_w)}{text(left_w + right_w / 2, value, right_w)}'
        '</g></svg>\n'
    )
