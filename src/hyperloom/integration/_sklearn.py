"""`SearchCV`: a scikit-learn estimator that tunes another estimator's parameters with a
hyperloom study, scoring each candidate by cross-validation (higher is better)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..pruners import NopPruner
from ..samplers import AutoSampler
from ..space import SearchSpace
from ..storage import TrialState
from ..study import Study, Trial, TrialPruned, create_study

try:
    from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import check_cv
    from sklearn.utils import _safe_indexing, check_random_state
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.validation import _num_samples, check_is_fitted, indexable
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("hyperloom.integration.SearchCV needs scikit-learn: "
                      "pip install 'hyperloom[sklearn]'") from error

_FOLD_SCORES, _FIT_TIMES, _SCORE_TIMES = "cv_test_scores", "cv_fit_times", "cv_score_times"


def _refit_and_has(method: str):
    """True when the search refits and its best estimator (or the estimator) has `method`."""
    def check(search: SearchCV) -> bool:
        if not search.refit:
            raise AttributeError(f"SearchCV.{method} needs refit=True; it was fitted with "
                                 "refit=False (use best_params_ to fit an estimator yourself)")
        target = getattr(search, "best_estimator_", search.estimator)
        getattr(target, method)
        return True
    return check


class SearchCV(MetaEstimatorMixin, BaseEstimator):
    """Tune `estimator`'s parameters over `space` (name -> Distribution, or a SearchSpace;
    "step__param" names reach into a Pipeline) by maximizing its mean cross-validation score.

    With a `pruner`, the running mean over folds is reported after each fold, so a bad
    candidate stops before all its folds are fitted. `random_state` seeds the default sampler.
    After `fit`, `study_` holds every trial; it is left out when the search is pickled.
    """

    def __init__(self, estimator: Any, space: Mapping[str, Any] | SearchSpace, n_trials: int = 10,
                 cv: Any = None, scoring: Any = None, sampler: Any = None, pruner: Any = None,
                 n_jobs: int = 1, refit: bool = True, timeout: float | None = None,
                 random_state: Any = None) -> None:
        self.estimator = estimator
        self.space = space
        self.n_trials = n_trials
        self.cv = cv
        self.scoring = scoring
        self.sampler = sampler
        self.pruner = pruner
        self.n_jobs = n_jobs
        self.refit = refit
        self.timeout = timeout
        self.random_state = random_state

    @property
    def _estimator_type(self) -> str | None:
        return getattr(self.estimator, "_estimator_type", None)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = clone(self.estimator).__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.target_tags = inner.target_tags
        tags.input_tags = inner.input_tags
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.transformer_tags = inner.transformer_tags
        return tags

    def fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any) -> SearchCV:
        """Run `n_trials` cross-validated candidates, then refit the best on all of X."""
        space = self._check_space()
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        splits = list(cv.split(X, y, groups))
        self.n_splits_ = len(splits)
        self.study_ = create_study(direction="maximize", space=space,
                                   sampler=self._make_sampler(),
                                   pruner=self.pruner if self.pruner is not None else NopPruner())
        objective = _CrossValidation(self.estimator, self.scorer_, splits, X, y, fit_params,
                                     report=self.pruner is not None)
        self.study_.optimize(objective, n_trials=self.n_trials, timeout=self.timeout,
                             n_jobs=self.n_jobs)
        self._collect_results(self.study_)
        if self.refit:
            started = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - started
            if hasattr(self.best_estimator_, "n_features_in_"):
                self.n_features_in_ = self.best_estimator_.n_features_in_
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
        return self

    def __getstate__(self) -> dict:
        """Pickles without `study_` (it holds locks); open a stored study with load_study."""
        state = super().__getstate__()
        state.pop("study_", None)
        return state

    def _check_space(self) -> SearchSpace:
        if isinstance(self.space, SearchSpace):
            return self.space
        if not isinstance(self.space, Mapping) or not self.space:
            raise ValueError("SearchCV: space must be a non-empty dict of parameter name -> "
                             f"hyperloom Distribution (or a SearchSpace), got {self.space!r}")
        unknown = sorted(n for n in self.space if n.split("__")[0] not in
                         {k.split("__")[0] for k in self.estimator.get_params(deep=True)})
        if unknown:
            raise ValueError(f"SearchCV: space names {unknown} are not parameters of "
                             f"{type(self.estimator).__name__}; see estimator.get_params()")
        return SearchSpace(dict(self.space))

    def _make_sampler(self) -> Any:
        if self.sampler is not None:
            return self.sampler
        seed = self.random_state
        if seed is not None and not isinstance(seed, (int, np.integer)):
            seed = int(check_random_state(seed).randint(2**31 - 1))
        return AutoSampler(seed=None if seed is None else int(seed))

    def _collect_results(self, study: Study) -> None:
        trials = [t for t in study.trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
        if not any(t.state == TrialState.COMPLETE for t in trials):
            raise ValueError(f"SearchCV: none of the {len(study.trials)} trials completed; "
                             "see the warnings above for why the estimator failed")
        self.cv_results_ = _cv_results(trials, self.n_splits_)
        self.best_index_ = int(np.nanargmax(self.cv_results_["mean_test_score"]))
        self.best_params_ = dict(trials[self.best_index_].params)
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        self.n_trials_ = len(study.trials)

    @property
    def classes_(self) -> Any:
        """The classes of the refitted best estimator."""
        _refit_and_has("classes_")(self)
        return self.best_estimator_.classes_

    def _best(self) -> Any:
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    @available_if(_refit_and_has("predict"))
    def predict(self, X: Any) -> Any:
        """Predict with the refitted best estimator."""
        return self._best().predict(X)

    @available_if(_refit_and_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        """Class probabilities from the refitted best estimator."""
        return self._best().predict_proba(X)

    @available_if(_refit_and_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        """Log class probabilities from the refitted best estimator."""
        return self._best().predict_log_proba(X)

    @available_if(_refit_and_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        """Decision function of the refitted best estimator."""
        return self._best().decision_function(X)

    @available_if(_refit_and_has("transform"))
    def transform(self, X: Any) -> Any:
        """Transform X with the refitted best estimator."""
        return self._best().transform(X)

    @available_if(_refit_and_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """Inverse-transform X with the refitted best estimator."""
        return self._best().inverse_transform(X)

    def score(self, X: Any, y: Any = None) -> float:
        """The search's scorer applied to the refitted best estimator on (X, y)."""
        _refit_and_has("score")(self)
        return float(self.scorer_(self._best(), X, y))


