"""Hypergradient methods are one protocol (`hypergrad.Method`), not a fixed list of classes: a
method written outside hyperloom plugs into `hypergradient` and `HyperOptimizer`."""

from __future__ import annotations

import pytest
import torch

import hyperloom.hypergrad as hg
from hypergrad_toys import ridge_toy

pytestmark = pytest.mark.torch


class CountingReverse:
    """A method of the user's own: reverse mode, counting its runs."""

    online = False
    warm_start_default = False
    can_warm_start = True
    starts_at_solution = False

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.runs = 0
        self._reverse = hg.Reverse(steps)

    def run(self, problem, hraw, train, val_batch, params0=None):
        self.runs += 1
        return self._reverse.run(problem, hraw, train, val_batch, params0=params0)


@pytest.mark.parametrize("method", [hg.Reverse(5), hg.Forward(5), hg.Implicit(),
                                    hg.RTHO(5), hg.TRHO(5)], ids=repr)
def test_every_builtin_method_is_a_method(method):
    assert isinstance(method, hg.Method)


def test_a_method_of_ones_own_gives_the_builtin_hypergradient():
    inner, outer = ridge_toy()
    mine = CountingReverse(20)
    got = hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": torch.tensor(0.1)},
                           method=mine)
    want = hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": torch.tensor(0.1)},
                            method=hg.Reverse(20))
    assert mine.runs == 1
    assert torch.allclose(got["lam"], want["lam"])


def test_a_method_of_ones_own_drives_the_hyperoptimizer_with_warm_starts():
    inner, outer = ridge_toy()
    lam = hg.hyperparameter(0.5, "positive")
    mine = CountingReverse(10)
    hopt = hg.HyperOptimizer(mine, hg.SGD(lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1),
                             inner_loss=inner, outer_loss=outer, params={"w": torch.zeros(3)},
                             hparams={"lam": lam}, warm_start=True)
    for _ in range(3):
        hopt.step(None, None)
    assert mine.runs == 3
    assert hopt.warm_start


def test_an_object_without_the_method_attributes_is_refused():
    inner, outer = ridge_toy()

    class NotAMethod:
        steps = 5

        def run(self, *args, **kwargs):
            raise AssertionError("never called")

    with pytest.raises(TypeError, match="method must be hypergrad.Reverse"):
        hg.hypergradient(inner, outer, {"w": torch.zeros(3)}, {"lam": torch.tensor(0.1)},
                         method=NotAMethod())


def test_a_method_that_cannot_warm_start_says_so_by_name():
    inner, outer = ridge_toy()
    lam = hg.hyperparameter(0.5, "positive")
    with pytest.raises(ValueError, match="Forward restarts the inner run each step"):
        hg.HyperOptimizer(hg.Forward(5), hg.SGD(lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1),
                          inner_loss=inner, outer_loss=outer, params={"w": torch.zeros(3)},
                          hparams={"lam": lam}, warm_start=True)
