"""Hypergraph's README example without Keras: a digits pipeline whose scaler and model are
switches, tuned by `graph.optimize` with the genetic sampler and with TPE.

    .venv/bin/python examples/graph/digits_pipeline.py

Each trial fits the chosen scaler and model on a training split and scores a validation
split; the best tweaks are then scored once on a held-out test split.
"""

from __future__ import annotations

from collections import Counter

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from threadpoolctl import threadpool_limits

import hyperloom as hl
from hyperloom import graph

CALLS: Counter = Counter()  # branch calls, to show that only the chosen path runs


def split_digits(seed: int = 0) -> dict:
    """Train, validation and test splits of sklearn's digits, fixed by `seed`."""
    x, y = load_digits(return_X_y=True)
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=0.3, random_state=seed,
                                                      stratify=y)
    x_train, x_valid, y_train, y_valid = train_test_split(
        x_rest, y_rest, test_size=0.25, random_state=seed, stratify=y_rest)
    return {"x_train": x_train, "y_train": y_train, "x_valid": x_valid, "y_valid": y_valid,
            "x_test": x_test, "y_test": y_test}


@graph.node
def standard_scaler():
    CALLS["standard_scaler"] += 1
    return StandardScaler()


@graph.node
def minmax_scaler():
    CALLS["minmax_scaler"] += 1
    return MinMaxScaler()


@graph.tweaks(c=hl.LogUniform(1e-3, 1e2))
def logistic_regression(c):
    CALLS["logistic_regression"] += 1
    return LogisticRegression(C=c, max_iter=300)


@graph.tweaks(k=hl.IntUniform(1, 15))
def knn(k):
    CALLS["knn"] += 1
    return KNeighborsClassifier(n_neighbors=k)


@graph.node
def fit_and_score(scaler, model, x_fit, y_fit, x_eval, y_eval):
    """Accuracy on (x_eval, y_eval) of `model` fitted on the scaled (x_fit, y_fit)."""
    scaler.fit(x_fit)
    model.fit(scaler.transform(x_fit), y_fit)
    return model.score(scaler.transform(x_eval), y_eval)


@graph.aggregator
def pipeline():
    scaler = graph.switch("scaler") << {"standard": standard_scaler(),
                                        "minmax": minmax_scaler()}
    model = graph.switch("model") << {"logistic": logistic_regression(), "knn": knn()}
    return fit_and_score(scaler=scaler, model=model,
                         x_fit=graph.input("x_fit"), y_fit=graph.input("y_fit"),
                         x_eval=graph.input("x_eval"), y_eval=graph.input("y_eval"))


def tune(algo: str, data: dict, generations: int = 4, seed: int = 0) -> tuple[dict, float]:
    """Best tweaks on the validation split, and their accuracy on the test split."""
    g = pipeline()
    on_valid = {"x_fit": data["x_train"], "y_fit": data["y_train"],
                "x_eval": data["x_valid"], "y_eval": data["y_valid"]}
    # One BLAS thread: small fits run many times faster than with a thread pool.
    with threadpool_limits(1):
        best = graph.optimize(g, lambda accuracy: accuracy, algo, inputs=on_valid,
                              generations=generations, population_size=8, lambda_=1,
                              seed=seed)
        test = graph.run(g, tweaks=best, x_fit=data["x_train"], y_fit=data["y_train"],
                         x_eval=data["x_test"], y_eval=data["y_test"])
    return best, test


def main() -> None:
    data = split_digits()
    graph.dump_tweaks(pipeline())
    for algo in ("genetic", "tpe"):
        best, accuracy = tune(algo, data)
        print(f"{algo:8s} test accuracy {accuracy:.4f}  best tweaks {best}")


if __name__ == "__main__":
    main()
