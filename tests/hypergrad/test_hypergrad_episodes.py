"""Episodes: several inner problems against one set of hyperparameters (meta-learning tasks,
cross-validation folds). The hypergradient is that of the mean outer loss, checked by finite
differences in float64, one after the other and vectorized with vmap."""

from __future__ import annotations

import pytest
import torch

import hyperloom.hypergrad as hg

pytestmark = pytest.mark.torch


def _tasks(n_tasks: int = 3, n: int = 12, d: int = 4):
    g = torch.Generator().manual_seed(7)
    shared = torch.randn(d, generator=g)
    tasks = []
    for _ in range(n_tasks):
        w = shared + 0.3 * torch.randn(d, generator=g)
        X, Xv = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)
        tasks.append(((X, X @ w + 0.1 * torch.randn(n, generator=g)), (Xv, Xv @ w)))
    return tasks


def inner(p, h, batch):  # a head regularized towards a learned, shared initialization
    X, y = batch
    return 0.5 * ((X @ p["w"] - y) ** 2).mean() + 0.5 * h["lam"] * ((p["w"] - h["w0"]) ** 2).sum()


def outer(p, h, batch):
    X, y = batch
    return 0.5 * ((X @ p["w"] - y) ** 2).mean()


def _hparams():
    w0 = hg.hyperparameter(torch.zeros(4), name="w0")
    return {"lam": hg.hyperparameter(0.5, "positive"), "w0": w0}


def _mean_val(raw, tasks, steps=10):
    """The mean validation loss over the tasks, by plain training (for finite differences)."""
    lam, w0 = raw["lam"].exp(), raw["w0"]
    opt = hg.SGD(lr=0.2, momentum=0.3)
    total = 0.0
    for train, val in tasks:
        p = {"w": w0.clone()}
        s = opt.init(p)
        for t in range(steps):
            p, s = opt.update(p, s, torch.func.grad(inner)(p, {"lam": lam, "w0": w0}, train), step=t)
        total += float(outer(p, {}, val))
    return total / len(tasks)


def _run(method, tasks, vectorize=False):
    h = _hparams()
    params = {"w": h["w0"]}  # every task starts from the learned initialization
    return hg.hypergradient(inner, outer, params, h, method=method,
                            inner_optimizer=hg.SGD(lr=0.2, momentum=0.3),
                            train_data=hg.episodes(tasks, vectorize=vectorize))


@pytest.mark.parametrize("vectorize", [False, True], ids=["loop", "vmap"])
def test_episodes_hypergradient_matches_finite_differences_of_the_mean_outer_loss(vectorize):
    tasks = _tasks()
    got = _run(hg.Reverse(10), tasks, vectorize)
    raw = {"lam": torch.tensor(0.5).log(), "w0": torch.zeros(4)}
    eps = 1e-6
    for key, index in (("lam", None), ("w0", 0), ("w0", 3)):
        up = {k: v.clone() for k, v in raw.items()}
        down = {k: v.clone() for k, v in raw.items()}
        if index is None:
            up[key] += eps
            down[key] -= eps
        else:
            up[key][index] += eps
            down[key][index] -= eps
        fd = (_mean_val(up, tasks) - _mean_val(down, tasks)) / (2 * eps)
        value = float(got[key]) if index is None else float(got[key][index])
        assert abs(fd) > 1e-4, (key, index)
        assert abs(value - fd) < 1e-7 * max(1.0, abs(fd)), (key, index, value, fd)


def test_episodes_are_the_mean_of_the_single_problems_with_any_method(rel):
    tasks = _tasks()
    for method in (hg.Forward(10), hg.Reverse(10, checkpoint=3)):
        together = _run(method, tasks)
        alone = [_run(method, [task]) for task in tasks]
        for key in together:
            assert rel(together[key], sum(a[key] for a in alone) / 3) < 1e-10, (method, key)


def test_cross_validation_folds_as_episodes_with_implicit(rel):
    """Three folds of one ridge problem against one lambda, at each fold's exact solution."""
    g = torch.Generator().manual_seed(1)
    X, y = torch.randn(30, 3, generator=g), torch.randn(30, generator=g)
    folds = [torch.arange(30)[i::3] for i in range(3)]
    lam = 0.3

    def ridge(p, h, b):
        Xb, yb = b
        return 0.5 * ((Xb @ p["w"] - yb) ** 2).mean() + 0.5 * h["lam"] * (p["w"] ** 2).sum()

    grads = []
    for k, val_idx in enumerate(folds):
        train_idx = torch.cat([f for j, f in enumerate(folds) if j != k])
        Xt, yt = X[train_idx], y[train_idx]
        w = torch.linalg.solve(Xt.T @ Xt / 20 + lam * torch.eye(3), Xt.T @ yt / 20)
        grads.append(hg.hypergradient(ridge, outer, {"w": w}, {"lam": torch.tensor(lam)},
                                      method=hg.Implicit(), train_data=(Xt, yt),
                                      val_data=(X[val_idx], y[val_idx]))["lam"])
    # one shared solution is not right for every fold, so Implicit runs a few steps per fold
    tasks = [((X[torch.cat([f for j, f in enumerate(folds) if j != k])],
               y[torch.cat([f for j, f in enumerate(folds) if j != k])]),
              (X[folds[k]], y[folds[k]])) for k in range(3)]
    cv = hg.hypergradient(ridge, outer, {"w": torch.zeros(3)}, {"lam": torch.tensor(lam)},
                          method=hg.Implicit(steps=400), inner_optimizer=hg.SGD(lr=0.5),
                          train_data=hg.episodes(tasks))
    assert rel(cv["lam"], sum(grads) / 3) < 1e-6


def test_hyperoptimizer_steps_on_episodes_and_refuses_what_cannot_work():
    tasks = _tasks()
    h = _hparams()
    hopt = hg.HyperOptimizer(hg.Reverse(10), hg.SGD(lr=0.2, momentum=0.3),
                             lambda ps: torch.optim.Adam(ps, lr=0.1), inner_loss=inner,
                             outer_loss=outer, params={"w": h["w0"]}, hparams=h)
    first = hopt.evaluate(hg.episodes(tasks), None)
    for _ in range(15):
        hopt.step(hg.episodes(tasks, vectorize=True), None)
    assert hopt.evaluate(hg.episodes(tasks), None) < 0.7 * first
    with pytest.raises(ValueError, match="pass val_data=None"):
        hopt.step(hg.episodes(tasks), tasks[0][1])
    with pytest.raises(ValueError, match="vectorize=True\\) runs with method=hypergrad.Reverse"):
        _run(hg.Forward(5), tasks, vectorize=True)
    with pytest.raises(ValueError, match="differ in structure or shape"):
        _run(hg.Reverse(5), [tasks[0], ((tasks[1][0][0][:5], tasks[1][0][1][:5]), tasks[1][1])],
             vectorize=True)
    warm = hg.HyperOptimizer(hg.Implicit(steps=5), hg.SGD(lr=0.2), lambda ps: torch.optim.SGD(ps, lr=0.1),
                             inner_loss=inner, outer_loss=outer, params={"w": torch.zeros(4)},
                             hparams={"lam": hg.hyperparameter(0.5, "positive"), "w0": torch.zeros(4)})
    warm.step(tasks[0][0], tasks[0][1])
    with pytest.raises(ValueError, match="cannot continue one run: use HyperOptimizer\\(warm_start=False\\)"):
        warm.step(hg.episodes(tasks), None)
    with pytest.raises(TypeError, match="task 1 must be a pair"):
        hg.episodes([tasks[0], tasks[1][0][0]])
