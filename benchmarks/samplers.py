"""Sampler benchmark: quality (best value found per trial budget) and overhead (milliseconds
per proposal), hyperloom's samplers side by side with Optuna's and hyperopt's, in one run.

    ./run bench samplers            # full: budgets 50/100/200, 20 seeds (many hours: the GPs)
    ./run bench samplers --quick    # reduced (~7 min): the original six problems, 2 seeds,
                                    # budgets 50/100; the GPs 1 seed to 50 trials, Optuna's GP
                                    # on branin/hartmann6/svm only
    ./run bench samplers --families noisy,define-by-run,sklearn   # the problems not tuned on

(`./run bench samplers` is `python benchmarks/samplers.py` in the project's virtualenv.)

Problem families (`problems.py`): `original`, the six the AutoSampler rule was chosen on;
`noisy`, three of them where the sampler sees each value plus Gaussian noise (10% of the gap
from the optimum to the median value), the same noise for every contender in a seed, and is
scored by the true value of the trial it reports as best; `define-by-run`, objectives that call
`trial.suggest_*` themselves (hyperloom and Optuna run them so; hyperopt gets the equivalent
nested space), with decoy branches; `sklearn`, real models tuned by cross-validation.

Writes benchmarks/results/samplers.json (every run's score after each trial: `best`; for a
noisy problem also `best_found`, the best true value evaluated) and
benchmarks/results/samplers.md (tables), and prints the tables and the command that reproduces
them. Nothing is downloaded. Peers are optional: a missing library is reported and its
contenders are skipped.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import problems as P  # noqa: E402

from hyperloom.space import (  # noqa: E402
    Choice,
    Constant,
    IntUniform,
    LogNormal,
    LogUniform,
    Normal,
    QNormal,
    QUniform,
    SearchSpace,
    Uniform,
)

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")

# -- contenders -----------------------------------------------------------------------------------
OURS = ["hl-auto", "hl-tpe", "hl-tpe-indep", "hl-gp", "hl-genetic", "hl-cmaes", "hl-random"]
OPTUNA = ["optuna-tpe", "optuna-tpe-group", "optuna-cmaes", "optuna-gp"]
HYPEROPT = ["hyperopt-tpe", "hyperopt-anneal", "hyperopt-random"]
ALL = OURS + OPTUNA + HYPEROPT
EXPENSIVE = {"hl-gp", "optuna-gp"}  # seconds per proposal: fewer seeds in --quick
QUICK_GP_PROBLEMS = {"branin", "hartmann6", "svm"}
SLOW_OBJECTIVES = {"svm", "hgb-cancer", "mlp-digits"}  # tenths of a second per evaluation
DESCRIPTION = {
    "hl-auto": "hyperloom AutoSampler (the default of create_study)",
    "hl-tpe": "hyperloom TPESampler() (multivariate, grouped: the defaults)",
    "hl-tpe-indep": "hyperloom TPESampler(multivariate=False)",
    "hl-gp": "hyperloom GPSampler()",
    "hl-genetic": "hyperloom GeneticSampler()",
    "hl-cmaes": "hyperloom CmaEsSampler()",
    "hl-random": "hyperloom RandomSampler()",
    "optuna-tpe": "Optuna 5.0 TPESampler() (its default: multivariate)",
    "optuna-tpe-group": "Optuna 5.0 TPESampler(multivariate=True, group=True)",
    "optuna-cmaes": "Optuna 5.0 CmaEsSampler()",
    "optuna-gp": "Optuna 5.0 GPSampler()",
    "hyperopt-tpe": "hyperopt 0.3 tpe.suggest",
    "hyperopt-anneal": "hyperopt 0.3 anneal.suggest",
    "hyperopt-random": "hyperopt 0.3 rand.suggest",
}


def _hl_sampler(name: str, seed: int):
    import hyperloom.samplers as S

    def get(cls: str, module: str):
        obj = getattr(S, cls, None)
        if obj is None:  # not exported yet: the private module, if it exists
            import importlib

            try:
                obj = getattr(importlib.import_module(f"hyperloom.samplers.{module}"), cls)
            except (ImportError, AttributeError):
                return None
        return obj

    table = {
        "hl-auto": ("AutoSampler", "_auto", {}),
        "hl-tpe": ("TPESampler", "_tpe", {}),
        "hl-tpe-indep": ("TPESampler", "_tpe", {"multivariate": False}),
        "hl-gp": ("GPSampler", "_gp", {}),
        "hl-genetic": ("GeneticSampler", "_genetic", {}),
        "hl-cmaes": ("CmaEsSampler", "_cmaes", {}),
        "hl-random": ("RandomSampler", "_random", {}),
    }
    cls_name, module, kwargs = table[name]
    cls = get(cls_name, module)
    return None if cls is None else cls(seed=seed, **kwargs)


def available(name: str) -> bool:
    if name.startswith("hl-"):
        try:
            return _hl_sampler(name, 0) is not None
        except Exception:  # noqa: BLE001 - a sampler that cannot even be built is unavailable
            return False
    lib = "optuna" if name.startswith("optuna") else "hyperopt"
    try:
        __import__(lib)
    except ImportError:
        return False
    if name == "optuna-gp":
        try:
            import torch  # noqa: F401 - Optuna's GPSampler needs PyTorch
        except ImportError:
            return False
    return True


# -- running one (problem, contender, seed) ------------------------------------------------------
class Observations:
    """One run's trials, in order: the value the sampler was told (the problem's noise added)
    and the true value. Runners call it around each evaluation and return it."""

    def __init__(self, problem: P.Problem, seed: int,
                 on_trial: Callable[[], None] | None = None) -> None:
        self.problem, self.seed, self.on_trial = problem, seed, on_trial
        self.seen: list[float] = []
        self.true: list[float] = []

    def __call__(self, evaluate: Callable[[], float]) -> float:
        if self.on_trial is not None:
            self.on_trial()
        true = float(evaluate())
        seen = true + self.problem.noise(self.seed, len(self.true))
        self.true.append(true)
        self.seen.append(seen)
        return seen

    def incumbent(self) -> list[float]:
        """After each trial, the true value of the trial with the best value seen so far: the
        one `study.best_trial` reports. Without noise, the best value so far."""
        out, best = [], 0
        for i, v in enumerate(self.seen):
            if v < self.seen[best]:
                best = i
            out.append(self.true[best])
        return out


def run_hyperloom(problem: P.Problem, name: str, seed: int, n: int,
                  on_trial: Callable[[], None] | None = None) -> Observations:
    import hyperloom as hl

    study = hl.create_study(direction="minimize", sampler=_hl_sampler(name, seed))
    observe = Observations(problem, seed, on_trial)
    if problem.define_by_run is not None:
        study.optimize(lambda trial: observe(lambda: problem.define_by_run(trial)), n_trials=n)
    else:
        study.optimize(lambda trial: observe(lambda: problem.objective(trial.params)),
                       n_trials=n, space=problem.space)
    return observe


def _optuna_suggest(trial, name: str, d) -> Any:
    if isinstance(d, Uniform):
        return trial.suggest_float(name, d.low, d.high)
    if isinstance(d, LogUniform):
        return trial.suggest_float(name, d.low, d.high, log=True)
    if isinstance(d, IntUniform):
        return trial.suggest_int(name, d.low, d.high, step=d.step, log=d.log)
    if isinstance(d, QUniform):
        return trial.suggest_float(name, d.low, d.low + (d._n - 1) * d.q, step=d.q)
    if isinstance(d, (Choice, Constant)):
        return trial.suggest_categorical(name, d.values())
    raise TypeError(f"no Optuna equivalent for {d!r}")


def run_optuna(problem: P.Problem, name: str, seed: int, n: int,
               on_trial: Callable[[], None] | None = None) -> Observations:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    samplers = {
        "optuna-tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "optuna-tpe-indep": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=False),
        "optuna-tpe-group": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=True,
                                                               group=True),
        "optuna-cmaes": lambda: optuna.samplers.CmaEsSampler(seed=seed),
        "optuna-gp": lambda: optuna.samplers.GPSampler(seed=seed),
    }
    study = optuna.create_study(direction="minimize", sampler=samplers[name]())
    observe = Observations(problem, seed, on_trial)

    def evaluate(trial) -> float:
        if problem.define_by_run is not None:
            return problem.define_by_run(trial)
        return problem.objective(problem.space.walk(lambda nm, d: _optuna_suggest(trial, nm, d)))

    study.optimize(lambda trial: observe(lambda: evaluate(trial)), n_trials=n)
    return observe


def _hyperopt_space(entries: dict[str, Any]) -> dict[str, Any]:
    from hyperopt import hp

    out: dict[str, Any] = {}
    for name, d in entries.items():
        if isinstance(d, Uniform):
            out[name] = hp.uniform(name, d.low, d.high)
        elif isinstance(d, LogUniform):
            out[name] = hp.loguniform(name, math.log(d.low), math.log(d.high))
        elif isinstance(d, IntUniform) and not d.log:
            out[name] = hp.quniform(name, d.low - 0.5 * d.step + 1e-9,
                                    d.high + 0.5 * d.step - 1e-9, d.step)
        elif isinstance(d, IntUniform):
            out[name] = hp.qloguniform(name, math.log(d.low - 0.5), math.log(d.high + 0.5), 1)
        elif isinstance(d, QUniform):
            out[name] = hp.quniform(name, d.low, d.low + (d._n - 1) * d.q, d.q)
        elif isinstance(d, Normal):
            out[name] = hp.normal(name, d.mu, d.sigma)
        elif isinstance(d, LogNormal):
            out[name] = hp.lognormal(name, d.mu, d.sigma)
        elif isinstance(d, QNormal):
            out[name] = hp.qnormal(name, d.mu, d.sigma, d.q)
        elif isinstance(d, Constant):
            out[name] = d.values()[0]
        elif isinstance(d, Choice):
            options = []
            for value in d.values():
                sub = d.subspace(value)
                branch = _hyperopt_space(sub.top_level) if sub is not None else {}
                options.append({"__value__": value, **branch})
            out[name] = hp.choice(name, options)
        else:
            raise TypeError(f"no hyperopt equivalent for {d!r}")
    return out


def _hyperopt_flatten(space: SearchSpace, point: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}

    def visit(p: dict[str, Any]) -> None:
        for k, v in p.items():
            if isinstance(v, dict) and "__value__" in v:
                flat[k] = v["__value__"]
                visit({kk: vv for kk, vv in v.items() if kk != "__value__"})
            else:
                flat[k] = v
    visit(point)
    for k, v in flat.items():
        d = space[k]
        if isinstance(d, IntUniform):
            flat[k] = int(min(d.high, max(d.low, round(v))))
    return flat


def run_hyperopt(problem: P.Problem, name: str, seed: int, n: int,
                 on_trial: Callable[[], None] | None = None) -> Observations:
    import logging

    from hyperopt import STATUS_OK, Trials, anneal, fmin, rand, tpe

    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    algo = {"hyperopt-tpe": tpe.suggest, "hyperopt-anneal": anneal.suggest,
            "hyperopt-random": rand.suggest}[name]
    observe = Observations(problem, seed, on_trial)

    def objective(point: dict[str, Any]) -> dict[str, Any]:
        # A define-by-run problem's objective answers its function from this point of the twin.
        params = _hyperopt_flatten(problem.space, point)
        return {"loss": observe(lambda: problem.objective(params)), "status": STATUS_OK}

    fmin(objective, _hyperopt_space(problem.space.top_level), algo=algo, max_evals=n,
         trials=Trials(), rstate=np.random.default_rng(seed), show_progressbar=False)
    return observe


def run_one(problem_name: str, contender: str, seed: int, n: int) -> dict[str, Any]:
    """`best`: after each trial, the true value of the trial the library would report as best
    (`Observations.incumbent`); for a noisy problem also `best_found`, the best true value
    among the trials so far, which no user sees (the gap is what the noise costs)."""
    problem = P.get_problem(problem_name)
    runner = (run_hyperloom if contender.startswith("hl-") else
              run_optuna if contender.startswith("optuna") else run_hyperopt)
    t0 = time.perf_counter()
    observed = runner(problem, contender, seed, n)
    out = {"problem": problem_name, "contender": contender, "seed": seed,
           "best": observed.incumbent(), "seconds": time.perf_counter() - t0}
    if problem.noise_sd:
        out["best_found"] = np.minimum.accumulate(observed.true).tolist()
    return out


def _run_one_star(args: tuple) -> dict[str, Any]:
    import hyperloom.logging

    warnings.simplefilter("ignore")
    # No line per trial (Optuna's runner silences its own); the overhead runs keep them.
    hyperloom.logging.set_verbosity(hyperloom.logging.WARNING)
    try:
        return run_one(*args)
    except Exception as exc:  # noqa: BLE001 - one broken run must not sink the benchmark
        problem, contender, seed, _ = args
        return {"problem": problem, "contender": contender, "seed": seed, "error": repr(exc)}


# -- overhead --------------------------------------------------------------------------------------
OVERHEAD_SPACE = SearchSpace({f"x{i}": Uniform(-5.0, 10.0) for i in range(10)})
OVERHEAD_PROBLEM = P.Problem("sphere10", OVERHEAD_SPACE,
                             lambda p: float(sum((v - 1.0) ** 2 for v in p.values())), 0.0,
                             "trivial 10-D sphere")


WARM_UP_TRIALS = 60  # past TPE's first noise fit (trial 30) and every sampler's startup


def measure_overhead(contender: str, n: int, marks: list[int], window: int = 100) -> dict:
    """Run `n` trials of a trivial 10-D objective; the time between consecutive objective
    calls (proposal + bookkeeping, the objective itself costs microseconds) averaged over the
    `window` trials ending at each mark; also the total wall time."""
    stamps: list[float] = []
    runner = (run_hyperloom if contender.startswith("hl-") else
              run_optuna if contender.startswith("optuna") else run_hyperopt)
    t0 = time.perf_counter()
    runner(OVERHEAD_PROBLEM, contender, 0, n, on_trial=lambda: stamps.append(time.perf_counter()))
    total = time.perf_counter() - t0
    gaps = np.diff(np.array([t0] + stamps))
    out: dict[str, Any] = {"n": n, "total_s": total, "first_ms": 1000 * float(gaps[0])}
    for m in marks:
        if m <= n:
            out[str(m)] = 1000 * float(gaps[max(0, m - window):m].mean())
    if n >= 3000:
        out["ms_2001_3000"] = 1000 * float(gaps[2000:3000].mean())
        out["s_first_3000"] = float(stamps[2999] - t0)
    return out


# -- tables ------------------------------------------------------------------------------------------
def _fmt(v: float) -> str:
    if v is None or not np.isfinite(v):
        return "n/a"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:.3g}"
    return f"{v:.2g}"


def summarize(runs: list[dict], budgets: list[int]) -> dict:
    """quality[problem][contender][budget] = median / q1 / q3 of regret. Where the optimum
    is unknown, regret against the best value any run of this benchmark found: raw losses
    (all within a few percent of each other) would make every ratio look like a tie."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    found: dict[str, float] = {}
    for r in runs:
        if "error" not in r:
            found[r["problem"]] = min(found.get(r["problem"], math.inf), min(r["best"]))
    for r in runs:
        if "error" in r:
            continue
        problem = P.get_problem(r["problem"])
        opt = problem.optimum if problem.optimum is not None else found[r["problem"]]
        per = out.setdefault(r["problem"], {}).setdefault(r["contender"], {})
        for b in budgets:
            if b <= len(r["best"]):
                per.setdefault(str(b), []).append(r["best"][b - 1] - opt)
    stats: dict = {}
    for prob, per_c in out.items():
        for c, per_b in per_c.items():
            for b, vals in per_b.items():
                q1, med, q3 = np.percentile(vals, [25, 50, 75])
                stats.setdefault(prob, {}).setdefault(c, {})[b] = {
                    "median": float(med), "q1": float(q1), "q3": float(q3), "n_seeds": len(vals),
                    "regrets": sorted(float(v) for v in vals)}
    return stats


