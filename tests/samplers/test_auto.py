"""AutoSampler: which algorithm it picks for which study, reproducibility. (Valid points of
random numeric, mixed and large spaces: the contract of test_conformance.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

import hyperloom as hl
from hyperloom.samplers import AutoSampler
from hyperloom.samplers._portfolio import HitRatePortfolio
from hyperloom.space import Choice, IntUniform, LogUniform, SearchSpace, Uniform


class Spy(AutoSampler):
    """Records the inner sampler chosen for each trial."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.picks: dict[int, str] = {}

    def choose(self, study, trial) -> str:
        name = super().choose(study, trial)
        self.picks[trial.number] = name
        return name


def _run(sampler, space=None, n=14, directions=None, objective=None):
    study = hl.create_study(sampler=sampler, directions=directions)
    objective = objective or (lambda t: float(np.nansum(study_space(t) ** 2)))

    def study_space(trial):
        return space.encode(trial.params) - 0.3

    study.optimize(objective, n_trials=n, space=space)
    return study


def test_small_numeric_space_uses_gp_then_tpe_after_gp_max_trials():
    space = SearchSpace({"x": Uniform(-5, 5), "y": LogUniform(1e-3, 1), "k": IntUniform(1, 9)})
    sampler = Spy(seed=0, gp_max_trials=12)
    _run(sampler, space, n=16)
    assert [sampler.picks[i] for i in range(16)] == ["gp"] * 12 + ["tpe"] * 4


def test_small_conditional_or_categorical_spaces_use_gp_large_ones_tpe():
    conditional = SearchSpace({"m": Choice({"a": {"x": Uniform(0, 1)}, "b": {}})})
    categorical = SearchSpace({"x": Uniform(0, 1), "act": Choice(["relu", "tanh"])})
    for space in (conditional, categorical):
        sampler = Spy(seed=0)
        _run(sampler, space, n=5)
        assert set(sampler.picks.values()) == {"gp"}
    only_choices = SearchSpace({"act": Choice(["relu", "tanh"]), "opt": Choice(["a", "b"])})
    large = SearchSpace({**{f"x{i}": Uniform(0, 1) for i in range(10)},
                         "act": Choice(["relu", "tanh"])})
    for space in (only_choices, large):
        sampler = Spy(seed=0)
        _run(sampler, space, n=5)
        assert set(sampler.picks.values()) == {"tpe"}


def test_large_numeric_spaces_share_trials_between_cmaes_with_restarts_and_tpe():
    big = SearchSpace({**{f"x{i}": Uniform(0, 1) for i in range(10)}, "n": IntUniform(1, 9)})
    sampler = Spy(seed=0)
    study = _run(sampler, big, n=60)
    picks = [sampler.picks[i] for i in range(60)]
    assert set(picks) == {"cmaes", "tpe"}
    assert 0.2 * 40 - 1 <= picks[20:].count("tpe") <= 0.8 * 40 + 1  # each keeps its floor
    assert [t.system_attrs["sampler"] for t in study.trials] == picks
    assert sampler._samplers["cmaes"].restart_strategy == "ipop"
    assert all(isinstance(t.params["n"], int) and 1 <= t.params["n"] <= 9 for t in study.trials)


def test_the_share_follows_the_sampler_whose_trials_beat_the_best_quarter():
    portfolio = HitRatePortfolio("cmaes", "tpe")
    picks = []
    for i in range(200):  # TPE's values keep improving, CMA-ES's never come near them
        if i == 20:
            assert picks.count("tpe") == 10  # an even split until there is evidence
        picks.append(portfolio.choose())
        portfolio.record(100.0 - i if picks[-1] == "tpe" else 1000.0 + i, picks[-1])
    assert portfolio.share() == pytest.approx(0.8)  # the floor keeps CMA-ES at one in five
    assert 0.78 <= picks.count("tpe") / 200 <= 0.8
    assert picks[-50:].count("cmaes") >= 9
    # A failed value is a miss and does not disturb the ranking of the others.
    portfolio.record(math.nan, "tpe")
    portfolio.record(-1.0, "cmaes")
    assert portfolio._sorted == sorted(portfolio._sorted)


