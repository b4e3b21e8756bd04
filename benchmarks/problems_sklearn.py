"""Real scikit-learn models tuned by cross-validation on data sets that ship with scikit-learn
(the `sklearn` family of `problems.py`; nothing is downloaded).

Deterministic: fixed folds, `random_state=0` for every model, one thread per evaluation (so
that parallel benchmark runs do not oversubscribe the cores, and a run's time does not depend
on its neighbours). The score is the cross-validated log loss: continuous, where accuracy on a
few hundred samples ties too often to rank samplers. About 0.1 s per evaluation on one core.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from hyperloom.space import Choice, IntUniform, LogUniform, SearchSpace, Uniform

_DATA: dict[str, tuple[Any, Any, list]] = {}


def _data(name: str) -> tuple[Any, Any, list]:
    """(x, y, 3 stratified folds) of a bundled data set, loaded once per process."""
    if name not in _DATA:
        from sklearn import datasets
        from sklearn.model_selection import StratifiedKFold

        if name == "breast_cancer":
            x, y = datasets.load_breast_cancer(return_X_y=True)
        else:  # digits: 500 of the 1,797 images, pixels scaled to [0, 1]
            x, y = datasets.load_digits(return_X_y=True)
            keep = np.random.default_rng(0).permutation(len(y))[:500]
            x, y = x[keep] / 16.0, y[keep]
        folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(x, y))
        _DATA[name] = (x, y, folds)
    return _DATA[name]


def cv_log_loss(data: str, make_model) -> float:
    """Log loss of `make_model()` on each held-out fold, averaged over all samples."""
    from sklearn.metrics import log_loss
    from threadpoolctl import threadpool_limits

    x, y, folds = _data(data)
    labels = np.unique(y)
    total = 0.0
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an MLP stopped after a few epochs has not converged
        for train, test in folds:
            proba = make_model().fit(x[train], y[train]).predict_proba(x[test])
            if not np.isfinite(proba).all():  # a diverged network: it knows nothing
                proba = np.full_like(proba, 1.0 / len(labels))
            total += log_loss(y[test], proba, labels=labels) * len(test)
    return total / len(y)


def hgb_cancer(p: dict[str, Any]) -> float:
    """Histogram gradient boosting (30 iterations, no early stopping) on breast_cancer (569
    samples, 30 features, 2 classes)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return cv_log_loss("breast_cancer", lambda: HistGradientBoostingClassifier(
        max_iter=30, early_stopping=False, learning_rate=p["learning_rate"],
        max_leaf_nodes=p["max_leaf_nodes"], min_samples_leaf=p["min_samples_leaf"],
        l2_regularization=p["l2_regularization"], max_features=p["max_features"],
        random_state=0))


def hgb_cancer_space() -> SearchSpace:
    return SearchSpace({
        "learning_rate": LogUniform(0.01, 1.0),
        "max_leaf_nodes": IntUniform(2, 64, log=True),
        "min_samples_leaf": IntUniform(1, 128, log=True),
        "l2_regularization": LogUniform(1e-4, 100.0),
        "max_features": Uniform(0.1, 1.0),
    })


def mlp_digits(p: dict[str, Any]) -> float:
    """A one-hidden-layer network trained with Adam for 15 epochs (batches of 50) on 500
    digits (64 pixels, 10 classes)."""
    from sklearn.neural_network import MLPClassifier

    return cv_log_loss("digits", lambda: MLPClassifier(
        (p["width"],), activation=p["activation"], alpha=p["alpha"],
        learning_rate_init=p["learning_rate_init"], batch_size=50, max_iter=15,
        random_state=0))


def mlp_digits_space() -> SearchSpace:
    return SearchSpace({
        "width": IntUniform(8, 128, log=True),
        "activation": Choice(["relu", "tanh"]),
        "alpha": LogUniform(1e-6, 1.0),
        "learning_rate_init": LogUniform(1e-4, 0.3),
    })


# -- the holdout family (problems.py): models chosen after the samplers were frozen ---------------
def forest_cancer(p: dict[str, Any]) -> float:
    """A random forest (5-25 trees) on breast_cancer (569 samples, 30 features, 2 classes)."""
    from sklearn.ensemble import RandomForestClassifier

    return cv_log_loss("breast_cancer", lambda: RandomForestClassifier(
        n_estimators=p["n_estimators"], max_depth=p["max_depth"],
        min_samples_leaf=p["min_samples_leaf"], max_features=p["max_features"], random_state=0))


def forest_cancer_space() -> SearchSpace:
    return SearchSpace({
        "n_estimators": IntUniform(5, 25, log=True),
        "max_depth": IntUniform(1, 20),
        "min_samples_leaf": IntUniform(1, 50, log=True),
        "max_features": Uniform(0.05, 1.0),
    })


def logreg_digits(p: dict[str, Any]) -> float:
    """L2-regularised logistic regression on 500 digits, stopped after `max_iter` L-BFGS steps
    or at tolerance `tol` (an early stop regularises too, so the three interact)."""
    from sklearn.linear_model import LogisticRegression

    return cv_log_loss("digits", lambda: LogisticRegression(
        C=p["C"], max_iter=p["max_iter"], tol=p["tol"]))


def logreg_digits_space() -> SearchSpace:
    return SearchSpace({
        "C": LogUniform(1e-4, 1e3),
        "max_iter": IntUniform(5, 200, log=True),
        "tol": LogUniform(1e-6, 1e-1),
    })
