"""SearchCV on digits: how many fits each search needs to reach the best CV score of a grid.

Task: scikit-learn's digits, split 75/25 (stratified, random_state=0); an RBF SVC tuned over
C and gamma on log scales with the same 3-fold stratified CV (shuffled, random_state=0) for
every search. The reference is GridSearchCV on an 11 x 9 grid, C = logspace(-2, 3, 11) and
gamma = logspace(-5, -1, 9): 99 candidates, 297 fits. The target is the grid's best CV score
minus a tolerance (`--tolerance`, default 0.001).

Then, per seed: hyperloom's SearchCV (default sampler, and TPE), Optuna's OptunaSearchCV (its
defaults, with the same number of trials as ours) and scikit-learn's HalvingRandomSearchCV
(its defaults, same distributions as scipy.stats.loguniform), all over C in [1e-2, 1e3] and
gamma in [1e-5, 1e-1]. Reported: fits until the first candidate scores >= target (a fit is
one fold; for the halving search only candidates of its last, full-size round count, and
every fit of earlier rounds is added), and the test accuracy of the refitted best model;
median and range over seeds. A search that never reaches the target counts as its total fits
and is marked in the "reached" column.

Usage: ./run bench searchcv [--seeds N] [--trials N] [--subsample N] [--tolerance T]
                            [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, reproduce_command, write_json  # noqa: E402

import hyperloom as hl  # noqa: E402

C_RANGE, GAMMA_RANGE, TOLERANCE, FOLDS = (1e-2, 1e3), (1e-5, 1e-1), 0.001, 3


def load(subsample: int | None) -> tuple:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import StratifiedKFold, train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    if subsample is not None and subsample < len(X_train):
        X_train, y_train = X_train[:subsample], y_train[:subsample]
    splits = list(StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(X_train, y_train))
    return X_train, X_test, y_train, y_test, splits


def grid_reference(data: tuple) -> dict[str, Any]:
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import SVC

    X_train, X_test, y_train, y_test, splits = data
    grid = {"C": np.logspace(-2, 3, 11), "gamma": np.logspace(-5, -1, 9)}
    search = GridSearchCV(SVC(), grid, cv=splits).fit(X_train, y_train)
    return {"cv": float(search.best_score_), "test": float(search.score(X_test, y_test)),
            "fits": 99 * FOLDS, "best_params": {k: float(v) for k, v in
                                                search.best_params_.items()}}


def fits_to_target(scores: Sequence[float], target: float, fits_each: int = FOLDS) -> tuple:
    """(fits until the first score >= target, reached?) over scores in the order run."""
    for i, score in enumerate(scores):
        if score >= target:
            return (i + 1) * fits_each, True
    return len(scores) * fits_each, False


def run_hyperloom(data: tuple, seed: int, trials: int, sampler: str, target: float) -> tuple:
    from sklearn.svm import SVC

    from hyperloom.integration import SearchCV

    X_train, X_test, y_train, y_test, splits = data
    chosen = hl.samplers.TPESampler(seed=seed) if sampler == "tpe" else None
    search = SearchCV(SVC(), {"C": hl.LogUniform(*C_RANGE), "gamma": hl.LogUniform(*GAMMA_RANGE)},
                      n_trials=trials, cv=splits, sampler=chosen, random_state=seed)
    search.fit(X_train, y_train)
    order = np.argsort(search.cv_results_["trial_number"])
    scores = np.asarray(search.cv_results_["mean_test_score"])[order]
    return (*fits_to_target(scores, target), search.score(X_test, y_test))


def run_optuna(data: tuple, seed: int, trials: int, target: float) -> tuple:
    import optuna
    from optuna.distributions import FloatDistribution
    from optuna_integration import OptunaSearchCV
    from sklearn.svm import SVC

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X_train, X_test, y_train, y_test, splits = data
    space = {"C": FloatDistribution(*C_RANGE, log=True),
             "gamma": FloatDistribution(*GAMMA_RANGE, log=True)}
    search = OptunaSearchCV(SVC(), space, cv=splits, n_trials=trials, random_state=seed)
    search.fit(X_train, y_train)
    trials_run = sorted(search.study_.trials, key=lambda t: t.number)
    scores = [t.user_attrs.get("mean_test_score", -np.inf) for t in trials_run]
    return (*fits_to_target(scores, target), search.score(X_test, y_test))


def run_halving(data: tuple, seed: int, target: float) -> tuple:
    from scipy.stats import loguniform
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV
    from sklearn.svm import SVC

    X_train, X_test, y_train, y_test, splits = data
    space = {"C": loguniform(*C_RANGE), "gamma": loguniform(*GAMMA_RANGE)}
    search = HalvingRandomSearchCV(SVC(), space, cv=splits, random_state=seed)
    search.fit(X_train, y_train)
    results = search.cv_results_
    last = results["iter"] == results["iter"].max()
    earlier_fits = int((~last).sum()) * FOLDS
    fits, reached = fits_to_target(results["mean_test_score"][last], target)
    return earlier_fits + fits, reached, search.score(X_test, y_test)


def summarize(name: str, runs: list[tuple]) -> dict[str, Any]:
    fits = [r[0] for r in runs]
    tests = [float(r[2]) for r in runs]
    return {"search": name, "fits": fits, "reached": [bool(r[1]) for r in runs],
            "test": tests, "median_fits": float(np.median(fits)),
            "median_test": float(np.median(tests))}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=50, help="trials of each sequential search")
    parser.add_argument("--subsample", type=int, default=None,
                        help="use only the first N training rows (default: all 1347)")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE,
                        help="target = grid best CV score minus this")
    parser.add_argument("--out-dir", default=None)
    parser.add_argument("--skip-others", action="store_true",
                        help="run only hyperloom's searches (for a quick check)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")

    data = load(args.subsample)
    grid = grid_reference(data)
    target = grid["cv"] - args.tolerance
    searches: dict[str, list[tuple]] = {"hyperloom SearchCV (default)": [],
                                        "hyperloom SearchCV (TPE)": []}
    if not args.skip_others:
        searches.update({"OptunaSearchCV (defaults)": [], "HalvingRandomSearchCV": []})
    for seed in range(args.seeds):
        searches["hyperloom SearchCV (default)"].append(
            run_hyperloom(data, seed, args.trials, "default", target))
        searches["hyperloom SearchCV (TPE)"].append(
            run_hyperloom(data, seed, args.trials, "tpe", target))
        if not args.skip_others:
            searches["OptunaSearchCV (defaults)"].append(
                run_optuna(data, seed, args.trials, target))
            searches["HalvingRandomSearchCV"].append(run_halving(data, seed, target))

    summaries = [summarize(name, runs) for name, runs in searches.items()]
    print(f"grid best CV {grid['cv']:.4f} (test {grid['test']:.4f}, {grid['fits']} fits); "
          f"target = grid best - {args.tolerance}; {args.seeds} seeds, {args.trials} trials")
    rows = [["GridSearchCV 11x9", grid["fits"], "-", "1/1", f"{grid['test']:.4f}", "-"]]
    for s in summaries:
        rows.append([s["search"], f"{s['median_fits']:.0f}",
                     f"{min(s['fits'])}-{max(s['fits'])}",
                     f"{sum(s['reached'])}/{len(s['reached'])}", f"{s['median_test']:.4f}",
                     f"{min(s['test']):.4f}-{max(s['test']):.4f}"])
    print_table(["search", "fits to grid best", "range", "reached", "test acc", "range"], rows)
    result = {"task": "digits, SVC(C, gamma log-scale), 3-fold CV", "tolerance": args.tolerance,
              "seeds": args.seeds, "trials": args.trials, "subsample": args.subsample,
              "grid": grid, "searches": summaries}
    path = write_json("searchcv", result, args.out_dir)
    print(f"wrote {path}")
    print(reproduce_command("searchcv", list(argv if argv is not None else sys.argv[1:])))
    return result


if __name__ == "__main__":
    main()
