"""graph.optimize over a Study: Hypergraph's linear-regression example, generation counts,
target scores, History, failures, reproducibility, and the study's own features (storage,
resume, pruning, parallel trials) reached through it."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import hyperloom as hl
from hyperloom.graph import Checkpoint, ConsoleLog, History, optimize

RNG = np.random.default_rng(0)
X = RNG.uniform(-3, 3, 15)
Y = 2.5 * X - 4 + RNG.normal(0, 0.5, 15)


class LineGraph:
    """A stand-in for a graph: what optimize needs is `search_space()`."""

    def search_space(self) -> hl.SearchSpace:
        return hl.SearchSpace({"linreg.w": hl.Uniform(-5, 5), "linreg.b": hl.Uniform(-10, 10)})


class BranchGraph:
    """A conditional space: a switch between two branches with tweaks of their own."""

    def search_space(self) -> hl.SearchSpace:
        return hl.SearchSpace({"g.model": hl.Choice({
            "linear": hl.SearchSpace({"g.linear.c": hl.LogUniform(1e-3, 1e3)}),
            "knn": hl.SearchSpace({"g.knn.k": hl.IntUniform(1, 20)})})})


def mse(w: float, b: float) -> float:
    return float(np.mean((w * X + b - Y) ** 2))


def score(tweaks: dict) -> float:
    return -mse(tweaks["linreg.w"], tweaks["linreg.b"])


def least_squares_mse() -> float:
    (w, b), *_ = np.linalg.lstsq(np.c_[X, np.ones_like(X)], Y, rcond=None)
    return mse(w, b)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_genetic_fits_the_line_within_five_percent_of_the_least_squares_optimum():
    best = optimize(LineGraph(), score, "genetic", generations=50, seed=0)
    assert mse(best["linreg.w"], best["linreg.b"]) <= 1.05 * least_squares_mse()


def test_objective_calls_are_population_plus_generations_times_population_times_lambda():
    calls = []
    optimize(LineGraph(), lambda t: calls.append(1) or score(t), "genetic", generations=5,
             population_size=4, lambda_=3, seed=0)
    assert len(calls) == 4 + 5 * 4 * 3


def test_target_score_stops_the_run_at_the_first_trial_that_reaches_it():
    target = -2 * least_squares_mse()
    best, study = optimize(LineGraph(), score, "genetic", generations=50, seed=0,
                           target_score=target, return_study=True)
    values = [t.value for t in study.trials]
    assert len(values) < 10 + 50 * 20
    assert values[-1] >= target and all(v < target for v in values[:-1])
    assert score(best) == values[-1]


def test_history_has_one_record_per_generation_and_its_best_never_gets_worse():
    history = History()
    optimize(LineGraph(), score, "genetic", generations=8, seed=1, callbacks=[history])
    assert [r.generation for r in history.records] == list(range(9))
    assert [len(r.scores) for r in history.records] == [10] + [20] * 8
    bests = history.best_scores
    assert all(later >= earlier for earlier, later in zip(bests, bests[1:]))
    assert bests[-1] == max(s for r in history.records for s in r.scores)


def test_history_of_a_run_stopped_by_its_target_ends_with_a_hit():
    history = History()
    optimize(LineGraph(), score, "tpe", generations=20, seed=0, callbacks=[history],
             target_score=-2 * least_squares_mse())
    assert history.records[-1].hit and not any(r.hit for r in history.records[:-1])


def test_genetic_with_population_two_and_lambda_one_terminates():
    best = optimize(LineGraph(), score, "genetic", generations=10, population_size=2,
                    lambda_=1, seed=0)
    assert set(best) == {"linreg.w", "linreg.b"}


def test_a_raising_objective_is_a_failed_trial_and_the_run_goes_on():
    def flaky(tweaks):
        if tweaks["linreg.w"] > 0:
            raise RuntimeError("diverged")
        return score(tweaks)

    with pytest.warns(UserWarning, match="diverged"):
        best, study = optimize(LineGraph(), flaky, "genetic", generations=3, seed=0,
                               return_study=True)
    states = {t.state for t in study.trials}
    assert states == {hl.TrialState.FAILED, hl.TrialState.COMPLETE}
    assert len(study.trials) == 10 + 3 * 20 and best["linreg.w"] <= 0


def test_when_every_objective_call_fails_the_error_says_so():
    def broken(tweaks):
        raise ValueError("bad")

    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="no trial .* completed"):
        optimize(LineGraph(), broken, "random", n_trials=3, seed=0)


@pytest.mark.parametrize("algo", ["genetic", "tpe"])
def test_the_same_seed_gives_the_same_best_tweaks_and_history(algo):
    def run():
        history = History()
        best = optimize(LineGraph(), score, algo, generations=4, seed=7, callbacks=[history])
        return best, [(r.generation, r.best, r.scores, r.mean, r.hit) for r in history.records]

    assert run() == run()


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("algo", ["genetic", "tpe", "random", "cmaes", "auto"])
def test_every_algo_hands_the_objective_only_the_active_branch_tweaks(algo):
    seen = []

    def objective(tweaks):
        seen.append(set(tweaks))
        return tweaks.get("g.knn.k", 0) + tweaks.get("g.linear.c", 0) / 1e3

    best = optimize(BranchGraph(), objective, algo, n_trials=25, seed=0)
    assert set(map(frozenset, seen)) <= {frozenset({"g.model", "g.linear.c"}),
                                         frozenset({"g.model", "g.knn.k"})}
    assert set(best) in ({"g.model", "g.linear.c"}, {"g.model", "g.knn.k"})


def test_a_sampler_object_is_used_as_given():
    sampler = hl.samplers.RandomSampler(seed=3)
    _, study = optimize(LineGraph(), score, sampler, n_trials=5, return_study=True)
    assert study.sampler is sampler


def test_an_unknown_algo_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match="algo='annealing'.*'genetic', 'tpe'"):
        optimize(LineGraph(), score, "annealing", n_trials=5)


def test_n_trials_and_generations_together_is_an_error():
    with pytest.raises(ValueError, match="n_trials.*generations.*not both"):
        optimize(LineGraph(), score, n_trials=5, generations=2)


def test_direction_minimize_takes_a_loss():
    best = optimize(LineGraph(), lambda t: -score(t), "tpe", n_trials=60, seed=0,
                    direction="minimize")
    assert mse(best["linreg.w"], best["linreg.b"]) < 1.5 * least_squares_mse()


def test_an_objective_taking_the_trial_can_report_and_be_pruned():
    def objective(tweaks, trial):
        for step in range(5):
            trial.report(score(tweaks) * (5 - step), step)
            if trial.should_prune():
                raise hl.TrialPruned()
        return score(tweaks)

    _, study = optimize(LineGraph(), objective, "random", n_trials=30, seed=0,
                        pruner=hl.pruners.MedianPruner(n_startup_trials=3),
                        return_study=True)
    assert any(t.state == hl.TrialState.PRUNED for t in study.trials)


def test_a_named_study_in_sqlite_resumes_up_to_the_generations_asked(sqlite_url):
    options = dict(storage=sqlite_url, study_name="line", seed=0, population_size=4,
                   lambda_=2)
    optimize(LineGraph(), score, "genetic", generations=2, **options)
    best, study = optimize(LineGraph(), score, "genetic", generations=5, return_study=True,
                           **options)
    assert len(study.trials) == 4 + 5 * 4 * 2
    assert best == hl.load_study(study_name="line", storage=sqlite_url).best_params


def test_a_given_study_is_used_with_its_own_sampler(sqlite_url):
    study = hl.create_study(storage=sqlite_url, direction="maximize",
                            sampler=hl.samplers.RandomSampler(seed=0))
    best, same = optimize(LineGraph(), score, n_trials=6, study=study, return_study=True)
    assert same is study and len(study.trials) == 6
    assert isinstance(study.sampler, hl.samplers.RandomSampler)
    assert best == study.best_params


@pytest.mark.slow  # four worker processes, started twice
def test_parallel_trials_with_a_seed_repeat_exactly():
    def run():
        return optimize(LineGraph(), score, "genetic", generations=3, seed=0, n_jobs=4)

    assert run() == run()


def test_checkpoint_holds_the_best_tweaks_of_the_run(tmp_path):
    path = tmp_path / "best.json"
    best = optimize(LineGraph(), score, "genetic", generations=3, seed=0,
                    callbacks=[Checkpoint(path)])
    assert json.loads(path.read_text()) == best
    assert [p.name for p in tmp_path.iterdir()] == ["best.json"]


def test_console_log_prints_a_line_per_generation_with_a_star_on_improvement():
    out = io.StringIO()
    history = History()
    optimize(LineGraph(), score, "genetic", generations=6, seed=0,
             callbacks=[ConsoleLog(file=out), history])
    lines = out.getvalue().splitlines()
    assert len(lines) == 7 and all(line.startswith("gen ") for line in lines)
    bests = history.best_scores
    improved = [i == 0 or bests[i] > bests[i - 1] for i in range(len(bests))]
    assert ["*" in line for line in lines] == improved


def test_history_of_a_resumed_run_counts_the_generation_it_stopped_in(sqlite_url):
    options = dict(storage=sqlite_url, study_name="line", seed=0, population_size=4, lambda_=2)
    optimize(LineGraph(), score, "genetic", n_trials=8, **options)  # generation 1 half done
    history = History()
    optimize(LineGraph(), score, "genetic", generations=3, callbacks=[history], **options)
    assert [r.generation for r in history.records] == [1, 2, 3]
    assert [len(r.scores) for r in history.records] == [8, 8, 8]
