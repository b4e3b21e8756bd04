"""The gymnasium adapter: spaces mapped to program inputs and outputs, seeded episodes, and
CGP evolving a perfect CartPole controller through a Study."""

import sys

import numpy as np
import pytest

import hyperloom as hl
from hyperloom import cgp
from hyperloom.samplers import GeneticSampler

pytest.importorskip("gymnasium")


def _constant_program(genome, output_source):
    params = {f"out{j}": output_source for j in range(genome.outputs)}
    for k in range(genome.n_cells):
        params |= {f"cell{k}.op": "const", f"cell{k}.const": 0.0, f"cell{k}.in0": 0,
                   f"cell{k}.in1": 0}
    return cgp.decode(genome, params)


def test_cartpole_maps_four_observations_to_one_sign_output():
    task = cgp.GymTask("CartPole-v1", max_steps=50)
    genome = task.genome(rows=2, columns=2)
    assert (genome.inputs, genome.outputs) == (4, 1)


def test_discrete_action_of_three_is_the_argmax_of_three_outputs():
    task = cgp.GymTask("MountainCar-v0", max_steps=5, episodes=1)
    assert task.n_outputs == 3
    assert task.action_of([0.1, 0.9, -0.5]) == 1


def test_unbounded_observations_are_squashed_into_unit_range():
    task = cgp.GymTask("CartPole-v1")
    scaled = task.inputs_of(np.array([4.8, 1e6, -0.2095, -1e6]))
    assert scaled[0] == pytest.approx(1.0) and scaled[1] == pytest.approx(1.0)
    assert all(-1.0 <= v <= 1.0 for v in scaled)


def test_seeded_episodes_give_the_same_mean_return():
    task = cgp.GymTask("CartPole-v1", episodes=3, max_steps=250, seed=7)
    genome = task.genome(rows=1, columns=1)
    program = _constant_program(genome, output_source=2)  # reads observation x2 (pole angle)
    assert task.score(program) == cgp.GymTask("CartPole-v1", episodes=3, max_steps=250,
                                              seed=7).score(program)
    assert task.score(program) > task.score(_constant_program(genome, output_source=4))


def test_box_action_maps_outputs_onto_its_bounds():
    task = cgp.GymTask("Pendulum-v1", max_steps=5, episodes=1)
    assert task.n_outputs == 1
    assert task.action_of([1.0]).tolist() == [2.0] and task.action_of([-1.0]).tolist() == [-2.0]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])  # benchmarks/graph.py runs 5 seeds: 5 of 5 solve
def test_genetic_cgp_balances_cartpole_perfectly_within_300_generations(seed):
    task = cgp.GymTask("CartPole-v1", episodes=3, max_steps=250, seed=0)
    genome = task.genome(rows=5, columns=5, levels_back=3)
    sampler = GeneticSampler(population_size=4, lambda_=4, mutation_prob=(0.02, 0.2),
                             crossover=None, seed=seed)
    study = hl.create_study(sampler=sampler, space=genome.search_space(), direction="maximize")

    def stop_when_perfect(study, trial):
        if trial.value >= 250:
            study.stop()

    study.optimize(task.objective(genome), n_trials=4 + 300 * 16, callbacks=[stop_when_perfect])
    assert study.best_value == 250
    assert sampler.generation_of(len(study.trials) - 1) <= 300


@pytest.mark.slow  # four worker processes, each making its own environment
def test_parallel_trials_score_like_sequential_ones():
    task = cgp.GymTask("CartPole-v1", episodes=2, max_steps=100, seed=0)
    genome = task.genome(rows=2, columns=3)
    space = genome.search_space()
    options = dict(space=space, direction="maximize", sampler=hl.samplers.RandomSampler(seed=1))
    parallel = hl.create_study(**options)
    parallel.optimize(task.objective(genome), n_trials=16, n_jobs=4)
    for trial in parallel.trials:
        assert trial.value == task.score(cgp.decode(genome, trial.params))


def test_missing_gymnasium_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gymnasium", None)
    with pytest.raises(ImportError, match=r"pip install 'hyperloom\[gym\]'"):
        cgp.GymTask("CartPole-v1")
