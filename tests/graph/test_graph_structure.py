"""Switches and permutations: a conditional space, and only what is chosen runs."""

from collections import Counter

import numpy as np
import pytest

import hyperloom as hl
from hyperloom import graph

calls = Counter()


@graph.tweaks(w=hl.Uniform(0, 1))
def left(x, w):
    calls["left"] += 1
    return ("left", x, w)


@graph.tweaks(k=hl.IntUniform(1, 5))
def right(x, k):
    calls["right"] += 1
    return ("right", x, k)


@graph.tweaks(scale=hl.Uniform(1, 2))
def prepare(x, scale):
    calls["prepare"] += 1
    return x * scale


@graph.aggregator
def branchy():
    x = prepare(x=graph.input("x"))
    return graph.switch("side") << {"l": left(x=x), "r": right(x=x)}


def test_a_switch_makes_branch_tweaks_conditional_and_shared_work_unconditional():
    space = branchy().search_space()
    assert space.top_level.keys() == {"branchy.prepare.scale", "branchy.side"}
    assert space.is_conditional
    for params in (space.sample(seed) for seed in range(10)):
        assert ("branchy.left.w" in params) == (params["branchy.side"] == "l")
        assert ("branchy.right.k" in params) == (params["branchy.side"] == "r")


def test_only_the_chosen_branch_runs_and_each_node_once_per_run():
    calls.clear()
    g = branchy()
    out = graph.run(g, tweaks={"branchy.prepare.scale": 1.0, "branchy.side": "r",
                               "branchy.right.k": 2}, x=3)
    assert out == ("right", 3.0, 2)
    assert calls == {"prepare": 1, "right": 1}


def test_a_list_switch_is_chosen_by_index():
    @graph.aggregator
    def pick():
        return graph.switch("act") << ["relu", "tanh", graph.tweak(hl.Uniform(0, 1), "slope")]

    g = pick()
    assert graph.run(g, tweaks={"pick.act": 1}) == "tanh"
    assert graph.run(g, tweaks={"pick.act": 2, "pick.slope": 0.5}) == 0.5
    assert g.search_space().sample(0)["pick.act"] in {0, 1, 2}


def test_a_nested_switch_is_nested_in_the_space():
    @graph.aggregator
    def nested():
        inner = graph.switch("inner") << {"a": graph.tweak(hl.Uniform(0, 1), "u"), "b": 2}
        return graph.switch("outer") << {"deep": inner, "flat": 0}

    space = nested().search_space()
    assert list(space.top_level) == ["nested.outer"]
    assert space.active_names({"nested.outer": "flat"}) == ["nested.outer"]
    assert space.active_names({"nested.outer": "deep", "nested.inner": "a", "nested.u": 0.1}) \
        == ["nested.outer", "nested.inner", "nested.u"]


def test_a_permutation_runs_only_the_picked_items_in_order_for_every_gene_value():
    ran = []

    def step(name):
        ran.append(name)
        return name

    @graph.aggregator
    def perm():
        items = [graph.call(step, name=n) << [n] for n in "abcd"]
        return graph.permutation(2, "steps") << items

    g = perm()
    space = g.search_space()
    assert space.names == ["perm.steps.0", "perm.steps.1"]
    seen = set()
    for params in space.grid():
        ran.clear()
        out = graph.run(g, tweaks=params)
        assert len(set(out)) == 2 and ran == out
        seen.add(tuple(out))
    assert len(seen) == 4 * 3  # every ordered pick, each from exactly one point of the space


def test_explicit_wiring_with_call_item_mark_and_deps():
    order = []

    def record(tag):
        order.append(tag)
        return {"tag": tag}

    @graph.aggregator
    def wired():
        first = graph.call(record) << {"tag": "first"}
        second = graph.call(record) << ["second"]
        named = graph.mark("result") << second["tag"]
        return graph.deps([first]) << named

    g = wired()
    assert graph.run(g) == "second"
    assert order == ["first", "second"]
    assert {"wired.record", "wired.record_1", "wired.result"} <= {n.id for n in g.nodes}


def test_a_switch_fed_neither_dict_nor_list_is_an_error_naming_it():
    @graph.aggregator
    def bad():
        return graph.switch("s") << "ab"

    with pytest.raises(graph.GraphError, match="switch 'bad.s': feed it a dict or a list"):
        bad()


def test_sampled_params_of_a_conditional_space_always_run():
    g = branchy()
    rng = np.random.default_rng(3)
    for _ in range(30):
        graph.run(g, tweaks=g.search_space().sample(rng), x=1)
