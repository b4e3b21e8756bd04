"""A Gaussian process regressor for the GP sampler (Rasmussen & Williams, 2006, ch. 2 and 5).

Kernel: s^2 * Matern-5/2(r) with automatic relevance determination,
r^2 = sum_i (x_i - x'_i)^2 / l_i^2 + sum_j [c_j != c'_j] / l_j^2, continuous dimensions x and
categorical codes c (a Hamming distance, so categories are unordered). Hyperparameters
(log lengthscales, log signal variance, log noise variance) are MAP estimates: the exact log
marginal likelihood plus weak log-normal priors, maximized by L-BFGS-B with analytic gradients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.linalg.lapack import dpotri, dtrtri
from scipy.optimize import minimize

_SQRT5 = math.sqrt(5.0)
_LOG_2PI = math.log(2 * math.pi)
MIN_NOISE = 1e-9  # on the standardized scale: resolves tiny regrets, K stays factorable
_BOUNDS_LS = (math.log(5e-3), math.log(1e2))
_BOUNDS_SCALE = (math.log(1e-2), math.log(1e2))
_BOUNDS_NOISE = (math.log(MIN_NOISE), math.log(1.0))


@dataclass
class Priors:
    """Weak priors that keep the MAP fit sensible while data are few.

    Lengthscales (inputs in [0, 1]): Gamma(3, 6), mode 1/3, mean 1/2 (the prior of BoTorch's
    classic single-task GP). It lets a lengthscale shrink as far as the data ask, but makes one
    above 2 expensive: maximum likelihood alone often calls a dimension irrelevant from points
    that cluster in one basin (on Hartmann-6, two of six), and the model then never looks
    elsewhere along it. Signal and noise variances (targets standardized): log-normal.
    """

    ls_shape: float = 3.0
    ls_rate: float = 6.0
    scale_mean: float = 0.0
    scale_std: float = 1.0
    noise_mean: float = math.log(1e-3)
    noise_std: float = 2.5

    @property
    def ls_mode(self) -> float:
        """The most probable log lengthscale: where -(a log l - b l) is smallest."""
        return math.log(self.ls_shape / self.ls_rate)


def sq_dist(x1: np.ndarray, x2: np.ndarray, c1: np.ndarray, c2: np.ndarray,
            inv_ls2_x: np.ndarray, inv_ls2_c: np.ndarray) -> np.ndarray:
    """Scaled squared distances r^2 between two sets of points (m x n)."""
    r2 = np.zeros((x1.shape[0], x2.shape[0]))
    if x1.shape[1]:
        a = x1 * np.sqrt(inv_ls2_x)
        b = x2 * np.sqrt(inv_ls2_x)
        r2 += (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
        np.maximum(r2, 0.0, out=r2)
    for j in range(c1.shape[1]):
        r2 += (c1[:, j, None] != c2[None, :, j]) * inv_ls2_c[j]
    return r2


def matern52(r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """k(r) = (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r) and g(r) = -2 dk/d(r^2) =
    (5/3)(1 + sqrt5 r) exp(-sqrt5 r), the factor every gradient needs."""
    r = np.sqrt(r2)
    e = np.exp(-_SQRT5 * r)
    poly = 1.0 + _SQRT5 * r
    return (poly + (5.0 / 3.0) * r2) * e, (5.0 / 3.0) * poly * e


class GaussianProcess:
    """Zero-mean GP on standardized targets. `theta` = [log l (continuous dims), log l
    (categorical dims), log s^2, log noise]."""

    def __init__(self, x: np.ndarray, c: np.ndarray, y: np.ndarray, theta: np.ndarray) -> None:
        self.x, self.c, self.y = x, c, y
        self.theta = np.asarray(theta, dtype=float)
        self._factor()

    @property
    def n_x(self) -> int:
        return self.x.shape[1]

    def _unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
        nx = self.x.shape[1]
        nc = self.c.shape[1]
        inv_ls2 = np.exp(-2.0 * theta[:nx + nc])
        return inv_ls2[:nx], inv_ls2[nx:], math.exp(theta[nx + nc]), math.exp(theta[nx + nc + 1])

    def _factor(self) -> None:
        inv_x, inv_c, s2, noise = self._unpack(self.theta)
        self.inv_ls2_x, self.inv_ls2_c, self.s2 = inv_x, inv_c, s2
        k, _ = matern52(sq_dist(self.x, self.x, self.c, self.c, inv_x, inv_c))
        k *= s2
        k[np.diag_indices_from(k)] += noise
        self.chol = _robust_cholesky(k)
        self.alpha = cho_solve((self.chol, True), self.y, check_finite=False)
        inv, info = dtrtri(self.chol, lower=1)
        if info != 0:  # pragma: no cover - a Cholesky factor has a positive diagonal
            inv = solve_triangular(self.chol, np.eye(len(self.y)), lower=True)
        self.chol_inv = np.tril(inv)

    def condition_on(self, x: np.ndarray, c: np.ndarray, y: np.ndarray) -> GaussianProcess:
        """The same hyperparameters, with extra observations (pending points with lies)."""
        return GaussianProcess(np.vstack([self.x, x]), np.vstack([self.c, c]),
                               np.concatenate([self.y, y]), self.theta)

    # -- prediction ---------------------------------------------------------------------------
    def predict(self, x: np.ndarray, c: np.ndarray, grad: bool = False):
        """Posterior mean and variance of the latent function at m points; with `grad`, also
        their gradients with respect to the continuous inputs (m x n_x each)."""
        r2 = sq_dist(x, self.x, c, self.c, self.inv_ls2_x, self.inv_ls2_c)
        k, g = matern52(r2)
        k *= self.s2
        mean = k @ self.alpha
        # Variance as s^2 - |L^-1 k|^2: forming K^-1 k with the explicit inverse of K loses
        # the digits that matter next to the data, where the variance is tiny; L^-1 is
        # accurate (conditioned like sqrt(K)) and turns the solves into fast products.
        w = self.chol_inv @ k.T
        raw = self.s2 - np.einsum("ij,ij->j", w, w)
        floor = 1e-10 * self.s2
        var = np.maximum(raw, floor)
        if not grad:
            return mean, var
        v = (self.chol_inv.T @ w).T
        g *= self.s2  # d k_b / d x_i = -g_b (x_i - X_bi) / l_i^2
        a = g * self.alpha[None, :]
        b = g * v
        dmean = -(x * a.sum(1)[:, None] - a @ self.x) * self.inv_ls2_x
        dvar = 2.0 * (x * b.sum(1)[:, None] - b @ self.x) * self.inv_ls2_x
        dvar[raw < floor] = 0.0  # consistent with the clamp
        return mean, var, dmean, dvar

    # -- fitting ------------------------------------------------------------------------------
    @staticmethod
    def neg_log_posterior(theta: np.ndarray, x: np.ndarray, c: np.ndarray, y: np.ndarray,
                          priors: Priors, fixed_noise: float | None) -> tuple[float, np.ndarray]:
        """-(log marginal likelihood + log prior) and its gradient in theta."""
        nx, nc = x.shape[1], c.shape[1]
        nl = nx + nc
        theta = theta.copy()
        if fixed_noise is not None:
            theta[nl + 1] = math.log(fixed_noise)
        inv_ls2 = np.exp(-2.0 * theta[:nl])
        s2 = math.exp(theta[nl])
        noise = math.exp(theta[nl + 1])
        n = len(y)
        xs = x * np.sqrt(inv_ls2[:nx])
        r2 = sq_dist(x, x, c, c, inv_ls2[:nx], inv_ls2[nx:])
        kf, g = matern52(r2)
        kf *= s2
        g *= s2
        k = kf.copy()
        k[np.diag_indices_from(k)] += noise
        try:
            chol = cholesky(k, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return 1e25, np.zeros_like(theta)
        alpha = cho_solve((chol, True), y, check_finite=False)
        inv, info = dpotri(chol, lower=1)
        inv = np.tril(inv) + np.tril(inv, -1).T
        nll = 0.5 * y @ alpha + np.log(np.diag(chol)).sum() + 0.5 * n * _LOG_2PI
        w = inv - np.outer(alpha, alpha)  # d nll = 1/2 tr(W dK)
        grad = np.zeros_like(theta)
        m = w * g
        if nx:
            rows = m.sum(1)
            grad[:nx] = 0.5 * (2.0 * (xs * xs * rows[:, None]).sum(0)
                               - 2.0 * (xs * (m @ xs)).sum(0))
        for j in range(nc):
            neq = c[:, j, None] != c[None, :, j]
            grad[nx + j] = 0.5 * (m * neq).sum() * inv_ls2[nx + j]
        grad[nl] = 0.5 * (w * kf).sum()
        grad[nl + 1] = 0.5 * noise * np.trace(w) if fixed_noise is None else 0.0
        # Priors, in theta: -log p(log l) = -a log l + b l (the Jacobian included).
        ell = np.exp(theta[:nl])
        nlp = float((priors.ls_rate * ell - priors.ls_shape * theta[:nl]).sum())
        grad[:nl] += priors.ls_rate * ell - priors.ls_shape
        z = (theta[nl] - priors.scale_mean) / priors.scale_std
        nlp += 0.5 * z * z
        grad[nl] += z / priors.scale_std
        if fixed_noise is None:
            z = (theta[nl + 1] - priors.noise_mean) / priors.noise_std
            nlp += 0.5 * z * z
            grad[nl + 1] += z / priors.noise_std
        return float(nll + nlp), grad

    @classmethod
    def fit(cls, x: np.ndarray, c: np.ndarray, y: np.ndarray, starts: list[np.ndarray],
            priors: Priors, fixed_noise: float | None, max_iter: int = 200) -> GaussianProcess:
        """MAP hyperparameters by L-BFGS-B from each of `starts`; the best fit wins."""
        nl = x.shape[1] + c.shape[1]
        bounds = [_BOUNDS_LS] * nl + [_BOUNDS_SCALE, _BOUNDS_NOISE]
        if fixed_noise is not None:
            bounds[-1] = (math.log(fixed_noise), math.log(fixed_noise))
        best_theta, best_val = None, math.inf
        for start in starts:
            start = np.clip(start, [b[0] for b in bounds], [b[1] for b in bounds])
            res = minimize(cls.neg_log_posterior, start, args=(x, c, y, priors, fixed_noise),
                           jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": max_iter, "ftol": 1e-8, "gtol": 1e-3})
            if res.fun < best_val and np.all(np.isfinite(res.x)):
                best_theta, best_val = res.x, res.fun
        if best_theta is None:
            best_theta = starts[0]
        if fixed_noise is not None:
            best_theta = best_theta.copy()
            best_theta[nl + 1] = math.log(fixed_noise)
        return cls(x, c, y, best_theta)


def default_theta(n_x: int, n_c: int, priors: Priors, fixed_noise: float | None) -> np.ndarray:
    noise = fixed_noise if fixed_noise is not None else math.exp(priors.noise_mean)
    return np.concatenate([np.full(n_x + n_c, priors.ls_mode), [priors.scale_mean,
                                                                 math.log(noise)]])


def noise_share(theta: np.ndarray) -> float:
    """The share of the modelled variance that hyperparameters `theta` put in noise rather
    than in the function (signal variance and noise are its last two entries, as logs)."""
    signal, noise = math.exp(theta[-2]), math.exp(theta[-1])
    return noise / (signal + noise)


def _robust_cholesky(k: np.ndarray) -> np.ndarray:
    jitter = 0.0
    scale = float(np.mean(np.diag(k)))
    for _ in range(8):
        try:
            return cholesky(k + jitter * np.eye(len(k)), lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            jitter = max(jitter * 10, 1e-9 * scale)
    raise np.linalg.LinAlgError("kernel matrix is not positive definite")  # pragma: no cover


def warp(y: np.ndarray) -> np.ndarray:
    """log(1 + (y - min) / median(y - min)): monotone, so the best point stays the best, but
    the tail of bad values (losses that explode, Rosenbrock's 1e6) no longer dominates the
    standardized scale and the model spends its resolution near the good values. On
    Rosenbrock-10 this divides the regret at 100 trials by ten."""
    r = y - y.min()
    med = float(np.median(r))
    return np.log1p(r / med) if med > 0 else y