def test_the_portfolio_is_read_from_stored_trials_so_a_resumed_study_chooses_alike():
    space = SearchSpace({f"x{i}": Uniform(-5, 10) for i in range(10)})

    def rosenbrock(t) -> float:
        x = np.array([t.params[f"x{i}"] for i in range(10)]) - 3.0
        return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))

    straight = hl.create_study(sampler=AutoSampler(seed=3))
    straight.optimize(rosenbrock, n_trials=70, space=space)
    resumed = hl.create_study(sampler=AutoSampler(seed=3))
    resumed.optimize(rosenbrock, n_trials=40, space=space)
    resumed.sampler = AutoSampler(seed=3)  # a new process: nothing in memory
    resumed.optimize(rosenbrock, n_trials=30, space=space)
    # The new process's samplers draw other random numbers, so the two studies part at some
    # trial; until then each choice was made from the same stored trials and must agree
    # (here they part at trial 50, where the portfolio hands over from CMA-ES to TPE).
    parted = next((i for i, (a, b) in enumerate(zip(straight.trials, resumed.trials))
                   if a.params != b.params), len(straight.trials))
    assert parted > 45
    choices = [t.system_attrs["sampler"] for t in straight.trials][:parted + 1]
    assert [t.system_attrs["sampler"] for t in resumed.trials][:parted + 1] == choices
    assert {"cmaes", "tpe"} <= set(choices[40:])


def test_multi_objective_uses_tpe():
    sampler = Spy(seed=0)
    two = SearchSpace({"x": Uniform(0, 1)})
    _run(sampler, two, n=5, directions=["minimize", "maximize"],
         objective=lambda t: (t.params["x"], t.params["x"] ** 2))
    assert set(sampler.picks.values()) == {"tpe"}


class _View:
    def __init__(self, space, trials) -> None:
        self.study_name, self.directions, self.space, self.trials = "v", ["minimize"], space, trials

    def get_trials(self, states=None):
        return self.trials


def test_large_numeric_space_uses_gp_when_the_objective_is_slow():
    from hyperloom.storage._frozen import FrozenTrial, TrialState

    space = SearchSpace({f"x{i}": Uniform(0, 1) for i in range(12)})

    def trials(seconds):
        return [FrozenTrial(trial_id=i, number=i, state=TrialState.COMPLETE, values=[1.0],
                            params={n: 0.5 for n in space}, distributions=dict(space),
                            datetime_start=100.0 * i, datetime_complete=100.0 * i + seconds)
                for i in range(5)]

    class Live:
        number = 5

    cheap = {"cmaes", "tpe"}
    assert AutoSampler().choose(_View(space, trials(2.0)), Live()) == "gp"
    assert AutoSampler().choose(_View(space, trials(0.01)), Live()) in cheap
    assert AutoSampler(gp_max_trials=5).choose(_View(space, trials(2.0)), Live()) in cheap


def test_define_by_run_fixed_numeric_params_use_gp_dynamic_ones_tpe():
    sampler = Spy(seed=0, gp_max_trials=50)
    study = hl.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 5),
                   n_trials=16)
    # Ten trials to learn the parameters (the GP would start with space-filling points too).
    assert [sampler.picks[i] for i in range(16)] == ["tpe"] * 10 + ["gp"] * 6

    sampler = Spy(seed=0)
    study = hl.create_study(sampler=sampler)

    def objective(t) -> float:
        if t.suggest_float("x", 0, 1) > 0.5:
            return t.suggest_float("y", 0, 1)
        return 1.0

    study.optimize(objective, n_trials=20)
    assert sampler.picks[19] == "tpe"


def _params_proposed(sampler, objective, n_trials, space=None) -> list[dict]:
    study = hl.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n_trials, space=space)
    return [t.params for t in study.trials]


@pytest.mark.parametrize("seed", [0, 1])
def test_on_a_define_by_run_conditional_space_the_default_makes_the_trials_of_tpe(seed):
    def objective(t) -> float:
        model = t.suggest_categorical("model", ["tree", "net"])
        if model == "tree":
            return (t.suggest_int("depth", 1, 12) - 7) ** 2 / 10
        return (t.suggest_float("lr", 1e-4, 1, log=True) - 0.01) ** 2 \
            + t.suggest_float("dropout", 0, 0.5)

    assert _params_proposed(AutoSampler(seed=seed), objective, 30) == \
        _params_proposed(hl.samplers.TPESampler(seed=seed), objective, 30)