def ranks(stats: dict, contenders: list[str], budget: str) -> dict[str, float]:
    """Mean rank (1 = best median) of each contender over the problems it ran."""
    acc: dict[str, list[float]] = {c: [] for c in contenders}
    for per_c in stats.values():
        present = [(per_c[c][budget]["median"], c) for c in contenders
                   if c in per_c and budget in per_c[c]]
        meds = np.array([m for m, _ in present])
        for m, c in present:
            # ties share the mean of the ranks they span
            acc[c].append(float((meds < m).sum() + 1 + ((meds == m).sum() - 1) / 2))
    return {c: float(np.mean(v)) for c, v in acc.items() if v}


PEERS = [c for c in OPTUNA + HYPEROPT if c != "hyperopt-random"]
# (ours, the one it is held against): the targets, checked in every run.
PAIRS = [("hl-tpe", "optuna-tpe"), ("hl-tpe", "optuna-tpe-group"), ("hl-gp", "optuna-gp"),
         ("hl-auto", "hl-tpe")]


def _ratio(a: float, b: float) -> float:
    """a / b, where b = 0 gives 1 if a is 0 too, else inf."""
    if b == 0:
        return 1.0 if a == 0 else math.inf
    return a / b


def _p_value(cell_a: dict, cell_b: dict) -> float | None:
    """Two-sided Mann-Whitney U p-value of two contenders' regrets over their seeds: how
    likely a difference at least this large is when both come from one distribution. None
    where a summary holds no per-seed regrets (written before they were kept)."""
    from scipy.stats import mannwhitneyu

    a, b = cell_a.get("regrets"), cell_b.get("regrets")
    if not a or not b:
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0  # every run at the same value: nothing to tell apart
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


