"""Ablations: what each of our sampler design choices buys, one switched off at a time, on the
problems of `samplers.py`. Each line of docs/samplers.md that quotes a with/without figure
comes from this script.

    ./run bench ablations            # about 2 minutes on 2 cores
    ./run bench ablations --only tpe-denoise-branin   # one; the others in the file are kept

Writes benchmarks/results/ablations.json and prints a table and the command that reproduces it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import problems as P  # noqa: E402

import samplers as B  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")

# name: (what it shows, problem, trials, seeds, [(variant, sampler class, its arguments)])
ABLATIONS: dict[str, tuple[str, str, int, int, list[tuple[str, str, dict[str, Any]]]]] = {
    "tpe-redraw": (
        "TPE: one proposal in ten redraws a categorical value", "mixed", 200, 60,
        [("with", "TPESampler", {}), ("without", "TPESampler", {"redraw_choice": 0.0})]),
    "gp-redraw": (
        "GP: one proposal in five redraws a categorical value", "mixed", 120, 22,
        [("with", "GPSampler", {}), ("without", "GPSampler", {"redraw_choice": 0.0})]),
    "tpe-low-dim-floor": (
        "TPE: below 4 dimensions the kernel floor narrows as in 4", "svm", 200, 20,
        [("with", "TPESampler", {}), ("without", "TPESampler", {"floor_min_dims": 1})]),
    **{f"tpe-denoise-{base}": (
        "TPE: the good set by a GP's posterior mean where the values look noisy",
        f"noisy-{base}", 200, 20,
        [("with", "TPESampler", {}), ("without", "TPESampler", {"denoise": False})])
       for base in ("branin", "hartmann6", "levy10")},
    **{f"tpe-redraw-branch-{short}": (
        "TPE: 15% of proposals retry a choice between branches (inferred from define-by-run "
        "trials)", problem, 200, 40,
        [("with", "TPESampler", {}), ("without", "TPESampler", {"redraw_branch": 0.0})])
       for short, problem in (("decoy", "decoy-branches"), ("nested", "decoy-nested"),
                              ("mixed", "mixed"))},
    **{f"auto-noise-switch-{short}": (
        "AutoSampler rule 6: a GP that keeps finding noise gives way to TPE", problem, 200, 20,
        [("with", "AutoSampler", {}), ("without", "AutoSampler", {"gp_max_noise": 1.0})])
       for short, problem in (("branin", "noisy-branin"), ("hartmann6", "noisy-hartmann6"),
                              ("svm", "svm"), ("smooth-branin", "branin"),
                              ("smooth-hartmann6", "hartmann6"), ("smooth-mixed", "mixed"))},
    **{f"auto-tpe-every-{problem}": (
        "AutoSampler: from trial 60, one GP trial in three proposed by TPE", problem, 200, 20,
        [("with", "AutoSampler", {}), ("without", "AutoSampler", {"gp_tpe_every": 0})])
       for problem in ("branin", "hartmann6", "mixed", "svm")},
    **{f"auto-interpolate-{problem}": (
        "AutoSampler: a GP fit with under 3% of the variance in noise proposes from a model "
        "that interpolates the values", problem, 200, 20,
        [("with", "AutoSampler", {}), ("without", "AutoSampler", {"gp_interpolate_below": 0.0})])
       for problem in ("svm", "noisy-branin")},
    **{f"auto-rough-{problem}": (
        "AutoSampler: on a rough objective, from trial 60, two GP trials in three proposed by "
        "TPE (instead of one)", problem, 200, 40,
        [("with", "AutoSampler", {}), ("without", "AutoSampler", {"gp_every_rough": 0})])
       for problem in ("svm", "noisy-branin", "noisy-hartmann6")},
    **{f"auto-portfolio-{problem}": (
        "AutoSampler rule 3: CMA-ES and TPE share the trials by hit rate", problem, 200, 20,
        [("portfolio", "AutoSampler", {}),
         ("cmaes", "CmaEsSampler", {"restart_strategy": "ipop"}), ("tpe", "TPESampler", {})])
       for problem in ("rosenbrock10", "levy10", "noisy-levy10", "rosenbrock10-shifted",
                       "rosenbrock10-corner", "levy10-shifted", "levy10-corner")},
    "cmaes-vs-tpe-long": (
        "CMA-ES (IPOP) against TPE in long 10-D studies", "rosenbrock10", 1500, 16,
        [("cmaes", "CmaEsSampler", {"restart_strategy": "ipop"}), ("tpe", "TPESampler", {})]),
}
MARKS = (50, 100, 120, 200, 1500)
# A run "found it" when its regret is below this: the best basin (mixed: the right model,
# optimizer and activation; svm: the small basin at 0.0236, below the valley at 0.034).
# Problems without an entry report medians only.
FOUND = {"mixed": 0.01, "svm": 0.025, "rosenbrock10": 10.0,
         "decoy-branches": 0.1, "decoy-nested": 0.1}  # decoys: the branch of the optimum


def _sampler(cls_name: str, seed: int, settings: dict[str, Any]):
    import hyperloom.samplers as S

    return getattr(S, cls_name)(seed=seed, **settings)


def _run(args: tuple) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    name, variant, cls_name, settings, problem_name, n, seed = args
    import hyperloom as hl
    import hyperloom.logging

    hyperloom.logging.set_verbosity(hyperloom.logging.WARNING)  # no line per trial

    problem = P.get_problem(problem_name)
    study = hl.create_study(sampler=_sampler(cls_name, seed, settings))
    observe = B.Observations(problem, seed)  # adds the noise of a noisy problem
    if problem.define_by_run is not None:  # run as users write it: no `space`
        study.optimize(lambda trial: observe(lambda: problem.define_by_run(trial)), n_trials=n)
    else:
        study.optimize(lambda trial: observe(lambda: problem.objective(trial.params)),
                       n_trials=n, space=problem.space)
    # The true regret of the trial with the best value seen (the best value without noise).
    best = np.asarray(observe.incumbent()) - (problem.optimum or 0.0)
    return {"ablation": name, "variant": variant, "seed": seed,
            "best": {str(m): float(best[m - 1]) for m in MARKS if m <= n}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated subset of " + ", ".join(ABLATIONS))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=RESULTS)
    args = ap.parse_args(argv)
    command = ("./run bench ablations " + " ".join(argv if argv is not None else sys.argv[1:]))
    names = args.only.split(",") if args.only else list(ABLATIONS)
    tasks = [(name, variant, cls, settings, problem, n, seed)
             for name in names
             for variant, cls, settings in ABLATIONS[name][4]
             for (_, problem, n, seeds, _) in [ABLATIONS[name]]
             for seed in range(seeds)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(_run, tasks, chunksize=1))
    lines = ["| ablation | problem | variant | trials | median regret | runs that found it |",
             "|---|---|---|---|---|---|"]
    summary: dict[str, Any] = {}
    for name in names:
        what, problem, n, seeds, variants = ABLATIONS[name]
        for variant, _, _ in variants:
            mine = [r for r in runs if r["ablation"] == name and r["variant"] == variant]
            for m in (str(m) for m in MARKS if m <= n):
                vals = np.array([r["best"][m] for r in mine])
                cell = {"median": float(np.median(vals)), "seeds": len(vals)}
                found = ""
                if problem in FOUND:
                    cell["found"] = int((vals < FOUND[problem]).sum())
                    found = f"{cell['found']} of {cell['seeds']} (< {FOUND[problem]:g})"
                summary.setdefault(name, {}).setdefault(variant, {})[m] = cell
                lines.append(f"| {name} | {problem} | {variant} | {m} | {cell['median']:.3g} | "
                             f"{found} |")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "ablations.json")
    record = _merged(path, names, command.strip(), summary, runs, time.perf_counter() - t0)
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
    print("\n".join(lines))
    print(f"\nreproduce with: {command.strip()}")
    return 0


def _merged(path: str, names: list[str], command: str, summary: dict[str, Any],
            runs: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """This run's ablations, together with those of earlier runs (`--only`) that it did not
    repeat, each with the command that made it."""
    old: dict[str, Any] = {}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    kept = [k for k in old.get("summary", {}) if k not in names and k in ABLATIONS]
    commands = old.get("commands") or {k: old.get("command", "") for k in kept}
    return {
        "ablations": {k: ABLATIONS[k][0] for k in kept + names},
        "commands": {**{k: commands.get(k, "") for k in kept}, **{k: command for k in names}},
        "summary": {**{k: old["summary"][k] for k in kept}, **summary},
        "runs": [r for r in old.get("runs", []) if r["ablation"] in kept] + runs,
        "seconds": {**{k: (old.get("seconds") if isinstance(old.get("seconds"), (int, float))
                           else old.get("seconds", {}).get(k)) for k in kept},
                    **{k: seconds for k in names}},
    }


if __name__ == "__main__":
    sys.exit(main())