def _bowl_at_1_3(trial) -> float:
    return (trial.params["x"] - 1) ** 2 + (trial.params["y"] - 3) ** 2


_BRANIN_BOX = SearchSpace({"x": Uniform(-5, 10), "y": Uniform(0, 15)})


def test_on_a_small_static_space_the_default_makes_the_trials_of_the_gp():
    assert _params_proposed(AutoSampler(seed=3), _bowl_at_1_3, 14, _BRANIN_BOX) == \
        _params_proposed(hl.samplers.GPSampler(seed=3, min_noise_share=0.03), _bowl_at_1_3, 14,
                         _BRANIN_BOX)


@pytest.mark.slow  # 66 GP trials
def test_from_trial_60_one_gp_trial_in_three_is_proposed_by_tpe():
    mixed, alone = Spy(seed=0), Spy(seed=0, gp_tpe_every=0)
    for sampler in (mixed, alone):
        _params_proposed(sampler, _bowl_at_1_3, 66, _BRANIN_BOX)
    assert [mixed.picks[i] for i in range(60, 66)] == ["gp", "gp", "tpe"] * 2
    assert {mixed.picks[i] for i in range(60)} == {"gp"}
    assert {alone.picks[i] for i in range(66)} == {"gp"}


def _rugged_bowl(trial) -> float:
    """A smooth bowl under a deterministic ripple of 5% of its range: rough, not noisy (a
    cross-validated loss is alike)."""
    x, y = trial.params["x"], trial.params["y"]
    return _bowl(x, y) + 0.05 * math.sin(60 * x) * math.sin(60 * y)


@pytest.mark.slow  # three GP runs of 72 trials
def test_on_a_rough_objective_two_gp_trials_in_three_from_trial_60_are_tpes():
    space = SearchSpace({"x": Uniform(-1, 1), "y": Uniform(-1, 1)})
    rough, smooth, off = Spy(seed=0), Spy(seed=0), Spy(seed=0, gp_every_rough=0)
    _params_proposed(rough, _rugged_bowl, 72, space)
    _params_proposed(smooth, lambda t: _bowl(t.params["x"], t.params["y"]), 72, space)
    _params_proposed(off, _rugged_bowl, 72, space)
    assert {rough.picks[i] for i in range(60)} == {"gp"}
    assert [rough.picks[i] for i in range(60, 72)] == ["gp", "tpe", "tpe"] * 4
    assert [smooth.picks[i] for i in range(60, 72)] == ["gp", "gp", "tpe"] * 4
    assert [off.picks[i] for i in range(60, 72)] == ["gp", "gp", "tpe"] * 4


def test_same_seed_gives_identical_params_over_three_runs():
    space = SearchSpace({"x": Uniform(-5, 10), "y": Uniform(0, 15)})

    def branin(t) -> float:
        x, y = t.params["x"], t.params["y"]
        return (y - 5.1 / (4 * math.pi ** 2) * x * x + 5 / math.pi * x - 6) ** 2 \
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10

    large = SearchSpace({f"x{i}": Uniform(-1, 1) for i in range(10)})  # CMA-ES

    def sphere(t) -> float:
        return float(sum(v * v for v in t.params.values()))

    for sp, objective in ((space, branin), (large, sphere)):
        runs = []
        for _ in range(3):
            study = hl.create_study(sampler=AutoSampler(seed=5, gp_max_trials=12))
            study.optimize(objective, n_trials=30, space=sp)
            runs.append([t.params for t in study.trials])
        assert runs[0] == runs[1] == runs[2]


def test_each_trial_records_the_sampler_that_proposed_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'auto.db'}"
    space = SearchSpace({"x": Uniform(-5, 5), "y": Uniform(-5, 5)})
    study = hl.create_study(storage=url, study_name="s", space=space,
                            sampler=AutoSampler(seed=0, gp_max_trials=12))
    study.enqueue_trial({"x": 0.0, "y": 0.0})
    study.optimize(lambda t: t.params["x"] ** 2 + t.params["y"] ** 2, n_trials=16)
    trials = hl.load_study(study_name="s", storage=url).trials
    assert "sampler" not in trials[0].system_attrs  # enqueued: nothing was proposed
    assert [t.system_attrs["sampler"] for t in trials[1:]] == ["gp"] * 11 + ["tpe"] * 4