NOISE_P = 0.05  # a worse median with a larger p-value is reported as within the seed noise


def _target_cells(stats: dict, budgets: list[int]):
    """(problem, budget, hl-auto / best peer, the best peer, {pair: ratio}, {pair: p-value})
    per cell run; p-values only where ours is worse (ratio above 1)."""
    for p in [q.name for q in P.all_problems() if q.name in stats]:
        per = stats[p]
        for b in map(str, budgets):
            if not any(b in by_budget for by_budget in per.values()):
                continue  # this problem did not run to this budget
            peers = {c: per[c][b]["median"] for c in PEERS if b in per.get(c, {})}
            best = min(peers, key=peers.get) if peers else None
            auto = (_ratio(per["hl-auto"][b]["median"], peers[best])
                    if best and b in per.get("hl-auto", {}) else None)
            pairs = {(a, o): _ratio(per[a][b]["median"], per[o][b]["median"])
                     for a, o in PAIRS if b in per.get(a, {}) and b in per.get(o, {})}
            worse = {(a, o): _p_value(per[a][b], per[o][b]) for (a, o), r in pairs.items()
                     if r > 1}
            if auto is not None and auto > 1:
                worse[("hl-auto", best)] = _p_value(per["hl-auto"][b], per[best][b])
            yield p, b, auto, best, pairs, worse


