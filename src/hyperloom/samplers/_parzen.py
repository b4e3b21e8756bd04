"""Parzen estimators over the encoded unit space: the density models behind TPE.

Every parameter is modelled where `Distribution.encode` puts it: numeric values in [0, 1] (the
prior is uniform there, since log scales are log-encoded and normal families CDF-encoded),
choices as option indices. A kernel is a product over dimensions of a normal truncated to
[0, 1] (integrated over the value's cell for discrete numeric parameters) or, for a choice, a
smoothed one-hot distribution. One extra kernel is the prior itself (uniform), so the model
never rules out any region. Everything is vectorized over candidates x kernels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr, ndtri

from ..space import Choice, Constant, Distribution, IntUniform, QUniform

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_TINY = 1e-300
# Discrete numeric parameters with more values than this are modelled as continuous: their
# cells are then much narrower than any kernel, so the cell mass is density x width anyway.
_MAX_CELLS = 128

CONTINUOUS, DISCRETE, CATEGORICAL = 0, 1, 2


class Dim:
    """How one encoded dimension is modelled."""

    __slots__ = ("dist", "kind", "n", "_log_low", "_log_span", "_linear")

    def __init__(self, dist: Distribution) -> None:
        self.dist = dist
        self.n = 0
        self._linear = False
        if isinstance(dist, (Choice, Constant)):
            self.kind = CATEGORICAL
            self.n = len(dist.values())
        elif isinstance(dist, (IntUniform, QUniform)) and len_grid(dist) <= _MAX_CELLS:
            self.kind = DISCRETE
            self.n = len_grid(dist)
            self._linear = not (isinstance(dist, IntUniform) and dist.log)
            if not self._linear:
                self._log_low = math.log(dist.low - 0.5)
                self._log_span = math.log(dist.high + 0.5) - self._log_low
        else:
            self.kind = CONTINUOUS

    def cells(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For a discrete dimension: the cell (low edge, high edge, encoded value) of each u."""
        if self._linear:
            k = np.clip(np.floor(u * self.n), 0, self.n - 1)
            return k / self.n, (k + 1) / self.n, (k + 0.5) / self.n
        d = self.dist  # log-scaled integers: cell of v is [v - 0.5, v + 0.5] on the log axis
        v = np.clip(np.round(np.exp(self._log_low + u * self._log_span)), d.low, d.high)
        lo = (np.log(v - 0.5) - self._log_low) / self._log_span
        hi = (np.log(v + 0.5) - self._log_low) / self._log_span
        return lo, hi, (np.log(v) - self._log_low) / self._log_span

    @property
    def min_sigma(self) -> float:
        """Kernels narrower than a cell would never leave their own cell."""
        return 1.0 / self.n if self.kind == DISCRETE else 0.0


def len_grid(dist: IntUniform | QUniform) -> int:
    return dist._n  # noqa: SLF001 - the number of grid values, computed at construction


def _edges(mu: np.ndarray, sig: np.ndarray,
           cdf: bool = True) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:
    """CDF of each kernel at 0 and 1 (with `cdf`, for sampling), and the log of the mass in
    between. In large models only kernels within 8 sigma of an edge are computed (the others
    have mass 1 to double precision)."""
    if mu.size <= 4096:  # small: computing everything is cheaper than selecting
        a, b = ndtr(-mu / sig), ndtr((1.0 - mu) / sig)
        return a, b, np.log(np.maximum(b - a, _TINY))
    sig = np.broadcast_to(sig, mu.shape)
    idx = np.flatnonzero((mu < 8.0 * sig) | (mu > 1.0 - 8.0 * sig))
    log_mass = np.zeros(mu.shape)
    m, s = mu.ravel()[idx], sig.ravel()[idx]
    lo, hi = ndtr(-m / s), ndtr((1.0 - m) / s)
    log_mass.ravel()[idx] = np.log(np.maximum(hi - lo, _TINY))
    if not cdf:
        return None, None, log_mass
    a, b = np.zeros(mu.shape), np.ones(mu.shape)
    a.ravel()[idx], b.ravel()[idx] = lo, hi
    return a, b, log_mass


class Layout:
    """The dimensions of one group of parameters, sorted by how they are modelled."""

    def __init__(self, dists: Sequence[Distribution]) -> None:
        self.dims = [Dim(d) for d in dists]
        self.num = [i for i, d in enumerate(self.dims) if d.kind != CATEGORICAL]
        self.cont = [j for j, i in enumerate(self.num) if self.dims[i].kind == CONTINUOUS]
        self.disc = [j for j, i in enumerate(self.num) if self.dims[i].kind == DISCRETE]
        self.cat = [i for i, d in enumerate(self.dims) if d.kind == CATEGORICAL]
        self.all_continuous = len(self.cont) == len(self.dims)
        # Every value snapped to a grid or an option: proposals can repeat a point exactly.
        self.finite = not self.cont
        self.min_sigma = np.array([self.dims[i].min_sigma for i in self.num])


