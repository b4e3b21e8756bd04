"""Runs: hooks once per run, state that lives as long as its execution context, export."""

import io

import pytest

import hyperloom as hl
from hyperloom import graph


def test_on_enter_and_on_exit_run_once_per_run():
    events = []

    @graph.tweaks(p=hl.Uniform(0, 1))
    def f(x, p):
        events.append("f")
        return x + p

    @graph.aggregator(on_enter=lambda: events.append("enter"),
                      on_exit=lambda: events.append("exit"))
    def hooked():
        y = f(x=1)
        return [y, y, f(x=y)]

    g = hooked()
    tweaks = {"hooked.f.p": 0.5, "hooked.f_1.p": 0.5}
    graph.run(g, tweaks=tweaks)
    graph.run(g, tweaks=tweaks)
    assert events == ["enter", "f", "f", "exit"] * 2


def test_hooks_of_an_aggregator_embedded_twice_still_run_once_per_run():
    events = []

    @graph.aggregator(on_enter=lambda: events.append("enter inner"))
    def inner():
        return 1

    @graph.aggregator(on_enter=lambda: events.append("enter outer"))
    def outer():
        return [inner(), inner()]

    assert graph.run(outer()) == [1, 1]
    assert events == ["enter outer", "enter inner"]


def test_on_exit_runs_even_when_a_node_raises():
    events = []

    def boom():
        raise RuntimeError("node failed")

    @graph.aggregator(on_exit=lambda: events.append("exit"))
    def failing():
        return graph.call(boom) << []

    with pytest.raises(RuntimeError, match="node failed"):
        graph.run(failing())
    assert events == ["exit"]


@graph.aggregator
def counter():
    count = graph.var("count", init=0)
    new = graph.call(lambda c: c + 1) << [count]
    previous = graph.delay(2, init=-1) << new
    return [graph.set_var("count") << new, previous]


def test_delay_and_var_persist_within_one_context_and_reset_in_a_new_one():
    g = counter()
    context = graph.ExecutionContext()
    outputs = [graph.run(g, context=context) for _ in range(4)]
    assert outputs == [[1, -1], [2, -1], [3, 1], [4, 2]]
    assert graph.run(g, context=graph.ExecutionContext()) == [1, -1]
    assert graph.run(g) == [1, -1]  # no context: a fresh one each run


def test_runs_inside_as_default_share_that_context():
    g = counter()
    with graph.ExecutionContext().as_default():
        assert [graph.run(g)[0] for _ in range(3)] == [1, 2, 3]
    assert graph.run(g)[0] == 1


def test_a_delay_breaks_a_feedback_loop():
    @graph.aggregator
    def accumulate():
        last = graph.delay(1, init=0)
        total = graph.call(lambda a, b: a + b) << [last, graph.input("x")]
        last << total
        return total

    g, context = accumulate(), graph.ExecutionContext()
    assert [graph.run(g, context=context, x=x) for x in (1, 2, 3)] == [1, 3, 6]


def test_a_loop_without_delay_is_an_error_naming_the_node():
    @graph.aggregator
    def loop():
        m = graph.mark("m")
        m << (graph.call(lambda v: v) << [m])
        return m

    with pytest.raises(graph.GraphError, match="depends on itself; break the loop"):
        graph.run(loop())


@graph.tweaks(c=hl.LogUniform(1e-3, 1e3), kind=hl.Choice(["a", "b"]))
def model(c, kind):
    return (c, kind)


@graph.aggregator
def small():
    return model()


@graph.aggregator
def other():
    return [model(), model()]


def test_dump_tweaks_prints_and_returns_qualified_ids_with_bounds_and_choices():
    out = io.StringIO()
    rows = graph.dump_tweaks(small(), file=out)
    assert [(r["id"], r["type"]) for r in rows] == [("small.model.c", "loguniform"),
                                                    ("small.model.kind", "choice")]
    assert "small.model.c" in out.getvalue() and "low=0.001, high=1000.0" in out.getvalue()
    assert "choices=['a', 'b']" in out.getvalue()


def test_saved_tweaks_load_into_the_same_structure(tmp_path):
    tweaks = {"small.model.c": 2.0, "small.model.kind": "b"}
    graph.save_tweaks(small(), tweaks, tmp_path / "t.json")
    loaded = graph.load_tweaks(small(), tmp_path / "t.json")
    assert loaded == tweaks and graph.run(small(), tweaks=loaded) == (2.0, "b")


def test_loading_tweaks_into_another_structure_fails_naming_the_file(tmp_path):
    path = tmp_path / "t.json"
    graph.save_tweaks(small(), {"small.model.c": 2.0, "small.model.kind": "b"}, path)
    with pytest.raises(graph.SignatureMismatchError, match=r"t.json: tweaks saved from graph "
                                                           r"'small' of another structure"):
        graph.load_tweaks(other(), path)


def test_to_networkx_exports_data_dependency_and_branch_edges():
    @graph.aggregator
    def g():
        a = graph.input("a")
        b = graph.call(lambda v: v) << [a]
        s = graph.switch("s") << {"x": b, "y": 1}
        return graph.deps([graph.mark("side") << a]) << s

    nxg = g().to_networkx()
    edges = {(u, v): d["kind"] for u, v, d in nxg.edges(data=True)}
    assert edges[("g.a", "g.<lambda>")] == "data"
    assert edges[("g.<lambda>", "g.s")] == "branch"
    assert edges[("g.side", "g.deps")] == "dependency"
    assert nxg.nodes["g.s"]["kind"] == "switch"



def test_dump_tweaks_prints_to_the_standard_output_of_the_moment(capsys):
    @graph.aggregator
    def g():
        return graph.tweak(hl.Uniform(0, 1), name="w")

    graph.dump_tweaks(g())
    assert "g.w" in capsys.readouterr().out
