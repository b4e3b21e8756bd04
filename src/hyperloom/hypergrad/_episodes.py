"""Episodes: several inner problems against one set of hyperparameters (FAR-HO's multiple inner
problems), e.g. meta-learning over a batch of tasks or cross-validation folds. The outer loss is
the mean over episodes, so the hypergradient is the mean of the episodes' hypergradients.

Episodes run one after the other with any offline method, or all at once with ``vmap`` when
``vectorize=True``: then every inner step is one batched call over all episodes, which on small
models removes most of the per-step Python cost. ``vmap`` cannot batch ``torch.autograd.grad``,
so the vectorized path reverses each step with ``torch.func.vjp`` over stored states (each inner
gradient is then computed twice, which batching more than pays back for many small episodes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import _tree as tree
from ._errors import transformed
from ._problem import Batches, Problem
from ._reverse import Reverse, Trajectory
from ._torch import torch


class Episodes:
    """The episodes' data: one ``(train_data, val_data)`` pair per inner problem."""

    def __init__(self, tasks: Sequence[tuple[Any, Any]], vectorize: bool = False) -> None:
        tasks = list(tasks)
        if not tasks:
            raise ValueError("episodes(tasks): give at least one (train_data, val_data) pair")
        for i, task in enumerate(tasks):
            if not (isinstance(task, tuple) and len(task) == 2):
                raise TypeError(
                    f"episodes(tasks): task {i} must be a pair (train_data, val_data), got "
                    f"{type(task).__name__}"
                )
        self.tasks = tasks
        self.vectorize = bool(vectorize)

    def __len__(self) -> int:
        return len(self.tasks)

    def __repr__(self) -> str:
        return f"episodes({len(self.tasks)} tasks, vectorize={self.vectorize})"


def episodes(tasks: Sequence[tuple[Any, Any]], *, vectorize: bool = False) -> Episodes:
    """Several inner problems sharing the hyperparameters, for ``hypergradient(train_data=...)``
    and ``HyperOptimizer.step(...)``: ``tasks`` is a list of ``(train_data, val_data)`` pairs;
    the outer loss is their mean. ``vectorize=True`` runs them as one ``vmap`` (``Reverse(T)``
    without checkpoint/truncate; every task's data of the same shapes)."""
    return Episodes(tasks, vectorize)


def run_episodes(method: Any, problem: Problem, hraw: Mapping[str, torch.Tensor],
                 data: Episodes) -> Trajectory:
    """The mean hypergradient and outer loss over the episodes (params: those of the last)."""
    if data.vectorize:
        return _vectorized(method, problem, hraw, data)
    total: dict[str, torch.Tensor] | None = None
    value = torch.zeros(())
    out: Trajectory | None = None
    for train, val in data.tasks:
        out = method.run(problem, hraw, Batches(train, "episode train_data"), val)
        total = out.grads if total is None else tree.add(total, out.grads)
        value = value + out.value
    assert out is not None and total is not None
    n = len(data.tasks)
    return Trajectory(tree.scale(total, 1.0 / n), out.params, out.state, value / n)


def _stack(items: list[Any], what: str) -> Any:
    try:
        return tree.tree_map(lambda *xs: torch.stack(xs), *items)
    except (RuntimeError, KeyError, IndexError, TypeError) as exc:
        raise ValueError(
            f"episodes(vectorize=True): the tasks' {what} differ in structure or shape ({exc}); "
            "give every task the same shapes, or use vectorize=False"
        ) from exc


def _vectorized(method: Any, problem: Problem, hraw: Mapping[str, torch.Tensor],
                data: Episodes) -> Trajectory:
    if not isinstance(method, Reverse) or not method.can_create_graph:
        raise ValueError(
            f"episodes(vectorize=True) runs with method=hypergrad.Reverse(T) without checkpoint= "
            f"or truncate=, got {method!r}; use vectorize=False for other methods"
        )
    trains = [t for t, _ in data.tasks]
    if all(isinstance(t, list) for t in trains):
        if len({len(t) for t in trains}) != 1:
            raise ValueError("episodes(vectorize=True): every task needs as many train batches")
        train = [_stack([t[i] for t in trains], "train batches") for i in range(len(trains[0]))]
    else:
        train = _stack(trains, "train data")
    val = _stack([v for _, v in data.tasks], "validation data")
    hraw = {k: v.detach() for k, v in hraw.items()}

    def one(train_data: Any, val_data: Any) -> tuple[dict[str, torch.Tensor], torch.Tensor, Any]:
        return _functional_reverse(problem, hraw, Batches(train_data), val_data, method.steps)

    with transformed("episodes(vectorize=True)", "use hypergrad.episodes(..., vectorize=False)"):
        grads, values, params = torch.func.vmap(one, randomness="different")(train, val)
    mean = {k: g.mean(0) for k, g in grads.items()}
    last = tree.tree_map(lambda x: x[-1], params)
    return Trajectory(mean, last, {}, values.mean())


def _functional_reverse(problem: Problem, hraw: Mapping[str, torch.Tensor], train: Batches,
                        val: Any, n_steps: int) -> tuple[dict[str, torch.Tensor], torch.Tensor, Any]:
    """Reverse mode in torch.func only (vmap-able): store the states, then one vjp per step."""
    opt = problem.require_optimizer("episodes(vectorize=True)")
    params0 = problem.init(hraw)
    states = [(params0, opt.init(params0))]
    for i in range(n_steps):
        states.append(problem.step(*states[-1], hraw, train.get(i), i))
    p, s = states.pop()
    (gp, gh), value = torch.func.grad_and_value(problem.outer, argnums=(0, 1))(p, dict(hraw), val)
    adj = (gp, tree.zeros_like(s))
    for i in range(n_steps - 1, -1, -1):
        ps, ss = states.pop()
        _, vjp_fn = torch.func.vjp(
            lambda p_, s_, h_, i=i: problem.step(p_, s_, h_, train.get(i), i), ps, ss, dict(hraw)
        )
        adj_p, adj_s, dh = vjp_fn(adj)
        adj = (adj_p, adj_s)
        gh = tree.add(gh, dh)
    if problem.init_depends_on_hparams:
        _, vjp_init = torch.func.vjp(problem.init, dict(hraw))
        gh = tree.add(gh, vjp_init(adj[0])[0])
    return gh, value, p
