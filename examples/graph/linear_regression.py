"""Hypergraph's linear-regression example: fit `y = w * x + b` to 15 noisy points by tuning
the tweaks `w ~ U(-5, 5)` and `b ~ U(-10, 10)` with the genetic sampler; the data reach the
graph as inputs by key.

    .venv/bin/python examples/graph/linear_regression.py
"""

from __future__ import annotations

import numpy as np

import hyperloom as hl
from hyperloom import graph


def make_points(seed: int = 0, n: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """n points of y = 2.5 x - 4 plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    return x, 2.5 * x - 4 + rng.normal(0, 0.5, n)


@graph.tweaks(w=hl.Uniform(-5, 5), b=hl.Uniform(-10, 10))
def line(x, w, b):
    return w * x + b


@graph.node
def negative_mse(prediction, y):
    """A score to maximize: minus the mean squared error."""
    return -float(np.mean((prediction - y) ** 2))


@graph.aggregator
def linreg():
    return negative_mse(prediction=line(x=graph.input("x")), y=graph.input("y"))


def least_squares_mse(x: np.ndarray, y: np.ndarray) -> float:
    """The best mean squared error a line can reach on (x, y)."""
    (w, b), *_ = np.linalg.lstsq(np.c_[x, np.ones_like(x)], y, rcond=None)
    return float(np.mean((w * x + b - y) ** 2))


def main() -> None:
    x, y = make_points()
    history = graph.History()
    best = graph.optimize(linreg(), lambda score: score, "genetic", inputs={"x": x, "y": y},
                          generations=50, seed=0, callbacks=[graph.ConsoleLog(), history])
    print("best tweaks:", best)
    print(f"MSE {-history.records[-1].best:.4f}, least squares {least_squares_mse(x, y):.4f}")


if __name__ == "__main__":
    main()
