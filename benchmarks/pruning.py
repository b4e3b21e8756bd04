"""Pruning on simulated learning curves: final regret and steps used, ours beside Optuna's.

The simulator: a trial tunes a learning rate `lr` (log scale, 1e-4 to 1) and two other
hyperparameters `x` and `y` (0 to 1). Its loss curve starts at 30 and falls towards a floor
that is a known function of the three,

    floor = 1 + 2 (log10 lr + 2.5)^2 + 6 (x - 0.3)^2 + 6 (y - 0.6)^2,

through a fast exponential phase and a slow power-law tail (time scale tau), as loss curves
do; each reported value carries Gaussian noise (sd 0.3). The value that counts is the loss at
the last step (100 by default). Two families:

- ordered: tau = 12 for every trial, so curves keep their order at every step;
- crossing: tau = 2 / lr^0.35, so a large learning rate falls fast and looks best early but
  ends on a higher floor, and the best learning rate looks bad for the first 20-40 steps.

Regret = the noise-free final loss of the trial the study picks (its best reported final
value) minus the best noise-free final loss in the space. Steps = steps run over the steps
of the same number of trials without pruning. Each pruner runs with TPE (ours with our
pruners, Optuna's with Optuna's) on the same seeds; "none" is each library's TPE without
pruning, the reference for its own pruners.

Usage: ./run bench pruning [--seeds N] [--trials N] [--steps N] [--quick] [--only NAMES]
                           [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, reproduce_command, write_json  # noqa: E402

import hyperloom as hl  # noqa: E402

START, NOISE = 30.0, 0.3
FAMILIES = ("ordered", "crossing")


def floor(lr: float, x: float, y: float) -> float:
    return 1.0 + 2.0 * (math.log10(lr) + 2.5) ** 2 + 6.0 * (x - 0.3) ** 2 + 6.0 * (y - 0.6) ** 2


def time_scale(lr: float, family: str) -> float:
    return 12.0 if family == "ordered" else 2.0 / lr ** 0.35


def shape(t: np.ndarray, tau: float) -> np.ndarray:
    """From 1 at t = 0 towards 0: half a fast exponential, half a slow power-law tail."""
    return 0.5 * np.exp(-t / tau) + 0.5 / (1.0 + t / (3.0 * tau))


def true_curve(lr: float, x: float, y: float, family: str, n_steps: int) -> np.ndarray:
    low = floor(lr, x, y)
    t = np.arange(1, n_steps + 1, dtype=float)
    return low + (START - low) * shape(t, time_scale(lr, family))


def best_final(family: str, n_steps: int) -> float:
    """The lowest noise-free final loss in the space (x and y at their optimum; lr on a fine
    grid, since in the crossing family the best lr depends on the number of steps)."""
    return min(float(true_curve(lr, 0.3, 0.6, family, n_steps)[-1])
               for lr in np.geomspace(1e-4, 1.0, 4001))


class Run:
    """One study: its objective reports a simulated curve; remembers truths and steps."""

    def __init__(self, family: str, seed: int, n_steps: int, pruned_error: type) -> None:
        self.family, self.seed, self.n_steps = family, seed, n_steps
        self.pruned_error = pruned_error
        self.finals: dict[int, float] = {}
        self.steps = 0

    def objective(self, trial: Any) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        curve = true_curve(lr, x, y, self.family, self.n_steps)
        self.finals[trial.number] = float(curve[-1])
        noise = np.random.default_rng([self.seed, trial.number]).normal(0.0, NOISE, len(curve))
        observed = curve + noise
        for step, value in enumerate(observed.tolist()):
            trial.report(value, step)
            self.steps += 1
            if trial.should_prune():
                raise self.pruned_error()
        return float(observed[-1])


def ours(make_pruner: Callable[[], Any]) -> Callable[[Run, int, int], int]:
    def run(sim: Run, seed: int, n_trials: int) -> int:
        study = hl.create_study(sampler=hl.samplers.TPESampler(seed=seed), pruner=make_pruner())
        study.optimize(sim.objective, n_trials=n_trials)
        return study.best_trial.number
    return run


def optuna_run(pruner_name: str | None) -> Callable[[Run, int, int], int]:
    def run(sim: Run, seed: int, n_trials: int) -> int:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        pruner = (optuna.pruners.NopPruner() if pruner_name is None
                  else getattr(optuna.pruners, pruner_name)())
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed), pruner=pruner)
        study.optimize(sim.objective, n_trials=n_trials)
        return study.best_trial.number
    return run


P = hl.pruners
CONTENDERS: dict[str, tuple[str, Callable[[Run, int, int], int]]] = {
    # name: (library whose "none" is the reference, runner)
    "hl-none": ("hl", ours(P.NopPruner)),
    "hl-extrapolation": ("hl", ours(P.ExtrapolationPruner)),
    "hl-extrapolation-margin": ("hl", ours(lambda: P.ExtrapolationPruner(noise_margin=0.5))),
    "hl-median": ("hl", ours(P.MedianPruner)),
    "hl-asha": ("hl", ours(P.SuccessiveHalvingPruner)),
    "hl-hyperband": ("hl", ours(P.HyperbandPruner)),
    "optuna-none": ("optuna", optuna_run(None)),
    "optuna-median": ("optuna", optuna_run("MedianPruner")),
    "optuna-asha": ("optuna", optuna_run("SuccessiveHalvingPruner")),
    "optuna-hyperband": ("optuna", optuna_run("HyperbandPruner")),
}


def measure(name: str, family: str, seeds: Sequence[int], n_trials: int,
            n_steps: int) -> dict[str, Any]:
    library, runner = CONTENDERS[name]
    if library == "optuna":
        import optuna
        pruned_error: type = optuna.TrialPruned
    else:
        pruned_error = hl.TrialPruned
    best = best_final(family, n_steps)
    regrets, fractions = [], []
    started = time.perf_counter()
    for seed in seeds:
        sim = Run(family, seed, n_steps, pruned_error)
        chosen = runner(sim, seed, n_trials)
        regrets.append(sim.finals[chosen] - best)
        fractions.append(sim.steps / (n_trials * n_steps))
    return {"contender": name, "family": family, "library": library, "regret": regrets,
            "steps": fractions, "seconds": time.perf_counter() - started}


def summarize(cell: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """Mean and spread of regret, steps used, and whether the target holds: regret within
    noise of no pruning (the mean paired difference over seeds at most two standard errors)
    with at most a third of its steps."""
    regret = np.array(cell["regret"])
    diff = regret - np.array(reference["regret"])
    se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else math.inf
    steps = float(np.mean(cell["steps"]) / np.mean(reference["steps"]))
    within = bool(diff.mean() <= 2 * se)
    return {"regret_mean": float(regret.mean()), "regret_sd": float(regret.std(ddof=1))
            if len(regret) > 1 else 0.0, "regret_median": float(np.median(regret)),
            "regret_q1": float(np.quantile(regret, 0.25)),
            "regret_q3": float(np.quantile(regret, 0.75)),
            "diff_mean": float(diff.mean()), "diff_se": se, "steps_used": steps,
            "within_noise": within, "target_met": within and steps <= 1 / 3}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=None, help="default 20 (quick: 3)")
    parser.add_argument("--trials", type=int, default=None, help="default 100 (quick: 30)")
    parser.add_argument("--steps", type=int, default=None, help="default 100 (quick: 30)")
    parser.add_argument("--quick", action="store_true",
                        help="3 seeds, 30 trials of 30 steps (a smoke run, not a measurement)")
    parser.add_argument("--only", default=None, help="comma-separated contenders")
    parser.add_argument("--out-dir", default=None)
    args = parser.parse_args(argv)
    for name, full, quick in (("seeds", 20, 3), ("trials", 100, 30), ("steps", 100, 30)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    names = list(CONTENDERS) if args.only is None else args.only.split(",")
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        parser.error(f"unknown contenders {unknown}; known: {', '.join(CONTENDERS)}")
    try:
        import optuna  # noqa: F401
    except ImportError:
        print("optuna is not installed (pip install 'hyperloom[bench]'): ours only")
        names = [n for n in names if not n.startswith("optuna")]
    for library in ("hl", "optuna"):  # each library's pruners are judged against its "none"
        if any(n.startswith(library + "-") for n in names) and f"{library}-none" not in names:
            names.insert(0, f"{library}-none")
    seeds = list(range(args.seeds))

    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for family in FAMILIES:
        cells[family] = {n: measure(n, family, seeds, args.trials, args.steps) for n in names}
        for cell in cells[family].values():
            cell.update(summarize(cell, cells[family][cell["library"] + "-none"]))

    print(f"{args.seeds} seeds, {args.trials} trials of {args.steps} steps, TPE; regret of the "
          "trial each study picks; steps relative to the same library without pruning")
    for family in FAMILIES:
        print(f"\n{family} curves")
        rows = [[n, f"{c['regret_mean']:.3f}", f"{c['regret_sd']:.3f}",
                 f"{c['diff_mean']:+.3f} +- {2 * c['diff_se']:.3f}", f"{c['steps_used']:.1%}",
                 "reference" if n.endswith("-none") else "yes" if c["target_met"] else "no",
                 f"{c['seconds']:.1f}"]
                for n, c in cells[family].items()]
        print_table(["pruner", "regret mean", "sd over seeds", "vs none (+-2 se)",
                     "steps used", "target met", "seconds"], rows)
    result = {"seeds": args.seeds, "trials": args.trials, "steps": args.steps,
              "noise_sd": NOISE, "families": cells}
    path = write_json("pruning", result, args.out_dir)
    print(f"\nwrote {path}")
    print(reproduce_command("pruning", list(argv if argv is not None else sys.argv[1:])))
    return result


if __name__ == "__main__":
    main()
