"""Log expected improvement (Ament et al., 2023, "Unexpected improvements to expected
improvement"): EI computed in log space stays finite and has useful gradients far from the
incumbent, where plain EI underflows to zero and flat plateaus stall the optimizer.

With constraints, EI is weighted by the probability of feasibility under one independent GP per
constraint (Gardner et al., 2014, "Bayesian optimization with inequality constraints"); in log
space the weight is a sum of log normal CDFs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_HALF_PI = math.sqrt(math.pi / 2)
_INV_SQRT2 = 1 / math.sqrt(2)


def log_h(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(z Phi(z) + phi(z)) and its derivative Phi(z) / (z Phi(z) + phi(z)), stable for
    all z (EI = sigma * h((best - mean) / sigma))."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    dout = np.empty_like(z)
    hi = z > -1.0
    if hi.any():
        zh = z[hi]
        cdf = ndtr(zh)
        h = zh * cdf + np.exp(-0.5 * zh * zh - _LOG_SQRT_2PI)
        out[hi] = np.log(h)
        dout[hi] = cdf / h
    mid = (z <= -1.0) & (z > -1e3)
    if mid.any():
        zm = z[mid]
        # h = phi(z) (1 + z m(z)), m(z) = Phi(z) / phi(z) = sqrt(pi/2) erfcx(-z / sqrt2).
        mills = _SQRT_HALF_PI * erfcx(-zm * _INV_SQRT2)
        one_plus = 1.0 + zm * mills  # in (0, 1); no cancellation problem for |z| < 1e3
        out[mid] = -0.5 * zm * zm - _LOG_SQRT_2PI + np.log(one_plus)
        dout[mid] = mills / one_plus
    lo = z <= -1e3
    if lo.any():
        zl = z[lo]
        # Asymptotically h ~ phi(z) / z^2 and Phi(z) / h ~ -z.
        out[lo] = -0.5 * zl * zl - _LOG_SQRT_2PI - 2.0 * np.log(-zl)
        dout[lo] = -zl
    return out, dout


def log_ei(mean: np.ndarray, var: np.ndarray, best: float, dmean: np.ndarray | None = None,
           dvar: np.ndarray | None = None):
    """log EI for minimization below `best`; with the gradients of mean and variance (m x d),
    also its gradient."""
    sd = np.sqrt(var)
    z = (best - mean) / sd
    lh, dlh = log_h(z)
    val = np.log(sd) + lh
    if dmean is None:
        return val
    dsd = dvar / (2.0 * sd[:, None])
    dz = (-dmean - z[:, None] * dsd) / sd[:, None]
    grad = dsd / sd[:, None] + dlh[:, None] * dz
    return val, grad


def log_pof(mean: np.ndarray, var: np.ndarray, threshold: float, dmean: np.ndarray | None = None,
            dvar: np.ndarray | None = None):
    """log P(c <= threshold) = log Phi(z), z = (threshold - mean) / sd, for c ~ N(mean, var);
    with the gradients of mean and variance (m x d), also its gradient."""
    sd = np.sqrt(var)
    z = (threshold - mean) / sd
    val = log_ndtr(z)
    if dmean is None:
        return val
    # d log Phi / dz = phi(z) / Phi(z) = 1 / m(z) (m as in `log_h`): finite for all z; erfcx
    # is inf for large z, where the slope is indeed 0.
    slope = 1.0 / (_SQRT_HALF_PI * erfcx(-z * _INV_SQRT2))
    dsd = dvar / (2.0 * sd[:, None])
    dz = (-dmean - z[:, None] * dsd) / sd[:, None]
    return val, slope[:, None] * dz


class Acquisition:
    """What the sampler maximizes: log EI of the objective model `gp` below `best`, plus
    log P(c_k(x) <= t_k) for each (model, threshold) in `constraints`. With `best` None (no
    feasible observation yet) only the feasibility terms count. `gp` also sets the lengthscales
    that scale the optimizer's steps."""

    def __init__(self, gp: Any, best: float | None,
                 constraints: Sequence[tuple[Any, float]] = ()) -> None:
        if best is None and not constraints:
            raise ValueError("Acquisition: no incumbent and no constraint")
        self.gp, self.best, self.constraints = gp, best, list(constraints)

    def __call__(self, x: np.ndarray, c: np.ndarray) -> np.ndarray:
        val = np.zeros(len(x))
        if self.best is not None:
            mean, var = self.gp.predict(x, c)
            val = log_ei(mean, var, self.best)
        for model, threshold in self.constraints:
            mean, var = model.predict(x, c)
            val = val + log_pof(mean, var, threshold)
        return val

    def with_grad(self, x: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values and their gradients in the continuous inputs (m x n_x)."""
        val, grad = np.zeros(len(x)), np.zeros(x.shape)
        if self.best is not None:
            mean, var, dmean, dvar = self.gp.predict(x, c, grad=True)
            val, grad = log_ei(mean, var, self.best, dmean, dvar)
        for model, threshold in self.constraints:
            mean, var, dmean, dvar = model.predict(x, c, grad=True)
            v, g = log_pof(mean, var, threshold, dmean, dvar)
            val, grad = val + v, grad + g
        return val, grad
