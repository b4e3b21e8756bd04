"""`sampler_by_name`: the one name -> sampler lookup behind `algo="tpe"` (graph, template) and
`hyperloom run --sampler tpe` (sweep)."""

import re

import pytest

import hyperloom as hl
from hyperloom import samplers
from hyperloom.samplers import sampler_by_name

SEEDED = [  # name, the class it gives
    ("auto", "AutoSampler"), ("cmaes", "CmaEsSampler"), ("genetic", "GeneticSampler"),
    ("gp", "GPSampler"), ("nsgaii", "NSGAIISampler"), ("qmc", "QMCSampler"),
    ("random", "RandomSampler"), ("tpe", "TPESampler"),
    # aliases, and the spellings of the class names
    ("cma", "CmaEsSampler"), ("nsga2", "NSGAIISampler"), ("sobol", "QMCSampler"),
    ("halton", "QMCSampler"), ("TPESampler", "TPESampler"), ("NSGA-II", "NSGAIISampler"),
    ("CmaEs_Sampler", "CmaEsSampler"),
]
SPACE = hl.SearchSpace({"x": hl.Uniform(0, 1)})
GRID = hl.SearchSpace({"a": hl.Choice([1, 2, 3])})


@pytest.mark.parametrize(("name", "class_name"), SEEDED)
def test_each_name_gives_its_class_with_the_seed(name, class_name):
    sampler = sampler_by_name(name, seed=7)
    assert type(sampler) is getattr(samplers, class_name)
    assert sampler.get_params()["seed"] == 7


def test_every_exported_sampler_class_has_a_name():
    exported = {n for n in samplers.__all__ if n.endswith("Sampler") and n != "BaseSampler"}
    named = {type(sampler_by_name(name, space=GRID)).__name__
             for name in ("auto", "cmaes", "genetic", "gp", "grid", "nsgaii", "qmc", "random",
                          "tpe")}
    assert named == exported


def test_sobol_and_halton_pick_their_sequence():
    assert sampler_by_name("sobol").get_params()["qmc_type"] == "sobol"
    assert sampler_by_name("halton").get_params()["qmc_type"] == "halton"


def test_same_name_and_seed_give_the_same_proposals():
    def proposals(seed):
        study = hl.create_study(sampler=sampler_by_name("random", seed=seed), space=SPACE)
        study.optimize(lambda t: t.params["x"], n_trials=5)
        return [t.params["x"] for t in study.trials]

    assert proposals(3) == proposals(3) != proposals(4)


def test_grid_walks_the_given_space():
    sampler = sampler_by_name("grid", space=GRID)
    assert isinstance(sampler, samplers.GridSampler)
    study = hl.create_study(sampler=sampler, space=GRID)
    study.optimize(lambda t: t.params["a"], n_trials=10)
    assert sorted(t.params["a"] for t in study.trials) == [1, 2, 3]


def test_grid_without_a_space_says_to_pass_one():
    with pytest.raises(ValueError, match=r"'grid' needs the space .*space="):
        sampler_by_name("grid")


def test_options_reach_the_constructor():
    sampler = sampler_by_name("genetic", seed=1, population_size=4, lambda_=3, elitism=2)
    assert sampler.get_params() == {**samplers.GeneticSampler().get_params(), "population_size": 4,
                                    "lambda_": 3, "elitism": 2, "seed": 1}


def test_an_option_the_sampler_lacks_is_named_with_those_it_has():
    with pytest.raises(ValueError, match=r"TPESampler has no option 'popsize'; .*n_startup_trials"):
        sampler_by_name("tpe", popsize=4)


def test_a_sampler_object_is_returned_unchanged():
    sampler = samplers.TPESampler(seed=1)
    assert sampler_by_name(sampler, seed=2) is sampler


def test_an_unknown_name_lists_the_known_names_and_aliases():
    with pytest.raises(ValueError) as info:
        sampler_by_name("annealing")
    message = str(info.value)
    assert message.startswith("unknown sampler 'annealing'")
    for name in ("auto", "cmaes", "genetic", "gp", "grid", "nsgaii", "qmc", "random", "tpe",
                 "cma", "nsga2", "sobol", "halton"):
        assert re.search(rf"\b{name}\b", message)


def test_a_name_that_is_not_a_string_is_refused():
    with pytest.raises(ValueError, match="a name or a sampler object, got 3"):
        sampler_by_name(3)