def targets(stats: dict, budgets: list[int]) -> list[str]:
    """The ratio tables behind the quality targets: hl-auto against the best peer (any Optuna or
    hyperopt sampler but random search), each of our samplers against its Optuna twin, and
    the default against our TPE. Ratio = our median / theirs: below 1 we are better. Where
    the peer's median is 0 the ratio is inf unless ours is 0 too. Where ours is worse, the
    Mann-Whitney p-value of the two sets of runs follows the ratio, so that a miss by a
    coin flip of the seeds reads differently from a miss the runs agree on. Then the cells
    counted."""
    lines = ["## Targets: ratios of medians (ours / theirs; below 1 = ours better)", "",
             "Where ours is worse, `p` is the two-sided Mann-Whitney p-value of the two "
             f"contenders' runs: above {NOISE_P}, the difference is within the seed noise.", "",
             "| problem | budget | hl-auto / best peer (which) | "
             + " | ".join(f"{a} / {b}" for a, b in PAIRS) + " |",
             "|---" * (3 + len(PAIRS)) + "|"]
    cells = list(_target_cells(stats, budgets))

    def shown(ratio: float, p_value: float | None, note: str = "") -> str:
        parts = [s for s in (note, None if p_value is None else f"p {p_value:.2f}") if s]
        # Three digits near 1, where a miss by 2% would otherwise print as a tie.
        digits = 3 if 0.1 <= ratio < 10 else 2
        return f"{ratio:.{digits}g}" + (f" ({'; '.join(parts)})" if parts else "")

    for p, b, auto, best, pairs, worse in cells:
        row = ["" if auto is None else shown(auto, worse.get(("hl-auto", best)), best)]
        row += [shown(pairs[pair], worse.get(pair)) if pair in pairs else "" for pair in PAIRS]
        lines.append(f"| {p} | {b} | " + " | ".join(row) + " |")
    autos = [c[2] for c in cells if c[2] is not None]
    tpe_pair = ("hl-tpe", "optuna-tpe")
    tpe = [c[4][tpe_pair] for c in cells if tpe_pair in c[4]]
    tpe_p = [c[5][tpe_pair] for c in cells if c[5].get(tpe_pair) is not None]
    own = [c[4][("hl-auto", "hl-tpe")] for c in cells if ("hl-auto", "hl-tpe") in c[4]]
    misses = sum(r > 1 for r in tpe)
    lines += ["", f"Counted over {len(cells)} (problem, budget) cells: hl-auto within 1.5x of "
              f"the best peer in {sum(r <= 1.5 for r in autos)} of {len(autos)} (target: 90%), "
              f"better than every peer in {sum(r < 1 for r in autos)} of {len(autos)} (target: "
              f"half); hl-tpe no worse than optuna-tpe in {sum(r <= 1 for r in tpe)} of "
              f"{len(tpe)} (target: 90%"
              + (f"; of the {misses} worse, {sum(p > NOISE_P for p in tpe_p)} within the "
                 f"seed noise, p > {NOISE_P}" if tpe_p else "")
              + f"); hl-auto more than 1.5x worse than hl-tpe in "
              f"{sum(r > 1.5 for r in own)} of {len(own)} (target: none)."]
    return lines + [""]


