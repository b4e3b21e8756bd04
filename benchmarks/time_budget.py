"""The default samplers under a wall-clock budget: `optimize(timeout=T)` with an objective that
takes microseconds, where the proposal's own cost decides how many trials run. hyperloom's
default (`create_study()`), Optuna 5.0's default (`optuna.create_study()`, TPE) and hyperopt's
TPE, each for T seconds on the same problems, one seed after another (never in parallel: the
runs compete for nothing but the clock), after one short unmeasured run of each (imports).

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

import problems as P  # noqa: E402
from _common import library_versions, print_table, reproduce_command, write_json  # noqa: E402

import hyperloom as hl  # noqa: E402
import samplers as S  # noqa: E402 - its translations of a space for Optuna and hyperopt
from hyperloom.space import SearchSpace, Uniform  # noqa: E402


def _quadratic3(p: dict[str, Any]) -> float:
    return (p["x"] - 0.3) ** 2 + (p["y"] + 0.1) ** 2 + (p["z"] - 0.7) ** 2


PROBLEMS: dict[str, P.Problem] = {
    "quadratic3": P.Problem("quadratic3", SearchSpace({n: Uniform(-1.0, 1.0) for n in "xyz"}),
                            _quadratic3, 0.0, "3-D quadratic"),
    "branin": P.get_problem("branin"),
    "hartmann6": P.get_problem("hartmann6"),
}
CONTENDERS = ["hyperloom", "hyperloom-gp", "optuna", "hyperopt"]


def _by_run(problem: P.Problem, suggest):
    """The problem as a define-by-run objective, each parameter asked with `suggest`."""
    return lambda trial: problem.objective(problem.space.walk(
        lambda name, d: suggest(trial, name, d)))


def _ours(trial, name: str, d) -> Any:
    return trial.suggest(name, d)


def run_hyperloom(problem: P.Problem, seed: int, timeout: float,
                  sampler: Any = None) -> list[float]:
    study = hl.create_study(sampler=sampler) if sampler is not None else hl.create_study(seed=seed)
    study.optimize(_by_run(problem, _ours), timeout=timeout)
    return [t.value for t in study.trials if t.value is not None]


def run_hyperloom_gp(problem: P.Problem, seed: int, timeout: float) -> list[float]:
    """The GP throughout, as the default ran before it weighed the GP's cost against time."""
    return run_hyperloom(problem, seed, timeout, hl.samplers.GPSampler(seed=seed))


def run_optuna(problem: P.Problem, seed: int, timeout: float) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(_by_run(problem, S._optuna_suggest), timeout=timeout)
    return [t.value for t in study.trials if t.value is not None]


def run_hyperopt(problem: P.Problem, seed: int, timeout: float) -> list[float]:
    from hyperopt import Trials, fmin, tpe

    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    trials = Trials()
    fmin(lambda point: problem.objective(S._hyperopt_flatten(problem.space, point)),
         S._hyperopt_space(problem.space.top_level), algo=tpe.suggest, max_evals=10**9,
         timeout=timeout, trials=trials, rstate=np.random.default_rng(seed),
         show_progressbar=False)
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
    for contender in contenders:  # imports and first-use setup, outside every measured run
        RUNNERS[contender](PROBLEMS["quadratic3"], 0, 0.2)
    runs: list[dict[str, Any]] = []
    for name in problems:
        problem = PROBLEMS[name]
        for seed in range(args.seeds):
            for contender in contenders:
                started = time.perf_counter()
                values = RUNNERS[contender](problem, seed, args.timeout)
                runs.append({"problem": name, "contender": contender, "seed": seed,
                             "trials": len(values), "regret": min(values) - problem.optimum,
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
