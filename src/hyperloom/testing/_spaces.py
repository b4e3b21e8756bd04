"""Hypothesis strategies for random distributions and (nested, conditional) search spaces."""

from __future__ import annotations

from typing import Any

from ..space import (
    Choice,
    Constant,
    Distribution,
    IntUniform,
    LogNormal,
    LogUniform,
    Normal,
    QNormal,
    QUniform,
    SearchSpace,
    Uniform,
)
from ._imports import hypothesis_strategies


def distributions(numeric_only: bool = False) -> Any:
    """Any distribution of every kind, with bounds from tiny to wide (a hypothesis strategy);
    `numeric_only`: uniform, log-uniform and integer ones, the spaces GP and CMA-ES model."""
    st = hypothesis_strategies()
    bounds = st.tuples(st.floats(-100, 100), st.floats(0.01, 100)).map(lambda t: (t[0], t[0] + t[1]))
    positive = st.tuples(st.floats(1e-4, 10), st.floats(1.5, 1000)).map(lambda t: (t[0], t[0] * t[1]))
    ints = st.tuples(st.integers(-50, 50), st.integers(0, 200), st.integers(1, 5))
    numeric = [
        bounds.map(lambda b: Uniform(*b)),
        positive.map(lambda b: LogUniform(*b)),
        ints.map(lambda t: IntUniform(t[0], t[0] + t[1], step=t[2])),
    ]
    if numeric_only:
        return st.one_of(*numeric)
    return st.one_of(
        *numeric,
        st.tuples(bounds, st.sampled_from([0.01, 0.5, 1.0])).filter(
            lambda t: t[0][1] - t[0][0] >= t[1]).map(lambda t: QUniform(t[0][0], t[0][1], t[1])),
        st.tuples(st.integers(1, 100), st.integers(0, 5000)).map(
            lambda t: IntUniform(t[0], t[0] + t[1], log=True)),
        st.tuples(st.floats(-10, 10), st.floats(0.1, 5)).map(lambda t: Normal(*t)),
        st.tuples(st.floats(-3, 3), st.floats(0.1, 2)).map(lambda t: LogNormal(*t)),
        st.tuples(st.floats(-10, 10), st.floats(0.5, 5)).map(lambda t: QNormal(t[0], t[1], 0.5)),
        st.lists(st.one_of(st.integers(-5, 5), st.text("abc", min_size=1, max_size=3)),
                 min_size=1, max_size=5, unique_by=str).map(Choice),
        st.sampled_from([Constant(3), Constant("k")]),
    )


def search_spaces(max_params: int = 4, conditional: bool = True,
                  numeric_only: bool = False) -> Any:
    """1..`max_params` top-level parameters of `distributions(numeric_only)`, and if
    `conditional`, sometimes a branch that holds a nested branch."""
    st = hypothesis_strategies()

    @st.composite
    def draw_space(draw: Any) -> SearchSpace:
        dist = distributions(numeric_only)
        entries: dict[str, Distribution] = {
            f"p{i}": draw(dist) for i in range(draw(st.integers(1, max_params)))}
        if conditional and draw(st.booleans()):
            entries["branch"] = Choice({
                "u": {f"u{i}": draw(dist) for i in range(draw(st.integers(0, 2)))},
                "v": {"v0": draw(dist),
                      "inner": Choice({"i": {"deep": draw(dist)}, "j": {}})},
            })
        return SearchSpace(entries)

    return draw_space()
