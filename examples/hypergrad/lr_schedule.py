"""A per-step learning-rate schedule learned by hypergradient (Hype's example), on digits.

An MLP is trained for T steps of SGD on a fixed sequence of mini-batches. The learning rate of
every step is a hyperparameter (a vector of length T, kept positive) and gets the exact gradient
of the validation loss through the T steps (``Reverse``). The result is compared with the best
constant learning rate of a grid, on the same T training steps.

    python examples/hypergrad/lr_schedule.py            # about half a minute on a laptop CPU
    python examples/hypergrad/lr_schedule.py --quick    # starts from the grid's best constant
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from sklearn.datasets import load_digits

import hyperloom.hypergrad as hg

DTYPE = torch.float32


def load(n_train: int = 1000, n_val: int = 400, batch: int = 100, seed: int = 0) -> dict:
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    X = torch.tensor(X[order] / 16.0, dtype=DTYPE)
    y = torch.tensor(y[order], dtype=torch.long)
    batches = [(X[i : i + batch], y[i : i + batch]) for i in range(0, n_train, batch)]
    return {
        "batches": batches,
        "val": (X[n_train : n_train + n_val], y[n_train : n_train + n_val]),
        "test": (X[n_train + n_val :], y[n_train + n_val :]),
    }


def init_params(hidden: int = 32, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        "W1": torch.randn(64, hidden, generator=g, dtype=DTYPE) / 8.0,
        "b1": torch.zeros(hidden, dtype=DTYPE),
        "W2": torch.randn(hidden, 10, generator=g, dtype=DTYPE) / hidden**0.5,
        "b2": torch.zeros(10, dtype=DTYPE),
    }


def forward(p, x):
    return torch.tanh(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def loss(p, h, batch):
    x, y = batch
    return torch.nn.functional.cross_entropy(forward(p, x), y)


def train(lrs: torch.Tensor, data: dict, steps: int) -> dict[str, torch.Tensor]:
    opt = hg.SGD(lr=hg.schedule(lrs))
    p = init_params()
    for t in range(steps):
        g = torch.func.grad(loss)(p, {}, data["batches"][t % len(data["batches"])])
        p, _ = opt.update(p, {}, g, step=t)
    return p


def evaluate(p, batch) -> tuple[float, float]:
    x, y = batch
    out = forward(p, x)
    return float(torch.nn.functional.cross_entropy(out, y)), float((out.argmax(1) == y).float().mean())


def run(
    steps: int = 40, hyper_iters: int = 50, init_lr: float | None = 0.3, outer_lr: float = 0.05
) -> dict:
    """Grid over constant learning rates, then hypergradient descent on the per-step schedule.

    The schedule starts at ``init_lr`` everywhere (``None``: at the grid's best constant) and the
    best schedule seen (by validation loss) is kept, as one would with any tuner.
    """
    data = load()
    grid = [float(v) for v in np.logspace(-2, 1, 13)]
    grid_val = {lr: evaluate(train(torch.full((steps,), lr), data, steps), data["val"])[0] for lr in grid}
    best_lr = min(grid_val, key=grid_val.get)

    start = best_lr if init_lr is None else init_lr
    lrs = hg.hyperparameter(torch.full((steps,), start, dtype=DTYPE), "positive", name="lrs")
    hparams = {"lrs": lrs}
    hopt = hg.HyperOptimizer(
        hg.Reverse(steps),
        hg.SGD(lr=hg.schedule(lrs)),
        torch.optim.Adam(hg.parameters(hparams), lr=outer_lr),
        inner_loss=loss,
        outer_loss=loss,
        params=init_params(),
        hparams=hparams,
    )
    best_val, learned = float("inf"), lrs.detach()
    for _ in range(hyper_iters):
        before = lrs.detach()
        value = hopt.step(data["batches"], data["val"])  # validation loss at `before`
        if value < best_val:
            best_val, learned = value, before

    p_sched = train(learned, data, steps)
    p_const = train(torch.full((steps,), best_lr), data, steps)
    (vs, _), (ts, tas) = evaluate(p_sched, data["val"]), evaluate(p_sched, data["test"])
    (vc, _), (tc, tac) = evaluate(p_const, data["val"]), evaluate(p_const, data["test"])
    return {
        "steps": steps,
        "best_constant_lr": best_lr,
        "val_loss_constant": vc,
        "val_loss_schedule": vs,
        "test_loss_constant": tc,
        "test_loss_schedule": ts,
        "test_acc_constant": tac,
        "test_acc_schedule": tas,
        "schedule": [round(v, 4) for v in learned.tolist()],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer hyper-iterations")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # tiny models: threads only add overhead
    r = run(hyper_iters=15, init_lr=None) if args.quick else run()
    print(f"T = {r['steps']} SGD steps; best constant learning rate of the grid: {r['best_constant_lr']:.3g}")
    print(f"{'':<22}{'val loss':>10}{'test loss':>11}{'test acc':>10}")
    print(f"{'best constant':<22}{r['val_loss_constant']:>10.4f}{r['test_loss_constant']:>11.4f}{r['test_acc_constant']:>10.3f}")
    print(f"{'hypergrad schedule':<22}{r['val_loss_schedule']:>10.4f}{r['test_loss_schedule']:>11.4f}{r['test_acc_schedule']:>10.3f}")
    print("learned schedule:", " ".join(f"{v:.2f}" for v in r["schedule"]))


if __name__ == "__main__":
    main()
