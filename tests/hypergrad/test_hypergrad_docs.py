"""The Python blocks of docs/hypergrad.md run as written (in order, in one namespace)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from docs import python_blocks

pytestmark = [pytest.mark.torch, pytest.mark.slow]

DOC = Path(__file__).resolve().parents[2] / "docs" / "hypergrad.md"


def test_docs_python_blocks_run(capsys):
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 5
    torch.set_default_dtype(torch.float32)  # as a user's session would be
    namespace: dict = {"__name__": "hypergrad_docs"}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{DOC.name}[block {i}]", "exec"), namespace)
    out = capsys.readouterr().out
    assert "torch.Size([20]) torch.Size([16, 8])" in out
    assert out.splitlines()[-2].strip() == "7"  # the influence example finds the corrupted label
