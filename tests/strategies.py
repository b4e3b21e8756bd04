"""Hypothesis strategies shared by tests: random distributions and (conditional) spaces."""

from hypothesis import strategies as st

import hyperloom as hl

distributions = st.one_of(
    st.builds(lambda lo, w: hl.Uniform(lo, lo + w), st.floats(-100, 100), st.floats(0.01, 50)),
    st.builds(lambda lo, w: hl.LogUniform(lo, lo * w), st.floats(1e-4, 10), st.floats(1.5, 1e4)),
    st.builds(lambda lo, w, s: hl.IntUniform(lo, lo + w, step=s), st.integers(-50, 50),
              st.integers(0, 40), st.integers(1, 3)),
    st.builds(lambda lo, w: hl.IntUniform(lo, lo + w, log=True), st.integers(1, 20),
              st.integers(0, 500)),
    st.builds(lambda lo, q, k: hl.QUniform(lo, lo + q * k, q), st.floats(-5, 5),
              st.floats(0.1, 2), st.integers(1, 10)),
    st.builds(hl.Normal, st.floats(-5, 5), st.floats(0.1, 3)),
    st.builds(lambda n: hl.Choice([f"o{i}" for i in range(n)]), st.integers(1, 4)),
    st.builds(hl.Constant, st.integers(0, 3)),
)


@st.composite
def spaces(draw, max_params: int = 4) -> hl.SearchSpace:
    """1..max_params top-level parameters, sometimes plus a conditional branch."""
    n = draw(st.integers(1, max_params))
    entries = {f"p{i}": draw(distributions) for i in range(n)}
    if draw(st.booleans()):
        entries["branch"] = hl.Choice({"a": {"a1": draw(distributions)},
                                       "b": {"b1": draw(distributions), "b2": hl.Uniform(0, 1)}})
    return hl.SearchSpace(entries)
