"""Defaults, missing tweaks, explicit overrides, and a study's params fed to a run."""

import numpy as np
import pytest

import hyperloom as hl
from hyperloom import graph


@graph.tweaks(rate=hl.Uniform(0, 0.5), units=hl.IntUniform(1, 8), defaults={"rate": 0.1})
def layer(x, rate, units):
    return {"x": x, "rate": rate, "units": units}


@graph.aggregator
def net():
    return layer(x=graph.input("x"))


def test_a_default_is_used_when_the_run_has_no_value_for_the_tweak():
    out = graph.run(net(), tweaks={"net.layer.units": 3}, x=0)
    assert out == {"x": 0, "rate": 0.1, "units": 3}



def test_a_distribution_default_is_the_tweaks_default_wherever_it_is_declared():
    @graph.tweaks(rate=hl.Uniform(0, 0.5, default=0.1), act=hl.Choice(["relu", "tanh"],
                                                                     default="tanh"))
    def block(x, rate, act):
        return (x, rate, act)

    @graph.aggregator
    def g():
        return [block(x=1), block(x=2, rate=hl.Uniform(0, 1, default=0.7)),
                graph.tweak(hl.IntUniform(1, 9, default=4), name="n")]

    assert graph.run(g()) == [(1, 0.1, "tanh"), (2, 0.7, "tanh"), 4]
    assert graph.run(g(), tweaks={"g.block.rate": 0.3})[0] == (1, 0.3, "tanh")
    with pytest.raises(ValueError, match="`default` 0.9 is not a value of Uniform"):
        hl.Uniform(0, 0.5, default=0.9)

def test_a_missing_tweak_without_default_is_an_error_naming_its_id():
    with pytest.raises(graph.MissingTweakError, match="'net.layer.units' has no value"):
        graph.run(net(), x=0)


def test_a_tweak_node_default_is_used_and_shown_by_dump_tweaks():
    @graph.aggregator
    def g():
        return graph.tweak(hl.LogUniform(1e-4, 1), name="lr", default=0.01)

    assert graph.run(g()) == 0.01
    assert graph.dump_tweaks(g(), file=None)[0]["default"] == 0.01


def test_an_explicit_argument_overrides_its_tweak_and_leaves_no_gene():
    @graph.aggregator
    def fixed():
        return layer(x=1, rate=0.3)

    g = fixed()
    assert g.tweak_ids == ["fixed.layer.units"]
    assert graph.run(g, tweaks={"fixed.layer.units": 2})["rate"] == 0.3


def test_a_distribution_given_as_argument_becomes_a_tweak_of_that_site():
    @graph.aggregator
    def inline():
        return layer(x=1, units=hl.IntUniform(10, 20))

    space = inline().search_space()
    assert space["inline.layer.units"] == hl.IntUniform(10, 20)


def test_unknown_and_out_of_range_tweaks_are_errors_naming_the_id():
    with pytest.raises(graph.GraphError, match="'net.layer.unit' is not in graph 'net'"):
        graph.run(net(), tweaks={"net.layer.unit": 3}, x=0)
    with pytest.raises(graph.GraphError, match="'net.layer.units': 99 is not a value"):
        graph.run(net(), tweaks={"net.layer.units": 99}, x=0)


def test_a_missing_input_is_an_error_naming_it():
    with pytest.raises(graph.GraphError, match="input 'x' .* graph.run\\(g, x=...\\)"):
        graph.run(net(), tweaks={"net.layer.units": 3})


def model_a():
    return "a"


def model_b():
    return "b"


def test_a_study_drives_the_graph_with_its_trial_params_as_they_are():
    @graph.aggregator
    def g():
        make = graph.tweak(hl.Choice([model_a, model_b]), name="model")
        return graph.call(lambda m, s: (m(), s)) << [make, graph.tweak(hl.Uniform(0, 1), "s")]

    built = g()
    study = hl.create_study(space=built.search_space(),
                            sampler=hl.samplers.RandomSampler(seed=0))
    study.optimize(lambda trial: graph.run(built, tweaks=trial.params)[1], n_trials=5)
    name, s = graph.run(built, tweaks=study.best_params)
    assert name in {"a", "b"} and s == study.best_value


ALL_DISTRIBUTIONS = [hl.Uniform(-1, 1), hl.LogUniform(1e-3, 10), hl.QUniform(0, 1, 0.25),
                     hl.IntUniform(1, 9, step=2), hl.IntUniform(1, 100, log=True),
                     hl.Normal(0, 1), hl.LogNormal(0, 1), hl.QNormal(0, 3, 0.5),
                     hl.Choice(["relu", 3, None]), hl.Constant("fixed")]


@pytest.mark.parametrize("dist", ALL_DISTRIBUTIONS, ids=lambda d: d.kind)
def test_every_distribution_round_trips_through_a_graph_space_and_run(dist):
    @graph.tweaks(v=dist)
    def echo(v):
        return v

    @graph.aggregator
    def g():
        return echo()

    built = g()
    space = built.search_space()
    assert space["g.echo.v"] == dist
    rng = np.random.default_rng(1)
    for _ in range(20):
        params = space.sample(rng)
        assert dist.contains(graph.run(built, tweaks=params))


def test_an_integer_tweak_given_as_a_whole_float_reaches_the_function_as_an_int():
    out = graph.run(net(), tweaks={"net.layer.units": 3.0}, x=0)
    assert out["units"] == 3 and isinstance(out["units"], int)


def test_params_outside_the_graph_prefix_are_left_to_their_owner():
    out = graph.run(net(), tweaks={"net.layer.units": 3, "batch_size": 64}, x=0)
    assert out["units"] == 3


def test_stacked_tweaks_decorators_merge_their_tweaks_and_defaults():
    @graph.tweaks(a=hl.Uniform(0, 1), defaults={"a": 0.5})
    @graph.tweaks(b=hl.IntUniform(0, 3))
    def both(a, b):
        return a, b

    @graph.aggregator
    def g():
        return both()

    assert g().tweak_ids == ["g.both.a", "g.both.b"]
    assert graph.run(g(), tweaks={"g.both.b": 2}) == (0.5, 2)


def test_a_switch_default_picks_its_branch_when_the_run_gives_none():
    @graph.aggregator
    def g():
        return graph.switch("mode", default="fast") << {"fast": 1, "slow": 2}

    assert graph.run(g()) == 1
    assert graph.run(g(), tweaks={"g.mode": "slow"}) == 2
