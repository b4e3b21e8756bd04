"""Forward mode: carry the tangent d(state)/d(hyperparameters) along the inner run (ForwardHG).

The tangents of all scalar hyperparameter directions are pushed through each step together;
nothing of the past is kept, so memory does not grow with the number of steps, while the cost
grows with the number of scalar hyperparameters (chunked by ``chunk_size``). The loss runs once
per step in plain autograd: the tangent of its gradient comes from reverse-over-reverse (one
batched backward pass per step), and only the optimizer's elementwise update runs under
``vmap(jvp)``. That costs about one plain unrolled step per direction, against 1.3 to 1.6
with ``vmap(jvp(grad))`` of the whole step, whose per-op overhead dominates small models.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from . import _rng as rng
from . import _tree as tree
from ._optimizers import Params, State
from ._problem import Batches, Problem
from ._reverse import Trajectory, _check_steps
from ._torch import torch


class Forward:
    """Forward-mode hypergradient through ``steps`` inner steps.

    ``chunk_size`` bounds how many hyperparameter directions are carried at once (memory is
    chunk_size x the inner state; each further chunk re-runs the inner steps);
    ``vectorize=False`` replaces the batched backward pass and ``vmap`` by loops over the
    directions (the losses themselves never run under ``vmap``).
    """

    online = False
    warm_start_default = False
    can_warm_start = False
    starts_at_solution = False

    def __init__(
        self, steps: int = 100, chunk_size: int | None = None, vectorize: bool = True
    ) -> None:
        self.steps = _check_steps("Forward", "steps", steps)
        self.chunk_size = None if chunk_size is None else _check_steps(
            "Forward", "chunk_size", chunk_size
        )
        self.vectorize = bool(vectorize)

    def __repr__(self) -> str:
        return f"Forward(steps={self.steps}, chunk_size={self.chunk_size})"

    def run(
        self,
        problem: Problem,
        hraw: Mapping[str, torch.Tensor],
        train: Batches,
        val_batch: Any,
        params0: Params | None = None,
    ) -> Trajectory:
        if params0 is not None:
            raise ValueError("Forward does not warm-start; use HyperOptimizer(warm_start=False)")
        hraw = dict(hraw)
        m = problem.hset.numel()
        chunk = m if self.chunk_size is None else min(self.chunk_size, m)
        parts: list[torch.Tensor] = []
        out: Trajectory | None = None
        start = rng.capture()  # every chunk re-runs the steps: the same random draws each time
        for lo in range(0, m, chunk):
            with rng.replay(start) if lo else nullcontext():
                directions = basis(hraw, lo, min(lo + chunk, m))
                tangent = TangentRun(problem, hraw, directions, self.vectorize)
                for i in range(self.steps):
                    tangent.step(hraw, train.get(i), i)
                gp, gh, value = problem.outer_grad(tangent.params, hraw, val_batch)
            parts.append(tangent.directional(gp, gh, directions))
            out = Trajectory(grads={}, params=tangent.params, state=tangent.state, value=value)
        assert out is not None
        out.grads = unflatten(torch.cat(parts), hraw)
        return out


def basis(hraw: Mapping[str, torch.Tensor], lo: int, hi: int) -> dict[str, torch.Tensor]:
    """Unit tangents for the flat hyperparameter directions lo..hi-1, batched on a leading dim."""
    out: dict[str, torch.Tensor] = {}
    offset = 0
    for key, v in hraw.items():
        n = v.numel()
        d = torch.zeros((hi - lo, n), dtype=v.dtype, device=v.device)
        for j in range(max(lo, offset), min(hi, offset + n)):
            d[j - lo, j - offset] = 1
        out[key] = d.reshape((hi - lo, *v.shape))
        offset += n
    return out


def unflatten(flat: torch.Tensor, like: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    offset = 0
    for key, v in like.items():
        n = v.numel()
        out[key] = flat[offset : offset + n].reshape(v.shape).to(v.dtype)
        offset += n
    return out


_FORWARD_AD_READY = False


def _load_forward_ad() -> None:
    """Trigger torch's one-time forward-AD setup, hiding its internal jit deprecation warning."""
    global _FORWARD_AD_READY
    if not _FORWARD_AD_READY:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            x = torch.zeros(())
            torch.func.jvp(torch.sin, (x,), (x,))
        _FORWARD_AD_READY = True