def _seeds_line(stats: dict, contenders: list[str]) -> str:
    """Which contenders ran how many seeds (their runs at the smallest budget), grouped:
    merged runs can give some contenders more seeds than others."""
    counts: dict[str, set[int]] = {}
    for per_c in stats.values():
        for c, by_budget in per_c.items():
            first = min(by_budget, key=int)
            counts.setdefault(c, set()).add(by_budget[first]["n_seeds"])
    groups: dict[str, list[str]] = {}
    for c in [c for c in contenders if c in counts] + sorted(set(counts) - set(contenders)):
        low, high = min(counts[c]), max(counts[c])
        groups.setdefault(str(low) if low == high else f"{low}-{high}", []).append(c)
    return "Seeds per contender: " + "; ".join(
        f"{n} for {', '.join(cs)}" for n, cs in sorted(groups.items(), key=lambda g: -len(g[1]))
    ) + "."


def markdown(stats: dict, contenders: list[str], budgets: list[int], overhead: dict,
             command: str, config: dict, overhead_command: str | None = None) -> str:
    commands = [f"Command: `{command}`"] if overhead_command in (None, command) else [
        f"Quality: `{command}`", "", f"Overhead: `{overhead_command}`"]
    lines = ["# Sampler benchmark", "", *commands, "",
             f"Machine: {config['machine']}; {config['seeds']} seeds "
             f"({config['seeds_expensive']} for {', '.join(sorted(EXPENSIVE))}, up to "
             f"{config['budget_expensive']} trials); budgets "
             f"{', '.join(map(str, budgets))} trials.", "", _seeds_line(stats, contenders), "",
             "Cells: median [interquartile range] over seeds of the regret (best value found "
             "minus the optimum; where the optimum is unknown, on the scikit-learn models, minus "
             "the best value any run of this benchmark found). On the `noisy-` problems the sampler sees noisy values "
             "and the cell is the true regret of the trial with the best noisy value, the one "
             "the library reports as best. Lower is better; **bold** is the best median in the "
             "row.", ""]
    problems = [p for p in [q.name for q in P.all_problems()] if p in stats]
    for b in map(str, budgets):
        lines += [f"## {b} trials", ""]
        cols = [c for c in contenders if any(b in stats[p].get(c, {}) for p in problems)]
        lines.append("| problem | " + " | ".join(cols) + " |")
        lines.append("|---" * (len(cols) + 1) + "|")
        for p in problems:
            meds = {c: stats[p][c][b]["median"] for c in cols if b in stats[p].get(c, {})}
            if not meds:
                continue  # this problem did not run to this budget
            best = min(meds.values())
            cells = []
            for c in cols:
                s = stats[p].get(c, {}).get(b)
                if s is None:
                    cells.append("")
                    continue
                cell = f"{_fmt(s['median'])} [{_fmt(s['q1'])}, {_fmt(s['q3'])}]"
                cells.append(f"**{cell}**" if s["median"] == best else cell)
            lines.append(f"| {p} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += targets(stats, budgets)
    lines += ["## Mean rank over problems (1 = best median)", "",
              "| contender | " + " | ".join(f"{b} trials" for b in budgets) + " |",
              "|---" * (len(budgets) + 1) + "|"]
    rank_tables = {str(b): ranks(stats, contenders, str(b)) for b in budgets}
    order = sorted(contenders, key=lambda c: rank_tables[str(budgets[-1])].get(c, 99))
    for c in order:
        if any(c in rank_tables[str(b)] for b in budgets):
            lines.append(f"| {c} | " + " | ".join(
                f"{rank_tables[str(b)][c]:.2f}" if c in rank_tables[str(b)] else ""
                for b in budgets) + " |")
    lines.append("")
    if overhead:
        marks = sorted({int(k) for o in overhead.values() for k in o if k.isdigit()})
        default_ref = overhead.get("hl-auto") or overhead.get("hl-tpe")
        lines += ["## Overhead: milliseconds per trial on a trivial 10-D objective", "",
                  "Mean time between consecutive objective calls (proposal and bookkeeping) "
                  "over the 100 trials up to the mark, and over trials 2,001-3,000; ratio = "
                  "peer / hyperloom default (for Optuna's GP: / hyperloom's GP). Each contender "
                  f"first runs {WARM_UP_TRIALS} trials unmeasured in the same process, so that "
                  "imports and first calls are not counted. `first trial`: the gap before the "
                  "first objective call alone (study creation, first proposal), included in the "
                  "trial 100 column. Last columns: seconds for the first 3,000 trials, and for "
                  "the whole run.", "",
                  "| contender | first trial | " + " | ".join(f"trial {m:,}" for m in marks)
                  + " | trials 2,001-3,000 | first 3,000 (s) | total (s) |",
                  "|---" * (len(marks) + 5) + "|"]
        for c, o in overhead.items():
            # The GPs are compared with each other, everything else with our default.
            ref = overhead.get("hl-gp") if c.endswith("-gp") else default_ref
            cells = []
            for m in marks:
                v = o.get(str(m))
                if v is None:
                    cells.append("")
                elif ref is not None and o is not ref and ref.get(str(m)):
                    cells.append(f"{v:.2f} ({v / ref[str(m)]:.1f}x)")
                else:
                    cells.append(f"{v:.2f}")
            mid = o.get("ms_2001_3000")
            if mid is not None and ref is not None and o is not ref and ref.get("ms_2001_3000"):
                mid_cell = f"{mid:.2f} ({mid / ref['ms_2001_3000']:.1f}x)"
            else:
                mid_cell = "" if mid is None else f"{mid:.2f}"
            first = o.get("s_first_3000")
            first_ms = o.get("first_ms")
            lines.append(f"| {c} | " + ("" if first_ms is None else f"{first_ms:.0f}") + " | "
                         + " | ".join(cells) + f" | {mid_cell} | "
                         + ("" if first is None else f"{first:.1f}")
                         + f" | {o['total_s']:.1f} (n={o['n']:,}) |")
        lines.append("")
    lines += ["## Contenders", ""] + [f"- `{c}`: {DESCRIPTION[c]}" for c in contenders] + [""]
    lines += ["## Problems", ""] + [f"- `{p.name}` ({p.family}): {p.description}"
                                    for p in P.all_problems() if p.name in stats] + [""]
    return "\n".join(lines)


def combine(folders: list[str], out: str) -> int:
    """Summarize the runs of several earlier runs (each folder's samplers.json) as one. A
    later folder's run of a (problem, contender, seed) replaces an earlier one's: rerunning
    only the contenders that changed (`--contenders hl-auto`, the same seeds) and combining
    into the old folder gives what rerunning everything would, since each run depends on its
    seed alone; runs of new seeds (`--first-seed`) are added."""
    runs: list[dict] = []
    contenders: list[str] = []
    budgets: set[int] = set()
    commands, config = [], None
    overhead: dict = {}
    overhead_command = None
    for folder in folders:
        with open(os.path.join(folder, "samplers.json")) as f:
            old = json.load(f)
        if folder == out:  # merged into a folder of its own: its overhead table stays
            overhead, overhead_command = old.get("overhead", {}), old.get("overhead_command")
        rerun = {(r["problem"], r["contender"], r["seed"]) for r in old["runs"]}
        runs = [r for r in runs
                if (r["problem"], r["contender"], r["seed"]) not in rerun] + old["runs"]
        commands.append(old["command"])
        contenders += [c for c in old["config"]["contenders"] if c not in contenders]
        budgets.update(old["config"]["budgets"])
        config = config or dict(old["config"])
    assert config is not None
    config["problems"] = sorted({r["problem"] for r in runs})
    for key, expensive in (("seeds", False), ("seeds_expensive", True)):
        counts = Counter((r["problem"], r["contender"]) for r in runs
                         if (r["contender"] in EXPENSIVE) == expensive)
        if counts:  # "20-40" where problems ran different numbers of seeds
            low, high = min(counts.values()), max(counts.values())
            config[key] = high if low == high else f"{low}-{high}"
    budget_list = sorted(budgets)
    stats = summarize(runs, budget_list)
    if out in folders:  # merged into a folder of its own: how to make it again
        commands.append(f"./run bench samplers --combine {','.join(folders)} --out {out}")
    command = "; then ".join(commands)
    md = markdown(stats, contenders, budget_list, overhead, command, config,
                  overhead_command if overhead else None)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "samplers.json"), "w") as f:
        json.dump({"command": command, "overhead_command": overhead_command, "config": config,
                   "quality": stats,
                   "ranks": {str(b): ranks(stats, contenders, str(b)) for b in budget_list},
                   "overhead": overhead, "runs": runs if out in folders else [],
                   "runs_in": [f for f in folders if f != out]}, f, indent=1)
    with open(os.path.join(out, "samplers.md"), "w") as f:
        f.write(md)
    print(md)
    return 0


