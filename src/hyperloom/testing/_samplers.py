"""The contract every sampler keeps, as check functions that a test suite parametrizes over.

A check takes a `SamplerCase` (how to build the sampler, what it supports) and raises
AssertionError when the sampler breaks the contract. Third-party samplers run the same checks:

    from hyperloom.testing import SamplerCase, parametrize_sampler_checks

    @parametrize_sampler_checks([SamplerCase(lambda seed: MySampler(seed=seed))])
    def test_my_sampler(case, check):
        check(case)
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..samplers import BaseSampler
from ..space import Choice, IntUniform, LogUniform, SearchSpace, Uniform
from ..storage import TrialState
from ..study import create_study
from ._imports import hypothesis, hypothesis_strategies, pytest
from ._spaces import search_spaces

MIXED_SPACE = SearchSpace({
    "x": Uniform(-5, 5),
    "lr": LogUniform(1e-4, 1e-1),
    "n": IntUniform(1, 8),
    "model": Choice({"tree": {"depth": IntUniform(1, 6)},
                     "linear": {"alpha": Uniform(0, 1), "kind": Choice(["l1", "l2"])}}),
})


@dataclass(frozen=True)
class SamplerCase:
    """How to build a sampler for the checks, and what it supports.

    `make(seed)` builds a fresh sampler (`seed` may be None). `space` is the static space of
    the fixed-space checks; a sampler limited to some spaces (a grid) passes its own.
    `spaces` is the hypothesis strategy of the random-space checks (default `search_spaces()`).
    `skip` maps a check's name to why it does not apply, so that a skip is declared, not silent.
    """

    make: Callable[[int | None], BaseSampler]
    name: str = ""
    space: SearchSpace = MIXED_SPACE
    multi_objective: bool = True
    n_trials: int = 12
    max_examples: int = 15
    spaces: Any = None
    skip: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name or type(self.make(0)).__name__


# -- helpers --------------------------------------------------------------------------------
def _study(sampler: BaseSampler, space: SearchSpace | None = None, directions: int = 1) -> Any:
    return create_study(sampler=sampler, space=space, directions=["minimize"] * directions)


def suggest_all(trial: Any, space: SearchSpace) -> None:
    """Suggest every active parameter of `space` define-by-run style, branches included."""
    for name, dist in space.top_level.items():
        if name in trial.params:
            continue
        trial.suggest(name, dist)
        if isinstance(dist, Choice) and dist.has_subspaces:
            sub = dist.subspace(trial.params[name])
            if sub is not None:
                suggest_all(trial, sub)


def _score(space: SearchSpace, params: Mapping[str, Any], weights: np.ndarray) -> float:
    """A deterministic function of the point, so that model-based samplers have a signal."""
    return float(np.nansum(space.encode(params) * weights[: len(space.names)]))


def _params(study: Any) -> list[dict[str, Any]]:
    return [t.params for t in study.trials]


def _run_static(case: SamplerCase, seed: int | None, space: SearchSpace, n_trials: int,
                sampler: BaseSampler | None = None) -> Any:
    weights = np.random.default_rng(0).normal(size=max(len(space.names), 1))
    study = _study(sampler or case.make(seed), space)
    study.optimize(lambda t: _score(space, t.params, weights), n_trials=n_trials)
    return study


def _assert_points_of(space: SearchSpace, study: Any) -> None:
    for t in study.trials:
        try:
            space.validate(t.params)
        except ValueError as exc:
            raise AssertionError(f"trial {t.number} proposed {t.params!r}, not a point of "
                                 f"{space!r}: {exc}") from None


# -- the checks -----------------------------------------------------------------------------
def _over_random_spaces(case: SamplerCase) -> Callable[[Callable[..., None]], Any]:
    """Run a check `(space, seed)` over the case's strategy of spaces (random ones when it has
    none; a strategy is always truthy, so test None), as many examples as the case asks."""
    hyp = hypothesis()
    st = hypothesis_strategies()
    spaces = case.spaces if case.spaces is not None else search_spaces()

    def wrap(check: Callable[..., None]) -> Any:
        settings = hyp.settings(max_examples=case.max_examples, deadline=None, database=None,
                                suppress_health_check=list(hyp.HealthCheck))
        return settings(hyp.given(space=spaces, seed=st.integers(0, 2**16))(check))

    return wrap


def check_proposals_are_points_of_random_spaces(case: SamplerCase) -> None:
    """Given the study's static space, every proposal is a point of it: in range, on the grid
    of q and step, active names only (random spaces, conditional branches included)."""
    @_over_random_spaces(case)
    def run(space: SearchSpace, seed: int) -> None:
        _assert_points_of(space, _run_static(case, seed, space, case.n_trials))

    run()


def check_define_by_run_proposals_are_points_of_random_spaces(case: SamplerCase) -> None:
    """Without a static space, parameters suggested one by one (branches included) still get
    values that are points of the space the objective walks."""
    @_over_random_spaces(case)
    def run(space: SearchSpace, seed: int) -> None:
        weights = np.random.default_rng(seed).normal(size=len(space.names))

        def objective(trial: Any) -> float:
            suggest_all(trial, space)
            return _score(space, trial.params, weights)

        study = _study(case.make(seed))
        study.optimize(objective, n_trials=case.n_trials)
        _assert_points_of(space, study)

    run()


def check_same_seed_same_proposals(case: SamplerCase) -> None:
    """Two samplers built with the same seed propose the same sequence."""
    runs = [_params(_run_static(case, 7, case.space, case.n_trials)) for _ in range(2)]
    assert runs[0] == runs[1], "two samplers built with seed 7 proposed different points"


def check_seedless_sampler_proposes_points(case: SamplerCase) -> None:
    """A sampler built without a seed works (it draws fresh entropy)."""
    _assert_points_of(case.space, _run_static(case, None, case.space, case.n_trials))


def check_pickled_sampler_proposes_the_same(case: SamplerCase) -> None:
    """A pickled copy (what a worker process receives), fresh or after use, proposes what the
    original proposes on the same history."""
    for n_before in (0, case.n_trials // 2):
        sampler = case.make(3)
        if n_before:
            _run_static(case, None, case.space, n_before, sampler=sampler)
        clone = pickle.loads(pickle.dumps(sampler))
        runs = [_params(_run_static(case, None, case.space, case.n_trials, sampler=s))
                for s in (sampler, clone)]
        assert runs[0] == runs[1], f"a copy pickled after {n_before} trials proposed otherwise"


def check_enqueued_params_are_kept(case: SamplerCase) -> None:
    """An enqueued trial gets exactly the enqueued values; the sampler fills in the rest."""
    study = _study(case.make(0), case.space)
    first = case.space.sample(np.random.default_rng(1))
    fixed = dict(list(first.items())[:1])
    study.enqueue_trial(first)
    study.enqueue_trial(fixed)
    study.optimize(lambda t: 0.0, n_trials=3)
    assert study.trials[0].params == first, "the enqueued point was not proposed as given"
    assert all(study.trials[1].params[k] == v for k, v in fixed.items()), \
        "an enqueued partial point lost its values"
    _assert_points_of(case.space, study)


def check_failed_and_pruned_history(case: SamplerCase) -> None:
    """Failed trials, pruned trials (with or without reports) and running trials in the
    history do not stop the sampler proposing points of the space."""
    sampler = case.make(0)
    study = _study(sampler, case.space)
    weights = np.random.default_rng(0).normal(size=len(case.space.names))
    for i in range(case.n_trials):
        trial = study.ask()
        kind = i % 4
        if kind == 0:
            study.tell(trial, _score(case.space, trial.params, weights))
        elif kind == 1:
            study.tell(trial, state=TrialState.FAILED)
        elif kind == 2:
            trial.report(float(i), 0)
            study.tell(trial, state=TrialState.PRUNED)
        else:
            study.tell(trial, state=TrialState.PRUNED)
    study.ask()  # left running
    study.optimize(lambda t: _score(case.space, t.params, weights), n_trials=case.n_trials)
    _assert_points_of(case.space, study)


def check_conditional_space_visits_both_branches(case: SamplerCase) -> None:
    """On a conditional space, each trial holds the parameters of its own branch only, and
    both branches are explored."""
    study = _run_static(case, 0, case.space, case.n_trials * 2)
    _assert_points_of(case.space, study)
    choices = [n for n, d in case.space.top_level.items()
               if isinstance(d, Choice) and d.has_subspaces]
    for name in choices:
        seen = {repr(t.params[name]) for t in study.trials}
        assert len(seen) > 1, f"every trial took branch {seen} of {name!r}"


def check_multi_objective(case: SamplerCase) -> None:
    """A sampler that supports several objectives proposes points of the space for them; one
    that does not refuses the study with a ValueError at the first proposal."""
    sampler = case.make(0)
    study = _study(sampler, case.space, directions=2)

    def objective(trial: Any) -> tuple[float, float]:
        values = case.space.encode(trial.params)
        return float(np.nansum(values)), float(np.nansum(1 - values))

    if case.multi_objective:
        study.optimize(objective, n_trials=case.n_trials)
        _assert_points_of(case.space, study)
        assert len(study.best_trials) >= 1
    else:
        with pytest().raises(ValueError):
            study.optimize(objective, n_trials=1)


SAMPLER_CHECKS: tuple[Callable[[SamplerCase], None], ...] = (
    check_proposals_are_points_of_random_spaces,
    check_define_by_run_proposals_are_points_of_random_spaces,
    check_same_seed_same_proposals,
    check_seedless_sampler_proposes_points,
    check_pickled_sampler_proposes_the_same,
    check_enqueued_params_are_kept,
    check_failed_and_pruned_history,
    check_conditional_space_visits_both_branches,
    check_multi_objective,
)


def parametrize_sampler_checks(cases: Sequence[SamplerCase]) -> Any:
    """A `pytest.mark.parametrize` over (case, check) for every case and every check that
    applies; a check a case skips appears as a skipped test with its reason."""
    mark = pytest().mark
    params = []
    for case in cases:
        for check in SAMPLER_CHECKS:
            name = check.__name__.removeprefix("check_")
            marks = ([mark.skip(reason=case.skip[check.__name__])]
                     if check.__name__ in case.skip else [])
            params.append(pytest().param(case, check, id=f"{case}-{name}", marks=marks))
    return mark.parametrize(("case", "check"), params)

