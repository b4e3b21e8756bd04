"""TPESampler: proposals follow conditions, use joint (multivariate) models inside conditional
branches, see running trials, and beat random search. (Valid points of random spaces and
seeds that reproduce: the contract of test_conformance.py.)"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import hyperloom as hl
from hyperloom.samplers import RandomSampler, TPESampler
from hyperloom.samplers._tpe import _mo_order, _split
from hyperloom.samplers._tpe_history import History
from hyperloom.space import (
    Choice,
    Constant,
    IntUniform,
    LogUniform,
    QUniform,
    SearchSpace,
    Uniform,
)
from hyperloom.storage._frozen import FrozenTrial, TrialState
from proposals import share_of_written_off_choices


# -- a fake study, for tests that need to control exactly which trials exist ----------------
class FakeStudy:
    def __init__(self, space: SearchSpace | None = None, directions=("minimize",)) -> None:
        self.study_name = "fake"
        self.directions = list(directions)
        self.space = space
        self.trials: list[FrozenTrial] = []

    def get_trials(self, states=None) -> list[FrozenTrial]:
        if states is None:
            return list(self.trials)
        return [t for t in self.trials if t.state in states]

    def claim(self, key: str) -> bool:
        return True

    def add(self, params: dict[str, Any], dists: dict, value: float | list | None,
            state: TrialState = TrialState.COMPLETE, intermediate=None) -> FrozenTrial:
        values = None if value is None else (list(value) if isinstance(value, list) else [value])
        t = FrozenTrial(trial_id=len(self.trials), number=len(self.trials), state=state,
                        values=values, params=params, distributions=dists,
                        intermediate_values=intermediate)
        self.trials.append(t)
        return t


class LiveTrial:
    def __init__(self, number: int) -> None:
        self.number = number
        self.params: dict[str, Any] = {}
        self.distributions: dict = {}


def branin(x: float, y: float) -> float:
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10 - 0.397887357729739


def quadratic(trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", 1e-3, 1e3, log=True)
    k = trial.suggest_int("k", 0, 10)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return (x - 1) ** 2 + math.log10(y) ** 2 + (k - 3) ** 2 + (c != "b")


CONDITIONAL = SearchSpace({
    "model": Choice({
        "a": {"x": Uniform(-5, 5), "y": Uniform(-5, 5),
              "deep": Choice({"yes": {"depth": IntUniform(1, 8)}, "no": {}})},
        "b": {"lr": LogUniform(1e-4, 1), "act": Choice(["relu", "tanh"])},
        "c": {},
    }),
    "w": QUniform(0, 1, 0.1),
})


def conditional_objective(trial) -> float:
    p = trial.params
    if p["model"] == "a":
        return (p["x"] - p["y"]) ** 2 + 0.1 * (p["x"] - 1) ** 2 + p.get("depth", 4) / 10
    if p["model"] == "b":
        return 1 + math.log10(p["lr"]) ** 2 / 10
    return 2.0 + p["w"]


# -- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{"n_startup_trials": -1}, {"n_ei_candidates": 0},
                                    {"prior_weight": -1.0}, {"gamma": 1.5},
                                    {"redraw_branch": 1.5}])
def test_invalid_options_raise(kwargs):
    with pytest.raises(ValueError):
        TPESampler(**kwargs)


# -- reproducibility ----------------------------------------------------------------------------
def _params(sampler, objective, n, space=None):
    study = hl.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n, space=space)
    return [t.params for t in study.trials]


def test_same_seed_gives_identical_params_over_three_runs():
    runs = [_params(TPESampler(seed=7, n_startup_trials=5), quadratic, 30) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    assert _params(TPESampler(seed=8, n_startup_trials=5), quadratic, 30) != runs[0]


def test_same_seed_identical_with_static_conditional_space():
    runs = [_params(TPESampler(seed=3, n_startup_trials=5), conditional_objective, 30,
                    CONDITIONAL) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


# -- proposals within the space and conditions --------------------------------------------------
def test_conditional_params_only_proposed_when_active_static_space():
    study = hl.create_study(sampler=TPESampler(seed=0, n_startup_trials=5))
    study.optimize(conditional_objective, n_trials=60, space=CONDITIONAL)
    for t in study.trials:
        assert sorted(t.params) == sorted(CONDITIONAL.active_names(t.params))
        CONDITIONAL.validate(t.params)
    assert {t.params["model"] for t in study.trials} == {"a", "b", "c"}


def test_conditional_params_only_proposed_when_active_define_by_run():
    def objective(trial) -> float:
        kind = trial.suggest_categorical("kind", ["svm", "tree"])
        if kind == "svm":
            c = trial.suggest_float("C", 1e-3, 1e3, log=True)
            return abs(math.log10(c) - 1)
        return abs(trial.suggest_int("depth", 1, 12) - 5) / 3

    study = hl.create_study(sampler=TPESampler(seed=1, n_startup_trials=5))
    study.optimize(objective, n_trials=50)
    for t in study.trials:
        expected = {"kind", "C"} if t.params["kind"] == "svm" else {"kind", "depth"}
        assert set(t.params) == expected
    assert study.best_value < 0.4


# -- the model ----------------------------------------------------------------------------------
def test_correlations_inside_an_active_branch_are_used():
    """The good trials of branch "a" are spread along the diagonal x = y: a joint model
    proposes points near the diagonal; per-parameter models (whose marginals are uniform)
    cannot."""
    space = SearchSpace({"m": Choice({"a": {"x": Uniform(0, 1), "y": Uniform(0, 1)},
                                      "b": {"z": Uniform(0, 1)}})})
    rng = np.random.default_rng(0)
    study = FakeStudy(space)
    dists_a = {"m": space["m"], "x": space["x"], "y": space["y"]}
    for i, t in enumerate(rng.permutation(np.linspace(0.05, 0.95, 12))):
        study.add({"m": "a", "x": t, "y": t}, dists_a, 1e-3 * i)
    for _ in range(100):
        x, y = rng.random(2)
        study.add({"m": "a", "x": x, "y": y}, dists_a, 1.0 + abs(x - y))
    for _ in range(40):
        z = rng.random()
        study.add({"m": "b", "z": z}, {"m": space["m"], "z": space["z"]}, 1.5 + z)

    def proposals(sampler):
        out = []
        for i in range(60):
            live = LiveTrial(1000 + i)
            rel_space = sampler.infer_relative_search_space(study, live)
            rel = sampler.sample_relative(study, live, rel_space) if len(rel_space) else {}
            params = space.walk(lambda name, dist, rel=rel, live=live: rel[name] if name in rel
                                 else sampler.sample_independent(study, live, name, dist))
            if params["m"] == "a":
                out.append((params["x"], params["y"]))
        return np.array(out)

    calls = []

    class Spy(TPESampler):
        def sample_independent(self, *args, **kwargs):
            calls.append(args)
            return super().sample_independent(*args, **kwargs)

    joint = proposals(Spy(seed=0))
    assert not calls  # the branch is modelled by the relative (joint) path, no fallback
    assert len(joint) > 30  # branch "a" holds the good trials
    independent = proposals(TPESampler(seed=0, multivariate=False))
    gap_joint = np.median(np.abs(joint[:, 0] - joint[:, 1]))
    gap_independent = np.median(np.abs(independent[:, 0] - independent[:, 1]))
    assert gap_joint < 0.1
    assert gap_joint < 0.4 * gap_independent
    assert np.corrcoef(joint.T)[0, 1] > 0.9


def test_one_parameter_at_a_time_an_integer_returns_to_its_best_value():
    # With multivariate=False each parameter is modelled alone; an integer's value is not a
    # point of the study, so it must be free to repeat (it once walked through every value).
    space = SearchSpace({"n": IntUniform(1, 50), "y": Uniform(0, 1)})
    near = []
    for seed in range(3):
        study = hl.create_study(sampler=TPESampler(seed=seed, multivariate=False), space=space)
        study.optimize(lambda t: (t.params["n"] - 10) ** 2 + t.params["y"], n_trials=40)
        late = [t.params["n"] for t in study.trials[20:]]
        near.append(np.mean([abs(n - 10) <= 2 for n in late]))
    assert min(near) >= 0.5  # it walked the grid: at most 0.1


def test_an_integer_alone_in_its_study_is_not_proposed_twice_while_values_are_left():
    study = hl.create_study(sampler=TPESampler(seed=0, multivariate=False),
                            space=SearchSpace({"n": IntUniform(1, 30)}))
    study.optimize(lambda t: (t.params["n"] - 10) ** 2, n_trials=30)
    assert len({t.params["n"] for t in study.trials}) == 30


def test_a_small_space_is_exhausted_without_repeats_after_the_random_start():
    # 24 points. Near the end the candidates and as many prior draws can all be points seen
    # already; the group is then searched point by point, so no model-based trial repeats one
    # (before, 4 runs of these 6 repeated a point in their last trials).
    space = SearchSpace({"a": Choice(["x", "y", "z"]), "n": IntUniform(0, 3),
                         "b": Choice([1, 2])})
    for seed in range(6):
        study = hl.create_study(sampler=TPESampler(seed=seed, n_startup_trials=0), space=space)
        study.optimize(lambda t: t.params["n"] + (t.params["a"] == "y") + 0.5 * t.params["b"],
                       n_trials=24)
        points = [tuple(sorted(t.params.items())) for t in study.trials]
        assert len(set(points)) == 24, (seed, len(set(points)))


def test_a_redrawn_choice_does_not_repeat_a_trial_while_new_points_are_left():
    # 40 points; TPE retries a categorical value in one proposal in ten, after its guard
    # against repeats: the retry must not bring back a trial (before: 4 runs of 10 did).
    def objective(trial):
        k = trial.suggest_int("k", 0, 9)
        return abs(k - 4) + 0.5 * (trial.suggest_categorical("c", ["a", "b", "c", "d"]) != "b")

    for seed in range(10):
        study = hl.create_study(sampler=TPESampler(seed=seed))
        study.optimize(objective, n_trials=30)
        points = [(t.params["k"], t.params["c"]) for t in study.trials]
        repeats = [i for i in range(10, 30) if points[i] in points[:i]]
        assert not repeats, (seed, repeats)


def test_child_groups_use_only_trials_where_they_were_active():
    space = SearchSpace({"m": Choice({"a": {"x": Uniform(0, 1)}, "b": {"x2": Uniform(0, 1)}})})
    study = FakeStudy(space)
    rng = np.random.default_rng(1)
    for _ in range(40):
        x = rng.random()
        study.add({"m": "a", "x": x}, {"m": space["m"], "x": space["x"]}, abs(x - 0.2))
    sampler = TPESampler(seed=0)
    live = LiveTrial(99)
    sampler.sample_relative(study, live, space)
    hist = sampler._histories["fake"]
    rows, x = hist.matrix([("x", space["x"])])
    assert len(rows) == 40
    rows2, _ = hist.matrix([("x2", space["x2"])])
    assert len(rows2) == 0  # never active: sampled from the prior


def test_failed_trials_are_ignored_and_pruned_trials_ranked_by_last_value():
    d = {"x": Uniform(0, 1)}
    study = FakeStudy()
    study.add({"x": 0.1}, d, None, TrialState.FAILED)
    study.add({"x": 0.2}, d, 5.0)
    study.add({"x": 0.3}, d, None, TrialState.PRUNED, {0: 9.0, 3: 1.0})  # reached step 3
    study.add({"x": 0.4}, d, None, TrialState.PRUNED, {0: 0.5})  # pruned at step 0
    study.add({"x": 0.5}, d, None, TrialState.PRUNED)  # no value at all
    study.add({"x": 0.6}, d, 7.0)
    sampler = TPESampler(seed=0, n_startup_trials=1)
    sampler.sample_independent(study, LiveTrial(10), "x", d["x"])
    hist = sampler._histories["fake"]
    assert hist.n == 5  # the FAILED trial is not an observation
    rows, x = hist.matrix([("x", d["x"])])
    order = np.concatenate(_split(hist, rows, 4))
    # complete trials by value, then pruned ones: deeper first, then by their last value
    assert [round(float(v), 1) for v in x[order, 0]] == [0.2, 0.6, 0.3, 0.4, 0.5]


def test_history_is_incremental():
    """Each finished trial is recorded once, however many proposals read it."""
    recorded = []
    original = History.record

    def spy(self, trial, signs):
        recorded.append(trial.number)
        return original(self, trial, signs)

    History.record = spy
    try:
        study = hl.create_study(sampler=TPESampler(seed=0, n_startup_trials=5))
        study.optimize(quadratic, n_trials=40)
    finally:
        History.record = original
    assert sorted(recorded) == list(range(39))  # the last trial finished after the last proposal


def test_multi_objective_good_set_is_the_pareto_front_first():
    values = np.array([[1.0, 5.0], [2.0, 2.0], [5.0, 1.0], [3.0, 3.0], [6.0, 6.0], [4.0, 4.5]])
    order = _mo_order(values, np.zeros(6, dtype=bool), 3)
    assert sorted(order[:3].tolist()) == [0, 1, 2]
    assert order[3] == 3


def test_multi_objective_study_improves_on_random():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        return x ** 2 + y, (1 - x) ** 2 + y

    def front_quality(sampler):
        study = hl.create_study(directions=["minimize", "minimize"], sampler=sampler)
        study.optimize(objective, n_trials=60)
        return np.mean([t.params["y"] for t in study.trials[30:]])  # y = 0 is optimal

    assert front_quality(TPESampler(seed=0)) < 0.5 * front_quality(RandomSampler(seed=0))


def test_maximize_direction():
    study = hl.create_study(direction="maximize", sampler=TPESampler(seed=0))
    study.optimize(lambda t: -((t.suggest_float("x", -3, 3) - 1) ** 2), n_trials=40)
    assert abs(study.best_params["x"] - 1) < 0.2


# -- parallel proposals -------------------------------------------------------------------------
def _ask_batch(constant_liar: bool, seed: int, storage: str | None = None) -> list:
    space = SearchSpace({"k": IntUniform(0, 50), "c": Choice(["a", "b", "c", "d"])})
    study = hl.create_study(sampler=TPESampler(seed=seed, constant_liar=constant_liar),
                            space=space, storage=storage)
    study.optimize(lambda t: abs(t.params["k"] - 25) + (t.params["c"] != "b"), n_trials=40)
    running = [study.ask() for _ in range(6)]  # asked, not told: RUNNING
    return [(t.params["k"], t.params["c"]) for t in running]


def test_constant_liar_makes_parallel_proposals_distinct():
    for seed in range(4):
        batch = _ask_batch(True, seed)
        assert len(set(batch)) == len(batch), batch
    # Without it, workers that see the same finished trials can propose the same point.
    assert any(len(set(_ask_batch(False, seed))) < 6 for seed in range(4))


def test_constant_liar_sees_running_params_a_sql_storage_does_not_hold_yet(tmp_path):
    # SQLite gets a trial's params with its result (or 50 ms after the suggestion): the liar
    # reads them from the trials running in this process at once (before, seed 2 asked the
    # same point four times in six).
    for seed in range(4):
        batch = _ask_batch(True, seed, f"sqlite:///{tmp_path / f'{seed}.db'}")
        assert len(set(batch)) == len(batch), batch


def test_running_trials_are_seen_by_proposals():
    space = {"x": Uniform(0, 1)}
    study = FakeStudy()
    for i in range(20):
        study.add({"x": i / 20}, space, float(i))
    study.add({"x": 0.5}, space, None, TrialState.RUNNING)
    sampler = TPESampler(seed=0)
    sampler.sample_independent(study, LiveTrial(99), "x", space["x"])
    assert [t.number for t in sampler._running] == [20]


# -- acceptance: better than random search -------------------------------------------------------
def _median_best(make_sampler, objective, n, seeds):
    best = []
    for s in seeds:
        study = hl.create_study(sampler=make_sampler(s))
        study.optimize(objective, n_trials=n)
        best.append(study.best_value)
    return float(np.median(best))


def _branin(trial) -> float:
    return branin(trial.suggest_float("x", -5, 10), trial.suggest_float("y", 0, 15))


_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])


def _hartmann6(trial) -> float:
    x = np.array([trial.suggest_float(f"x{i}", 0, 1) for i in range(6)])
    return float(-np.array([1.0, 1.2, 3.0, 3.2]) @ np.exp(-(_H6_A * (x - _H6_P) ** 2).sum(axis=1)))


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("objective", [_branin, _hartmann6], ids=["branin", "hartmann6"])
def test_tpe_beats_random_search_at_100_trials(objective):
    seeds = range(10)
    tpe = _median_best(lambda s: TPESampler(seed=s), objective, 100, seeds)
    rnd = _median_best(lambda s: RandomSampler(seed=s), objective, 100, seeds)
    assert tpe < rnd
    if objective is _branin:
        assert tpe < 0.05  # regret: random search is around 0.5 here


def _constrained_run(use_constraints: bool, seed: int) -> list:
    """Minimize the distance to (0.9, 0.9) subject to x + y <= 1 (optimum 0.32 at (0.5, 0.5))."""
    study = hl.create_study(sampler=TPESampler(seed=seed))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        if use_constraints:
            trial.set_constraint([x + y - 1])
        trial.set_user_attr("violation", max(0.0, x + y - 1))
        return (x - 0.9) ** 2 + (y - 0.9) ** 2

    study.optimize(objective, n_trials=150)
    return study.trials


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_constraints_steer_tpe_to_the_feasible_optimum():
    for seed in range(3):
        with_c, without = _constrained_run(True, seed), _constrained_run(False, seed)
        feasible = [t.value for t in with_c if t.user_attrs["violation"] == 0]
        feasible_without = [t.value for t in without if t.user_attrs["violation"] == 0]
        # Within 0.005 of the optimum with constraints (0.3204-0.3217 on seeds 0-3); without,
        # a feasible trial lands that close only by chance (0.3287-0.4352).
        assert min(feasible) < 0.32 + 0.005
        assert min(feasible) + 0.005 < min(feasible_without)
        # The optimum is on the boundary: about half the late proposals straddle it.
        late_with = sum(t.user_attrs["violation"] == 0 for t in with_c[50:])
        late_without = sum(t.user_attrs["violation"] == 0 for t in without[50:])
        assert late_with >= 50 and late_with > late_without + 30
        assert with_c[0].constraints is not None


def test_a_choice_the_good_set_has_written_off_is_still_retried_now_and_then():
    # The model alone never proposes "b" or "c" again here; one proposal in ten redraws the
    # choice from its prior (two thirds of those land on "b" or "c").
    sampler = TPESampler(seed=0, constant_liar=False)
    assert 0.02 <= share_of_written_off_choices(sampler, 60, 300) <= 0.12


_BRANIN_SPACE = SearchSpace({"x": Uniform(-5, 10), "y": Uniform(0, 15)})


def _late_regret_on_noisy_branin(denoise: bool, seed: int) -> float:
    noise = np.random.default_rng(seed).normal(0.0, 3.5, 120)  # 10% of the median-to-optimum gap
    study = hl.create_study(sampler=TPESampler(seed=seed, denoise=denoise), space=_BRANIN_SPACE)
    study.optimize(lambda t: branin(t.params["x"], t.params["y"]) + noise[t.number],
                   n_trials=120)
    return float(np.median([branin(t.params["x"], t.params["y"])
                            for t in study.trials[60:]]))


@pytest.mark.slow  # eight TPE runs of 120 trials
def test_on_a_noisy_objective_proposals_follow_the_posterior_mean_not_lucky_draws():
    # Ranked by the noisy values, the good set holds lucky draws and trials 61-120 wander
    # (median true regret 0.6-2.1 on these seeds); ranked by the GP's posterior mean they stay
    # near the optima (0.3-0.9).
    by_mean = np.median([_late_regret_on_noisy_branin(True, seed) for seed in range(4)])
    by_value = np.median([_late_regret_on_noisy_branin(False, seed) for seed in range(4)])
    assert by_mean < 0.8
    assert by_mean < 0.6 * by_value


def test_noise_is_found_in_noisy_values_and_not_in_smooth_ones():
    from hyperloom.samplers._tpe_noise import NoisyRanking

    by_mean = by_value = 0.0
    for seed in range(4):
        rng = np.random.default_rng(seed)
        x = rng.random((60, 3))
        smooth = ((x - 0.3) ** 2).sum(1)
        noisy = smooth + rng.normal(0.0, 0.1, 60)
        assert NoisyRanking().order("s", x, x[:, :0], smooth) is None
        order = NoisyRanking().order("n", x, x[:, :0], noisy)
        assert order is not None and sorted(order) == list(range(60))
        by_mean += smooth[order[:5]].mean()
        by_value += smooth[np.argsort(noisy)[:5]].mean()
    # The best five by the posterior mean are truly better than the five lowest noisy values.
    assert by_mean < 0.85 * by_value


@pytest.mark.parametrize("dims", [3, 10])
def test_late_in_a_study_a_smooth_function_near_its_optimum_is_not_taken_for_noise(dims):
    # 1,600 trials, the best 100 in a small box around the optimum, as a converging TPE leaves
    # them: measured on the whole space, the GP called 62% of a 10-D sphere's variance noise;
    # in their own box it finds the function smooth (and in 3-D, noise where there is some).
    from hyperloom.samplers._tpe_noise import NoisyRanking

    rng = np.random.default_rng(0)
    x = np.vstack([rng.random((1500, dims)), 0.3 + 0.04 * (rng.random((100, dims)) - 0.5)])
    smooth = ((x - 0.3) ** 2).sum(1)
    assert NoisyRanking().order("s", x, x[:, :0], smooth) is None
    if dims == 3:
        noise = rng.normal(0.0, smooth[1500:].std(), 100)
        noisy = smooth + np.r_[np.zeros(1500), noise]
        assert NoisyRanking().order("n", x, x[:, :0], noisy) is not None


def test_noisy_ranking_is_off_in_conditional_spaces_and_with_denoise_false():
    space = SearchSpace({"m": Choice({"a": {"u": Uniform(0, 1)}, "b": {"v": Uniform(0, 1)}})})
    rng = np.random.default_rng(1)
    for sampler in (TPESampler(seed=0), TPESampler(seed=0, denoise=False)):
        study = hl.create_study(sampler=sampler, space=space)
        study.optimize(lambda t: sum(v for k, v in t.params.items() if k != "m")
                       + rng.normal(0, 0.2), n_trials=40)
        assert sampler._noisy is None
    flat = TPESampler(seed=0)
    study = hl.create_study(sampler=flat, space=_BRANIN_SPACE)
    study.optimize(lambda t: branin(t.params["x"], t.params["y"]) + rng.normal(0, 3.5),
                   n_trials=40)
    assert flat._noisy is not None


def test_noisy_ranking_applies_next_to_a_constant_parameter():
    space = SearchSpace({"x": Uniform(-5, 10), "y": Uniform(0, 15), "fixed": Constant(3)})
    rng = np.random.default_rng(2)
    sampler = TPESampler(seed=0)
    study = hl.create_study(sampler=sampler, space=space)
    study.optimize(lambda t: branin(t.params["x"], t.params["y"]) + rng.normal(0, 3.5),
                   n_trials=40)
    assert sampler._noisy is not None and sampler._noisy._fits


def _three_branches(trial) -> float:
    """Define-by-run: two decoys whose floors are easy to reach, and a branch that is worse
    almost everywhere but holds the optimum (0) in a narrow 3-D well."""
    branch = trial.suggest_categorical("branch", ["flat", "bowl", "narrow"])
    if branch == "flat":
        return 0.3 + 0.01 * trial.suggest_float("flat_u", 0, 1)
    if branch == "bowl":
        return 0.25 + 0.2 * (trial.suggest_float("bowl_v", -1, 1) - 0.4) ** 2
    a, b, c = (trial.suggest_float(f"narrow_{k}", 0, 1) for k in "abc")
    d2 = (a - 0.7) ** 2 + (b - 0.2 - 0.5 * a) ** 2 + (c - 0.3) ** 2
    return 0.6 * d2 / (d2 + 0.04)


@pytest.mark.slow  # 24 TPE runs of 200 trials
def test_a_branch_that_looks_bad_is_retried_until_its_narrow_optimum_is_found():
    # Without retries of the branch choice the good set settles on a decoy, and only 2 of
    # these 12 runs find the narrow well; with them 7 do.
    def found(redraw_branch: float) -> int:
        hits = 0
        for seed in range(12):
            study = hl.create_study(sampler=TPESampler(seed=seed, redraw_branch=redraw_branch))
            study.optimize(_three_branches, n_trials=200)
            hits += study.best_value < 0.1
        return hits

    assert found(0.15) >= found(0.0) + 3


def test_choices_between_branches_are_inferred_from_define_by_run_trials():
    def objective(trial) -> float:
        act = trial.suggest_categorical("activation", ["relu", "tanh"])  # opens nothing
        model = trial.suggest_categorical("model", ["linear", "net"])
        if model == "linear":
            return trial.suggest_float("alpha", 0, 1) + (act == "tanh")
        return trial.suggest_int("width", 1, 8) / 8 + (act == "tanh")

    sampler = TPESampler(seed=0)
    study = hl.create_study(sampler=sampler)
    study.optimize(objective, n_trials=30)
    history = next(iter(sampler._histories.values()))
    assert history.branch_choices() == {"model"}


def test_wide_candidates_keep_late_proposals_a_classic_kernel_width_away():
    # The narrowing floor lets late proposals refine the best point closely; candidates drawn
    # with the classic floor (1/(good trials + 2)) keep taking farther steps. Median distance
    # of trials 101-150 from the optimum of a 1-D bowl: 0.0006-0.0009 narrow, 0.0026-0.0033
    # with every candidate wide (seeds 0-2).
    def late_distance(n_wide: int, seed: int) -> float:
        study = hl.create_study(sampler=TPESampler(seed=seed, n_wide_candidates=n_wide),
                                space=SearchSpace({"x": Uniform(0, 1)}))
        study.optimize(lambda t: (t.params["x"] - 0.3) ** 2, n_trials=150)
        return float(np.median([abs(t.params["x"] - 0.3) for t in study.trials[100:]]))

    narrow = [late_distance(0, seed) for seed in range(3)]
    wide = [late_distance(24, seed) for seed in range(3)]
    assert min(wide) > 1.5 * max(narrow), (narrow, wide)


def test_wide_candidates_are_a_part_of_the_candidates():
    with pytest.raises(ValueError, match="n_wide_candidates.*n_ei_candidates"):
        TPESampler(n_ei_candidates=8, n_wide_candidates=9)
    with pytest.raises(ValueError, match="n_wide_candidates"):
        TPESampler(n_wide_candidates=-1)
