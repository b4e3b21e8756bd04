"""Pieces of the extrapolation pruner: what a learning curve says at one step (its level and
where its current trend leads), and a linear regression of final values on that, kept as
running moments so that adding a trial and predicting both cost O(1) in the number of trials.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

N_FEATURES = 2  # level, trend


def check_steps(first: int, growth: float, horizon: int) -> tuple[int, ...]:
    """The steps below `horizon` at which curves are judged: `first`, then each about `growth`
    times the one before (at least one step later)."""
    steps = []
    step = first
    while step < horizon:
        steps.append(step)
        step = max(step + 1, math.ceil(step * growth))
    return tuple(steps)


def _half_line(steps: np.ndarray, values: np.ndarray,
               upto: int) -> tuple[np.ndarray, np.ndarray] | None:
    """log(step + 1) and values of the finite points in the later half of the curve up to
    `upto` (the whole curve up to there when the half has fewer than two)."""
    end = int(np.searchsorted(steps, upto, side="right"))
    start = int(np.searchsorted(steps, upto // 2, side="left"))
    x, y = steps[start:end], values[start:end]
    ok = np.isfinite(y)
    if ok.sum() < 2:
        x, y = steps[:end], values[:end]
        ok = np.isfinite(y)
    if not ok.any():
        return None
    return np.log1p(x[ok].astype(float)), y[ok]


def curve_features(steps: np.ndarray, values: np.ndarray, upto: int,
                   horizon: int) -> tuple[float, float] | None:
    """(level, trend) of a curve (`steps` ascending, `values` signed: lower is better) seen up to
    step `upto`: a line fitted to the later half of it against log(step + 1) gives its level at
    `upto`, and `trend`, how much that line moves from `upto` to `horizon` (negative while the
    curve still improves). Learning curves are closer to straight lines on a log scale of
    steps than on a linear one. None when the curve has no finite value up to `upto`."""
    line = _half_line(steps, values, upto)
    if line is None:
        return None
    x, y = line
    if len(y) == 1 or x[-1] == x[0]:
        return float(y[-1]), 0.0
    dx = x - x.mean()
    slope = float(dx @ (y - y.mean()) / (dx @ dx))
    here = math.log1p(upto)
    return float(y.mean() + slope * (here - x.mean())), slope * (math.log1p(horizon) - here)


def curve_noise(steps: np.ndarray, values: np.ndarray) -> float | None:
    """The variance of a curve's values around the line through its later half (None with
    fewer than 4 points there): the noise of one reported value."""
    line = _half_line(steps, values, int(steps[-1]))
    if line is None or len(line[1]) < 4:
        return None
    x, y = line
    residuals = y - np.polyval(np.polyfit(x, y, 1), x)
    return float(residuals @ residuals) / (len(y) - 2)


class Moments:
    """Running mean and co-moments (Welford) of rows (level, trend, final): the least-squares
    fit final ~ 1 + level + trend and its prediction intervals, in O(1) per row and per
    prediction. Each final value is first predicted from the rows before it; how far those
    honest predictions missed, in standard deviations (`z2` over `n_checked`), widens later
    intervals, for curves that the straight fit describes worse than its residuals say."""

    __slots__ = ("n", "mean", "m2", "z2", "n_checked")

    def __init__(self) -> None:
        self.n = 0
        self.mean = np.zeros(N_FEATURES + 1)
        self.m2 = np.zeros((N_FEATURES + 1, N_FEATURES + 1))
        self.z2 = 0.0
        self.n_checked = 0

    def add(self, features: Sequence[float], final: float) -> None:
        before = self.predict(features)
        if before is not None and before[1] > 0:
            self.z2 += ((final - before[0]) / before[1]) ** 2
            self.n_checked += 1
        row = np.array((*features, final))
        self.n += 1
        delta = row - self.mean
        self.mean += delta / self.n
        self.m2 += np.outer(delta, row - self.mean)

    def predict(self, features: Sequence[float]) -> tuple[float, float, int] | None:
        """(predicted final, its standard error as a prediction, degrees of freedom); None
        while the fit has no degree of freedom left."""
        p = N_FEATURES
        sxx, sxy, syy = self.m2[:p, :p], self.m2[:p, p], self.m2[p, p]
        scale = max(float(np.trace(sxx)), 1e-300)
        beta, _, rank, _ = np.linalg.lstsq(sxx / scale, sxy / scale, rcond=1e-10)
        dof = self.n - 1 - int(rank)
        if dof < 1:
            return None
        sse = max(float(syy - beta @ sxy), 0.0)
        d = np.asarray(features, dtype=float) - self.mean[:p]
        leverage = 1.0 / self.n + float(d @ np.linalg.pinv(sxx, rcond=1e-10) @ d)
        return float(self.mean[p] + beta @ d), math.sqrt(sse / dof * (1 + leverage)), dof

    def lower_bound(self, features: Sequence[float], confidence: float) -> float | None:
        """A one-sided `confidence` lower prediction bound of the final value of a curve with
        these features, widened by the misses of earlier predictions (one pseudo-miss of one
        standard deviation keeps a lucky start from narrowing it)."""
        predicted = self.predict(features)
        if predicted is None:
            return None
        mean, sd, dof = predicted
        widen = math.sqrt(max(1.0, (self.z2 + 1.0) / (self.n_checked + 1.0)))
        return mean - t_quantile(confidence, dof) * sd * widen


@functools.lru_cache(maxsize=4096)
def t_quantile(confidence: float, dof: int) -> float:
    """Student's t quantile (scipy is loaded on first use, not with `import hyperloom`)."""
    from scipy.stats import t

    return float(t.ppf(confidence, dof))
