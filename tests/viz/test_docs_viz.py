"""docs/viz.md's code runs as written, in order, and makes the pictures the page shows."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path

import pytest

from docs import python_blocks

pytestmark = pytest.mark.slow  # runs 180 trials and a sweep, fits forests, writes a report

DOCS = Path(__file__).resolve().parents[2] / "docs"
DOC = DOCS / "viz.md"


def test_every_python_block_runs_and_makes_the_pages_pictures(tmp_path, monkeypatch):
    text = DOC.read_text()
    pictures = re.findall(r"!\[[^\]]*\]\((viz/[\w-]+\.png)\)", text)
    assert len(pictures) == 11
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "trial 8 failed with RuntimeError": meant to
        for block in python_blocks(text):
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    for picture in pictures:
        made = tmp_path / Path(picture).name
        assert made.read_bytes().startswith(b"\x89PNG"), picture
        assert (DOCS / picture).is_file(), f"{picture} is not committed beside the page"
    out = printed.getvalue()
    assert "['demo: objective value', 'demo: best so far', 'random: objective value'" in out
    assert "trials on the front" in out and "grid of mean values" in out
    shares = namespace["viz"].importances(namespace["study"])
    assert next(iter(shares)) == "x" and abs(sum(shares.values()) - 1) < 1e-9
    assert (tmp_path / "report.html").stat().st_size > 4_000_000
    assert "'n_trials': 80" in out
    assert "lr by layers over ('act',)" in out  # the sweep: act matters least
    assert "results by parameter" in out  # hyperloom run's own table of the same groups
    assert "shape.op chosen {'power': " in out


def test_the_page_shows_every_plot_function():
    import hyperloom.viz as viz

    text = DOC.read_text()
    missing = [name for name in viz.__all__ if name.startswith("plot_")
               and f"viz.{name}(" not in text]
    assert not missing
