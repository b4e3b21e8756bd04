"""docs/pruners.md's code runs as written and does what the page says it does."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

import hyperloom as hl
from docs import python_blocks

pytestmark = pytest.mark.slow  # docs run as written: in ./run test, not the fast tier

DOC = Path(__file__).resolve().parents[2] / "docs" / "pruners.md"


def test_every_python_block_runs_in_order_and_prunes():
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 2
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    first, second = printed.getvalue().splitlines()
    assert first.startswith("best ") and "pruned" in first
    study = namespace["study"]  # the Hyperband study of the second block
    assert len(study.trials) == 30 and study.get_trials([hl.TrialState.PRUNED])
    assert int(second.split()[0]) == namespace["fixed"].bracket_of(7, 100)


def test_the_page_names_every_public_pruner():
    text = DOC.read_text()
    missing = [name for name in hl.pruners.__all__
               if name != "BasePruner" and f"`{name}(" not in text]
    assert not missing
