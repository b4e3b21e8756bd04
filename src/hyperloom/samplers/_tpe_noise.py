"""Which trials are good when the objective is noisy: TPE's good set ranked by a Gaussian
process's posterior mean instead of by the observed values.

On a noisy objective (a validation score from one training run) the lowest values are mostly
lucky draws, and a good set of lucky draws sends TPE's proposals after noise. A GP fitted to the
best trials with a free noise variance tells how much of their spread is noise; where it finds
some, the good set is taken by the posterior mean at the observed points, which averages each
point with its neighbours. On a noise-free objective the fitted noise is at its floor, the
posterior mean equals the values, and the ranking is left alone (no extra cost per proposal).

The hyperparameters are fitted on at most `_FIT_MAX` best trials, and refitted only as the
trials grow by half (by twice past `_FIT_MAX`): three fits in the first 100 trials, one per
doubling after; in 10-D 4-13 ms per fit on a noise-free objective (one start, 30-100 points),
about twice that where the first start finds noise.
"""

from __future__ import annotations

import math

import numpy as np

from ._blas import one_blas_thread
from ._gp._model import GaussianProcess, Priors, default_theta, noise_share, warp

_MIN_TRIALS = 30  # fewer cannot tell noise from signal
_FIT_MAX = 100
# Below this share of noise in the variance the posterior mean orders the trials as their
# values do (within a rank or two of the good set), so the values are used as they are.
_MIN_NOISE_SHARE = 0.005


def _refit_at(n_fitted: int) -> float:
    """The trial count of the next fit: after half as many more trials again while the fit
    set still grows, after twice as many once it holds `_FIT_MAX` (its hyperparameters then
    move little)."""
    return n_fitted * (1.5 if n_fitted < _FIT_MAX else 2.0)


class NoisyRanking:
    """Per group of parameters: the last fit's hyperparameters and whether it found noise."""

    def __init__(self) -> None:
        self._fits: dict[object, tuple[int, np.ndarray, float]] = {}  # key: (n, theta, share)

    def order(self, key: object, x: np.ndarray, c: np.ndarray,
              values: np.ndarray) -> np.ndarray | None:
        """Positions of `values` from the best by the posterior mean, restricted to the best
        `_FIT_MAX` by value (enough to hold any good set); None when the values show no noise
        (rank them as they are). `x`: numeric coordinates in [0, 1]; `c`: category codes."""
        n = len(values)
        if n < _MIN_TRIALS or not np.isfinite(values).all():
            return None
        fit = self._fits.get(key)
        if fit is not None and n < _refit_at(fit[0]) and fit[2] < _MIN_NOISE_SHARE:
            return None  # no noise at the last fit: nothing to compute until the next
        top = np.argsort(values, kind="stable")[:_FIT_MAX]
        y = warp(values[top])
        sd = float(y.std())
        if sd <= 0:
            return None
        y = (y - y.mean()) / sd
        # Once the fit set is a part of the trials, the best ones: measured in their own box.
        xt, ct = (_spread(x[top]) if n > _FIT_MAX else x[top]), c[top]
        with one_blas_thread():
            if fit is None or n >= _refit_at(fit[0]) or fit[1].shape[0] != xt.shape[1] + \
                    ct.shape[1] + 2:
                fit = self._fit(key, xt, ct, y, n, fit)
            _, theta, share = fit
            if share < _MIN_NOISE_SHARE:
                return None
            gp = GaussianProcess(xt, ct, y, theta)
        noise = math.exp(theta[-1])
        mean = y - noise * gp.alpha  # K alpha = y - noise alpha: the mean at the data
        return top[np.argsort(mean, kind="stable")]

    def _fit(self, key: object, x: np.ndarray, c: np.ndarray, y: np.ndarray, n: int,
             old: tuple[int, np.ndarray, float] | None) -> tuple[int, np.ndarray, float]:
        priors = Priors()
        start = default_theta(x.shape[1], c.shape[1], priors, None)
        # From a small noise alone the fit often stays in the optimum that interpolates
        # every value with short lengthscales; a start with a tenth of the variance as noise
        # finds the smoother explanation when it is the better one.
        noisy_start = start.copy()
        noisy_start[-1] = math.log(0.1)
        warm = old is not None and len(old[1]) == len(start)
        # The noisy start first: where even it ends with (almost) no noise, the data want
        # none, and the fit from a small noise is skipped (half the cost on a noise-free
        # objective; either way its values are ranked as they are). Otherwise both compete,
        # the noisy one from where it ended.
        theta = GaussianProcess.fit(x, c, y, [noisy_start], priors, None, max_iter=60).theta
        if noise_share(theta) >= _MIN_NOISE_SHARE:
            starts = [old[1] if warm else start, theta]
            theta = GaussianProcess.fit(x, c, y, starts, priors, None, max_iter=60).theta
        fit = self._fits[key] = (n, theta, noise_share(theta))
        return fit


def _spread(x: np.ndarray) -> np.ndarray:
    """The fit set's numeric coordinates stretched to [0, 1] on each axis. Late in a study the
    best trials sit in a small box; measured on the whole space the GP's lengthscale priors
    cannot resolve a smooth function inside it and call its variation noise (a deterministic
    10-D sphere read as 62% noise at 1,600 trials)."""
    low, high = x.min(axis=0), x.max(axis=0)
    width = np.where(high > low, high - low, 1.0)
    return (x - low) / width
