"""Nesting (Hype): ``hypergradient(create_graph=True)`` returns a hypergradient that can itself
be differentiated, so bilevel problems nest to any depth. Checked against finite differences in
float64 on a three-level problem."""

from __future__ import annotations

import pytest
import torch

import hyperloom.hypergrad as hg

pytestmark = pytest.mark.torch

g = torch.Generator().manual_seed(0)
A = torch.randn(2, 3, generator=g, dtype=torch.float64)
C = torch.randn(3, generator=g, dtype=torch.float64)
D = torch.randn(2, generator=g, dtype=torch.float64)
Y0 = torch.randn(2, generator=g, dtype=torch.float64)


def three_levels(x: torch.Tensor, create_graph: bool = True) -> torch.Tensor:
    """Level 1: E1(x) = |y_K(x) - D|^2 + 0.1 x. Level 2: y takes K = 4 hypergradient steps on
    E2(y) = |z_T - C|^2 / 2 + x^2 |y|^2 / 2. Level 3: z takes T = 15 SGD steps (lr 0.1) on
    L3(z) = |A z - y|^2 / 2 + exp(x) |z|^2 / 2. x enters every level."""

    def inner(p, h, batch):
        return 0.5 * ((A @ p["z"] - h["y"]) ** 2).sum() + 0.5 * torch.exp(x) * (p["z"] ** 2).sum()

    def outer(p, h, batch):
        return 0.5 * ((p["z"] - C) ** 2).sum() + 0.5 * x**2 * (h["y"] ** 2).sum()

    y = Y0
    for _ in range(4):
        dy = hg.hypergradient(inner, outer, {"z": torch.zeros(3, dtype=torch.float64)}, {"y": y},
                              method=hg.Reverse(15), inner_optimizer=hg.SGD(lr=0.1),
                              create_graph=create_graph)["y"]
        y = y - 0.3 * dy
    return ((y - D) ** 2).sum() + 0.1 * x


def test_three_level_problem_matches_finite_differences():
    x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    (exact,) = torch.autograd.grad(three_levels(x), x)
    eps = 1e-6
    with torch.no_grad():
        fd = (three_levels(torch.tensor(0.3 + eps, dtype=torch.float64), False)
              - three_levels(torch.tensor(0.3 - eps, dtype=torch.float64), False)) / (2 * eps)
    assert abs(float(exact)) > 1e-2, float(exact)
    assert abs(float(exact) - float(fd)) < 1e-7 * max(1.0, abs(float(fd)))


def test_second_derivative_through_a_hypergradient_matches_finite_differences():
    """d/dlog(lam) of the ridge hypergradient, the hyperparameter itself as the graph's leaf."""
    gen = torch.Generator().manual_seed(1)
    X, y = torch.randn(20, 4, generator=gen), torch.randn(20, generator=gen)

    def inner(p, h, b):
        return 0.5 * ((X @ p["w"] - y) ** 2).mean() + 0.5 * h["lam"] * (p["w"] ** 2).sum()

    def outer(p, h, b):
        return 0.5 * ((X[:10] @ p["w"] - y[:10]) ** 2).mean()

    def hypergrad(lam, create_graph):
        return hg.hypergradient(inner, outer, {"w": torch.zeros(4)}, {"lam": lam},
                                method=hg.Reverse(30), inner_optimizer=hg.SGD(lr=0.3),
                                create_graph=create_graph)["lam"]

    lam = hg.hyperparameter(0.4, "positive")
    (second,) = torch.autograd.grad(hypergrad(lam, True), lam.raw)
    eps = 1e-6
    up, down = (hg.hyperparameter(0.4 * torch.exp(torch.tensor(e)), "positive") for e in (eps, -eps))
    fd = float(hypergrad(up, False) - hypergrad(down, False)) / (2 * eps)
    assert abs(fd) > 1e-3
    assert abs(float(second) - fd) < 1e-6 * max(1.0, abs(fd))


def test_create_graph_needs_the_whole_run_recorded():
    def inner(p, h, b):
        return ((p["w"] - h["a"]) ** 2).sum()

    for method in (hg.Reverse(5, checkpoint=2), hg.Reverse(5, truncate=2), hg.Forward(5),
                   hg.Implicit()):
        with pytest.raises(ValueError, match="create_graph=True\\) needs method=hypergrad.Reverse"):
            hg.hypergradient(inner, inner, {"w": torch.zeros(2)}, {"a": torch.ones(2)},
                             method=method, inner_optimizer=hg.SGD(lr=0.1), create_graph=True)


def test_without_create_graph_the_hypergradient_is_detached():
    x = torch.tensor(0.5, requires_grad=True)

    def inner(p, h, b):
        return ((p["w"] - h["a"] * x) ** 2).sum()

    out = hg.hypergradient(inner, inner, {"w": torch.zeros(2)}, {"a": torch.ones(2)},
                           method=hg.Reverse(5), inner_optimizer=hg.SGD(lr=0.1))["a"]
    assert not out.requires_grad
