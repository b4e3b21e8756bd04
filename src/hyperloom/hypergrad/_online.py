"""Online hypergradients within a single training run, updating hyperparameters every k steps.

RTHO (real-time, Franceschi et al. 2017) keeps carrying the forward tangents of the whole run so
far; TRHO back-propagates through the last k steps only. Both continue the same inner run across
hyper-updates instead of restarting it, so they are driven by :class:`HyperOptimizer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._forward import TangentRun, basis, unflatten
from ._optimizers import Params, State
from ._problem import Batches, Problem
from ._reverse import Trajectory, _check_steps, reverse_run
from ._torch import torch


class RTHO:
    """Real-time hyperparameter optimization: forward tangents over the whole run, update every k steps."""

    online = True
    warm_start_default = False
    can_warm_start = True
    starts_at_solution = False

    def __init__(self, k: int = 10, vectorize: bool = True) -> None:
        self.k = _check_steps("RTHO", "k", k)
        self.vectorize = bool(vectorize)

    @property
    def steps(self) -> int:
        return self.k

    def __repr__(self) -> str:
        return f"RTHO(k={self.k})"

    def start(self, problem: Problem, hraw: Mapping[str, torch.Tensor]) -> _RTHORun:
        return _RTHORun(self, problem, dict(hraw))


class _RTHORun:
    def __init__(self, method: RTHO, problem: Problem, hraw: dict[str, torch.Tensor]) -> None:
        self.method = method
        self.problem = problem
        self.directions = basis(hraw, 0, problem.hset.numel())
        self.run = TangentRun(problem, hraw, self.directions, method.vectorize)
        self.t = 0

    @property
    def params(self) -> Params:
        return self.run.params

    def advance(
        self, hraw: Mapping[str, torch.Tensor], train: Batches, val_batch: Any
    ) -> Trajectory:
        hraw = dict(hraw)
        for i in range(self.method.k):
            self.run.step(hraw, train.get(i), self.t)
            self.t += 1
        gp, gh, value = self.problem.outer_grad(self.run.params, hraw, val_batch)
        flat = self.run.directional(gp, gh, self.directions)
        return Trajectory(unflatten(flat, hraw), self.run.params, self.run.state, value)


class TRHO:
    """Truncated reverse hyperparameter optimization: reverse through the last k steps, then go on."""

    online = True
    warm_start_default = False
    can_warm_start = True
    starts_at_solution = False

    def __init__(self, k: int = 10, checkpoint: int | str | None = None) -> None:
        self.k = _check_steps("TRHO", "k", k)
        if checkpoint is not None and checkpoint != "sqrt":
            checkpoint = _check_steps("TRHO", "checkpoint", checkpoint)
        self.checkpoint = checkpoint

    @property
    def steps(self) -> int:
        return self.k

    def __repr__(self) -> str:
        return f"TRHO(k={self.k})"

    def start(self, problem: Problem, hraw: Mapping[str, torch.Tensor]) -> _TRHORun:
        return _TRHORun(self, problem, dict(hraw))


class _TRHORun:
    def __init__(self, method: TRHO, problem: Problem, hraw: dict[str, torch.Tensor]) -> None:
        self.method = method
        self.problem = problem
        opt = problem.require_optimizer("TRHO")
        with torch.no_grad():
            self.params: Params = problem.init(hraw)
        self.state: State = opt.init(self.params)
        self.t = 0

    def advance(
        self, hraw: Mapping[str, torch.Tensor], train: Batches, val_batch: Any
    ) -> Trajectory:
        out = reverse_run(
            self.problem, hraw, train, val_batch, self.method.k,
            checkpoint=self.method.checkpoint, params0=self.params, state0=self.state, t0=self.t,
        )
        self.params, self.state = out.params, out.state
        self.t += self.method.k
        return out
