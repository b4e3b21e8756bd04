"""docs/integrations.md's python blocks run as written, one namespace per section."""

import re
from pathlib import Path

import pytest

from docs import python_blocks

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def section(title: str) -> str:
    """The text under `## title`, up to the next second-level heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", DOC.read_text(), re.S | re.M)
    assert match, f"docs/integrations.md has no '## {title}' section"
    return match.group(1)


def run_blocks(text: str) -> dict:
    namespace: dict = {}
    for block in python_blocks(text):
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    return namespace


@pytest.mark.slow
def test_the_scikit_learn_section_tunes_an_svc_on_digits_and_prunes_some_candidates():
    pytest.importorskip("sklearn", reason="the scikit-learn section needs scikit-learn")
    namespace = run_blocks(section("scikit-learn"))
    search, pruned = namespace["search"], namespace["pruned"]
    assert search.best_score_ > 0.95 and len(search.cv_results_["params"]) == 15
    assert "PRUNED" in list(pruned.cv_results_["state"])
