"""docs/cgp.md's code runs as written and does what the text says."""

import subprocess
import sys
from pathlib import Path

import pytest

from docs import python_blocks

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cgp.md"


@pytest.mark.slow
def test_every_python_block_runs_and_fits_and_balances():
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) == 2
    regression: dict = {}
    exec(compile(blocks[0], str(DOC), "exec"), regression)  # noqa: S102 - our own docs
    assert regression["study"].best_value < 0.06
    cartpole: dict = {}
    exec(compile(blocks[1], str(DOC), "exec"), cartpole)  # noqa: S102 - our own docs
    assert cartpole["study"].best_value == 250


@pytest.mark.slow
def test_cartpole_example_saves_a_plot(tmp_path):
    plot = tmp_path / "best.png"
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "cgp" / "cartpole.py"),
                           str(plot), "--trials", "20"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "genetic: best" in done.stdout and "tpe: best" in done.stdout
