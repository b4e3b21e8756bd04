"""Data hyper-cleaning (Franceschi et al.'s FAR-HO experiment) on scikit-learn's digits.

1,000 training examples, half of them with a random wrong label; 500 clean validation examples.
Each training example gets a weight in (0, 1) (a hyperparameter); the weights are tuned by the
hypergradient of the validation loss through (``Reverse``) or around (``Implicit``) the training
of a logistic regression. Prints test accuracy against training on all the noisy data and against
the oracle that sees only the clean half, the F1 score of flagging the corrupted examples
(weight < 0.5), and the time per hyper-iteration.

    python examples/hypergrad/data_cleaning.py            # about a minute on a laptop CPU
    python examples/hypergrad/data_cleaning.py --quick    # about 20 seconds
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

import hyperloom.hypergrad as hg

DTYPE = torch.float32
L2 = 1e-4


def load(n_train: int = 1000, n_val: int = 500, noise: float = 0.5, seed: int = 0) -> dict:
    """Digits split into a corrupted train set, a clean validation set and a clean test set."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    X = torch.tensor(X[order] / 16.0, dtype=DTYPE)
    y = torch.tensor(y[order], dtype=torch.long)
    Xtr, ytr = X[:n_train], y[:n_train].clone()
    corrupted = torch.zeros(n_train, dtype=torch.bool)
    flip = rng.choice(n_train, size=int(noise * n_train), replace=False)
    corrupted[flip] = True
    shift = torch.tensor(rng.integers(1, 10, size=len(flip)), dtype=torch.long)
    ytr[flip] = (ytr[flip] + shift) % 10  # a wrong label, uniformly among the other nine
    return {
        "train": (Xtr, ytr),
        "val": (X[n_train : n_train + n_val], y[n_train : n_train + n_val]),
        "test": (X[n_train + n_val :], y[n_train + n_val :]),
        "corrupted": corrupted,
    }


def init_params(d: int = 64, k: int = 10) -> dict[str, torch.Tensor]:
    return {"W": torch.zeros(d, k, dtype=DTYPE), "b": torch.zeros(k, dtype=DTYPE)}


def logits(p: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    return x @ p["W"] + p["b"]


def inner_loss(p, h, batch):
    """Example-weighted cross-entropy with a little L2 (the weights are the hyperparameters)."""
    x, y = batch
    ce = torch.nn.functional.cross_entropy(logits(p, x), y, reduction="none")
    return (h["weights"] * ce).mean() + L2 * (p["W"] ** 2).sum()


def outer_loss(p, h, batch):
    x, y = batch
    return torch.nn.functional.cross_entropy(logits(p, x), y)


def accuracy(p: dict[str, torch.Tensor], batch) -> float:
    x, y = batch
    return float((logits(p, x).argmax(1) == y).double().mean())


def train(batch, weights: torch.Tensor, steps: int, lr: float) -> dict[str, torch.Tensor]:
    """Plain weighted training with the same inner optimizer, for the baselines."""
    opt = hg.SGD(lr=lr, momentum=0.9)
    p = init_params()
    state = opt.init(p)
    h = {"weights": weights}
    for t in range(steps):
        g = torch.func.grad(inner_loss)(p, h, batch)
        p, state = opt.update(p, state, g, step=t)
    return p


def f1(flagged: torch.Tensor, truth: torch.Tensor) -> float:
    tp = float((flagged & truth).sum())
    if tp == 0:
        return 0.0
    precision = tp / float(flagged.sum())
    recall = tp / float(truth.sum())
    return 2 * precision * recall / (precision + recall)


def run(
    method: str = "reverse",
    hyper_iters: int = 30,
    inner_steps: int = 200,
    inner_lr: float = 0.3,
    outer_lr: float = 0.1,
    n_train: int = 1000,
    n_val: int = 500,
    seed: int = 0,
) -> dict:
    """Hyper-clean with ``method`` ("reverse" or "implicit") and return the measurements."""
    torch.manual_seed(seed)
    data = load(n_train, n_val, seed=seed)
    n = data["train"][0].shape[0]
    weights = hg.hyperparameter(torch.full((n,), 0.5, dtype=DTYPE), "unit", name="weights")
    hparams = {"weights": weights}
    if method == "reverse":
        hmethod = hg.Reverse(inner_steps)
    elif method == "implicit":
        # warm-started: a few inner steps per hyper-iteration, then conjugate gradients
        hmethod = hg.Implicit("cg", iters=30, tol=1e-6, steps=max(1, inner_steps // 4))
    else:
        raise ValueError(f"method={method!r}: use 'reverse' or 'implicit'")
    hopt = hg.HyperOptimizer(
        hmethod,
        hg.SGD(lr=inner_lr, momentum=0.9),
        torch.optim.Adam(hg.parameters(hparams), lr=outer_lr),
        inner_loss=inner_loss,
        outer_loss=outer_loss,
        params=init_params(),
        hparams=hparams,
    )
    start = time.perf_counter()
    for _ in range(hyper_iters):
        hopt.step(data["train"], data["val"])
    per_iter = (time.perf_counter() - start) / hyper_iters

    final_w = weights.detach()
    cleaned = train(data["train"], final_w, inner_steps, inner_lr)
    noisy = train(data["train"], torch.ones(n, dtype=DTYPE), inner_steps, inner_lr)
    oracle = train(data["train"], (~data["corrupted"]).to(DTYPE), inner_steps, inner_lr)
    return {
        "method": method,
        "test_acc_hypercleaned": accuracy(cleaned, data["test"]),
        "test_acc_noisy": accuracy(noisy, data["test"]),
        "test_acc_oracle": accuracy(oracle, data["test"]),
        "f1_corrupted": f1(final_w < 0.5, data["corrupted"]),
        "seconds_per_hyper_iteration": per_iter,
        "hyper_iterations": hyper_iters,
        "inner_steps": inner_steps,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer hyper-iterations")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # tiny models: threads only add overhead
    iters = 8 if args.quick else 30
    print(f"{'method':<10}{'test acc':>10}{'noisy':>8}{'oracle':>8}{'F1 flag':>9}{'s/iter':>9}")
    for method in ("reverse", "implicit"):
        r = run(method, hyper_iters=iters)
        print(
            f"{method:<10}{r['test_acc_hypercleaned']:>10.3f}{r['test_acc_noisy']:>8.3f}"
            f"{r['test_acc_oracle']:>8.3f}{r['f1_corrupted']:>9.3f}"
            f"{r['seconds_per_hyper_iteration']:>9.3f}"
        )


if __name__ == "__main__":
    main()
