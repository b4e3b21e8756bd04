"""Hypergradients against closed forms: ridge regression and gradient descent on a quadratic."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import hyperloom.hypergrad as hg

pytestmark = pytest.mark.torch


# -- ridge regression: d E_val(w*(lambda)) / d log(lambda) -------------------------------------
def _ridge_data(seed=0, n=50, nv=30, d=5):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g)
    y = X @ torch.randn(d, generator=g) + 0.3 * torch.randn(n, generator=g)
    Xv = torch.randn(nv, d, generator=g)
    yv = Xv @ torch.randn(d, generator=g)
    return (X, y), (Xv, yv)


def ridge_inner(p, h, batch):
    X, y = batch
    return 0.5 * ((X @ p["w"] - y) ** 2).mean() + 0.5 * h["lam"] * (p["w"] ** 2).sum()


def ridge_outer(p, h, batch):
    X, y = batch
    return 0.5 * ((X @ p["w"] - y) ** 2).mean()


def _ridge_solution(train, lam):
    X, y = train
    n, d = X.shape
    A = X.T @ X / n + lam * torch.eye(d)
    return torch.linalg.solve(A, X.T @ y / n), A


def _ridge_exact(train, val, lam):
    """dE/dlog(lam) = -lam * (dE/dw)^T A^{-1} w*  (from A w* = X^T y / n)."""
    w, A = _ridge_solution(train, lam)
    Xv, yv = val
    gE = Xv.T @ (Xv @ w - yv) / Xv.shape[0]
    return float(-lam * gE @ torch.linalg.solve(A, w))


def _ridge_val(train, val, log_lam):
    w, _ = _ridge_solution(train, math.exp(log_lam))
    return float(ridge_outer({"w": w}, {}, val))


@pytest.fixture
def ridge():
    train, val = _ridge_data()
    lam = 0.3
    return train, val, lam, _ridge_exact(train, val, lam)


def test_ridge_exact_matches_finite_differences(ridge):
    train, val, lam, exact = ridge
    eps = 1e-5
    fd = (_ridge_val(train, val, math.log(lam) + eps) - _ridge_val(train, val, math.log(lam) - eps)) / (
        2 * eps
    )
    assert abs(exact) > 1e-2
    assert abs(fd - exact) < 1e-6 * abs(exact)


@pytest.mark.parametrize(
    "method",
    [
        hg.Implicit("cg"),
        hg.Implicit("neumann", iters=3000, tol=1e-12, alpha=0.5),
        hg.Implicit("fixed_point", iters=3000, tol=1e-12),
    ],
    ids=["cg", "neumann", "fixed_point"],
)
def test_ridge_implicit(ridge, method):
    train, val, lam, exact = ridge
    w, _ = _ridge_solution(train, lam)
    hparams = {"lam": hg.hyperparameter(lam, "positive")}
    g = hg.hypergradient(
        ridge_inner, ridge_outer, {"w": w}, hparams, method=method,
        inner_optimizer=hg.SGD(lr=0.5), train_data=train, val_data=val,
    )
    assert abs(float(g["lam"]) - exact) < 1e-5 * abs(exact)
    assert method.info["iters"] >= 1


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize(
    "method", [hg.Reverse(300), hg.Reverse(300, checkpoint="sqrt"), hg.Forward(300)],
    ids=["reverse", "reverse-checkpoint", "forward"],
)
def test_ridge_unrolled_converges_to_exact(ridge, method):
    train, val, lam, exact = ridge
    hparams = {"lam": hg.hyperparameter(lam, "positive")}
    g = hg.hypergradient(
        ridge_inner, ridge_outer, {"w": torch.zeros(5)}, hparams, method=method,
        inner_optimizer=hg.SGD(lr=0.5), train_data=train, val_data=val,
    )
    assert abs(float(g["lam"]) - exact) < 1e-3 * abs(exact)


def test_ridge_few_steps_is_not_exact(ridge):
    """The unrolled hypergradient is that of the truncated run: it must differ for small T."""
    train, val, lam, exact = ridge
    g = hg.hypergradient(
        ridge_inner, ridge_outer, {"w": torch.zeros(5)}, {"lam": hg.hyperparameter(lam, "positive")},
        method=hg.Reverse(3), inner_optimizer=hg.SGD(lr=0.5), train_data=train, val_data=val,
    )
    assert abs(float(g["lam"]) - exact) > 1e-2 * abs(exact)


# -- gradient descent on a quadratic: d E(w_T) / d lr in closed form -----------------------------
def _quadratic_case(A, b, c, w0, lr, T):
    """w_t - w* = (I - lr A)^t (w0 - w*)  =>  dw_T/dlr = -T A (I - lr A)^(T-1) (w0 - w*)."""
    ws = torch.linalg.solve(A, b)
    M = torch.eye(A.shape[0]) - lr * A
    wT = ws + torch.linalg.matrix_power(M, T) @ (w0 - ws)
    dw = -T * A @ torch.linalg.matrix_power(M, T - 1) @ (w0 - ws)
    return float((wT - c) @ dw)


def _quadratic_methods(A, b, c, w0, lr, T):
    def inner(p, h, batch):
        w = p["w"]
        return 0.5 * w @ A @ w - b @ w

    def outer(p, h, batch):
        return 0.5 * ((p["w"] - c) ** 2).sum()

    lr_t = torch.tensor(lr)
    out = {}
    for name, method in (("reverse", hg.Reverse(T)), ("forward", hg.Forward(T))):
        g = hg.hypergradient(
            inner, outer, {"w": w0}, {"lr": lr_t}, method=method, inner_optimizer=hg.SGD(lr=lr_t)
        )
        out[name] = float(g["lr"])
    return out


def _random_quadratic(seed, d):
    g = torch.Generator().manual_seed(seed)
    Q = torch.randn(d, d, generator=g)
    A = Q @ Q.T / d + 0.5 * torch.eye(d)
    return A, torch.randn(d, generator=g), torch.randn(d, generator=g), torch.randn(d, generator=g)


def test_quadratic_lr_closed_form():
    A, b, c, w0 = _random_quadratic(0, 6)
    lr = 0.8 / float(torch.linalg.eigvalsh(A).max())
    exact = _quadratic_case(A, b, c, w0, lr, 25)
    got = _quadratic_methods(A, b, c, w0, lr, 25)
    assert abs(exact) > 1e-3
    for name, v in got.items():
        assert abs(v - exact) <= 1e-6 * abs(exact), (name, v, exact)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    d=st.integers(1, 5),
    T=st.integers(1, 20),
    frac=st.floats(0.05, 0.95),
)
def test_quadratic_lr_property(seed, d, T, frac):
    torch.set_default_dtype(torch.float64)
    A, b, c, w0 = _random_quadratic(seed, d)
    lr = frac / float(torch.linalg.eigvalsh(A).max())
    exact = _quadratic_case(A, b, c, w0, lr, T)
    got = _quadratic_methods(A, b, c, w0, lr, T)
    for v in got.values():
        assert abs(v - exact) <= 1e-6 * abs(exact) + 1e-12


def test_positive_constraint_gives_log_derivative():
    A, b, c, w0 = _random_quadratic(1, 3)
    lr = 0.5 / float(torch.linalg.eigvalsh(A).max())

    def inner(p, h, batch):
        return 0.5 * p["w"] @ A @ p["w"] - b @ p["w"]

    def outer(p, h, batch):
        return 0.5 * ((p["w"] - c) ** 2).sum()

    h = hg.hyperparameter(lr, "positive", name="lr")
    g = hg.hypergradient(inner, outer, {"w": w0}, {"lr": h}, method=hg.Reverse(10), inner_optimizer=hg.SGD(lr=h))
    assert abs(float(g["lr"]) - lr * _quadratic_case(A, b, c, w0, lr, 10)) < 1e-8
