"""A toy bilevel problem for hypergradient tests: a ridge-penalized inner loss on one weight
vector (minimizer w = 1 / (1 + lam)) and an outer loss that wants w = 0.5."""

from __future__ import annotations


def ridge_toy():
    """(inner, outer) of the toy, in hypergrad's (params, hparams, batch) form."""
    def inner(p, h, batch):
        return ((p["w"] - 1.0) ** 2).sum() + h["lam"] * (p["w"] ** 2).sum()

    def outer(p, h, batch):
        return ((p["w"] - 0.5) ** 2).sum()

    return inner, outer