# -- main ------------------------------------------------------------------------------------------
def select_problems(problems: str | None, families: str | None, quick: bool) -> list[str]:
    """The problems of --problems and --families (both filter); --quick alone: the original
    family, whose runs fit its time. A ValueError names an unknown problem or family."""
    known = {p.name: p.family for p in P.all_problems()}
    chosen = families.split(",") if families else (
        ["original"] if quick and not problems else P.FAMILIES)
    for f in chosen:
        if f not in P.FAMILIES:
            raise ValueError(f"unknown family {f!r}; known: {', '.join(P.FAMILIES)}")
    wanted = problems.split(",") if problems else list(known)
    for name in wanted:
        if name not in known:
            raise ValueError(f"unknown problem {name!r}; known: {', '.join(known)}")
    return [n for n in wanted if known[n] in chosen]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="reduced form (under 10 minutes)")
    ap.add_argument("--seeds", type=int, help="seeds per (problem, contender)")
    ap.add_argument("--first-seed", type=int, default=0,
                    help="the seeds run are first-seed, first-seed + 1, ...: more seeds for an "
                         "earlier run, to be merged into it with --combine")
    ap.add_argument("--seeds-expensive", type=int,
                    help=f"seeds for the slow contenders ({', '.join(sorted(EXPENSIVE))})")
    ap.add_argument("--budgets", help="comma-separated trial budgets, e.g. 50,100,200")
    ap.add_argument("--problems", help="comma-separated subset of problems")
    ap.add_argument("--families", help="comma-separated subset of problem families ("
                    + ", ".join(P.FAMILIES) + "); default: all, `original` alone with --quick")
    ap.add_argument("--contenders", help="comma-separated subset of contenders")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel runs")
    ap.add_argument("--budget-expensive", type=int,
                    help="largest budget for the slow contenders (default: the largest budget; "
                         "the smallest with --quick)")
    ap.add_argument("--no-quality", action="store_true",
                    help="overhead only; quality results already in --out are kept")
    ap.add_argument("--no-overhead", action="store_true", help="quality only")
    ap.add_argument("--overhead-peer-trials", type=int,
                    help="trials for the peers' overhead runs (default 10000; 1000 with --quick)")
    ap.add_argument("--out", default=RESULTS, help="directory for samplers.json / .md")
    ap.add_argument("--combine", metavar="DIR,DIR",
                    help="run nothing: summarize together the runs in each DIR/samplers.json "
                         "(several runs with different budgets or contenders) into --out")
    args = ap.parse_args(argv)
    command = ("./run bench samplers " + " ".join(argv if argv is not None else sys.argv[1:])).strip()
    if args.combine:
        return combine(args.combine.split(","), args.out)

    budgets = [int(b) for b in args.budgets.split(",")] if args.budgets else (
        [50, 100] if args.quick else [50, 100, 200])
    seeds = args.seeds or (2 if args.quick else 20)
    seeds_expensive = args.seeds_expensive or (1 if args.quick else seeds)
    # --quick: the GP contenders (seconds per proposal, Optuna's more than a minute per
    # 100 trials in 10-D) stop at the smallest budget.
    budget_expensive = args.budget_expensive or (min(budgets) if args.quick else max(budgets))
    try:
        problems = select_problems(args.problems, args.families, args.quick)
    except ValueError as exc:
        ap.error(str(exc))
    wanted = args.contenders.split(",") if args.contenders else ALL
    contenders = []
    for c in wanted:
        if c not in DESCRIPTION:
            ap.error(f"unknown contender {c!r}; known: {', '.join(ALL)}")
        if available(c):
            contenders.append(c)
        else:
            print(f"skipping {c}: not available in this environment", file=sys.stderr)

    config = {"quick": args.quick, "budgets": budgets, "seeds": seeds,
              "seeds_expensive": seeds_expensive, "budget_expensive": budget_expensive,
              "problems": problems,
              "contenders": contenders,
              "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, "
                         f"Python {platform.python_version()}"}
    runs: list[dict] = []
    stats: dict = {}
    if not args.no_quality:
        tasks = [(p, c, s, budget_expensive if c in EXPENSIVE else max(budgets))
                 for p in problems for c in contenders
                 for s in range(args.first_seed, args.first_seed
                                + (seeds_expensive if c in EXPENSIVE else seeds))
                 # --quick: Optuna's GP (1-2 minutes per 50 trials here) on the problems
                 # where our AutoSampler runs a GP only.
                 if not (args.quick and c == "optuna-gp" and p not in QUICK_GP_PROBLEMS)]
        # Longest first, so that the pool is not left waiting on one slow run at the end.
        tasks.sort(key=lambda t: (t[1] not in EXPENSIVE, t[0] not in SLOW_OBJECTIVES))
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for i, r in enumerate(pool.map(_run_one_star, tasks, chunksize=1)):
                runs.append(r)
                if "error" in r:
                    print(f"  error: {r['problem']} {r['contender']} seed {r['seed']}: "
                          f"{r['error']}", file=sys.stderr)
                if (i + 1) % 25 == 0 or i + 1 == len(tasks):
                    print(f"  quality: {i + 1}/{len(tasks)} runs, "
                          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        stats = summarize(runs, budgets)

    overhead: dict[str, dict] = {}
    if not args.no_overhead:
        marks = [100, 300, 1000, 3000, 10000]
        # On this 10-D space AutoSampler runs CMA-ES: --quick measures it alone for hyperloom.
        # The GPs run 300 trials (their proposals cost tens of milliseconds and more).
        peer_n = args.overhead_peer_trials or (1000 if args.quick else 10000)
        plan = {"hl-auto": 10000, "hl-tpe": 0 if args.quick else 10000,
                "optuna-tpe": peer_n, "hyperopt-tpe": peer_n,
                "hl-gp": 0 if args.quick else 300, "optuna-gp": 0 if args.quick else 300}
        plan = {c: n for c, n in plan.items() if n}
        for c, n in plan.items():
            if c in contenders or (c.startswith("hl-") and available(c)):
                print(f"  overhead: {c}, {n} trials", file=sys.stderr)
                # An unmeasured run first: what a process pays once (imports, first calls of
                # scipy's optimizers, caches) is not a cost per trial.
                measure_overhead(c, min(n, WARM_UP_TRIALS), [])
                overhead[c] = measure_overhead(c, n, marks)

    overhead_command = command
    previous = os.path.join(args.out, "samplers.json")
    if args.no_quality and os.path.exists(previous):  # keep the quality results of the last run
        with open(previous) as f:
            old = json.load(f)
        if old.get("quality"):
            stats, runs, config = old["quality"], old["runs"], old["config"]
            budgets, contenders = config["budgets"], config["contenders"]
            command = old.get("command", command)
    md = markdown(stats, contenders, budgets, overhead, command, config, overhead_command) \
        if (stats or overhead) else ""
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "samplers.json"), "w") as f:
        json.dump({"command": command, "overhead_command": overhead_command, "config": config,
                   "quality": stats,
                   "ranks": {str(b): ranks(stats, contenders, str(b)) for b in budgets},
                   "overhead": overhead, "runs": runs}, f, indent=1)
    with open(os.path.join(args.out, "samplers.md"), "w") as f:
        f.write(md)
    print(md)
    print(f"reproduce with: {command}"
          + ("" if overhead_command == command else f"; then: {overhead_command}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
