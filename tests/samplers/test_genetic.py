"""GeneticSampler and NSGAIISampler: convergence, reproducibility, resuming from storage,
conditional spaces, and the Pareto front against random search."""

from __future__ import annotations

import numpy as np
import pytest

import hyperloom as hl
from hyperloom.objectives import non_dominated_sort
from hyperloom.samplers import GeneticSampler, NSGAIISampler, RandomSampler
from hyperloom.samplers._crowding import crowding_distance
from hyperloom.storage._memory import InMemoryStorage


def quadratic(trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return (x - 3) ** 2 + (y + 1) ** 2 + 1.0  # optimum 1 at (3, -1)


def mixed(trial) -> float:
    x = trial.suggest_float("x", 1e-3, 1e1, log=True)
    n = trial.suggest_int("n", 0, 20)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    return (np.log10(x) - 0.5) ** 2 + (n - 7) ** 2 / 10 + {"a": 1.0, "b": 0.0, "c": 2.0}[kind]


def conditional_space() -> hl.SearchSpace:
    return hl.SearchSpace({
        "model": hl.Choice({
            "svm": {"C": hl.LogUniform(1e-3, 1e3), "kernel": hl.Choice(["rbf", "linear"])},
            "tree": {"depth": hl.IntUniform(1, 10)},
            "none": hl.SearchSpace(),
        }),
        "lr": hl.LogUniform(1e-5, 1),
    })


def params_of(study) -> list[dict]:
    return [t.params for t in study.trials]


def test_reaches_within_five_percent_of_the_optimum_of_a_2d_quadratic():
    study = hl.create_study(sampler=GeneticSampler(seed=0))
    study.optimize(quadratic, n_trials=250)
    assert study.best_value <= 1.05
    assert study.best_params["x"] == pytest.approx(3, abs=0.5)


def test_prior_mutation_and_one_point_crossover_also_converge():
    sampler = GeneticSampler(population_size=8, lambda_=3, mutation="prior",
                             mutation_prob=(0.2, 0.6), crossover="one_point", seed=1)
    study = hl.create_study(sampler=sampler)
    study.optimize(quadratic, n_trials=250)
    assert study.best_value <= 2.0


def test_maximize_direction():
    study = hl.create_study(direction="maximize", sampler=GeneticSampler(seed=3))
    study.optimize(lambda t: -quadratic(t), n_trials=200)
    assert study.best_value >= -1.1


def test_same_seed_same_proposals():
    runs = []
    for _ in range(2):
        study = hl.create_study(sampler=GeneticSampler(population_size=5, seed=7))
        study.optimize(mixed, n_trials=40)
        runs.append(params_of(study))
    assert runs[0] == runs[1]
    other = hl.create_study(sampler=GeneticSampler(population_size=5, seed=8))
    other.optimize(mixed, n_trials=40)
    assert params_of(other) != runs[0]


def test_a_new_sampler_over_the_storage_continues_the_same_evolution():
    whole = hl.create_study(sampler=GeneticSampler(population_size=6, seed=11))
    whole.optimize(mixed, n_trials=50)

    storage = InMemoryStorage()
    first = hl.create_study(storage=storage, study_name="ga",
                            sampler=GeneticSampler(population_size=6, seed=11))
    first.optimize(mixed, n_trials=23)
    resumed = hl.create_study(storage=storage, study_name="ga", load_if_exists=True,
                              sampler=GeneticSampler(population_size=6, seed=11))
    resumed.optimize(mixed, n_trials=27)
    assert params_of(resumed) == params_of(whole)


def test_generations_follow_trial_numbers():
    s = GeneticSampler(population_size=4, lambda_=2)
    assert [s.generation_of(n) for n in (0, 3, 4, 11, 12, 19, 20)] == [0, 0, 1, 1, 2, 2, 3]


def test_children_come_from_the_population():
    """Without mutation or crossover luck, every gene of a child is a parent's gene."""
    sampler = GeneticSampler(population_size=4, lambda_=2, mutation_prob=0.0,
                             crossover_prob=1.0, seed=0)
    study = hl.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_int("a", 0, 1000) + t.suggest_int("b", 0, 1000),
                   n_trials=12)
    first = study.trials[:4]
    genes = {(k, t.params[k]) for t in first for k in ("a", "b")}
    for t in study.trials[4:12]:
        inherited = sum((k, t.params[k]) in genes for k in ("a", "b"))
        assert inherited >= 1  # at most the one forced mutation differs


