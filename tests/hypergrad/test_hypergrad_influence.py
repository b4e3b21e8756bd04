"""Derivatives w.r.t. training data: example weights and features, against finite differences."""

from __future__ import annotations

import pytest
import torch

import hyperloom.hypergrad as hg

pytestmark = pytest.mark.torch

LAM = 0.1


def _data():
    g = torch.Generator().manual_seed(5)
    X = torch.randn(15, 3, generator=g)
    y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.2 * torch.randn(15, generator=g)
    y[3] += 4.0  # one outlier, which should have a large harmful influence
    Xv = torch.randn(20, 3, generator=g)
    yv = Xv @ torch.tensor([1.0, -2.0, 0.5])
    return (X, y), (Xv, yv)


def per_example(p, batch):
    X, y = batch
    return 0.5 * (X @ p["w"] - y) ** 2


def val_loss(p, batch):
    X, y = batch
    return 0.5 * ((X @ p["w"] - y) ** 2).mean()


def regularizer(p):
    return 0.5 * LAM * (p["w"] ** 2).sum()


def _solve(X, y, weights):
    n = X.shape[0]
    A = (X.T * weights) @ X / n + LAM * torch.eye(X.shape[1])
    return torch.linalg.solve(A, (X.T * weights) @ y / n)


def test_influence_of_example_weights_matches_finite_differences(rel):
    (X, y), val = _data()
    w_star = _solve(X, y, torch.ones(15))
    got = hg.influence(per_example, val_loss, {"w": w_star}, (X, y), val, regularizer=regularizer)
    assert got.shape == (15,)
    eps = 1e-6
    fd = torch.empty(15)
    for i in range(15):
        e = torch.zeros(15)
        e[i] = eps
        plus = val_loss({"w": _solve(X, y, 1 + e)}, val)
        minus = val_loss({"w": _solve(X, y, 1 - e)}, val)
        fd[i] = (plus - minus) / (2 * eps)
    assert rel(got, fd) < 1e-6
    assert int(got.argmax()) == 3  # the outlier hurts the most


def test_influence_of_features_and_through_training(rel):
    (X, y), val = _data()
    w_star = _solve(X, y, torch.ones(15))
    got = hg.influence(
        per_example, val_loss, {"w": w_star}, (X, y), val, wrt="features", regularizer=regularizer
    )
    assert got.shape == X.shape
    eps = 1e-6
    for i, j in ((0, 0), (3, 2), (14, 1)):
        Xp, Xm = X.clone(), X.clone()
        Xp[i, j] += eps
        Xm[i, j] -= eps
        fd = (val_loss({"w": _solve(Xp, y, torch.ones(15))}, val)
              - val_loss({"w": _solve(Xm, y, torch.ones(15))}, val)) / (2 * eps)
        assert abs(float(got[i, j]) - float(fd)) < 1e-6 * max(1.0, abs(float(fd)))
    # differentiating through 400 steps of gradient descent reaches the same numbers
    through = hg.influence(
        per_example, val_loss, {"w": torch.zeros(3)}, (X, y), val, regularizer=regularizer,
        method=hg.Reverse(400), inner_optimizer=hg.SGD(lr=0.3),
    )
    exact = hg.influence(per_example, val_loss, {"w": w_star}, (X, y), val, regularizer=regularizer)
    assert rel(through, exact) < 1e-3


def test_influence_errors():
    (X, y), val = _data()
    with pytest.raises(ValueError, match="wrt='labels'"):
        hg.influence(per_example, val_loss, {"w": torch.zeros(3)}, (X, y), val, wrt="labels")
    with pytest.raises(ValueError, match="one loss per training example"):
        hg.influence(lambda p, b: per_example(p, b).mean(), val_loss, {"w": torch.zeros(3)}, (X, y), val)
    with pytest.raises(TypeError, match="must be one batch"):
        hg.influence(per_example, val_loss, {"w": torch.zeros(3)}, [(X, y), X], val)
    with pytest.raises(TypeError, match="needs floating-point targets"):
        hg.influence(per_example, val_loss, {"w": torch.zeros(3)}, (X, y.long()), val,
                     wrt="targets")


def per_example_h(p, h, batch):  # the (params, hparams, batch) signature of every other loss
    X, y = batch
    return h["half"] * (X @ p["w"] - y) ** 2


def val_loss_h(p, h, batch):
    X, y = batch
    return h["half"] * ((X @ p["w"] - y) ** 2).mean()


def test_influence_on_minibatches_and_with_the_common_loss_signature(rel):
    (X, y), val = _data()
    w_star = _solve(X, y, torch.ones(15))
    whole = hg.influence(per_example, val_loss, {"w": w_star}, (X, y), val, regularizer=regularizer)
    minibatches = [(X[i : i + 5], y[i : i + 5]) for i in range(0, 15, 5)]
    got = hg.influence(per_example_h, val_loss_h, {"w": w_star}, minibatches, val,
                       hparams={"half": torch.tensor(0.5)}, regularizer=regularizer)
    assert got.shape == (15,)
    assert rel(got, whole) < 1e-10  # equal-sized minibatches: the same mean objective


def test_influence_of_regression_targets_matches_finite_differences():
    (X, y), val = _data()
    w_star = _solve(X, y, torch.ones(15))
    got = hg.influence(per_example_h, val_loss_h, {"w": w_star}, (X, y), val, wrt="targets",
                       hparams={"half": torch.tensor(0.5)}, regularizer=regularizer)
    assert got.shape == (15,)
    eps = 1e-6
    for i in (0, 3, 14):
        e = torch.zeros(15)
        e[i] = eps
        fd = (val_loss({"w": _solve(X, y + e, torch.ones(15))}, val)
              - val_loss({"w": _solve(X, y - e, torch.ones(15))}, val)) / (2 * eps)
        assert abs(float(got[i]) - float(fd)) < 1e-6 * max(1.0, abs(float(fd))), i


def test_influence_through_training_on_minibatches_matches_finite_differences():
    (X, y), val = _data()
    minibatches = [(X[:8], y[:8]), (X[8:], y[8:])]  # unequal sizes, cycled by the inner steps
    opt = hg.SGD(lr=0.2, momentum=0.5)
    got = hg.influence(per_example, val_loss, {"w": torch.zeros(3)}, minibatches, val,
                       regularizer=regularizer, method=hg.Reverse(12), inner_optimizer=opt)

    def trained(weights):
        p = {"w": torch.zeros(3)}
        s = opt.init(p)
        for t in range(12):
            lo, hi = (0, 8) if t % 2 == 0 else (8, 15)

            def objective(q, lo=lo, hi=hi):
                terms = per_example(q, (X[lo:hi], y[lo:hi]))
                return (weights[lo:hi] * terms).mean() + regularizer(q)

            p, s = opt.update(p, s, torch.func.grad(objective)(p), step=t)
        return float(val_loss(p, val))

    eps = 1e-6
    for i in (0, 9, 14):
        e = torch.zeros(15)
        e[i] = eps
        fd = (trained(1 + e) - trained(1 - e)) / (2 * eps)
        assert abs(float(got[i]) - fd) < 1e-6 * max(1.0, abs(fd)), i
