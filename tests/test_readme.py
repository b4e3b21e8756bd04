"""The README's quick start runs as written, and a second run resumes the same study."""

import subprocess
import sys
from pathlib import Path

import pytest

import hyperloom as hl
from docs import python_blocks

pytestmark = pytest.mark.slow  # docs run as written: in ./run test, not the fast tier

README = Path(__file__).resolve().parent.parent / "README.md"


def test_quick_start_runs_and_resumes(tmp_path):
    text = README.read_text()
    section = text[text.index("## Quick start"):]
    code = python_blocks(section)[0]
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    trials = hl.load_study(study_name="quickstart",
                           storage=f"sqlite:///{tmp_path / 'hyperloom.db'}").trials
    assert [t.number for t in trials] == list(range(200))
    assert {t.state for t in trials} <= {hl.TrialState.COMPLETE, hl.TrialState.PRUNED}