class Parzen:
    """An equally weighted mixture of product kernels centred on observations, plus the
    uniform prior with weight `prior_weight` (relative to one observation).

    `obs` is (n, d) in the encoded space; `sigma` is (n, d_numeric) or broadcastable to it.
    `cat_smoothing` is the probability mass a categorical kernel spreads over all options.
    """

    def __init__(self, layout: Layout, obs: np.ndarray, sigma: np.ndarray,
                 prior_weight: float, cat_smoothing: float,
                 weights: np.ndarray | None = None, for_sampling: bool = True) -> None:
        self.layout = layout
        n = self.n = obs.shape[0]
        pw = prior_weight if prior_weight > 0 or n == 0 else 0.0
        if n == 0:
            pw = 1.0
        self.total = n + pw
        self.log_w: float | np.ndarray = -math.log(self.total)  # of each observation kernel
        self._cum = None
        if weights is not None and n:
            w = np.asarray(weights, dtype=float) * (n / float(np.sum(weights)))  # sums to n
            self.log_w = np.log(np.maximum(w, _TINY)) - math.log(self.total)
            self._cum = np.cumsum(w)
        self.log_w_prior = math.log(pw / self.total) if pw > 0 else -math.inf
        num, cont = layout.num, layout.cont
        if n and num:
            mu = obs if layout.all_continuous else obs[:, num]
            sig = np.asarray(sigma, dtype=float)
            shared = sig.ndim == 1  # one width per dimension (large models)
            self.mu, self.sigma = mu, sig
            self.a, self.b, log_mass = _edges(mu, sig, for_sampling)
            self._shared = shared
            if cont:
                mc = mu if layout.all_continuous else mu[:, cont]
                lm = log_mass if layout.all_continuous else log_mass[:, cont]
                if shared:
                    sc = sig if layout.all_continuous else sig[cont]
                    inv2 = 1.0 / (sc * sc)
                    self._inv2 = inv2
                    self._mu_t = mc.T
                    self._const = (-0.5 * ((mc * mc) @ inv2) - float(np.log(sc).sum())
                                   - lm.sum(axis=1) - len(cont) * _LOG_SQRT_2PI + self.log_w)
                else:
                    sc = sig if layout.all_continuous else sig[:, cont]
                    inv2 = 1.0 / (sc * sc)
                    self._inv2_t = inv2.T.copy()
                    mu_inv2 = mc * inv2
                    self._mu_inv2_t = mu_inv2.T.copy()
                    self._const = (-0.5 * np.einsum("ij,ij->i", mc, mu_inv2)
                                   - np.log(sc).sum(axis=1) - lm.sum(axis=1)
                                   - len(cont) * _LOG_SQRT_2PI + self.log_w)
            if layout.disc:
                self._log_mass_disc = log_mass[:, layout.disc].sum(axis=1)
        self.cat_tables = []
        if n:
            for i in layout.cat:
                k = layout.dims[i].n
                eps = cat_smoothing if k > 1 else 0.0
                table = np.full((n, k), eps / k)
                table[np.arange(n), obs[:, i].astype(int)] += 1.0 - eps
                self.cat_tables.append(table)

    # -- sampling -----------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """m points drawn from the mixture (discrete values snapped to their cells)."""
        layout = self.layout
        r0 = rng.random(m) * self.total
        prior = r0 >= self.n
        if self._cum is None:
            k = np.minimum(r0.astype(np.int64), max(self.n - 1, 0))
        else:
            k = np.minimum(np.searchsorted(self._cum, r0, side="right"), max(self.n - 1, 0))
        k = np.where(prior, 0, k)
        out = np.empty((m, len(layout.dims)))
        if layout.num:
            r = rng.random((m, len(layout.num)))
            if self.n:
                a, b = self.a[k], self.b[k]
                sig = self.sigma if self._shared else self.sigma[k]
                x = self.mu[k] + sig * ndtri(np.clip(a + r * (b - a), 1e-300, 1 - 1e-16))
                x = np.where(prior[:, None], r, x)
                np.clip(x, 0.0, 1.0, out=x)
            else:
                x = r
            for j in layout.disc:
                x[:, j] = layout.dims[layout.num[j]].cells(x[:, j])[2]
            if layout.all_continuous:
                return x
            out[:, layout.num] = x
        for t, i in enumerate(layout.cat):
            n_opt = layout.dims[i].n
            r = rng.random(m)
            pick = np.floor(r * n_opt)
            if self.n:
                cdf = np.cumsum(self.cat_tables[t][k], axis=1)
                pick = np.where(prior, pick, (r[:, None] * cdf[:, -1:] > cdf).sum(axis=1))
            out[:, i] = np.minimum(pick, n_opt - 1)
        return out

    # -- density ------------------------------------------------------------------------------
    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density (log mass for discrete and categorical dimensions) of each row of x."""
        layout = self.layout
        m = x.shape[0]
        prior_lp = np.zeros(m)
        if self.n:
            if layout.cont:
                xc = x if layout.all_continuous else x[:, layout.num][:, layout.cont]
                if self._shared:
                    lp = (xc * self._inv2) @ self._mu_t
                    lp += (-0.5 * ((xc * xc) @ self._inv2))[:, None]
                else:
                    lp = (xc * xc) @ self._inv2_t
                    lp *= -0.5
                    lp += xc @ self._mu_inv2_t
                lp += self._const
            else:
                lp = np.zeros((m, self.n)) + self.log_w
        for j in layout.disc:
            lo, hi, _ = layout.dims[layout.num[j]].cells(x[:, layout.num[j]])
            prior_lp += np.log(hi - lo)
            if self.n:
                s, mu = (self.sigma[j] if self._shared else self.sigma[:, j]), self.mu[:, j]
                cell = ndtr((hi[:, None] - mu) / s) - ndtr((lo[:, None] - mu) / s)
                lp += np.log(np.maximum(cell, _TINY))
        if layout.disc and self.n:
            lp -= self._log_mass_disc
        for t, i in enumerate(layout.cat):
            c = x[:, i].astype(int)
            prior_lp -= math.log(layout.dims[i].n)
            if self.n:
                lp += np.log(self.cat_tables[t][:, c].T)
        prior_lp += self.log_w_prior
        if not self.n:
            return prior_lp
        top = np.maximum(lp.max(axis=1), prior_lp)
        lp -= top[:, None]
        np.exp(lp, out=lp)
        return top + np.log(lp.sum(axis=1) + np.exp(prior_lp - top))
