"""Time and peak memory of one hypergradient against the plain autograd unroll, higher and TorchOpt.

Problem (issue 15's setup): an MLP 64-H-10 (tanh) on scikit-learn's digits, batches of 128 cycled
over the first 1,280 examples, trained by SGD with momentum; three scalar hyperparameters (log
learning rate, logit momentum, log L2 strength); the validation loss on 256 other examples.
For each hidden size H and T in 10, 100, 1000 every method computes d(validation loss)/d(the
three hyperparameters):

- ``autograd unroll``: the baseline, a loop with ``torch.autograd.grad(create_graph=True)``
  through all T steps, then one backward pass (the whole graph is kept);
- ``higher`` 0.2 (``innerloop_ctx`` with the hyperparameters as overrides) and ``TorchOpt``
  (its functional ``torchopt.sgd`` with tensor learning rate and momentum), both unrolls too;
- hyperloom's ``Reverse`` (graph of the run kept), ``Reverse(checkpoint="sqrt")`` (O(sqrt T)
  states, each segment recomputed once), ``Forward`` (3 directions; the ratio per direction is
  printed too) and ``Implicit("fixed_point", iters=20)`` after T untracked training steps.

A second table times T untracked training steps alone: a plain ``torch.autograd`` loop against
hyperloom's loop (what ``Implicit(steps=T)``, warm starts and ``HyperOptimizer.evaluate`` run).

Time: the fastest of several interleaved rounds (every method once per round, so that load on
a shared machine hits all of them alike; the work is deterministic, so load only adds time);
the JSON file keeps the median too. Peak memory: on CUDA ``torch.cuda.max_memory_allocated`` above
the start; on CPU the peak of live tensor storage allocated during the call, counted by a
``TorchDispatchMode`` meter (``hyperloom.hypergrad._memory.PeakMemory``; tracemalloc and RSS do
not see torch's CPU allocations reliably). ``rel.err`` compares each hypergradient with the
unroll's (Implicit differs by design: the MLP is not trained to a minimum).

Usage: ./run bench hypergrad [--quick] [--device cpu|cuda] [--hidden 32 256] [--steps 10 100]
                             [--rounds N] [--methods Reverse Forward] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

import hyperloom.hypergrad as hg
from hyperloom.hypergrad._memory import PeakMemory
from hyperloom.hypergrad._problem import Batches, Problem

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, reproduce_command, write_json  # noqa: E402

INIT = {"lr": 0.05, "momentum": 0.5, "l2": 1e-3}
BATCH = 128
BASELINE = "autograd unroll (baseline)"
TARGETS = {"Reverse": 1.2, 'Reverse(checkpoint="sqrt")': 1.6}


class Setup:
    """The model, data and hyperparameter initial values shared by every method."""

    def __init__(self, device: str, hidden: int, dtype: torch.dtype = torch.float32) -> None:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        torch.manual_seed(0)
        X = torch.tensor(X / 16.0, dtype=dtype, device=device)
        y = torch.tensor(y, device=device)
        self.device, self.dtype, self.hidden = device, dtype, hidden
        self.model = torch.nn.Sequential(
            torch.nn.Linear(64, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 10)
        ).to(device=device, dtype=dtype)
        self.names = [k for k, _ in self.model.named_parameters()]
        self.params0 = {k: v.detach().clone() for k, v in self.model.named_parameters()}
        self.batches = [(X[i : i + BATCH], y[i : i + BATCH]) for i in range(0, 10 * BATCH, BATCH)]
        self.val = (X[1280:1536], y[1280:1536])

    def hparams(self) -> dict[str, hg.Hyperparameter]:
        kw = dict(dtype=self.dtype, device=self.device)
        return {
            "lr": hg.hyperparameter(INIT["lr"], "positive", **kw),
            "momentum": hg.hyperparameter(INIT["momentum"], "unit", **kw),
            "l2": hg.hyperparameter(INIT["l2"], "positive", **kw),
        }

    def loss(self, p: dict[str, torch.Tensor], batch: Any) -> torch.Tensor:
        x, y = batch
        return torch.nn.functional.cross_entropy(torch.func.functional_call(self.model, p, (x,)), y)

    def inner(self, p: dict[str, torch.Tensor], h: dict[str, torch.Tensor], batch: Any) -> torch.Tensor:
        l2 = sum((w**2).sum() for k, w in p.items() if k.endswith("weight"))
        return self.loss(p, batch) + h["l2"] * l2

    def outer(self, p: dict[str, torch.Tensor], h: dict[str, torch.Tensor], batch: Any) -> torch.Tensor:
        return self.loss(p, batch)


Grads = dict[str, torch.Tensor]


def ours(method: Callable[[int], Any]) -> Callable[[Setup, int], Grads]:
    def run(s: Setup, T: int) -> Grads:
        h = s.hparams()
        return hg.hypergradient(
            s.inner, s.outer, s.params0, h, method=method(T),
            inner_optimizer=hg.SGD(lr=h["lr"], momentum=h["momentum"]),
            train_data=s.batches, val_data=s.val,
        )

    return run


def autograd_unroll(s: Setup, T: int) -> Grads:
    """The baseline: differentiate through a graph of the whole training run."""
    h = s.hparams()
    raws = [v.raw for v in h.values()]
    lr, mom, l2 = (v.value() for v in h.values())
    p = {k: v.clone().requires_grad_(True) for k, v in s.params0.items()}
    buf = {k: torch.zeros_like(v) for k, v in p.items()}
    for t in range(T):
        loss = s.inner(p, {"l2": l2}, s.batches[t % len(s.batches)])
        grads = torch.autograd.grad(loss, list(p.values()), create_graph=True)
        buf = {k: mom * buf[k] + g for k, g in zip(p, grads)}
        p = {k: p[k] - lr * buf[k] for k in p}
    out = s.outer(p, {}, s.val)
    return dict(zip(h, torch.autograd.grad(out, raws)))


def higher_unroll(s: Setup, T: int) -> Grads:
    import higher

    h = s.hparams()
    raws = [v.raw for v in h.values()]
    lr, mom, l2 = (v.value() for v in h.values())
    model = s.model
    with torch.no_grad():
        for k, v in model.named_parameters():
            v.copy_(s.params0[k])
    opt = torch.optim.SGD(model.parameters(), lr=INIT["lr"], momentum=INIT["momentum"])
    with higher.innerloop_ctx(
        model, opt, copy_initial_weights=True, override={"lr": [lr], "momentum": [mom]}
    ) as (fmodel, diffopt):
        for t in range(T):
            x, y = s.batches[t % len(s.batches)]
            reg = sum((w**2).sum() for n, w in zip(s.names, fmodel.parameters())
                      if n.endswith("weight"))
            diffopt.step(torch.nn.functional.cross_entropy(fmodel(x), y) + l2 * reg)
        x, y = s.val
        out = torch.nn.functional.cross_entropy(fmodel(x), y)
        return dict(zip(h, torch.autograd.grad(out, raws)))


def torchopt_unroll(s: Setup, T: int) -> Grads:
    import torchopt

    h = s.hparams()
    raws = [v.raw for v in h.values()]
    lr, mom, l2 = (v.value() for v in h.values())
    opt = torchopt.sgd(lr=lr, momentum=mom)
    p = tuple(v.clone().requires_grad_(True) for v in s.params0.values())
    state = opt.init(p)
    for t in range(T):
        loss = s.inner(dict(zip(s.names, p)), {"l2": l2}, s.batches[t % len(s.batches)])
        grads = torch.autograd.grad(loss, p, create_graph=True)
        updates, state = opt.update(grads, state, inplace=False)
        p = tuple(torchopt.apply_updates(p, updates, inplace=False))
    out = s.outer(dict(zip(s.names, p)), {}, s.val)
    return dict(zip(h, torch.autograd.grad(out, raws)))


def plain_training(s: Setup, T: int) -> None:
    """T training steps as one writes them in torch: autograd.grad, then an update in no_grad."""
    lr, mom, l2 = INIT["lr"], INIT["momentum"], INIT["l2"]
    p = {k: v.clone() for k, v in s.params0.items()}
    buf = {k: torch.zeros_like(v) for k, v in p.items()}
    for t in range(T):
        q = {k: v.requires_grad_(True) for k, v in p.items()}
        loss = s.inner(q, {"l2": torch.tensor(l2)}, s.batches[t % len(s.batches)])
        grads = torch.autograd.grad(loss, list(q.values()))
        with torch.no_grad():
            buf = {k: mom * buf[k] + g for k, g in zip(q, grads)}
            p = {k: q[k] - lr * buf[k] for k in q}


def hyperloom_training(s: Setup, T: int) -> None:
    """The untracked training loop of Implicit(steps=T), warm starts and HyperOptimizer.evaluate."""
    h = s.hparams()
    problem = Problem(s.inner, s.outer, s.params0, h, hg.SGD(lr=h["lr"], momentum=h["momentum"]))
    assert problem.optimizer is not None
    params = problem.init(problem.hset.raw())
    problem.train(params, problem.optimizer.init(params), problem.hset.raw(), Batches(s.batches), T)


def methods(notes: list[str]) -> dict[str, Callable[[Setup, int], Grads]]:
    out: dict[str, Callable[[Setup, int], Grads]] = {BASELINE: autograd_unroll}
    for peer, fn in (("higher", higher_unroll), ("torchopt", torchopt_unroll)):
        if importlib.util.find_spec(peer) is None:
            notes.append(f"{peer} is not installed: skipped (pip install {peer} to include it)")
        else:
            out[f"{peer} {importlib.metadata.version(peer)} (peer)"] = fn
    out["Reverse"] = ours(lambda T: hg.Reverse(T))
    out['Reverse(checkpoint="sqrt")'] = ours(lambda T: hg.Reverse(T, checkpoint="sqrt"))
    out["Forward (3 directions)"] = ours(lambda T: hg.Forward(T))
    out["Implicit fixed_point (T steps + 20 iters)"] = ours(
        lambda T: hg.Implicit("fixed_point", iters=20, tol=0.0, steps=T, stationarity_tol=None)
    )
    return out


TRAINING = {"plain torch training loop": plain_training, "hyperloom training loop": hyperloom_training}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed_rounds(fns: dict[str, Callable[[], Any]], device: str,
                 rounds: int) -> dict[str, tuple[float, float]]:
    """(fastest, median) seconds of each function over interleaved rounds. The work is
    deterministic, so load from other processes only adds time: the fastest round is the
    estimate of the cost, the median shows the spread."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            _sync(device)
            t0 = time.perf_counter()
            fn()
            _sync(device)
            times[name].append(time.perf_counter() - t0)
    return {k: (min(v), statistics.median(v)) for k, v in times.items()}


