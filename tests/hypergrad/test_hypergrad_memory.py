"""Memory claims: Forward and Implicit stay flat in T, checkpointed Reverse grows sub-linearly."""

from __future__ import annotations

import pytest
import torch

import hyperloom.hypergrad as hg
from hyperloom.hypergrad._memory import PeakMemory

pytestmark = pytest.mark.torch


def test_meter_counts_tensor_storage():
    keep = []
    with PeakMemory() as m:
        for _ in range(10):
            keep.append(torch.zeros(1000, dtype=torch.float64))
        tmp = torch.ones(5000, dtype=torch.float64)
        del tmp
        view = keep[0][:10]  # a view allocates nothing
    assert m.peak == 10 * 8000 + 40000
    assert m.current == 10 * 8000
    del view


def _peak(method, steps_ok=True):
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(32, 100, generator=g), torch.randn(32, generator=g)

    def inner(p, h, b):
        return 0.5 * ((X @ p["w"] - y) ** 2).mean() + h["lam"] * (p["w"] ** 2).sum()

    def outer(p, h, b):
        return 0.5 * ((X @ p["w"] - y) ** 2).mean()

    with PeakMemory() as m:
        hg.hypergradient(
            inner, outer, {"w": torch.zeros(100)}, {"lam": torch.tensor(0.1)}, method=method,
            inner_optimizer=hg.SGD(lr=0.1, momentum=0.5),
        )
    return m.peak


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_memory_scaling_in_the_number_of_inner_steps():
    short, long = 8, 64
    state_bytes = 2 * 100 * 8  # params + momentum buffer per stored step
    rev = _peak(hg.Reverse(short)), _peak(hg.Reverse(long))
    assert rev[1] - rev[0] >= (long - short) * state_bytes  # keeps every state: linear
    ck = _peak(hg.Reverse(short, checkpoint="sqrt")), _peak(hg.Reverse(long, checkpoint="sqrt"))
    assert ck[1] - ck[0] < 0.4 * (rev[1] - rev[0])  # O(sqrt T) states
    assert ck[1] < rev[1] / 2
    for method in (hg.Forward, lambda t: hg.Implicit(steps=t)):
        a, b = _peak(method(short)), _peak(method(long))
        assert b <= a * 1.05 + 1024, (method, a, b)  # flat in T
