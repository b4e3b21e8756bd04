"""What every hypergradient method is to the entry points: `hypergradient` and
`HyperOptimizer` read these attributes instead of asking which class a method is, so a new
method plugs in by providing them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from ._optimizers import Params
from ._problem import Batches, Problem
from ._reverse import Trajectory
from ._torch import torch


@runtime_checkable
class Method(Protocol):
    """A hypergradient method. Offline methods (`online` False) provide `run`; online ones
    (which continue one training run across hyper-steps) provide `start`."""

    online: bool  # True: driven by HyperOptimizer only, through `start(...).advance(...)`
    steps: int  # inner steps per hypergradient
    warm_start_default: bool  # HyperOptimizer's `warm_start` when none is given
    can_warm_start: bool  # False: every hypergradient restarts the inner run
    # True: `params` are the inner solution (no default inner optimizer), so a HyperOptimizer
    # needs steps >= 1 to solve the inner problem again after each update.
    starts_at_solution: bool
    # Optional, read with getattr (default False): True when `run` keeps the graph of the
    # hypergradient for `hypergradient(create_graph=True)` (Reverse recording the whole run).
    # can_create_graph: bool


class OfflineMethod(Method, Protocol):
    def run(self, problem: Problem, hraw: Mapping[str, torch.Tensor], train: Batches,
            val_batch: Any, params0: Params | None = None) -> Trajectory:
        """Train the inner problem (from `params0`, default the problem's init) and return
        the hypergradient with the trajectory's end."""
        ...
