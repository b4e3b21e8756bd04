"""The two entry points: one-shot :func:`hypergradient` and the bilevel loop :class:`HyperOptimizer`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import _tree as tree
from ._episodes import Episodes, run_episodes
from ._errors import DefaultUsedWarning, HypergradientError, warn
from ._method import Method, OfflineMethod
from ._optimizers import SGD, InnerOptimizer, Params
from ._problem import Batches, Loss, Problem
from ._reverse import Reverse, Trajectory
from ._torch import torch


def _check_method(method: Any) -> None:
    if not isinstance(method, Method):
        raise TypeError(
            "method must be hypergrad.Reverse(...), Forward(...), Implicit(...), RTHO(...) or "
            f"TRHO(...), got {type(method).__name__}"
        )


def _run_offline(
    method: OfflineMethod,
    problem: Problem,
    hraw: Mapping[str, torch.Tensor],
    train: Any,
    val_data: Any,
    params0: Params | None = None,
    argument: str = "train_data",
) -> Trajectory:
    if isinstance(train, Episodes):
        if val_data is not None:
            raise ValueError(
                f"{argument} holds episodes, each with its own validation data: pass "
                "val_data=None (each task is a pair (train_data, val_data))"
            )
        if params0 is not None:
            raise ValueError(
                "episodes are separate inner problems, so they cannot continue one run: use "
                "HyperOptimizer(warm_start=False)"
            )
        return run_episodes(method, problem, hraw, train)
    return method.run(problem, hraw, Batches(train, argument), val_data, params0=params0)


def hypergradient(
    inner_loss: Loss,
    outer_loss: Loss,
    params: Any,
    hparams: Mapping[str, Any],
    *,
    method: Any = None,
    inner_optimizer: InnerOptimizer | None = None,
    train_data: Any = None,
    val_data: Any = None,
    create_graph: bool = False,
) -> dict[str, torch.Tensor]:
    """The gradient of ``outer_loss`` at the end of inner training w.r.t. each hyperparameter.

    ``params``/``hparams`` are dicts of tensors (hparams may hold ``hyperparameter(...)`` objects,
    whose gradient is w.r.t. their unconstrained ``raw`` tensor); the losses are
    ``f(params, hparams, batch) -> scalar``. ``Reverse``/``Forward`` train from ``params`` with
    ``inner_optimizer``; for ``Implicit`` ``params`` is the inner solution. Leaving out
    ``method`` (or ``inner_optimizer`` for a method that trains) falls back to ``Reverse(100)``
    and ``SGD(lr=0.1)`` with a :class:`DefaultUsedWarning` naming them.

    ``create_graph=True`` returns the hypergradient with its own graph (``method=Reverse(T)``
    without ``checkpoint``/``truncate``): tensors that require grad anywhere in the problem
    (hparams entries, params, optimizer arguments, tensors the losses close over) stay
    connected, so the result can be differentiated again, e.g. by an outer level of a nested
    problem. ``train_data=hypergrad.episodes([(train, val), ...])`` (with ``val_data=None``)
    gives the mean hypergradient over several inner problems. Returns a dict keyed like
    ``hparams``.
    """
    if method is None:
        method = Reverse(steps=100)
        warn("hypergradient(): no method given, using Reverse(steps=100) (100 inner steps); "
             "pass method=hypergrad.Reverse(T), Forward(T) or Implicit() to choose",
             DefaultUsedWarning)
    _check_method(method)
    if method.online:
        raise TypeError(
            f"{method!r} updates hyperparameters during one training run: use it with "
            "hypergrad.HyperOptimizer(...).step(...), or use Reverse/Forward/Implicit here"
        )
    if create_graph and not getattr(method, "can_create_graph", False):
        raise ValueError(
            f"hypergradient(create_graph=True) needs method=hypergrad.Reverse(T) without "
            f"checkpoint= or truncate= (the whole run recorded), got {method!r}"
        )
    trains = not method.starts_at_solution or getattr(method, "steps", 0) > 0
    if inner_optimizer is None and trains:
        inner_optimizer = SGD(lr=0.1)
        name = repr(method) if type(method).__repr__ is not object.__repr__ else (
            type(method).__name__)
        warn(f"hypergradient(): no inner_optimizer given, so {name} trains with "
             "SGD(lr=0.1); pass inner_optimizer=hypergrad.SGD(lr=...) (or Adam, RMSProp)",
             DefaultUsedWarning)
    problem = Problem(inner_loss, outer_loss, params, hparams, inner_optimizer,
                      keep_graph=create_graph)
    hraw = dict(problem.hset.leaves) if create_graph else problem.hset.raw()
    out = _run_offline(method, problem, hraw, train_data, val_data)
    return out.grads


class HyperOptimizer:
    """The bilevel loop: each :meth:`step` trains the inner problem, takes the hypergradient with
    ``method`` and lets ``outer_optimizer`` (a ``torch.optim`` optimizer over
    ``hypergrad.parameters(hparams)``, or a factory taking that list) update the hyperparameters.

    ``warm_start`` (default: on for ``Implicit``, off for ``Reverse``/``Forward``) continues the
    inner training from the previous step's params instead of restarting from ``params``.
    Online methods (``RTHO``/``TRHO``) always continue one run, k inner steps per :meth:`step`.
    ``step(hypergrad.episodes([(train, val), ...]), None)`` steps on the mean over several inner
    problems. A hypergradient that is not finite (a diverged inner run) is refused with a
    :class:`HypergradientError` and nothing is updated.
    """

    def __init__(
        self,
        method: Any,
        inner_optimizer: InnerOptimizer,
        outer_optimizer: torch.optim.Optimizer | Callable[[list[torch.Tensor]], Any],
        *,
        inner_loss: Loss,
        outer_loss: Loss,
        params: Any,
        hparams: Mapping[str, Any],
        warm_start: bool | None = None,
    ) -> None:
        _check_method(method)
        if method.starts_at_solution and method.steps < 1:
            raise ValueError(
                "HyperOptimizer needs Implicit(steps=...) >= 1: that many inner-optimizer steps "
                "(warm-started) solve the inner problem before each hypergradient"
            )
        self.method = method
        self.model = params if isinstance(params, torch.nn.Module) else None
        self.problem = Problem(inner_loss, outer_loss, params, hparams, inner_optimizer)
        leaves = self.problem.hset.leaf_list()
        if isinstance(outer_optimizer, torch.optim.Optimizer):
            held = {id(p) for g in outer_optimizer.param_groups for p in g["params"]}
            for key, leaf in self.problem.hset.leaves.items():
                if id(leaf) not in held:
                    raise ValueError(
                        f"outer_optimizer does not hold hyperparameter {key!r}; build it over "
                        "hypergrad.parameters(hparams), e.g. torch.optim.Adam("
                        "hypergrad.parameters(hparams), lr=0.01)"
                    )
            self.outer_optimizer = outer_optimizer
        elif callable(outer_optimizer):
            self.outer_optimizer = outer_optimizer(leaves)
        else:
            raise TypeError(
                "outer_optimizer must be a torch.optim.Optimizer or a function "
                f"list_of_tensors -> optimizer, got {type(outer_optimizer).__name__}"
            )
        if warm_start is None:
            warm_start = method.warm_start_default
        if warm_start and not method.can_warm_start:
            raise ValueError(f"{type(method).__name__} restarts the inner run each step: "
                             "use warm_start=False")
        if warm_start and self.problem.init_depends_on_hparams and not method.online:
            raise ValueError(
                "warm_start=True cannot learn an initialization hyperparameter (the run would not "
                "start from it); use warm_start=False"
            )
        self.warm_start = bool(warm_start)
        self._online_run: Any = None
        self._params: Params | None = None
        self.last_hypergradient: dict[str, torch.Tensor] = {}
        self.history: list[float] = []

    @property
    def params(self) -> Params:
        """The inner parameters at the end of the last step (the initial ones before any step)."""
        if self._online_run is not None:
            return self._online_run.params
        if self._params is not None:
            return self._params
        return self.problem.init(self.problem.hset.raw())

    @property
    def hparams(self) -> dict[str, torch.Tensor]:
        """Current constrained hyperparameter values (detached)."""
        hset = self.problem.hset
        return {k: v.detach() for k, v in hset.values(hset.raw()).items()}

    def hypergradient(self, train_batches: Any, val_batch: Any) -> dict[str, torch.Tensor]:
        """Run the inner training and return the hypergradient without updating anything."""
        return self._compute(train_batches, val_batch).grads

    def _compute(self, train_batches: Any, val_batch: Any) -> Trajectory:
        hraw = self.problem.hset.raw()
        if self.method.online:
            if isinstance(train_batches, Episodes):
                raise ValueError(f"{self.method!r} continues one training run, so it cannot "
                                 "take episodes; use Reverse, Forward or Implicit")
            if self._online_run is None:
                self._online_run = self.method.start(self.problem, hraw)
            train = Batches(train_batches, "train_batches")
            return self._online_run.advance(hraw, train, val_batch)
        params0 = self._params if self.warm_start else None
        return _run_offline(self.method, self.problem, hraw, train_batches, val_batch,
                            params0=params0, argument="train_batches")

    def evaluate(self, train_batches: Any, val_batch: Any) -> float:
        """The outer loss after inner training at the current hyperparameters; updates nothing.

        Online methods score their current params; the others train as in :meth:`step`.
        """
        problem = self.problem
        hraw = problem.hset.raw()
        if isinstance(train_batches, Episodes):
            values = [self.evaluate(t, v) for t, v in train_batches.tasks]
            return sum(values) / len(values)
        if self.method.online:
            params = self.params
        else:
            train = Batches(train_batches, "train_batches")
            opt = problem.require_optimizer("HyperOptimizer")
            start = self._params if (self.warm_start and self._params is not None) else None
            params0 = problem.init(hraw) if start is None else start
            params, _ = problem.train(params0, opt.init(params0), hraw, train, self.method.steps)
        with torch.no_grad():
            return float(problem.outer(params, hraw, val_batch))

    def step(self, train_batches: Any, val_batch: Any) -> float:
        """One hyper-iteration; returns the outer (validation) loss before the update."""
        out = self._compute(train_batches, val_batch)
        bad = [k for k, g in out.grads.items() if not bool(torch.isfinite(g).all())]
        if bad:
            raise HypergradientError(
                f"HyperOptimizer.step: the hypergradient of {bad} is not finite (outer loss "
                f"{float(out.value):.4g}), so the step was refused and the hyperparameters are "
                f"unchanged ({_describe(self.hparams, bad)}); the inner run probably diverged: "
                "lower the inner learning rate or bound it (hyperparameter(..., 'unit') times "
                "a maximum), or use fewer inner steps"
            )
        if not isinstance(train_batches, Episodes):  # episodes: no single run to continue
            self._params = tree.detach(out.params)
        self.last_hypergradient = out.grads
        self.outer_optimizer.zero_grad()
        for key, leaf in self.problem.hset.leaves.items():
            g = out.grads[key]
            leaf.grad = g.to(dtype=leaf.dtype, device=leaf.device).reshape(leaf.shape).clone()
        self.outer_optimizer.step()
        if self.model is not None and self._params is not None:
            self._write_back(self._params)
        value = float(out.value)
        self.history.append(value)
        return value

    def _write_back(self, params: Params) -> None:
        assert self.model is not None
        named = dict(self.model.named_parameters())
        with torch.no_grad():
            for k, v in params.items():
                if k in named:
                    named[k].copy_(v)


def _describe(hvals: Mapping[str, torch.Tensor], keys: list[str]) -> str:
    parts = []
    for k in keys:
        v = hvals[k]
        parts.append(f"{k}={float(v):.4g}" if v.numel() == 1 else f"{k}: shape {tuple(v.shape)}")
    return ", ".join(parts)