@pytest.mark.slow  # starts worker processes
def test_the_sampler_is_recorded_for_trials_run_in_worker_processes():
    study = hl.create_study(seed=1)
    study.optimize(_sphere_by_run, n_trials=6, n_jobs=2)
    assert {t.system_attrs.get("sampler") for t in study.trials} <= {"gp", "tpe"}
    assert all("sampler" in t.system_attrs for t in study.trials)


def _sphere_by_run(trial) -> float:
    return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_float("y", -1, 1) ** 2


def test_create_study_seed_seeds_the_default_sampler():
    def params(seed):
        study = hl.create_study(seed=seed)
        study.optimize(_sphere_by_run, n_trials=14)
        return [t.params for t in study.trials]

    assert params(3) == params(3)
    assert params(3) != params(4)


def test_a_seed_with_a_sampler_of_ones_own_is_refused_naming_the_fix():
    with pytest.raises(ValueError, match=r"TPESampler\(seed=3\)"):
        hl.create_study(seed=3, sampler=hl.samplers.TPESampler())
    with pytest.raises(ValueError, match="seed must be an int"):
        hl.create_study(seed="3")


def _cheap(trial) -> float:
    return sum((trial.suggest_float(n, -1, 1) - 0.3) ** 2 for n in "xyz")


@pytest.mark.timed
@pytest.mark.slow  # a one-second budget
def test_under_a_time_budget_a_cheap_objective_moves_from_the_gp_to_tpe():
    study = hl.create_study(seed=0)
    study.optimize(_cheap, timeout=1.0)
    picks = [t.system_attrs["sampler"] for t in study.trials]
    # The first GP model proposal costs more than the objective: TPE from then on.
    assert picks.count("gp") <= 12 and set(picks[12:]) == {"tpe"}
    assert len(picks) > 60
    # The same study without a timeout keeps the GP: the rule is about time, not trials.
    study = hl.create_study(seed=0)
    study.optimize(_cheap, n_trials=14)
    assert [t.system_attrs["sampler"] for t in study.trials] == ["tpe"] * 10 + ["gp"] * 4


@pytest.mark.timed
@pytest.mark.slow  # several seconds of objective
def test_under_a_time_budget_a_slow_objective_keeps_the_gp():
    import time

    def slow(trial) -> float:
        time.sleep(0.25)
        return _cheap(trial)

    study = hl.create_study(seed=0)
    study.optimize(slow, timeout=4.0)
    picks = [t.system_attrs["sampler"] for t in study.trials]
    assert len(picks) >= 12 and set(picks[10:]) == {"gp"}


def _bowl(x: float, y: float) -> float:
    return (x - 0.3) ** 2 + 2 * (y + 0.2) ** 2 + 0.3 * math.sin(5 * x)


@pytest.mark.slow  # two GP runs of 45 trials
def test_a_noisy_objective_moves_from_the_gp_to_tpe_a_smooth_one_keeps_it():
    space = SearchSpace({"x": Uniform(-1, 1), "y": Uniform(-1, 1)})
    noise = np.random.default_rng(0).normal(0.0, 0.15, 45)  # 3-10% of the variance
    noisy = hl.create_study(seed=0, space=space)
    noisy.optimize(lambda t: _bowl(t.params["x"], t.params["y"]) + noise[t.number],
                   n_trials=45)
    picks = [t.system_attrs["sampler"] for t in noisy.trials]
    # Five GP fits in a row that put 3% or more of the variance in noise, and at least 20
    # trials: TPE from then on, for good.
    switch = picks.index("tpe")
    assert picks[1:switch] == ["gp"] * (switch - 1) and set(picks[switch:]) == {"tpe"}
    assert 20 <= switch <= 35
    smooth = hl.create_study(seed=0, space=space)
    smooth.optimize(lambda t: _bowl(t.params["x"], t.params["y"]), n_trials=45)
    assert [t.system_attrs["sampler"] for t in smooth.trials][1:] == ["gp"] * 44
