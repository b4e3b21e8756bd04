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
        hg.influence(per_example, val_loss, {"w": torch.zeros(3)}, [(X, y)], val)
