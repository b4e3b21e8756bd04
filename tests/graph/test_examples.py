"""The README examples of Hypergraph, run through examples/graph/: linear regression with the
genetic sampler, and the digits pipeline with switches, tuned by genetic and by TPE."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest

from hyperloom import graph

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "graph"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"graph_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def linreg():
    return load_example("linear_regression")


@pytest.fixture(scope="module")
def digits():
    return load_example("digits_pipeline")


def test_linear_regression_ids_are_qualified_by_graph_and_function(linreg):
    assert linreg.linreg().tweak_ids == ["linreg.line.w", "linreg.line.b"]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_genetic_fits_the_line_within_five_percent_of_least_squares(linreg):
    x, y = linreg.make_points()
    history = graph.History()
    graph.optimize(linreg.linreg(), lambda score: score, "genetic", inputs={"x": x, "y": y},
                   generations=50, seed=0, callbacks=[history])
    assert -history.records[-1].best <= 1.05 * linreg.least_squares_mse(x, y)


def test_linear_regression_runs_population_plus_generations_times_population_times_lambda(
        linreg):
    x, y = linreg.make_points()
    calls = []
    graph.optimize(linreg.linreg(), lambda score: calls.append(score) or score, "genetic",
                   inputs={"x": x, "y": y}, generations=3, population_size=6, lambda_=2,
                   seed=0)
    assert len(calls) == 6 + 3 * 6 * 2


def test_digits_dump_tweaks_shows_the_qualified_ids(digits):
    printed = io.StringIO()
    rows = graph.dump_tweaks(digits.pipeline(), file=printed)
    ids = ["pipeline.scaler", "pipeline.model", "pipeline.logistic_regression.c",
           "pipeline.knn.k"]
    assert [row["id"] for row in rows] == ids
    assert [line.split()[0] for line in printed.getvalue().splitlines()] == ids


@pytest.mark.slow
@pytest.mark.parametrize("algo", ["genetic", "tpe"])
def test_digits_pipeline_reaches_97_percent_test_accuracy_running_only_chosen_branches(
        digits, algo):
    data = digits.split_digits()
    digits.CALLS.clear()
    best, accuracy = digits.tune(algo, data, generations=4)
    assert accuracy >= 0.97
    evaluations = 8 + 4 * 8 + 1  # the trials, then one run of the best tweaks on the test split
    calls = digits.CALLS
    assert calls["logistic_regression"] + calls["knn"] == evaluations
    assert calls["standard_scaler"] + calls["minmax_scaler"] == evaluations
    assert set(best) >= {"pipeline.scaler", "pipeline.model"}
