"""Maximize an acquisition function over a mixed space (continuous, discrete, categorical and
conditional columns of an `Encoding`). Any acquisition works: the optimizer needs only its
values, their gradients in the continuous columns, and the model's lengthscales (which set
the size of its steps); the model and what the acquisition computes stay with the sampler.

The search: score random points and perturbations of the best observations, refine the most
promising ones by L-BFGS-B (continuous columns, all starts in one batched problem), then by
greedy local moves over discrete and categorical columns.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from scipy.optimize import minimize

from ._encoding import Encoding

_N_LOCAL = 16  # perturbations of each good observation among the candidates


class AcquisitionFunction(Protocol):
    """Scores points (x: m x n_x continuous columns, c: m x n_c categorical codes); higher is
    better."""

    def __call__(self, x: np.ndarray, c: np.ndarray) -> np.ndarray: ...

    def with_grad(self, x: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values and their gradients in the continuous columns (m x n_x)."""
        ...


def optimize_acqf(acq: AcquisitionFunction, enc: Encoding, x_obs: np.ndarray,
                  c_obs: np.ndarray, top: np.ndarray, rng: np.random.Generator, *,
                  lengthscales: np.ndarray, n_candidates: int = 512,
                  n_local_starts: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The best point found (x, c), starting from `n_candidates` random points and
    perturbations of the observations in rows `top` of (x_obs, c_obs)."""
    xs, cs, n_random = _candidates(enc, x_obs, c_obs, top, rng, lengthscales, n_candidates)
    vals = acq(xs, cs)
    starts = _starts(xs, cs, vals, n_random, n_local_starts, rng)
    sx, sc = xs[starts].copy(), cs[starts].copy()
    sx = _refine(acq, enc, sx, sc, lengthscales)
    sx, sc, sv = _discrete_search(acq, enc, sx, sc, lengthscales)
    if len(sx) > 1 and any(g is None for g in enc.grids):
        # The batched run stops early (its starts share one stopping rule): polish the best
        # start alone.
        i = int(np.argsort(-sv)[0])
        px = enc.snap(_refine(acq, enc, sx[i:i + 1], sc[i:i + 1], lengthscales, max_iter=60))
        sx[i] = px[0]
        sv[i] = acq(px, sc[i:i + 1])[0]
    i = int(np.argmax(sv))
    return sx[i], sc[i]


def _candidates(enc: Encoding, x_obs: np.ndarray, c_obs: np.ndarray, top: np.ndarray,
                rng: np.random.Generator, lengthscales: np.ndarray,
                n_candidates: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Random points, then perturbations of the top observations; and how many are random."""
    # Fewer random candidates once the data are many: each costs O(n) to score, and by then
    # the local candidates find most of the proposals.
    n_random = int(np.clip(n_candidates * 100 / max(100, len(x_obs)), 128, n_candidates))
    xr, cr = enc.random(n_random, rng)
    xl = np.repeat(x_obs[top], _N_LOCAL, axis=0)
    cl = np.repeat(c_obs[top], _N_LOCAL, axis=0)
    scales = np.exp(rng.uniform(np.log(1e-3), np.log(0.3), (len(xl), 1)))
    xl = np.clip(xl + rng.normal(size=xl.shape) * scales * np.minimum(lengthscales, 1.0),
                 0.0, 1.0)
    if enc.n_c:
        flip = rng.random(cl.shape) < 0.2
        alt = np.stack([rng.integers(0, k, len(cl)) for k in enc.c_sizes], axis=1)
        cl = np.where(flip, alt, cl)
    enc.canonical(xl, cl)
    xl = enc.snap(xl)
    return np.vstack([xr, xl]), np.vstack([cr, cl]), len(xr)


def _starts(xs: np.ndarray, cs: np.ndarray, vals: np.ndarray, n_random: int,
            n_starts: int, rng: np.random.Generator) -> list[int]:
    """Rows to refine: the best random points (the best, then a roulette on exp(value), which
    explores regions far from the data) and the best distinct local points (which exploit)."""
    k = max(1, n_starts // 2)
    starts = [int(np.argmax(vals[:n_random]))]
    p = np.exp(vals[:n_random] - vals[starts[0]])
    p[starts[0]] = 0.0
    if p.sum() > 0 and k > 1:
        extra = rng.choice(n_random, size=min(k - 1, int(np.count_nonzero(p))), replace=False,
                           p=p / p.sum())
        starts.extend(int(i) for i in extra)
    for i in n_random + np.argsort(-vals[n_random:]):
        if len(starts) >= n_starts:
            break
        if all(np.any(xs[i] != xs[j]) or np.any(cs[i] != cs[j]) for j in starts):
            starts.append(int(i))
    return starts


def _refine(acq: AcquisitionFunction, enc: Encoding, sx: np.ndarray, sc: np.ndarray,
            lengthscales: np.ndarray, max_iter: int = 20) -> np.ndarray:
    """L-BFGS-B on the continuous columns of every start at once (the sum of separate
    objectives); fixed columns: inactive ones."""
    if not enc.n_x:
        return sx
    k, d = sx.shape
    lo = np.zeros((k, d))
    hi = np.ones((k, d))
    if enc.conditional:
        for i in range(k):
            mx, _ = enc.mask(sc[i])
            lo[i, ~mx] = hi[i, ~mx] = sx[i, ~mx]
    # Work in lengthscale units, where the acquisition's curvature is about the same in every
    # direction: L-BFGS-B's first steps then have the right size.
    scale = lengthscales

    def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
        val, grad = acq.with_grad(flat.reshape(k, d) * scale, sc)
        return -float(val.sum()), -(grad * scale).ravel()

    res = minimize(fun, (sx / scale).ravel(), jac=True, method="L-BFGS-B",
                   bounds=list(zip((lo / scale).ravel(), (hi / scale).ravel())),
                   # log EI carries rounding noise of ~1e-8 relative near its maxima:
                   # tighter tolerances only burn line searches.
                   options={"maxiter": max_iter, "ftol": 1e-9, "gtol": 1e-6})
    out = np.clip(res.x.reshape(k, d) * scale, lo, hi)
    # Keep a start where the batched run made it worse (possible with a shared line search).
    worse = acq(out, sc) < acq(sx, sc)
    out[worse] = sx[worse]
    return out


def _discrete_search(acq: AcquisitionFunction, enc: Encoding, sx: np.ndarray, sc: np.ndarray,
                     lengthscales: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Snap discrete columns, then greedy moves: each categorical to each other option, each
    discrete column one or two grid values up or down; rerun L-BFGS-B after a move."""
    sx = enc.snap(sx)
    vals = acq(sx, sc)
    discrete = [j for j, g in enumerate(enc.grids) if g is not None]
    if not discrete and not enc.n_c:
        return sx, sc, vals
    for _ in range(3):
        moved = False
        for i in range(len(sx)):
            moves = _neighbours(enc, sx[i], sc[i], discrete)
            if moves is None:
                continue
            cx, cc = moves
            cv = acq(cx, cc)
            b = int(np.argmax(cv))
            if cv[b] > vals[i] + 1e-12:
                sx[i], sc[i], vals[i] = cx[b], cc[b], cv[b]
                moved = True
        if not moved:
            break
        if len(discrete) < enc.n_x:
            sx = enc.snap(_refine(acq, enc, sx, sc, lengthscales))
            vals = acq(sx, sc)
    return sx, sc, vals


def _neighbours(enc: Encoding, x: np.ndarray, c: np.ndarray,
                discrete: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
    """The points one greedy move away from (x, c), made canonical; None when there is none."""
    nx_list, nc_list = [], []
    for j in discrete:
        grid = enc.grids[j]
        pos = int(np.searchsorted(grid, x[j] - 1e-12))
        for step in (-2, -1, 1, 2):
            q = pos + step
            if 0 <= q < len(grid):
                xn = x.copy()
                xn[j] = grid[q]
                nx_list.append(xn)
                nc_list.append(c)
    for j, size in enumerate(enc.c_sizes):
        if c[j] < 0:
            continue
        for code in range(size):
            if code != c[j]:
                cn = c.copy()
                cn[j] = code
                nx_list.append(x.copy())
                nc_list.append(cn)
    if not nx_list:
        return None
    cx, cc = np.array(nx_list), np.array(nc_list)
    enc.canonical(cx, cc)
    return cx, cc
