"""Meta-learning a shared representation (a hyper-representation, Franceschi et al. 2018).

Synthetic few-shot regression: every task is ``y = a_task . tanh(P x) + noise`` with a hidden
projection ``P`` shared by all tasks and a task-specific head ``a_task``; each task shows 5
support examples and is scored on 25 query examples. The representation ``tanh(R x)`` is the
hyperparameter; for each task the head is trained on the support set (the inner problem) and
the query loss is the outer loss. ``R`` follows the hypergradient averaged over a batch of tasks,
given as ``hg.episodes`` (``Reverse`` through the head's training, the tasks in one ``vmap``; or
``Implicit`` at each head's solution). On new tasks this
is compared with the same model (representation + head) trained from scratch on each support set.

    python examples/hypergrad/meta_learning.py            # about a minute on a laptop CPU
    python examples/hypergrad/meta_learning.py --quick
"""

from __future__ import annotations

import argparse

import torch

import hyperloom.hypergrad as hg

DTYPE = torch.float32
D_IN, D_REP = 10, 4
RIDGE = 1e-2


class Tasks:
    """A stream of regression tasks sharing one hidden projection."""

    def __init__(
        self, seed: int = 0, stream: int = 0, n_support: int = 5, n_query: int = 25,
        noise: float = 0.05,
    ) -> None:
        self.P = torch.randn(
            D_REP, D_IN, generator=torch.Generator().manual_seed(seed), dtype=DTYPE
        ) / D_IN**0.5 * 2
        self.g = torch.Generator().manual_seed(1000 + stream)  # meta-training and test streams differ
        self.n_support, self.n_query, self.noise = n_support, n_query, noise

    def sample(self) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
        a = torch.randn(D_REP, generator=self.g, dtype=DTYPE)
        x = torch.randn(self.n_support + self.n_query, D_IN, generator=self.g, dtype=DTYPE)
        y = torch.tanh(x @ self.P.T) @ a
        y = y + self.noise * torch.randn(len(y), generator=self.g, dtype=DTYPE)
        s = self.n_support
        return (x[:s], y[:s]), (x[s:], y[s:])


def predict(R: torch.Tensor, head: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return torch.tanh(x @ R.T) @ head


def inner_loss(p, h, batch):
    x, y = batch
    return 0.5 * ((predict(h["R"], p["a"], x) - y) ** 2).mean() + 0.5 * RIDGE * (p["a"] ** 2).sum()


def outer_loss(p, h, batch):
    x, y = batch
    return 0.5 * ((predict(h["R"], p["a"], x) - y) ** 2).mean()


def fit_head(R: torch.Tensor, support, steps: int = 30, lr: float = 0.5) -> torch.Tensor:
    p = {"a": torch.zeros(R.shape[0], dtype=DTYPE)}
    opt = hg.SGD(lr=lr, momentum=0.5)
    state = opt.init(p)
    for t in range(steps):
        g = torch.func.grad(inner_loss)(p, {"R": R}, support)
        p, state = opt.update(p, state, g, step=t)
    return p["a"]


def from_scratch(support, query, steps: int = 100, seed: int = 0) -> float:
    """The same model, representation and head both trained on the support set alone."""
    g = torch.Generator().manual_seed(seed)
    p = {
        "R": torch.randn(D_REP, D_IN, generator=g, dtype=DTYPE) / D_IN**0.5,
        "a": torch.zeros(D_REP, dtype=DTYPE),
    }

    def loss(q, batch):
        return inner_loss({"a": q["a"]}, {"R": q["R"]}, batch)

    opt = hg.Adam(lr=0.1)
    state = opt.init(p)
    for t in range(steps):
        grads = torch.func.grad(loss)(p, support)
        p, state = opt.update(p, state, grads, step=t)
    return float(outer_loss({"a": p["a"]}, {"R": p["R"]}, query))


def meta_train(
    method: str = "reverse",
    meta_iters: int = 150,
    tasks_per_iter: int = 4,
    inner_steps: int = 10,
    outer_lr: float = 0.05,
    seed: int = 0,
) -> torch.Tensor:
    """Learn the representation ``R`` from a stream of training tasks."""
    tasks = Tasks(seed, stream=0)
    g = torch.Generator().manual_seed(seed + 1)
    R = hg.hyperparameter(torch.randn(D_REP, D_IN, generator=g, dtype=DTYPE) / D_IN**0.5, name="R")
    outer = torch.optim.Adam(R.parameters(), lr=outer_lr)
    if method == "reverse":
        hmethod: object = hg.Reverse(inner_steps)
    elif method == "implicit":
        # 40 steps leave each head at a relative inner-gradient norm of about 0.06, above the
        # default warning level (0.05): accepted here on purpose, it is part of what the
        # comparison shows (Implicit assumes a converged head)
        hmethod = hg.Implicit("cg", iters=10, tol=1e-8, steps=4 * inner_steps,
                              stationarity_tol=0.1)
    else:
        raise ValueError(f"method={method!r}: use 'reverse' or 'implicit'")
    for _ in range(meta_iters):
        # the tasks are episodes: one inner problem each, the mean query loss as outer loss;
        # Reverse runs them as one vmap over tasks, Implicit one after the other
        batch = hg.episodes([tasks.sample() for _ in range(tasks_per_iter)],
                            vectorize=method == "reverse")
        grads = hg.hypergradient(
            inner_loss, outer_loss, {"a": torch.zeros(D_REP, dtype=DTYPE)}, {"R": R},
            method=hmethod, inner_optimizer=hg.SGD(lr=0.5, momentum=0.5), train_data=batch,
        )
        outer.zero_grad()
        R.raw.grad = grads["R"]
        outer.step()
    return R.detach()


def evaluate(R: torch.Tensor, n_tasks: int = 30, seed: int = 0) -> dict:
    """Mean query loss on new tasks: head fitted on the learned R, and model from scratch."""
    tasks = Tasks(seed, stream=1)
    meta, scratch = [], []
    for i in range(n_tasks):
        support, query = tasks.sample()
        a = fit_head(R, support)
        meta.append(float(outer_loss({"a": a}, {"R": R}, query)))
        scratch.append(from_scratch(support, query, seed=i))
    return {
        "query_mse_meta": sum(meta) / n_tasks,
        "query_mse_scratch": sum(scratch) / n_tasks,
    }


def run(method: str = "reverse", meta_iters: int = 150, n_eval: int = 30, seed: int = 0) -> dict:
    R = meta_train(method, meta_iters=meta_iters, seed=seed)
    return {"method": method, "meta_iters": meta_iters, **evaluate(R, n_eval, seed)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer meta-iterations")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # tiny models: threads only add overhead
    iters = 30 if args.quick else 150
    print(f"{'method':<10}{'query MSE, meta-learned R':>28}{'from scratch':>14}")
    for method in ("reverse", "implicit"):
        r = run(method, meta_iters=iters)
        print(f"{method:<10}{r['query_mse_meta']:>28.4f}{r['query_mse_scratch']:>14.4f}")


if __name__ == "__main__":
    main()
