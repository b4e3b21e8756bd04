"""Time and peak memory of one hypergradient against the number of inner steps T.

Problem: an MLP (64-32-10, tanh) on random classification batches of 64, trained by SGD with
momentum; three scalar hyperparameters (log learning rate, logit momentum, log L2 strength).
For T in 10, 100, 1000 every method computes d(validation loss)/d(hyperparameters):

- ``autograd unroll``: the plain baseline, a loop with ``torch.autograd.grad(create_graph=True)``
  through all T steps, then one backward pass (the whole graph is kept);
- hyperloom's ``Reverse`` (all states kept), ``Reverse(checkpoint="sqrt")``,
  ``Reverse(truncate=10)`` (a different, truncated gradient), ``Forward``, and
  ``Implicit("fixed_point")`` (T untracked inner steps, then 20 fixed-point iterations; the MLP
  is not convex, so conjugate gradients would need damping);
- ``higher`` (facebookresearch/higher) and ``torchopt`` when installed, else a printed note.

Peak memory: on CUDA, ``torch.cuda.max_memory_allocated`` above the start of the call; on CPU,
the peak bytes of live tensor storage allocated during the call, counted by a
``TorchDispatchMode`` meter (``hyperloom.hypergrad._memory.PeakMemory``: it sees activations
saved for backward, optimizer states and trajectories kept in Python lists alike; tracemalloc
and RSS do not see torch's CPU allocations reliably). Time: median wall time of a few calls
(one call at T = 1000), measured separately from the memory run. ``rel.err`` compares each
hypergradient with the autograd unroll (Implicit and truncated Reverse differ by design).

Usage: ./run bench hypergrad [--quick] [--device cpu|cuda] [--hidden 32] [--batch-size 64]
                             [--out DIR]
"""

from __future__ import annotations

import argparse
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, reproduce_command, write_json  # noqa: E402

INIT = {"lr": 0.05, "momentum": 0.5, "l2": 1e-3}


class Setup:
    """The model, data and hyperparameter initial values shared by every method."""

    def __init__(
        self, device: str, hidden: int = 32, batch_size: int = 64,
        dtype: torch.dtype = torch.float32, seed: int = 0,
    ) -> None:
        g = torch.Generator().manual_seed(seed)
        self.device, self.dtype = device, dtype
        self.model = torch.nn.Sequential(
            torch.nn.Linear(64, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 10)
        ).to(device=device, dtype=dtype)
        self.params0 = {k: v.detach().clone() for k, v in self.model.named_parameters()}

        def batch() -> tuple[torch.Tensor, torch.Tensor]:
            x = torch.randn(batch_size, 64, generator=g, dtype=dtype)
            return x.to(device), torch.randint(0, 10, (batch_size,), generator=g).to(device)

        self.batches = [batch() for _ in range(10)]
        self.val = batch()

    def hparams(self) -> dict[str, hg.Hyperparameter]:
        kw = dict(dtype=self.dtype, device=self.device)
        return {
            "lr": hg.hyperparameter(INIT["lr"], "positive", **kw),
            "momentum": hg.hyperparameter(INIT["momentum"], "unit", **kw),
            "l2": hg.hyperparameter(INIT["l2"], "positive", **kw),
        }

    def loss(self, p: dict[str, torch.Tensor], batch: Any) -> torch.Tensor:
        x, y = batch
        out = torch.func.functional_call(self.model, p, (x,))
        return torch.nn.functional.cross_entropy(out, y)

    def inner(self, p: dict[str, torch.Tensor], h: dict[str, torch.Tensor], batch: Any) -> torch.Tensor:
        l2 = sum((w**2).sum() for k, w in p.items() if k.endswith("weight"))
        return self.loss(p, batch) + h["l2"] * l2

    def outer(self, p: dict[str, torch.Tensor], h: dict[str, torch.Tensor], batch: Any) -> torch.Tensor:
        return self.loss(p, batch)


def ours(method: Any) -> Callable[[Setup, int], dict[str, torch.Tensor]]:
    def run(s: Setup, T: int) -> dict[str, torch.Tensor]:
        h = s.hparams()
        m = method(T)
        return hg.hypergradient(
            s.inner, s.outer, s.params0, h, method=m,
            inner_optimizer=hg.SGD(lr=h["lr"], momentum=h["momentum"]),
            train_data=s.batches, val_data=s.val,
        )

    return run


def autograd_unroll(s: Setup, T: int) -> dict[str, torch.Tensor]:
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


