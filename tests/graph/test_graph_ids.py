"""Tweak ids: qualified, per call site, nested under the outer prefix, stable on rebuild."""

import subprocess
import sys

import pytest

import hyperloom as hl
from hyperloom import graph


@graph.tweaks(p=hl.Uniform(0, 1))
def f(x, p):
    return x + p


@graph.aggregator
def two_calls():
    return [f(x=1), f(x=2)]


def test_calling_a_function_twice_gives_one_id_per_call_site():
    assert two_calls().tweak_ids == ["two_calls.f.p", "two_calls.f_1.p"]


def test_share_true_gives_both_call_sites_one_tweak():
    shared = graph.tweaks(f, share=True)

    @graph.aggregator
    def both():
        return [shared(x=1), shared(x=2)]

    g = both()
    assert g.tweak_ids == ["both.f.p"]
    assert graph.run(g, tweaks={"both.f.p": 0.5}) == [1.5, 2.5]


@graph.aggregator
def inner(x):
    return f(x=x)


@graph.aggregator
def outer():
    return [inner(x=1), inner(x=2), f(x=3)]


def test_nested_aggregators_keep_the_outer_prefix_per_site():
    assert outer().tweak_ids == ["outer.inner.f.p", "outer.inner_1.f.p", "outer.f.p"]


def test_named_and_unnamed_tweak_nodes_get_ids_from_the_build_alone():
    @graph.aggregator
    def g():
        return [graph.tweak(hl.Uniform(0, 1)), graph.tweak(hl.Uniform(0, 1)),
                graph.tweak(hl.IntUniform(0, 3), name="depth")]

    assert g().tweak_ids == ["g.tweak", "g.tweak_1", "g.depth"]
    assert g().tweak_ids == ["g.tweak", "g.tweak_1", "g.depth"]  # a rebuild: same ids


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_ids_do_not_depend_on_what_the_process_built_before():
    script = ("import hyperloom as hl\nfrom hyperloom import graph\n"
              "@graph.tweaks(p=hl.Uniform(0, 1))\ndef f(x, p): return x\n"
              "@graph.aggregator\ndef g(): return [graph.tweak(hl.Uniform(0, 1)), f(x=1)]\n"
              "{warmup}print(g().tweak_ids)\n")
    fresh = subprocess.run([sys.executable, "-c", script.format(warmup="")],
                           capture_output=True, text=True, check=True).stdout
    warmed = subprocess.run([sys.executable, "-c", script.format(warmup="g(); g(); g()\n")],
                            capture_output=True, text=True, check=True).stdout
    assert fresh == warmed == "['g.tweak', 'g.f.p']\n"


def test_aggregator_keyword_arguments_are_build_time_values():
    @graph.aggregator()
    def chain(depth):
        y = 0
        for _ in range(depth):
            y = f(x=y)
        return y

    assert len(chain(depth=3).tweak_ids) == 3
    assert graph.run(chain(depth=3), tweaks=dict.fromkeys(chain(depth=3).tweak_ids, 1.0)) == 3.0


def test_a_positional_call_inside_an_aggregator_is_an_error_naming_the_function():
    @graph.aggregator
    def bad():
        return f(1)

    with pytest.raises(graph.GraphError, match=r"f\(\) inside an aggregator takes keyword"):
        bad()


def test_a_tweaked_function_outside_an_aggregator_is_the_plain_function():
    assert f(x=1, p=0.25) == 1.25
    assert f(1, 0.5) == 1.5


def test_graph_nodes_outside_an_aggregator_say_where_they_work():
    with pytest.raises(graph.GraphError, match="graph.switch .* inside an @graph.aggregator"):
        graph.switch("s")


def test_a_tweak_that_is_not_a_distribution_is_an_error_naming_the_argument():
    with pytest.raises(graph.GraphError, match="argument 'p' must be a Distribution"):
        graph.tweaks(p=0.5)(lambda p: p)
