"""docs/reliability.md names a test for each guarantee: every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"


def named_tests() -> list[tuple[str, str]]:
    """(file, test name) for each reference; `…::name` continues the file named before it."""
    refs, current = [], None
    for cell in re.findall(r"`([^`]*::[^`]*)`", DOC.read_text()):
        path, _, name = cell.partition("::")
        if path != "…":
            current = path
        refs.append((current, name))
    return refs


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_every_test_named_in_the_reliability_doc_exists():
    refs = named_tests()
    assert len(refs) > 50
    missing = []
    for path, name in refs:
        tree = ast.parse((ROOT / path).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        if name not in names:
            missing.append(f"{path}::{name}")
    assert not missing, missing


def test_every_file_the_reliability_doc_names_for_a_whole_row_exists():
    for path in re.findall(r"`(tests/[^`:]+\.py)`", DOC.read_text()):
        assert (ROOT / path).is_file(), path
