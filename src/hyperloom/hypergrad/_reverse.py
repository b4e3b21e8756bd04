"""Reverse mode: back-propagate through the unrolled inner steps (ReverseHG; truncated; checkpointed).

Every inner gradient is computed once, by ``torch.autograd`` with ``create_graph=True``, which
costs what a plain unrolled loop costs (``torch.func`` here cost 2.4x: each step ran twice, once
forward and once inside ``vjp`` on the way back, and each call paid its per-call overhead).
Without ``checkpoint`` the whole run is recorded and reversed by one backward pass: the
autograd graph of T steps is held, as in the plain unroll. With ``checkpoint=k`` the forward
pass records nothing and keeps every k-th state; on the way back each segment of k steps is
recomputed once with a graph from its checkpoint (the random generators replayed, so dropout
draws the same masks) and reversed with one ``autograd.grad(outputs, inputs, grad_outputs=
adjoint)``. Memory is then T/k states plus the graph of k steps (O(sqrt T) for ``"sqrt"``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from . import _rng as rng
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
    ``checkpoint=k`` stores every k-th state and recomputes each segment once on the way back
    (``"sqrt"`` picks k = ceil(sqrt(steps))); without it the autograd graph of the whole run is
    held, the fastest exact path (as fast as, and no larger than, a plain unrolled loop).
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

    @property
    def can_create_graph(self) -> bool:
        """Whether ``hypergradient(create_graph=True)`` can keep the graph (whole run recorded)."""
        return self.checkpoint is None and self.truncate is None

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
            params0=params0, state0=state0, t0=t0, create_graph=problem.keep_graph,
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
    create_graph: bool = False,
) -> Trajectory:
    """Run ``n_steps`` inner steps from ``params0`` (default: the problem's init) and reverse them.

    ``t0`` is the optimizer step index of the first step (batches are indexed from 0).
    The initialization contributes to the hypergradient only when the whole run is reversed
    and ``params0`` is the problem's own (hyperparameter-dependent) init. ``create_graph``
    keeps the graph of the hypergradient itself (to differentiate it again), and needs the
    whole run recorded (no ``checkpoint``).
    """
    opt = problem.require_optimizer("Reverse")
    window = n_steps if truncate is None else min(truncate, n_steps)
    start = n_steps - window
    from_init = params0 is None and start == 0 and problem.init_depends_on_hparams
    if params0 is None:
        with torch.no_grad():
            params0 = problem.init({k: v.detach() for k, v in hraw.items()})
    if state0 is None:
        state0 = opt.init(params0)
    p, s = problem.train(params0, state0, hraw, train, start, t0=t0)
    if checkpoint is None:
        return _recorded(problem, hraw, train, val_batch, p, s, start, n_steps, t0, from_init,
                         create_graph)
    k = max(1, math.ceil(math.sqrt(window))) if checkpoint == "sqrt" else int(checkpoint)
    return _segmented(problem, hraw, train, val_batch, p, s, start, n_steps, t0, from_init, k)


def _wrt(x: torch.Tensor) -> torch.Tensor:
    """``x`` as something autograd can differentiate with respect to (keeping its history)."""
    return x if x.requires_grad else x.detach().requires_grad_(True)


def _grad_pairs(outputs: Any, adjoints: Any) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    pairs = [(o, a) for o, a in zip(tree.leaves(outputs), tree.leaves(adjoints))
             if a is not None and o.requires_grad]
    return [o for o, _ in pairs], [a for _, a in pairs]


def _recorded(
    problem: Problem, hraw: Mapping[str, torch.Tensor], train: Batches, val_batch: Any,
    p: Params, s: State, start: int, n_steps: int, t0: int, from_init: bool, create_graph: bool,
) -> Trajectory:
    """Record the whole window once and reverse it with one backward pass."""
    keys = list(hraw)
    hr = {k: (_wrt(v) if create_graph else v.detach().requires_grad_(True)) for k, v in hraw.items()}
    with torch.enable_grad():
        hvals = problem.values(hr)
        if from_init:
            p = problem.init(hr)
        p = {k: (_wrt(v) if create_graph or from_init else v.detach().requires_grad_(True))
             for k, v in p.items()}
        for i in range(start, n_steps):
            p, s = problem.graph_step(p, s, hvals, train.get(i), t0 + i)
        value = problem.outer_at(p, hvals, val_batch)
        grads = torch.autograd.grad(
            value, [hr[k] for k in keys], create_graph=create_graph, materialize_grads=True
        )
    gh = dict(zip(keys, grads))
    return Trajectory(grads=gh if create_graph else tree.detach(gh), params=tree.detach(p),
                      state=tree.detach(s), value=value.detach())


def _segmented(
    problem: Problem, hraw: Mapping[str, torch.Tensor], train: Batches, val_batch: Any,
    p: Params, s: State, start: int, n_steps: int, t0: int, from_init: bool, k: int,
) -> Trajectory:
    """Keep every k-th state; on the way back recompute each segment once with a graph.

    The last segment is recorded on the way forward, so it is never recomputed.
    """
    keys = list(hraw)
    with torch.no_grad():
        hv = problem.values({key: v.detach() for key, v in hraw.items()})
    last = start + (n_steps - 1 - start) // k * k
    checkpoints: dict[int, tuple[Params, State, rng.RngState | None]] = {}
    for i in range(start, last):
        if (i - start) % k == 0:
            checkpoints[i] = (p, s, rng.capture())
        p, s = problem.fast_step(p, s, hv, train.get(i), t0 + i)
    checkpoints[last] = (p, s, None)
    hr = {key: v.detach().requires_grad_(True) for key, v in hraw.items()}
    gh: dict[str, torch.Tensor] | None = None
    buffers: dict[str, torch.Tensor] = {}
    adj_p: Any = None
    adj_s: Any = None
    value = torch.zeros(())
    for seg in sorted(checkpoints, reverse=True):
        ps, ss, state = checkpoints.pop(seg)
        with rng.replay(state) if state is not None else nullcontext(), torch.enable_grad():
            pi = {key: v.detach().requires_grad_(True) for key, v in ps.items()}
            si = tree.tree_map(lambda v: v.detach().requires_grad_(True), ss)
            q, r = pi, si
            hvals = problem.values(hr)
            for i in range(seg, min(seg + k, n_steps)):
                q, r = problem.graph_step(q, r, hvals, train.get(i), t0 + i)
            if adj_p is None:  # the last segment: start from the outer loss
                p, s = tree.detach((q, r))
                value = problem.outer_at(q, hvals, val_batch)
                buffers = problem.buffers()  # as after one run; recomputing changes them again
                outs, adjs = [value], [torch.ones_like(value)]
            else:
                outs, adjs = _grad_pairs((q, r), (adj_p, adj_s))
            inputs = [*pi.values(), *tree.leaves(si), *hr.values()]
            g = torch.autograd.grad(outs, inputs, adjs, materialize_grads=True)
        n_p, n_s = len(pi), len(tree.leaves(si))
        adj_p = dict(zip(pi, g[:n_p]))
        adj_s = _unflatten_like(ss, list(g[n_p : n_p + n_s]))
        dh = dict(zip(keys, g[n_p + n_s :]))
        gh = dh if gh is None else tree.add(gh, dh)
    assert gh is not None
    problem.restore_buffers(buffers)
    if from_init:
        with torch.enable_grad():
            init = problem.init(hr)
            outs, adjs = _grad_pairs(init, adj_p)
            if outs:
                g = torch.autograd.grad(outs, list(hr.values()), adjs, materialize_grads=True)
                gh = tree.add(gh, dict(zip(keys, g)))
    return Trajectory(grads=tree.detach(gh), params=p, state=s, value=value.detach())


def _unflatten_like(like: Any, flat: list[torch.Tensor]) -> Any:
    it = iter(flat)
    return tree.tree_map(lambda _: next(it), like)
