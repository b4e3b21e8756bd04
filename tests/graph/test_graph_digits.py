"""Hypergraph's README pipeline without Keras: a `scaler` switch and a `model` switch between
logistic regression (C ~ LogUniform) and k-NN (k ~ IntUniform), on scikit-learn's digits."""

import io
from collections import Counter

import numpy as np
import pytest

import hyperloom as hl
from hyperloom import graph

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

calls = Counter()


@graph.node
def standard(x_train, x_test):
    calls["standard"] += 1
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test)


@graph.node
def minmax(x_train, x_test):
    calls["minmax"] += 1
    scaler = MinMaxScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test)


@graph.tweaks(C=hl.LogUniform(1e-3, 1e2))
def logistic(C):
    calls["logistic"] += 1
    return LogisticRegression(C=C, max_iter=300)


@graph.tweaks(k=hl.IntUniform(1, 15))
def knn(k):
    calls["knn"] += 1
    return KNeighborsClassifier(n_neighbors=k)


@graph.node
def accuracy(data, model, y_train, y_test):
    x_train, x_test = data
    return model.fit(x_train, y_train).score(x_test, y_test)


@graph.aggregator
def pipeline():
    x_train, x_test = graph.input("x_train"), graph.input("x_test")
    scaled = graph.switch("scaler") << {"standard": standard(x_train=x_train, x_test=x_test),
                                        "minmax": minmax(x_train=x_train, x_test=x_test)}
    model = graph.switch("model") << {"logistic": logistic(), "knn": knn()}
    return accuracy(data=scaled, model=model, y_train=graph.input("y_train"),
                    y_test=graph.input("y_test"))


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0)
    return {"x_train": x_train, "x_test": x_test, "y_train": y_train, "y_test": y_test}


def test_dump_tweaks_shows_the_qualified_ids_of_the_pipeline():
    out = io.StringIO()
    rows = graph.dump_tweaks(pipeline(), file=out)
    assert {r["id"]: r["type"] for r in rows} == {
        "pipeline.scaler": "choice", "pipeline.model": "choice",
        "pipeline.logistic.C": "loguniform", "pipeline.knn.k": "intuniform"}
    assert "choices=['standard', 'minmax']" in out.getvalue()


@pytest.mark.slow
def test_only_the_active_path_runs_for_sampled_params(digits):
    calls.clear()
    g = pipeline()
    space = g.search_space()
    rng = np.random.default_rng(0)
    chosen = Counter()
    evaluations = 12
    for _ in range(evaluations):
        params = space.sample(rng)
        assert ("pipeline.logistic.C" in params) == (params["pipeline.model"] == "logistic")
        chosen.update([params["pipeline.scaler"], params["pipeline.model"]])
        assert 0.5 < graph.run(g, tweaks=params, **digits) <= 1.0  # trained, not chance (0.1)
    assert calls["standard"] + calls["minmax"] == evaluations
    assert calls["logistic"] + calls["knn"] == evaluations
    assert calls == chosen  # each branch ran exactly when it was chosen