class _CrossValidation:
    """The objective: fit a clone with the trial's params on each fold, return the mean score."""

    def __init__(self, estimator: Any, scorer: Any, splits: list, X: Any, y: Any,
                 fit_params: dict, report: bool) -> None:
        self.estimator, self.scorer, self.splits = estimator, scorer, splits
        self.X, self.y, self.fit_params, self.report = X, y, fit_params, report

    def __call__(self, trial: Trial) -> float:
        scores: list[float] = []
        fit_times: list[float] = []
        score_times: list[float] = []
        for fold, (train, test) in enumerate(self.splits):
            model = clone(self.estimator).set_params(**trial.params)
            started = time.perf_counter()
            model.fit(_safe_indexing(self.X, train),
                      None if self.y is None else _safe_indexing(self.y, train),
                      **_fold_params(self.fit_params, train, _num_samples(self.X)))
            fitted = time.perf_counter()
            y_test = None if self.y is None else _safe_indexing(self.y, test)
            scores.append(float(self.scorer(model, _safe_indexing(self.X, test), y_test)))
            fit_times.append(fitted - started)
            score_times.append(time.perf_counter() - fitted)
            trial.set_user_attr(_FOLD_SCORES, scores)
            trial.set_user_attr(_FIT_TIMES, fit_times)
            trial.set_user_attr(_SCORE_TIMES, score_times)
            if self.report and fold < len(self.splits) - 1:
                trial.report(float(np.mean(scores)), fold)
                if trial.should_prune():
                    raise TrialPruned(f"mean score {np.mean(scores):.4f} after {fold + 1} folds")
        return float(np.mean(scores))


def _fold_params(fit_params: dict, rows: Any, n_samples: int) -> dict:
    """Slice the fit parameters that have one entry per sample (e.g. sample_weight)."""
    return {k: _safe_indexing(v, rows) if hasattr(v, "__len__") and len(v) == n_samples else v
            for k, v in fit_params.items()}


def _cv_results(trials: list, n_splits: int) -> dict[str, Any]:
    """scikit-learn's cv_results_ layout; a pruned trial's unfitted folds are nan and its
    mean is nan (it ranks last)."""
    def per_fold(key: str) -> np.ndarray:
        rows = np.full((len(trials), n_splits), np.nan)
        for i, t in enumerate(trials):
            values = t.user_attrs.get(key, [])
            rows[i, :len(values)] = values
        return rows

    scores, fits, score_times = (per_fold(k) for k in (_FOLD_SCORES, _FIT_TIMES, _SCORE_TIMES))
    mean, std = scores.mean(axis=1), scores.std(axis=1)  # nan for pruned trials
    order = np.argsort(-np.where(np.isnan(mean), -np.inf, mean), kind="stable")
    rank = np.empty(len(trials), dtype=np.int32)
    rank[order] = np.arange(1, len(trials) + 1)
    results: dict[str, Any] = {
        "mean_fit_time": np.nanmean(fits, axis=1), "std_fit_time": np.nanstd(fits, axis=1),
        "mean_score_time": np.nanmean(score_times, axis=1),
        "std_score_time": np.nanstd(score_times, axis=1),
    }
    names = sorted({name for t in trials for name in t.params})
    for name in names:
        column = np.ma.MaskedArray(np.empty(len(trials), dtype=object),
                                   mask=[name not in t.params for t in trials])
        for i, t in enumerate(trials):
            if name in t.params:
                column[i] = t.params[name]
        results[f"param_{name}"] = column
    results["params"] = [dict(t.params) for t in trials]
    for k in range(n_splits):
        results[f"split{k}_test_score"] = scores[:, k]
    results.update(mean_test_score=mean, std_test_score=std, rank_test_score=rank,
                   state=np.array([t.state.name for t in trials]),
                   trial_number=np.array([t.number for t in trials]))
    return results