def higher_unroll(s: Setup, T: int) -> dict[str, torch.Tensor]:
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
            reg = sum((w**2).sum() for n, w in zip(
                [n for n, _ in model.named_parameters()], fmodel.parameters()) if n.endswith("weight"))
            diffopt.step(torch.nn.functional.cross_entropy(fmodel(x), y) + l2 * reg)
        x, y = s.val
        out = torch.nn.functional.cross_entropy(fmodel(x), y)
        return dict(zip(h, torch.autograd.grad(out, raws)))


METHODS: dict[str, Callable[[Setup, int], dict[str, torch.Tensor]]] = {
    "autograd unroll (baseline)": autograd_unroll,
    "Reverse": ours(lambda T: hg.Reverse(T)),
    "Reverse checkpoint=sqrt": ours(lambda T: hg.Reverse(T, checkpoint="sqrt")),
    "Reverse truncate=10": ours(lambda T: hg.Reverse(T, truncate=10)),
    "Forward": ours(lambda T: hg.Forward(T)),
    "Implicit fixed_point (20 iters)": ours(
        lambda T: hg.Implicit("fixed_point", iters=20, tol=0.0, steps=T)
    ),
}


def peers(notes: list[str]) -> None:
    if importlib.util.find_spec("higher") is not None:
        METHODS["higher (peer)"] = higher_unroll
    else:
        notes.append("higher is not installed: skipped (pip install higher to include it)")
    if importlib.util.find_spec("torchopt") is None:
        notes.append("torchopt is not installed: skipped")
    else:
        notes.append("torchopt is installed but not wired into this benchmark: skipped")


def measure(fn: Callable[[], Any], device: str, repeats: int) -> tuple[float, int, Any]:
    """(median seconds, peak bytes, result)."""
    times = []
    out = None
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        out = fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fn()
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - base
    else:
        with PeakMemory() as meter:
            fn()
        peak = meter.peak
    return statistics.median(times), peak, out


def rel_err(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    va = torch.stack([a[k].double().reshape(()) for k in b])
    vb = torch.stack([b[k].double().reshape(()) for k in b])
    return float((va - vb).norm() / vb.norm())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="T in 10, 100 only")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--hidden", type=int, default=32, help="hidden units of the MLP")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", default=None, help="folder for hypergrad.json")
    args = parser.parse_args(argv)
    if args.device == "cpu":
        torch.set_num_threads(1)
    steps = [10, 100] if args.quick else [10, 100, 1000]
    notes: list[str] = []
    peers(notes)
    memory_kind = (
        "torch.cuda.max_memory_allocated" if args.device.startswith("cuda")
        else "peak live tensor storage (TorchDispatchMode meter)"
    )
    s = Setup(args.device, hidden=args.hidden, batch_size=args.batch_size)
    for fn in METHODS.values():  # warm-up: one-time setup costs (forward AD, kernels)
        fn(s, 2)
    results: list[dict[str, Any]] = []
    rows = []
    for T in steps:
        repeats = 3 if T <= 100 else 1
        ref: dict[str, torch.Tensor] | None = None
        for name, fn in METHODS.items():
            seconds, peak, grads = measure(lambda fn=fn, T=T: fn(s, T), args.device, repeats)
            if ref is None:
                ref = grads
            err = rel_err(grads, ref)
            results.append({"method": name, "T": T, "seconds": seconds, "peak_bytes": peak,
                            "rel_err_vs_autograd": err})
            rows.append([name, T, f"{seconds * 1e3:.1f}", f"{peak / 2**20:.3f}", f"{err:.1e}"])
            print(f"  done {name} T={T}", file=sys.stderr, flush=True)
    n_params = sum(v.numel() for v in s.params0.values())
    print(f"hypergradient of 3 scalar hyperparameters, MLP 64-{args.hidden}-10 ({n_params} "
          f"params), batch {args.batch_size}, SGD+momentum, {args.device}, float32")
    print(f"memory = {memory_kind}")
    print_table(["method", "T", "ms", "peak MiB", "rel.err"], rows)
    growth = []
    for name in METHODS:
        mem = {r["T"]: r["peak_bytes"] for r in results if r["method"] == name}
        lo, hi = min(mem), max(mem)
        growth.append([name, f"{mem[hi] / max(mem[lo], 1):.2f}", f"{hi // lo}"])
    print()
    print_table(["method", f"peak memory ratio T={max(steps)} / T={min(steps)}", "T ratio"], growth)
    for note in notes:
        print("note:", note)
    path = write_json("hypergrad", {
        "device": args.device, "memory_measure": memory_kind, "steps": steps,
        "hidden": args.hidden, "batch_size": args.batch_size, "n_params": n_params,
        "results": results, "notes": notes,
    }, args.out)
    print(f"wrote {path}")
    print(reproduce_command("hypergrad", sys.argv[1:] if argv is None else argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
