"""Every broken file of the corpus (tests/sweep/broken) reports the right line and column.

Each file starts with `# error: LINE:COLUMN` (1-based, the line counts the header itself)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hyperloom.sweep import SweepError, SweepSyntaxError, expand

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.hyp"))


def test_the_corpus_is_there():
    assert len(BROKEN) >= 25


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_reports_line_and_column(path):
    header = path.read_text().splitlines()[0]
    line, column = map(int, re.match(r"# error: (\d+):(\d+)", header).groups())
    with pytest.raises(SweepError) as err:
        expand(path)
    e = err.value
    assert (e.line, e.column) == (line, column), str(e)
    assert e.file == str(path)
    text = str(e)
    assert text.startswith(f"{path}:{line}:{column}: ")
    shown, caret = text.splitlines()[1:3]
    assert shown.strip() == path.read_text().splitlines()[line - 1].strip()
    assert caret.index("^") - 4 == column - 1


def test_syntax_errors_are_a_subclass():
    with pytest.raises(SweepSyntaxError):
        expand("a = [1,\n")
    assert issubclass(SweepSyntaxError, SweepError)
    assert issubclass(SweepError, ValueError)


def test_caret_under_a_tab_indented_column():
    with pytest.raises(SweepError) as err:
        expand("union:\n\ta = $\n")
    lines = str(err.value).splitlines()
    assert lines[2] == "    \t    ^"
