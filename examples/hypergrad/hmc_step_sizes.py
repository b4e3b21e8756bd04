"""Learning HMC step sizes by hypergradient (Hype's example), with an inner step written by hand.

Hamiltonian Monte Carlo chains sample a narrow 2-D Gaussian (standard deviations 1 and 0.05).
The sampler is the inner "optimizer": a leapfrog step on the potential ``U(q) = |q / sd|^2 / 2``,
written as a plain update rule with ``hg.inner_optimizer``, whose momentum is refreshed with
random draws every few steps (no accept/reject, so the run is differentiable). The
hyperparameter is one step size per dimension; the outer loss is how far the chains' second
moments are from the target's after T steps, started far out in the tails. ``Reverse``
differentiates through the whole sampler, random refreshes included (recomputed steps would
replay them).

The comparison is fair in training runs: the grid of scalar step sizes gets as many sampler runs
as the hypergradient gets hyper-steps, and both are scored on fresh random momenta (5 seeds)
that the tuning never saw.

    python examples/hypergrad/hmc_step_sizes.py            # a few seconds
    python examples/hypergrad/hmc_step_sizes.py --quick
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import hyperloom.hypergrad as hg

SD = torch.tensor([1.0, 0.05])
CHAINS, STEPS, REFRESH = 256, 40, 5


def potential(p: dict, h: dict, batch: object) -> torch.Tensor:
    return 0.5 * ((p["q"] / SD) ** 2).sum()


def leapfrog(p: dict, s: dict, g: dict, h: dict, t: int) -> tuple[dict, dict]:
    """One leapfrog step with per-dimension step sizes ``h["eps"]``."""
    m = s["m"]["q"]
    if t % REFRESH == 0:
        m = torch.randn_like(m)  # a fresh momentum: random, so each trajectory explores anew
    m = m - h["eps"] * g["q"]
    return {"q": p["q"] + h["eps"] * m}, {"m": {"q": m}}


def mismatch(p: dict, h: dict, batch: object) -> torch.Tensor:
    """Relative error of the chains' second moments, summed over the two dimensions."""
    return (((p["q"] ** 2).mean(0) - SD**2) ** 2 / SD**4).sum()


def start() -> dict[str, torch.Tensor]:
    return {"q": torch.tensor([3.0, 0.15]).expand(CHAINS, 2).clone()}  # 3 sd out in both


def sample(eps: torch.Tensor, seed: int) -> float:
    """The outer loss of one sampler run with step sizes ``eps`` and momenta from ``seed``."""
    torch.manual_seed(seed)
    opt = hg.inner_optimizer(leapfrog, slots=("m",), eps=eps)
    p = start()
    s = opt.init(p)
    for t in range(STEPS):
        q = p["q"].requires_grad_(True)
        (g,) = torch.autograd.grad(potential({"q": q}, {}, None), [q])
        with torch.no_grad():
            p, s = opt.update({"q": q.detach()}, s, {"q": g}, step=t)
    return float(mismatch(p, {}, None))


def score(eps: torch.Tensor, seeds: range) -> float:
    return float(np.mean([sample(eps, s) for s in seeds]))


def run(hyper_steps: int = 60, init: float = 0.02) -> dict:
    test_seeds = range(1000, 1005)
    t0 = time.perf_counter()
    eps = hg.hyperparameter(torch.full((2,), init), "positive", name="eps")
    hopt = hg.HyperOptimizer(
        hg.Reverse(STEPS),
        hg.inner_optimizer(leapfrog, slots=("m",), eps=eps),
        torch.optim.Adam(eps.parameters(), lr=0.1),
        inner_loss=potential, outer_loss=mismatch, params=start(), hparams={"eps": eps},
    )
    for i in range(hyper_steps):
        torch.manual_seed(i)  # new momenta every hyper-step: no overfitting to one draw
        hopt.step(None, None)
    learned = eps.detach()
    hyper_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()  # the grid: as many sampler runs as hyper-steps, on the same seeds
    grid = np.geomspace(0.005, 0.1, hyper_steps)
    tuned = {float(e): sample(torch.full((2,), float(e)), i) for i, e in enumerate(grid)}
    best = min(tuned, key=tuned.get)
    grid_seconds = time.perf_counter() - t0
    return {
        "learned_eps": learned.tolist(),
        "best_scalar_eps": best,
        "test_mismatch_learned": score(learned, test_seeds),
        "test_mismatch_scalar": score(torch.full((2,), best), test_seeds),
        "test_mismatch_init": score(torch.full((2,), init), test_seeds),
        "hyper_seconds": hyper_seconds,
        "grid_seconds": grid_seconds,
        "runs": hyper_steps,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer hyper-steps")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    r = run(hyper_steps=20) if args.quick else run()
    print(f"{r['runs']} sampler runs each; second-moment mismatch on 5 unseen seeds (lower is better)")
    print(f"  initial step size 0.02 (both dims):      {r['test_mismatch_init']:.4f}")
    print(f"  best scalar step size of the grid {r['best_scalar_eps']:.4f}: "
          f"{r['test_mismatch_scalar']:.4f}  ({r['grid_seconds']:.1f} s)")
    print(f"  learned per-dimension step sizes "
          f"{r['learned_eps'][0]:.4f}, {r['learned_eps'][1]:.4f}: "
          f"{r['test_mismatch_learned']:.4f}  ({r['hyper_seconds']:.1f} s)")


if __name__ == "__main__":
    main()
