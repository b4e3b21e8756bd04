"""Every distribution of hyperloom.space, inside and outside a switch branch, works with every
sampler through a graph's space (Hypergraph's TPE bridge crashed on LogUniform and Normal)."""

import pytest

import hyperloom as hl
from hyperloom import graph

DISTRIBUTIONS = {"u": hl.Uniform(-1, 1), "lu": hl.LogUniform(1e-3, 10),
                 "qu": hl.QUniform(0, 1, 0.25), "i": hl.IntUniform(1, 9, step=2),
                 "il": hl.IntUniform(1, 100, log=True), "n": hl.Normal(0, 1),
                 "ln": hl.LogNormal(0, 1), "qn": hl.QNormal(0, 3, 0.5),
                 "c": hl.Choice(["relu", 3, None]), "k": hl.Constant("fixed")}


@graph.tweaks(**DISTRIBUTIONS)
def every(**values):
    return values


@graph.aggregator
def all_kinds():
    return graph.switch("which") << {"every": every(), "none": {}}


SAMPLERS = {
    "random": lambda: hl.samplers.RandomSampler(seed=0),
    "qmc": lambda: hl.samplers.QMCSampler(seed=0),
    "tpe": lambda: hl.samplers.TPESampler(seed=0, n_startup_trials=4),
    "genetic": lambda: hl.samplers.GeneticSampler(seed=0, population_size=4),
    "cmaes": lambda: hl.samplers.CmaEsSampler(seed=0),
    "auto": lambda: hl.samplers.AutoSampler(seed=0),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_every_distribution_works_with_every_sampler_through_a_graph(name):
    g = all_kinds()
    study = hl.create_study(space=g.search_space(), sampler=SAMPLERS[name]())
    outputs = []

    def objective(trial):
        out = graph.run(g, tweaks=trial.params)
        outputs.append(out)
        return float(len(out))

    study.optimize(objective, n_trials=16)
    assert all(t.state == hl.TrialState.COMPLETE for t in study.trials)
    for out in outputs:
        assert all(DISTRIBUTIONS[key].contains(value) for key, value in out.items())
    assert any(out for out in outputs)  # the branch holding the tweaks was explored
