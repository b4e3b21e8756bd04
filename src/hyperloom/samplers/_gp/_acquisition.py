"""Log expected improvement (Ament et al., 2023, "Unexpected improvements to expected
improvement"): EI computed in log space stays finite and has useful gradients far from the
incumbent, where plain EI underflows to zero and flat plateaus stall the optimizer."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfcx, ndtr

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

