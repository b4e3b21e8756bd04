"""Reverse mode: back-propagate through the unrolled inner steps (ReverseHG; truncated; checkpointed).

The forward pass keeps only the inner states it will need (every state, or every k-th one with
``checkpoint=k``); the backward pass applies the vector-Jacobian product of one step at a time,
recomputing a segment of states from its checkpoint when needed. Memory is O(T) states, or
O(T/k + k) with checkpointing (O(sqrt T) for ``checkpoint="sqrt"``), never the whole autograd graph.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _tree as tree
from ._optimizers import Params, State
from ._problem import Batches, Problem
from ._torch import torch


def _check_steps(owner: str, name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}({name}=...) must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{owner}({name}={value}) must be >= {minimum}")
    return value


@dataclass
class Trajectory:
    """Where a run ended: the final params/state, the outer loss there and the hypergradient."""

    grads: dict[str, torch.Tensor]
    params: Params
    state: State
    value: torch.Tensor


class Reverse:
    """Unrolled reverse-mode hypergradient through ``steps`` inner steps.

    ``truncate=K`` back-propagates through the last K steps only (Shaban et al.);
    ``checkpoint=k`` stores every k-th state and recomputes the others on the way back
    (``"sqrt"`` picks k = ceil(sqrt(steps))).
    """

    online = False
    warm_start_default = False
    can_warm_start = True
    starts_at_solution = False

    def __init__(
        self, steps: int = 100, truncate: int | None = None, checkpoint: int | str | None = None
    ) -> None:
        self.steps = _check_steps("Reverse", "steps", steps)
        self.truncate = None if truncate is None else _check_steps("Reverse", "truncate", truncate)
        if checkpoint is not None and checkpoint != "sqrt":
            checkpoint = _check_steps("Reverse", "checkpoint", checkpoint)
        self.checkpoint = checkpoint

    def __repr__(self) -> str:
        return f"Reverse(steps={self.steps}, truncate={self.truncate}, checkpoint={self.checkpoint!r})"

    def run(
        self,
        problem: Problem,
        hraw: Mapping[str, torch.Tensor],
        train: Batches,
        val_batch: Any,
        params0: Params | None = None,
        state0: State | None = None,
        t0: int = 0,
    ) -> Trajectory:
        return reverse_run(
            problem, hraw, train, val_batch, self.steps, self.truncate, self.checkpoint,
            params0=params0, state0=state0, t0=t0,
        )


def reverse_run(
    problem: Problem,
    hraw: Mapping[str, torch.Tensor],
    train: Batches,
    val_batch: Any,
    n_steps: int,
    truncate: int | None = None,
    checkpoint: int | str | None = None,
    params0: Params | None = None,
    state0: State | None = None,
    t0: int = 0,
) -> Trajectory:
    """Run ``n_steps`` inner steps from ``params0`` (default: the problem's init) and reverse them.

    ``t0`` is the optimizer step index of the first step (batches are indexed from 0).
    The initialization contributes to the hypergradient only when the whole run is reversed
    and ``params0`` is the problem's own (hyperparameter-dependent) init.
    """
    opt = problem.require_optimizer("Reverse")
    hraw = dict(hraw)
    from_init = params0 is None
    if params0 is None:
        params0 = problem.init(hraw)
    if state0 is None:
        state0 = opt.init(params0)
    window = n_steps if truncate is None else min(truncate, n_steps)
    start = n_steps - window
    k = 1 if checkpoint is None else (
        max(1, math.ceil(math.sqrt(window))) if checkpoint == "sqrt" else int(checkpoint)
    )

    def step(p: Params, s: State, h: Mapping[str, torch.Tensor], i: int) -> tuple[Params, State]:
        return problem.step(p, s, h, train.get(i), t0 + i)

    p, s = problem.train(params0, state0, hraw, train, start, t0=t0)
    checkpoints: dict[int, tuple[Params, State]] = {}
    with torch.no_grad():
        for i in range(start, n_steps):
            if (i - start) % k == 0:
                checkpoints[i] = (p, s)
            p, s = step(p, s, hraw, i)
    gp, gh, value = problem.outer_grad(p, hraw, val_batch)
    adj_p, adj_s = gp, tree.zeros_like(s)
    for seg in sorted(checkpoints, reverse=True):
        seg_end = min(seg + k, n_steps)
        states = [checkpoints.pop(seg)]
        with torch.no_grad():
            for i in range(seg, seg_end - 1):
                states.append(step(*states[-1], hraw, i))
        for i in range(seg_end - 1, seg - 1, -1):
            ps, ss = states.pop()
            _, vjp_fn = torch.func.vjp(
                lambda p_, s_, h_, i=i: step(p_, s_, h_, i), ps, ss, hraw
            )
            adj_p, adj_s, dh = vjp_fn((adj_p, adj_s))
            gh = tree.add(gh, dh)
            del vjp_fn
    if start == 0 and from_init and problem.init_depends_on_hparams:
        _, vjp_init = torch.func.vjp(problem.init, hraw)
        (dh,) = vjp_init(adj_p)
        gh = tree.add(gh, dh)
    return Trajectory(grads=tree.detach(gh), params=p, state=s, value=value)
