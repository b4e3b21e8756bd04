"""Implicit differentiation at the inner solution (HOAG, iMAML-style): no unrolled history at all.

At a stationary point ``grad_w L(w*, h) = 0`` the implicit function theorem gives
``dE/dh = dE/dh|direct - (d2L/dh dw) H^-1 dE/dw``. The linear system is solved matrix-free with
Hessian-vector products by conjugate gradients or a Neumann series, or the equivalent fixed point
of one inner-optimizer step ``w = Phi(w, h)`` is solved by iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import _tree as tree
from ._errors import NotAMinimumWarning, warn
from ._optimizers import Adam, Params, RMSProp
from ._problem import Batches, Problem
from ._reverse import Trajectory, _check_steps
from ._torch import torch

SOLVERS = ("cg", "neumann", "fixed_point")


class Implicit:
    """Implicit-function hypergradient at the inner solution.

    ``solver``: ``"cg"`` (conjugate gradients on the Hessian; needs it positive definite),
    ``"neumann"`` (truncated Neumann series with step ``alpha``), or ``"fixed_point"`` (iterate
    the transposed Jacobian of one inner-optimizer step; SGD only). ``iters`` and ``tol``
    (relative residual) bound the solve; ``damping`` adds ``damping * I`` to the Hessian.
    ``steps > 0`` first runs that many inner-optimizer steps from the given params (memory stays
    independent of ``steps``: nothing is recorded). The implicit formula holds only at a
    minimizer: when ``|grad L(w)| / |H w - grad L(w)|`` (1 at w = 0 for a quadratic, 0 at its
    minimizer) exceeds ``stationarity_tol`` a :class:`NotAMinimumWarning` says so (None: no check).
    """

    online = False
    warm_start_default = True
    can_warm_start = True
    starts_at_solution = True

    def __init__(
        self,
        solver: str = "cg",
        iters: int = 100,
        tol: float = 1e-10,
        *,
        steps: int = 0,
        alpha: float | None = None,
        damping: float = 0.0,
        stationarity_tol: float | None = 0.05,
    ) -> None:
        if solver not in SOLVERS:
            raise ValueError(f"Implicit(solver={solver!r}): use one of {list(SOLVERS)}")
        self.solver = solver
        self.iters = _check_steps("Implicit", "iters", iters)
        if not tol >= 0:
            raise ValueError(f"Implicit(tol={tol}) must be >= 0")
        self.tol = float(tol)
        self.steps = _check_steps("Implicit", "steps", steps, minimum=0)
        if alpha is not None and not alpha > 0:
            raise ValueError(f"Implicit(alpha={alpha}) must be > 0")
        self.alpha = alpha
        if not damping >= 0:
            raise ValueError(f"Implicit(damping={damping}) must be >= 0")
        self.damping = float(damping)
        if stationarity_tol is not None and not stationarity_tol >= 0:
            raise ValueError(f"Implicit(stationarity_tol={stationarity_tol}) must be >= 0 or None")
        self.stationarity_tol = stationarity_tol
        #: iterations and final relative residual of the last solve, and the relative
        #: inner-gradient norm at params (``inner_grad_rel``, see ``stationarity_tol``)
        self.info: dict[str, float] = {}

    def __repr__(self) -> str:
        return (
            f"Implicit(solver={self.solver!r}, iters={self.iters}, tol={self.tol}, "
            f"steps={self.steps})"
        )

    def run(
        self,
        problem: Problem,
        hraw: Mapping[str, torch.Tensor],
        train: Batches,
        val_batch: Any,
        params0: Params | None = None,
    ) -> Trajectory:
        hraw = dict(hraw)
        self.info = {}
        params = params0
        if params is None:
            with torch.no_grad():
                params = problem.init(hraw)
        params = tree.detach(params)
        state: Any = {}
        if self.steps:
            opt = problem.require_optimizer("Implicit(steps>0)")
            params, state = problem.train(params, opt.init(params), hraw, train, self.steps)
        batches = train.finite(f"Implicit(solver={self.solver!r})")
        gp, gh, value = problem.outer_grad(params, hraw, val_batch)
        with torch.enable_grad():
            p = {k: v.detach().requires_grad_(True) for k, v in params.items()}
            h = {k: v.detach().requires_grad_(True) for k, v in hraw.items()}
            hvals = problem.values(h)
            g = tree.scale(_sum([problem.autograd_grad(p, hvals, b, create_graph=True)
                                 for b in batches]), 1.0 / len(batches))
            if self.solver == "fixed_point":
                out = self._fixed_point_map(problem, p, g, hvals)
            else:
                out = g
        vjp = _Vjp(out, p, h)
        self._check_stationary(g, p, vjp if self.solver != "fixed_point" else _Vjp(g, p, h))
        if self.solver == "fixed_point":
            dh = self._fixed_point(vjp, gp)
        else:

            def hvp(v: Params) -> Params:
                hv = vjp(v)[0]
                return tree.axpy(self.damping, v, hv) if self.damping else hv

            v = self._cg(hvp, gp) if self.solver == "cg" else self._neumann(problem, hvp, gp)
            dh = tree.scale(vjp(v)[1], -1.0)
        grads = tree.detach(tree.add(gh, dh))
        return Trajectory(grads=grads, params=params, state=state, value=value)

    def _check_stationary(self, g: Params, p: Params, vjp: _Vjp) -> None:
        """Warn when params are far from a stationary point of the inner loss.

        The measure is ``|grad L(w)| / |H w - grad L(w)|``: for a quadratic ``w'Hw/2 - b'w``
        the denominator is ``|b|``, so the ratio is 1 at ``w = 0`` and 0 at the minimizer,
        whatever the scale of the loss.
        """
        if self.stationarity_tol is None:
            return
        gd = tree.detach(g)
        hw = vjp(tree.detach(p))[0]
        denom = tree.norm(tree.sub(hw, gd))
        num = tree.norm(gd)
        rel = float(num / denom) if denom > 0 else (0.0 if num == 0 else float("inf"))
        self.info["inner_grad_rel"] = rel
        if not rel <= self.stationarity_tol:
            warn(
                f"Implicit: params are not a minimizer of the inner loss (relative inner-gradient "
                f"norm {rel:.3g} > stationarity_tol={self.stationarity_tol:g}), so the implicit "
                "hypergradient is not the gradient of anything you trained; train further first "
                "(Implicit(steps=...) or a longer warm start), or use Reverse(steps) to "
                "differentiate the run as it is",
                NotAMinimumWarning,
            )

    def _cg(self, hvp: Callable[[Params], Params], b: Params) -> Params:
        x = tree.zeros_like(b)
        r = b
        p = r
        rr = tree.dot(r, r)
        bnorm = rr.sqrt()
        it = 0
        for it in range(1, self.iters + 1):  # noqa: B007 - reported in self.info
            if rr.sqrt() <= self.tol * bnorm or bnorm == 0:
                it -= 1
                break
            hp = hvp(p)
            php = tree.dot(p, hp)
            if php <= 0:
                raise ValueError(
                    "Implicit(solver='cg'): the inner Hessian is not positive definite at params; "
                    "train the inner problem to a minimum first, add Implicit(damping=...) or use "
                    "solver='fixed_point'"
                )
            a = rr / php
            x = tree.axpy(a, p, x)
            r = tree.axpy(-a, hp, r)
            rr_new = tree.dot(r, r)
            p = tree.axpy(rr_new / rr, p, r)
            rr = rr_new
        self.info.update({"iters": it, "residual": float(rr.sqrt() / bnorm) if bnorm > 0 else 0.0})
        return x

    def _neumann(
        self, problem: Problem, hvp: Callable[[Params], Params], b: Params
    ) -> Params:
        alpha = self.alpha if self.alpha is not None else self._lr(problem, "neumann")
        term = b
        total = b
        it = 0
        for it in range(1, self.iters + 1):  # noqa: B007 - reported in self.info
            term = tree.axpy(-alpha, hvp(term), term)
            total = tree.add(total, term)
            if tree.norm(term) <= self.tol * tree.norm(total):
                break
        self.info.update({"iters": it, "residual": float(tree.norm(term) / tree.norm(total))})
        return tree.scale(total, alpha)

    def _lr(self, problem: Problem, solver: str) -> float:
        opt = problem.optimizer
        lr = opt.constant("lr") if opt is not None else None
        if lr is None:
            raise ValueError(
                f"Implicit(solver={solver!r}) needs a step size: pass Implicit(alpha=...) "
                "(below 2 / largest Hessian eigenvalue), or a constant SGD(lr=...)"
            )
        return float(lr)

    def _fixed_point_map(
        self, problem: Problem, p: Params, g: Params, hvals: Mapping[str, torch.Tensor]
    ) -> Params:
        """One inner-optimizer step from the solution, recorded: ``w = Phi(w, h)`` at a fixed point."""
        opt = problem.require_optimizer("Implicit(solver='fixed_point')")
        if isinstance(opt.optimizer, (Adam, RMSProp)):
            raise ValueError(
                "Implicit(solver='fixed_point') iterates one inner step, which for "
                f"{type(opt.optimizer).__name__} is not a smooth contraction at the solution; "
                "use inner_optimizer=SGD(...) or solver='cg'"
            )
        return opt.step(p, opt.init(tree.detach(p)), g, hvals, 0)[0]

    def _fixed_point(self, vjp: _Vjp, gp: Params) -> dict[str, torch.Tensor]:
        v = gp
        gnorm = tree.norm(gp)
        it = 0
        rel = 0.0
        for it in range(1, self.iters + 1):  # noqa: B007 - reported in self.info
            v_new = tree.add(vjp(v)[0], gp)
            delta = tree.norm(tree.sub(v_new, v))
            v = v_new
            rel = float(delta / gnorm) if gnorm > 0 else 0.0
            if not torch.isfinite(delta):
                raise ValueError(
                    "Implicit(solver='fixed_point') diverged: the inner step is not a contraction "
                    "at params (learning rate too large for the curvature); lower SGD(lr=...) or "
                    "use solver='cg'"
                )
            if rel <= self.tol:
                break
        self.info.update({"iters": it, "residual": rel})
        return vjp(v)[1]


def _sum(trees: list[Params]) -> Params:
    total = trees[0]
    for t in trees[1:]:
        total = tree.add(total, t)
    return total


class _Vjp:
    """Vector-Jacobian products of a recorded ``out(params, hraw)`` by ``torch.autograd``: the
    graph is built once and kept, each product is one backward pass over it."""

    def __init__(self, out: Params, p: Params, h: Mapping[str, torch.Tensor]) -> None:
        self.keys = list(out)
        self.out = [out[k] for k in self.keys]
        self.p, self.h = p, dict(h)

    def __call__(self, v: Params) -> tuple[Params, dict[str, torch.Tensor]]:
        outs = [o for o in self.out if o.requires_grad]
        vs = [v[k] for k, o in zip(self.keys, self.out) if o.requires_grad]
        inputs = [*self.p.values(), *self.h.values()]
        if not outs:
            g = [torch.zeros_like(x) for x in inputs]
        else:
            with torch.enable_grad():
                g = list(torch.autograd.grad(outs, inputs, vs, retain_graph=True,
                                             materialize_grads=True))
        n = len(self.p)
        return dict(zip(self.p, g[:n])), dict(zip(self.h, g[n:]))
