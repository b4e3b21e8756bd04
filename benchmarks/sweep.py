"""Expanding large sweep files: a 100,000-config grid and a 10,000-row table.

For each file it measures, in one run:

- parse: reading and checking the file (`Sweep(text)`), and `len()` (no config is built);
- lazy: `iter_configs` over every config, each resolved (`Config.resolved()`) and dropped;
- lazy+gin: the same, also writing each config's Gin text (`Config.to_gin()`);
- eager: `expand()`, the list of all configs, each resolved;
- baseline: plain Python building the same bindings with `itertools.product` and dicts, with
  nothing checked or resolved (the floor any implementation pays), given as a ratio.

Time is the best of a few repeats without tracing; peak memory is measured in a separate pass
with `tracemalloc` (peak of memory allocated during the call). A lazy pass whose peak stays
small while the eager pass grows with the number of configs shows that iteration does not
build all configs at once. No peer tool is installed for this language (Hyperion is not on PyPI),
so the baseline is the reference.

Usage: ./run bench sweep [--quick] [--repeat N] [--out DIR]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, reproduce_command, write_json  # noqa: E402

from hyperloom.sweep import Sweep, expand, iter_configs  # noqa: E402


def grid_text(per_key: int, keys: int) -> str:
    lines = ["include 'base.gin'", "d_model = 128", "Model.ffn = %d_model * 4"]
    lines += [f"Model.p{k}: {list(range(per_key))}" for k in range(keys - 1)]
    lines += [f"Trainer.lr: {[round(0.1 ** (i + 1), 12) for i in range(per_key)]}"]
    return "\n".join(lines) + "\n"


def table_text(rows: int) -> str:
    body = "\n".join(f"    {i}, {i * 0.5!r}, 'run{i}'" for i in range(rows))
    return f"d = 3\nModel.x = %d * 2\ntable (Model.a, Trainer.lr, name_):\n{body}\n"


def grid_baseline(per_key: int, keys: int) -> Callable[[], int]:
    def run() -> int:
        axes = [[(f"Model.p{k}", v) for v in range(per_key)] for k in range(keys - 1)]
        axes.append([("Trainer.lr", round(0.1 ** (i + 1), 12)) for i in range(per_key)])
        n = 0
        for combo in itertools.product(*axes):
            config = {"d_model": 128, "Model.ffn": 512}
            config.update(combo)
            n += 1
        return n
    return run


def table_baseline(rows: int) -> Callable[[], int]:
    def run() -> int:
        n = 0
        for i in range(rows):
            config = {"d": 3, "Model.x": 6, "Model.a": i, "Trainer.lr": i * 0.5,
                      "name_": f"run{i}"}
            n += len(config) > 0
        return n
    return run


def _lazy(text: str) -> int:
    n = 0
    for config in iter_configs(text):
        config.resolved()
        n += 1
    return n


def _lazy_gin(text: str) -> int:
    n = 0
    for config in iter_configs(text):
        n += len(config.to_gin()) > 0
    return n


def _eager(text: str) -> int:
    return len(expand(text))


def _parse(text: str) -> int:
    return len(Sweep(text))


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_mib(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / 2**20


def measure(name: str, text: str, baseline: Callable[[], int], repeat: int) -> list[dict]:
    Sweep("a = 1")  # build the parser once, outside the timings
    rows = []
    base_s, base_n = timed(baseline, repeat)
    for phase, fn in (("parse", _parse), ("lazy", _lazy), ("lazy+gin", _lazy_gin),
                      ("eager", _eager)):
        seconds, n = timed(lambda fn=fn: fn(text), repeat if phase != "eager" else 1)
        if phase != "parse":
            assert n == base_n, (phase, n, base_n)
        rows.append({"file": name, "phase": phase, "configs": n, "seconds": round(seconds, 4),
                     "us_per_config": round(seconds / n * 1e6, 2),
                     "peak_mib": round(peak_mib(lambda fn=fn: fn(text)), 2),
                     "vs_baseline": round(seconds / base_s, 1)})
    rows.append({"file": name, "phase": "baseline", "configs": base_n,
                 "seconds": round(base_s, 4), "us_per_config": round(base_s / base_n * 1e6, 2),
                 "peak_mib": round(peak_mib(baseline), 2), "vs_baseline": 1.0})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000-config grid, 1,000 rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=None, help="folder for sweep.json")
    args = parser.parse_args(argv)
    per_key, keys, n_rows = (10, 4, 1_000) if args.quick else (10, 5, 10_000)

    rows = measure(f"grid {per_key}^{keys}", grid_text(per_key, keys),
                   grid_baseline(per_key, keys), args.repeat)
    rows += measure(f"table {n_rows} rows", table_text(n_rows), table_baseline(n_rows),
                    args.repeat)

    headers = ["file", "phase", "configs", "seconds", "us/config", "peak MiB", "x baseline"]
    print_table(headers, [[r["file"], r["phase"], r["configs"], f"{r['seconds']:.3f}",
                           f"{r['us_per_config']:.1f}", f"{r['peak_mib']:.2f}",
                           f"{r['vs_baseline']:.1f}"] for r in rows])
    path = write_json("sweep", {"quick": args.quick, "repeat": args.repeat, "rows": rows},
                      args.out)
    print(f"\nwrote {path}")
    print(reproduce_command("sweep", sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