def test_conditional_static_space_proposals_are_valid():
    space = conditional_space()
    study = hl.create_study(sampler=GeneticSampler(population_size=6, seed=2), space=space)

    def objective(trial):
        p = trial.params
        return np.log10(p["lr"]) ** 2 + {"svm": 0.0, "tree": 1.0, "none": 2.0}[p["model"]]

    study.optimize(objective, n_trials=150)
    for t in study.trials:
        space.validate(t.params)
    assert study.best_value < 0.5


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.filterwarnings("ignore:trial .* failed")
def test_failed_trials_and_parallel_workers_are_tolerated():
    def objective(trial):
        v = quadratic(trial)
        if trial.number % 7 == 3:
            raise ValueError("boom")
        return v

    study = hl.create_study(sampler=GeneticSampler(population_size=6, seed=4))
    study.optimize(objective, n_trials=60, catch=(ValueError,), n_jobs=2)
    assert len(study.trials) == 60
    assert study.best_value < 20


def test_single_objective_sampler_rejects_multi_objective_studies():
    study = hl.create_study(directions=["minimize", "minimize"], sampler=GeneticSampler())
    with pytest.raises(ValueError, match="NSGAIISampler"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=1)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="mutation"):
        GeneticSampler(mutation="swap")
    with pytest.raises(ValueError, match="mutation_prob"):
        GeneticSampler(mutation_prob=(0.8, 0.2))
    with pytest.raises(ValueError, match="crossover"):
        GeneticSampler(crossover="two_point")
    with pytest.raises(ValueError, match="population_size"):
        NSGAIISampler(population_size=0)


# -- NSGA-II -------------------------------------------------------------------------------------
def zdt1(trial) -> tuple[float, float]:
    x = np.array([trial.suggest_float(f"x{i}", 0, 1) for i in range(5)])
    f1 = x[0]
    g = 1 + 9 * x[1:].mean()
    return f1, g * (1 - np.sqrt(f1 / g))


def hypervolume_2d(points: np.ndarray, ref: tuple[float, float]) -> float:
    pts = points[(points[:, 0] < ref[0]) & (points[:, 1] < ref[1])]
    pts = pts[np.argsort(pts[:, 0])]
    hv, best_y = 0.0, ref[1]
    for x, y in pts:
        if y < best_y:
            hv += (ref[0] - x) * (best_y - y)
            best_y = y
    return hv


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_nsga2_front_beats_random_search():
    def front_hv(sampler) -> float:
        study = hl.create_study(directions=["minimize", "minimize"], sampler=sampler)
        study.optimize(zdt1, n_trials=400)
        return hypervolume_2d(np.array([t.values for t in study.best_trials]), (1.1, 11.0))

    hv_nsga = front_hv(NSGAIISampler(population_size=20, seed=0))
    hv_random = front_hv(RandomSampler(seed=0))
    assert hv_nsga > hv_random + 0.5  # the true front's volume is about 10.3


def test_nsga2_is_reproducible_and_handles_constraints():
    def objective(trial):
        x = trial.suggest_float("x", -2, 2)
        y = trial.suggest_int("y", -5, 5)
        trial.set_constraint([x - 1.0])
        return x ** 2 + y ** 2, (x - 1) ** 2 + y ** 2

    runs = []
    for _ in range(2):
        study = hl.create_study(directions=["minimize", "minimize"],
                                sampler=NSGAIISampler(population_size=8, seed=5))
        study.optimize(objective, n_trials=60)
        runs.append(params_of(study))
    assert runs[0] == runs[1]
    assert all(t.feasible for t in study.best_trials)


def test_nondominated_ranks_and_crowding():
    v = np.array([[0, 3], [1, 1], [3, 0], [2, 2], [4, 4], [1.5, 1.5]], dtype=float)
    ranks = non_dominated_sort(v, ["minimize"] * 2, violation=np.zeros(len(v)))
    assert list(ranks) == [0, 0, 0, 2, 3, 1]
    feas = non_dominated_sort(v, ["minimize"] * 2, violation=[0, 0, 0, 0, 0, 1.0])
    assert feas[5] == max(feas)  # the infeasible point ranks last
    c = crowding_distance(v[:3])
    assert np.isinf(c[0]) and np.isinf(c[2]) and np.isfinite(c[1])


def test_pickles_after_use():
    import pickle

    sampler = NSGAIISampler(population_size=4, seed=0)
    study = hl.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(zdt1, n_trials=12)
    clone = pickle.loads(pickle.dumps(sampler))
    assert clone.generation_of(11) == sampler.generation_of(11)