def peak_memory(fn: Callable[[], Any], device: str) -> tuple[int, Any]:
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        out = fn()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base, out
    with PeakMemory() as meter:
        out = fn()
    return meter.peak, out


def rel_err(a: Grads, b: Grads) -> float:
    va = torch.stack([a[k].double().reshape(()) for k in b])
    vb = torch.stack([b[k].double().reshape(()) for k in b])
    return float((va - vb).norm() / vb.norm())


def bench_size(hidden: int, steps: list[int], args: argparse.Namespace,
               fns: dict[str, Callable[[Setup, int], Grads]]) -> list[dict[str, Any]]:
    s = Setup(args.device, hidden)
    for fn in [*fns.values(), *TRAINING.values()]:  # warm-up: one-time setup (forward AD, kernels)
        fn(s, 2)
    results = []
    for T in steps:
        rounds = args.rounds if T <= 100 else max(1, (args.rounds + 1) // 2)
        seconds = timed_rounds({k: (lambda f=f, T=T: f(s, T)) for k, f in fns.items()}, args.device,
                               rounds)
        train_s = timed_rounds({k: (lambda f=f, T=T: f(s, T)) for k, f in TRAINING.items()},
                               args.device, rounds)
        ref: Grads | None = None
        for name, fn in fns.items():
            peak, grads = peak_memory(lambda fn=fn, T=T: fn(s, T), args.device)
            ref = grads if ref is None else ref
            results.append({"hidden": hidden, "T": T, "method": name,
                            "seconds": seconds[name][0], "median_seconds": seconds[name][1],
                            "peak_bytes": peak, "rel_err_vs_autograd": rel_err(grads, ref),
                            "rounds": rounds})
        for name in TRAINING:
            results.append({"hidden": hidden, "T": T, "method": name, "seconds": train_s[name][0],
                            "median_seconds": train_s[name][1], "rounds": rounds})
        print(f"  done H={hidden} T={T}", file=sys.stderr, flush=True)
    return results


def report(results: list[dict[str, Any]], names: list[str]) -> list[str]:
    """Print the tables; return the targets missed."""
    missed = []
    rows = []
    base = {(r["hidden"], r["T"]): r for r in results if r["method"] == BASELINE}
    for r in results:
        if r["method"] in TRAINING:
            continue
        b = base[(r["hidden"], r["T"])]
        ratio = r["seconds"] / b["seconds"]
        mem = r["peak_bytes"] / max(b["peak_bytes"], 1)
        r["time_ratio"], r["memory_ratio"] = ratio, mem
        shown = f"{ratio:.2f}"
        if r["method"].startswith("Forward"):
            shown += f" ({ratio / 3:.2f}/dir)"
            r["time_ratio_per_direction"] = ratio / 3
            if ratio / 3 > 1.5:
                missed.append(f"Forward per direction {ratio / 3:.2f}x > 1.5x (H={r['hidden']}, "
                              f"T={r['T']})")
        target = TARGETS.get(r["method"])
        if target is not None and ratio > target:
            missed.append(f"{r['method']} {ratio:.2f}x > {target}x (H={r['hidden']}, T={r['T']})")
        if r["method"] == "Reverse" and mem > 1.0:
            missed.append(f"Reverse memory {mem:.2f}x the unroll (H={r['hidden']}, T={r['T']})")
        rows.append([r["hidden"], r["T"], r["method"], f"{r['seconds'] * 1e3:.1f}", shown,
                     f"{r['peak_bytes'] / 2**20:.2f}", f"{mem:.2f}", f"{r['rel_err_vs_autograd']:.1e}"])
    print_table(["H", "T", "method", "ms", "time / unroll", "peak MiB", "mem / unroll",
                 "rel.err"], rows)
    print()
    train_rows = []
    for (hidden, T) in base:
        plain = next(r for r in results if (r["hidden"], r["T"], r["method"]) ==
                     (hidden, T, "plain torch training loop"))
        ours_ = next(r for r in results if (r["hidden"], r["T"], r["method"]) ==
                     (hidden, T, "hyperloom training loop"))
        ratio = ours_["seconds"] / plain["seconds"]
        ours_["time_ratio"] = ratio
        train_rows.append([hidden, T, f"{plain['seconds'] * 1e3:.1f}",
                           f"{ours_['seconds'] * 1e3:.1f}", f"{ratio:.2f}"])
    print_table(["H", "T", "plain torch loop ms", "hyperloom loop ms", "ratio"], train_rows)
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="T in 10, 100 and one size (H=256), 3 rounds: about a minute")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--hidden", type=int, nargs="+", default=None,
                        help="hidden sizes (default 32 256; --quick: 256)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="timing rounds at T <= 100 (half, rounded up, at T = 1000); "
                             "default 5, quick 3")
    parser.add_argument("--steps", type=int, nargs="+", default=None,
                        help="inner steps T (default 10 100 1000; --quick: 10 100)")
    parser.add_argument("--methods", nargs="+", default=None,
                        help="only the methods whose name contains one of these words (the "
                             "baseline always runs), e.g. --methods Reverse Forward")
    parser.add_argument("--out", default=None, help="folder for hypergrad.json")
    args = parser.parse_args(argv)
    if args.device == "cpu":
        torch.set_num_threads(1)
    steps = args.steps or ([10, 100] if args.quick else [10, 100, 1000])
    hidden = args.hidden or ([256] if args.quick else [32, 256])
    args.rounds = args.rounds or (3 if args.quick else 5)
    notes: list[str] = []
    if not torch.cuda.is_available():
        notes.append("no CUDA device on this machine: CPU figures only")
    fns = methods(notes)
    if args.methods:
        fns = {k: f for k, f in fns.items()
               if k == BASELINE or any(word in k for word in args.methods)}
    results = [r for h in hidden for r in bench_size(h, steps, args, fns)]
    memory_kind = (
        "torch.cuda.max_memory_allocated" if args.device.startswith("cuda")
        else "peak live tensor storage (TorchDispatchMode meter)"
    )
    print(f"hypergradient of 3 scalar hyperparameters, MLP 64-H-10 on digits, batch {BATCH}, "
          f"SGD+momentum, {args.device}, float32, fastest of interleaved rounds")
    print(f"memory = {memory_kind}")
    missed = report(results, list(fns))
    for note in notes:
        print("note:", note)
    print("targets: Reverse <= 1.2x the unroll with at most its memory; checkpoint='sqrt' <= 1.6x; "
          "Forward <= 1.5x per direction:", "all met" if not missed else "missed: " + "; ".join(missed))
    path = write_json("hypergrad", {
        "device": args.device, "memory_measure": memory_kind, "steps": steps, "hidden": hidden,
        "batch_size": BATCH, "rounds": args.rounds, "results": results, "notes": notes,
        "targets_missed": missed,
    }, args.out)
    print(f"wrote {path}")
    print(reproduce_command("hypergrad", sys.argv[1:] if argv is None else argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
