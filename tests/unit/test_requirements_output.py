"""`vault-conformance requirements --format json|table|markdown`: the catalog as the command prints it."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.catalog import REQUIREMENTS
from conformance.cli import build_parser, cmd_requirements
from conformance.errors import UsageError

REPO = Path(__file__).resolve().parents[2]


def printed(capsys, fmt: str) -> str:
    assert cmd_requirements(argparse.Namespace(format=fmt)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_json_is_the_catalog_row_by_row(capsys):
    rows = json.loads(printed(capsys, "json"))
    assert [row["id"] for row in rows] == [r.id for r in REQUIREMENTS]
    assert rows == [r.as_dict() for r in REQUIREMENTS]
    assert set(rows[0]) >= {"id", "level", "area", "title", "source"}


def test_json_rows_carry_the_level_and_area_names():
    # through the real command line, in a process of its own
    done = subprocess.run([sys.executable, "-m", "conformance", "requirements", "--format", "json"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, env={**os.environ})
    assert done.returncode == 0 and done.stderr == ""
    rows = json.loads(done.stdout)
    assert {row["level"] for row in rows} <= {"MUST", "SHOULD", "MAY"}
    assert rows[0]["id"] == "HS-001" and rows[0]["area"] == "handshake" and rows[0]["level"] == "MUST"
    assert len(rows) == len(REQUIREMENTS)


def test_the_table_is_one_aligned_line_per_requirement(capsys):
    lines = printed(capsys, "table").splitlines()
    assert len(lines) == len(REQUIREMENTS)
    for line, requirement in zip(lines, REQUIREMENTS):
        assert line == f"{requirement.id:<9} {requirement.level.value:<6} {requirement.area:<10} {requirement.title}"
    assert lines[0].startswith("HS-001    MUST   handshake  Started without the magic cookie")


def test_markdown_is_a_table_with_a_header_and_a_row_per_requirement(capsys):
    lines = printed(capsys, "markdown").splitlines()
    assert lines[:2] == ["| id | level | area | title | source |", "|---|---|---|---|---|"]
    rows = lines[2:]
    assert len(rows) == len(REQUIREMENTS)
    for row, requirement in zip(rows, REQUIREMENTS):
        assert row.count("|") == 6, row  # a | in a title or source would break the table
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells == [requirement.id, requirement.level.value, requirement.area, requirement.title,
                         requirement.source]


def test_table_is_the_default_format():
    assert build_parser().parse_args(["requirements"]).format == "table"


@pytest.mark.parametrize("fmt", ["json", "table", "markdown"])
def test_each_format_is_accepted(fmt):
    assert build_parser().parse_args(["requirements", "--format", fmt]).format == fmt


def test_another_format_is_a_one_line_usage_error():
    with pytest.raises(UsageError) as raised:
        build_parser().parse_args(["requirements", "--format", "yaml"])
    assert str(raised.value) == ("requirements: argument --format: invalid choice: 'yaml' "
                                 "(choose from 'table', 'json', 'markdown')")
