"""The main job of `./run demo`: tune an SVM on scikit-learn's digits, stored in SQLite."""

from __future__ import annotations

import sys
import time


def run_demo(storage: str, study_name: str, n_trials: int, seed: int | None = None,
             report_path: str | None = None) -> None:
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import cross_val_score
        from sklearn.svm import SVC
    except ImportError:
        raise ImportError("the demo needs scikit-learn: pip install 'hyperloom[sklearn]'") from None
    import hyperloom as hl

    X, y = load_digits(return_X_y=True)
    X = X / 16.0

    def objective(trial: hl.Trial) -> float:
        kernel = trial.suggest_categorical("kernel", ["rbf", "poly", "sigmoid"])
        C = trial.suggest_float("C", 1e-3, 1e3, log=True)
        gamma = trial.suggest_float("gamma", 1e-4, 1e1, log=True)
        degree = trial.suggest_int("degree", 2, 5) if kernel == "poly" else 3
        model = SVC(kernel=kernel, C=C, gamma=gamma, degree=degree)
        return float(cross_val_score(model, X, y, cv=3, n_jobs=1).mean())

    sampler = hl.samplers.TPESampler(seed=seed)
    study = hl.create_study(storage=storage, study_name=study_name, direction="maximize",
                            sampler=sampler, load_if_exists=True)
    before = len(study.trials)
    print(f"study {study_name!r} in {storage}: {before} trials so far; "
          f"running {n_trials} more with {type(sampler).__name__}", file=sys.stderr)
    t0 = time.time()
    study.optimize(objective, n_trials=n_trials, show_progress_bar=True)
    best = study.best_trial
    print(f"\n{len(study.trials) - before} trials in {time.time() - t0:.1f} s "
          f"({len(study.trials)} in the study)")
    print(f"best: trial {best.number}, 3-fold CV accuracy {best.value:.4f}")
    for name, value in best.params.items():
        print(f"  {name} = {value}")
    print("re-run `./run demo` to resume this study; "
          f"`hyperloom trials --storage {storage} --study {study_name}` lists the trials")
    if report_path is not None:
        _write_report(study, report_path)


def _write_report(study, path: str) -> None:
    """The study's HTML report (plots, best trials), one file that opens offline."""
    try:
        from .viz import report
    except ImportError as exc:  # the viz extra is not installed
        print(f"no report written ({exc})", file=sys.stderr)
        return
    written = report(study, path)
    print(f"report: {written.resolve()}")