class TangentRun:
    """Inner params/state with their tangents along a batch of hyperparameter directions."""

    def __init__(
        self,
        problem: Problem,
        hraw: Mapping[str, torch.Tensor],
        directions: Mapping[str, torch.Tensor],
        vectorize: bool = True,
        params: Params | None = None,
        state: State | None = None,
    ) -> None:
        _load_forward_ad()
        self.problem = problem
        self.vectorize = vectorize
        opt = problem.require_optimizer("Forward")
        n = next(iter(directions.values())).shape[0]
        self.n = n
        if params is None:
            with torch.no_grad():
                params = problem.init(hraw)
            if problem.init_depends_on_hparams:
                self.tparams = self._map(
                    lambda e: torch.func.jvp(problem.init, (dict(hraw),), (e,))[1], directions
                )
                self.tparams = tree.tree_map(_like, self.tparams, params)
            else:
                self.tparams = {k: _batched_zeros(p, n) for k, p in params.items()}
        else:
            self.tparams = {k: _batched_zeros(p, n) for k, p in params.items()}
        self.params = tree.detach(params)
        self.state = opt.init(self.params) if state is None else state
        self.tstate = tree.tree_map(lambda x: _batched_zeros(x, n), self.state)
        self.directions = directions

    def _map(self, fn: Any, *batched: Any) -> Any:
        if self.vectorize:
            return torch.func.vmap(fn, randomness="same")(*batched)
        n = tree.leaves(batched[0])[0].shape[0]
        outs = [fn(*tree.tree_map(lambda x, j=j: x[j], batched)) for j in range(n)]
        return tree.tree_map(lambda *xs: torch.stack(xs), *outs)

    def step(self, hraw: Mapping[str, torch.Tensor], batch: Any, t: int) -> None:
        """Advance the params and their tangents by one inner step at the current hparams.

        The tangent of ``g = grad_w L(w, h)`` along ``(dw, e)`` is ``H dw + (d g / d h) e``,
        and since second derivatives commute it equals ``grad_w <(grad_w L, grad_h L), (dw, e)>``:
        one backward pass per direction over the graph of one recorded gradient, all directions
        batched (``is_grads_batched``). The loss thus runs once per step in plain autograd (no
        ``jvp``/``vmap`` around user code: BatchNorm's statistics, LSTM kernels and dropout behave
        as in training); only the optimizer's elementwise update goes through ``vmap(jvp)``.
        """
        problem = self.problem
        opt = problem.optimizer
        assert opt is not None
        params, state = self.params, self.state
        keys = list(params)
        with torch.enable_grad():
            p = {k: v.detach().requires_grad_(True) for k, v in params.items()}
            h = {k: v.detach().requires_grad_(True) for k, v in hraw.items()}
            hvals = problem.values(h)
            loss = problem.inner_at(p, hvals, batch)
            inputs = [*p.values(), *h.values()]
            grads = torch.autograd.grad(loss, inputs, create_graph=True, materialize_grads=True)
            cotangents = [*(self.tparams[k] for k in keys), *(self.directions[k] for k in h)]
            pairs = [(g, c) for g, c in zip(grads, cotangents) if g.requires_grad]
            if pairs:
                dg = self._batched_grad([g for g, _ in pairs], list(p.values()),
                                        [c for _, c in pairs])
            else:
                dg = [torch.zeros_like(x) for x in self.tparams.values()]
        g = {k: x.detach() for k, x in zip(keys, grads[: len(keys)])}
        dg_tree = dict(zip(keys, dg))
        hraw_d = {k: v.detach() for k, v in hraw.items()}

        def update(p_: Params, s_: State, g_: Params, h_: Mapping[str, torch.Tensor]) -> Any:
            return opt.step(p_, s_, g_, problem.values(h_), t)

        def push(tp: Params, ts: State, tg: Params, e: Mapping[str, torch.Tensor]) -> Any:
            return torch.func.jvp(update, (params, state, g, hraw_d), (tp, ts, tg, e))

        with torch.no_grad():
            if self.vectorize:
                (self.params, self.state), (self.tparams, self.tstate) = torch.func.vmap(
                    push, out_dims=(None, 0), randomness="same"
                )(self.tparams, self.tstate, dg_tree, self.directions)
            else:
                draws = rng.capture()
                self.params, self.state = update(params, state, g, hraw_d)

                def replayed(tp: Params, ts: State, tg: Params, e: Any) -> Any:
                    with rng.replay(draws):
                        return push(tp, ts, tg, e)[1]

                self.tparams, self.tstate = self._map(
                    replayed, self.tparams, self.tstate, dg_tree, self.directions
                )
            self.tparams = tree.tree_map(_like, self.tparams, self.params)
            self.tstate = tree.tree_map(_like, self.tstate, self.state)

    def _batched_grad(self, outputs: list[torch.Tensor], inputs: list[torch.Tensor],
                      cotangents: list[torch.Tensor]) -> list[torch.Tensor]:
        """``autograd.grad`` for each of the n stacked cotangents, batched or in a loop."""
        if self.vectorize and self.n > 1:
            return list(torch.autograd.grad(outputs, inputs, cotangents, retain_graph=True,
                                            is_grads_batched=True, materialize_grads=True))
        per = [torch.autograd.grad(outputs, inputs, [c[j] for c in cotangents],
                                   retain_graph=True, materialize_grads=True)
               for j in range(self.n)]
        return [torch.stack([d[i] for d in per]) for i in range(len(inputs))]

    def directional(
        self, gp: Params, gh: Mapping[str, torch.Tensor], directions: Mapping[str, torch.Tensor]
    ) -> torch.Tensor:
        """dE/d(direction_j) = <dE/dparams, tangent_j> + <dE/dhraw, direction_j> for each j."""
        total = None
        for k, g in gp.items():
            tp = self.tparams[k]
            term = (tp.reshape(tp.shape[0], -1) * g.reshape(1, -1)).sum(1)
            total = term if total is None else total + term
        for k, g in gh.items():
            e = directions[k]
            term = (e.reshape(e.shape[0], -1) * g.reshape(1, -1)).sum(1)
            total = term if total is None else total + term
        assert total is not None
        return total.detach()


def _like(tangent: torch.Tensor, primal: torch.Tensor) -> torch.Tensor:
    return tangent if tangent.dtype == primal.dtype else tangent.to(primal.dtype)


def _first(batched: Any) -> Any:
    return tree.tree_map(lambda x: x[0], batched)


def _batched_zeros(x: torch.Tensor, n: int) -> torch.Tensor:
    return torch.zeros((n, *x.shape), dtype=x.dtype, device=x.device)
