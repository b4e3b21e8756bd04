"""SearchCV behaves as a scikit-learn estimator: conventions, clone, Pipeline, cv_results_,
refit, pruning by folds, the estimator checks, and the digits benchmark."""

import importlib.util
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", reason="SearchCV needs scikit-learn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

import hyperloom as hl  # noqa: E402
from hyperloom.integration import SearchCV  # noqa: E402

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "searchcv.py"


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def logistic_search(**options):
    return SearchCV(LogisticRegression(max_iter=500), {"C": hl.LogUniform(1e-3, 1e2)},
                    **{"n_trials": 4, "cv": 3, "random_state": 0, **options})


def test_the_constructor_stores_every_parameter_unchanged_and_validates_nothing():
    space = {"C": "not a distribution"}
    search = SearchCV("not an estimator", space, n_trials=-3, cv="odd", scoring=1, n_jobs=0)
    assert search.space is space and search.estimator == "not an estimator"
    assert search.get_params()["n_trials"] == -3 and search.get_params()["cv"] == "odd"


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_fit_returns_self_with_the_best_of_the_trials_and_predicts_with_the_refitted_model(iris):
    X, y = iris
    search = logistic_search()
    assert search.fit(X, y) is search
    scores = [t.value for t in search.study_.trials]
    assert search.best_score_ == pytest.approx(max(scores))
    assert search.best_params_ == search.study_.best_params
    assert search.best_estimator_.C == search.best_params_["C"]
    assert search.n_splits_ == 3 and search.score(X, y) > 0.9
    assert (search.predict(X) == search.best_estimator_.predict(X)).all()
    assert search.predict_proba(X).shape == (150, 3)
    assert list(search.classes_) == [0, 1, 2]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_cv_results_has_scikit_learns_layout_with_one_row_per_trial(iris):
    search = logistic_search(n_trials=5).fit(*iris)
    results = search.cv_results_
    for key in ("params", "param_C", "mean_test_score", "std_test_score", "rank_test_score",
                "split0_test_score", "split2_test_score", "mean_fit_time", "std_fit_time",
                "mean_score_time"):
        assert len(results[key]) == 5, key
    folds = np.column_stack([results[f"split{k}_test_score"] for k in range(3)])
    assert np.allclose(results["mean_test_score"], folds.mean(axis=1))
    assert results["rank_test_score"][search.best_index_] == 1
    assert results["params"][search.best_index_] == search.best_params_


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_clone_gives_an_unfitted_search_with_the_same_parameters(iris):
    search = logistic_search().fit(*iris)
    copy = clone(search)
    assert copy.get_params()["n_trials"] == 4 and not hasattr(copy, "best_params_")


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_search_is_a_pipeline_step_and_tunes_pipeline_parameters_by_nested_names(iris):
    X, y = iris
    inner = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))])
    search = SearchCV(inner, {"clf__C": hl.LogUniform(1e-3, 1e2)}, n_trials=3, cv=3,
                      random_state=0)
    assert "clf__C" in search.fit(X, y).best_params_
    outer = Pipeline([("scale", StandardScaler()), ("search", logistic_search())]).fit(X, y)
    assert outer.score(X, y) > 0.9


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_refit_false_keeps_the_best_params_but_predicting_says_to_refit(iris):
    search = logistic_search(refit=False).fit(*iris)
    assert "C" in search.best_params_ and not hasattr(search, "best_estimator_")
    assert not hasattr(search, "predict")
    with pytest.raises(AttributeError, match="refit=True"):
        search.score(*iris)


def test_an_unknown_parameter_name_is_refused_with_the_estimators_name(iris):
    search = SearchCV(LogisticRegression(), {"depth": hl.IntUniform(1, 3)}, n_trials=1)
    with pytest.raises(ValueError, match="not parameters of LogisticRegression"):
        search.fit(*iris)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_with_a_pruner_bad_candidates_stop_after_fewer_folds(iris):
    X, y = iris
    space = {"C": hl.LogUniform(1e-6, 1e2)}
    search = SearchCV(LogisticRegression(max_iter=300), space, n_trials=20, cv=5,
                      random_state=1, sampler=hl.samplers.RandomSampler(seed=1),
                      pruner=hl.pruners.MedianPruner(n_startup_trials=3)).fit(X, y)
    states = search.cv_results_["state"]
    assert "PRUNED" in states and "COMPLETE" in states
    fits = int(np.isfinite(np.column_stack(
        [search.cv_results_[f"split{k}_test_score"] for k in range(5)])).sum())
    assert fits < 20 * 5
    assert np.isnan(search.cv_results_["mean_test_score"][states == "PRUNED"]).all()
    assert search.best_score_ == np.nanmax(search.cv_results_["mean_test_score"])


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_pickled_search_predicts_the_same_and_leaves_its_study_behind(iris):
    X, y = iris
    search = logistic_search().fit(X, y)
    again = pickle.loads(pickle.dumps(search))
    assert (again.predict(X) == search.predict(X)).all() and not hasattr(again, "study_")


@pytest.mark.slow
def test_scikit_learns_estimator_checks_pass():
    """All of check_estimator's checks run on a 2-trial search of LogisticRegression; none is
    skipped by us. scikit-learn itself skips check_array_api_input unless SCIPY_ARRAY_API is
    set. `study_` is not pickled (it holds locks), which check_estimators_pickle accepts."""
    search = SearchCV(LogisticRegression(), {"C": hl.LogUniform(1e-2, 1e2)}, n_trials=2,
                      random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(search, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results
              if r["status"] == "failed"]
    assert failed == []
    assert sum(r["status"] == "passed" for r in results) >= 50


@pytest.mark.slow
def test_the_benchmark_runs_one_seed_and_writes_its_table(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_searchcv", BENCHMARK)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--seeds", "1", "--trials", "12", "--subsample", "600",
                "--out-dir", str(tmp_path), "--skip-others"])
    out = capsys.readouterr().out
    assert "grid best" in out and "reproduce:" in out
    assert (tmp_path / "searchcv.json").exists()
