"""The default samplers under a wall-clock budget: `optimize(timeout=T)` with an objective that
takes microseconds, where the proposal's own cost decides how many trials run. hyperloom's
default (`create_study()`), Optuna 5.0's default (`optuna.create_study()`, TPE) and hyperopt's
TPE, each for T seconds on the same problems, one seed after another (never in parallel: the
runs compete for nothing but the clock).

    ./run bench time_budget                  # 10 seeds, 2 s each: about 3 minutes
    ./run bench time_budget --seeds 3 --timeout 1

Prints, per problem, the median over seeds of the trials run and of the regret (best value
found minus the optimum), and the ratio of the regrets (peer / ours: above 1 = ours better);
writes benchmarks/results/time_budget.json.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
import warnings
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import library_versions, print_table, reproduce_command, write_json  # noqa: E402

import hyperloom as hl  # noqa: E402


def quadratic3(x: float, y: float, z: float) -> float:
    return (x - 0.3) ** 2 + (y + 0.1) ** 2 + (z - 0.7) ** 2


def branin(x: float, y: float) -> float:
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886],
                         [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650],
                         [4047, 8828, 8732, 5743, 1091, 381]])
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(*x: float) -> float:
    return float(-_H6_ALPHA @ np.exp(-(_H6_A * (np.array(x) - _H6_P) ** 2).sum(axis=1)))


# name: (function, bounds of each argument, optimum)
PROBLEMS: dict[str, tuple[Any, list[tuple[float, float]], float]] = {
    "quadratic3": (quadratic3, [(-1.0, 1.0)] * 3, 0.0),
    "branin": (branin, [(-5.0, 10.0), (0.0, 15.0)], 0.397887357729739),
    "hartmann6": (hartmann6, [(0.0, 1.0)] * 6, -3.322368011415515),
}
CONTENDERS = ["hyperloom", "hyperloom-gp", "optuna", "hyperopt"]


def _define_by_run(fn, bounds):
    return lambda trial: fn(*(trial.suggest_float(f"x{i}", lo, hi)
                              for i, (lo, hi) in enumerate(bounds)))


def run_hyperloom(fn, bounds, seed: int, timeout: float) -> list[float]:
    study = hl.create_study(seed=seed)
    study.optimize(_define_by_run(fn, bounds), timeout=timeout)
    return [t.value for t in study.trials if t.value is not None]


def run_hyperloom_gp(fn, bounds, seed: int, timeout: float) -> list[float]:
    """The GP throughout, as the default ran before it weighed the GP's cost against time."""
    study = hl.create_study(sampler=hl.samplers.GPSampler(seed=seed))
    study.optimize(_define_by_run(fn, bounds), timeout=timeout)
    return [t.value for t in study.trials if t.value is not None]


def run_optuna(fn, bounds, seed: int, timeout: float) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(_define_by_run(fn, bounds), timeout=timeout)
    return [t.value for t in study.trials if t.value is not None]


def run_hyperopt(fn, bounds, seed: int, timeout: float) -> list[float]:
    from hyperopt import Trials, fmin, hp, tpe

    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    space = [hp.uniform(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)]
    trials = Trials()
    fmin(lambda xs: fn(*xs), space, algo=tpe.suggest, max_evals=10**9, timeout=timeout,
         trials=trials, rstate=np.random.default_rng(seed), show_progressbar=False)
    return [float(v) for v in trials.losses() if v is not None]


RUNNERS = {"hyperloom": run_hyperloom, "hyperloom-gp": run_hyperloom_gp, "optuna": run_optuna,
           "hyperopt": run_hyperopt}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=2.0, help="seconds per run")
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--contenders", default=",".join(CONTENDERS))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    problems = args.problems.split(",")
    contenders = args.contenders.split(",")
    runs: list[dict[str, Any]] = []
    for name in problems:
        fn, bounds, optimum = PROBLEMS[name]
        for seed in range(args.seeds):
            for contender in contenders:
                started = time.perf_counter()
                values = RUNNERS[contender](fn, bounds, seed, args.timeout)
                runs.append({"problem": name, "contender": contender, "seed": seed,
                             "trials": len(values), "regret": min(values) - optimum,
                             "seconds": time.perf_counter() - started})
                print(f"  {name} seed {seed} {contender}: {len(values)} trials",
                      file=sys.stderr)
    rows = []
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for name in problems:
        per = summary.setdefault(name, {})
        for contender in contenders:
            mine = [r for r in runs if r["problem"] == name and r["contender"] == contender]
            per[contender] = {"trials": float(np.median([r["trials"] for r in mine])),
                              "regret": float(np.median([r["regret"] for r in mine]))}
        ours = per.get("hyperloom", {}).get("regret", math.nan)
        for contender in contenders:
            s = per[contender]
            ratio = "" if contender == "hyperloom" else (
                f"{s['regret'] / ours:.3g}" if ours > 0 else "inf")
            rows.append([name, contender, f"{s['trials']:.0f}", f"{s['regret']:.3g}", ratio])
    print(f"\nmedians over {args.seeds} seeds, {args.timeout:g} s per run "
          "(ratio: peer's regret / hyperloom's; above 1 = hyperloom better)")
    print_table(["problem", "default sampler of", "trials run", "regret", "ratio"], rows)
    write_json("time_budget", {"timeout": args.timeout, "seeds": args.seeds,
                               "versions": library_versions(True, "hyperopt"),
                               "summary": summary, "runs": runs})
    print(reproduce_command("time_budget", argv if argv is not None else sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
