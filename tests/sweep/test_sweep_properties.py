"""Property tests: sizes of unions and products, tables vs sweeps, render/parse round trips,
and Gin receiving exactly the resolved values."""

from __future__ import annotations

import math
import textwrap

import gin
import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from hyperloom.sweep import Sweep, SweepError, expand, parse_config

MOD = "hl_sweep_test_props"
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@gin.configurable(module=MOD)
def sink(v=None):
    return v


@gin.configurable(module=MOD)
def ident(x=None, y=None):
    return ("ident", x, y)


# ---- random block structures ----------------------------------------------------------------------

_names = iter(range(10**9))


def _key() -> str:
    return f"K.k{next(_names)}"


def blocks(depth: int = 2):
    leaf = st.one_of(
        st.integers(1, 3).map(lambda n: ("sweep", n)),
        st.just(("fixed",)),
        st.tuples(st.integers(1, 2), st.integers(1, 3)).map(lambda t: ("table", *t)),
    )
    if depth == 0:
        return leaf
    inner = blocks(depth - 1)
    return st.one_of(
        leaf,
        st.lists(inner, min_size=1, max_size=3).map(lambda c: ("product", c)),
        st.lists(inner, min_size=1, max_size=3).map(lambda c: ("union", c)),
    )


def render(node, indent: int = 0) -> str:
    pad = " " * indent
    kind = node[0]
    if kind == "sweep":
        return f"{pad}{_key()}: {list(range(node[1]))}\n"
    if kind == "fixed":
        return f"{pad}{_key()} = 'f'\n"
    if kind == "table":
        cols, rows = node[1], node[2]
        keys = ", ".join(_key() for _ in range(cols))
        body = "".join(f"{pad}    {', '.join(str(r * 10 + c) for c in range(cols))}\n"
                       for r in range(rows))
        return f"{pad}table ({keys}):\n{body}"
    body = "".join(render(c, indent + 4) for c in node[1])
    return f"{pad}{kind}:\n{body}"


def size(node, in_union: bool = False) -> int:
    kind = node[0]
    if kind == "sweep":
        return node[1]
    if kind == "fixed":
        return 0 if in_union else 1  # a fixed binding in a union is not a branch
    if kind == "table":
        return node[2]
    sizes = [size(c, kind == "union") for c in node[1]]
    return math.prod(sizes) if kind == "product" else sum(sizes)


def has_branchless_union(node) -> bool:
    """A union whose children are all fixed bindings: an error, not zero configs."""
    if node[0] not in ("product", "union"):
        return False
    if node[0] == "union" and all(c[0] == "fixed" for c in node[1]):
        return True
    return any(has_branchless_union(c) for c in node[1])


@SETTINGS
@given(blocks())
def test_sizes_follow_the_block_structure(tree):
    text = render(("product", [tree]))
    if has_branchless_union(tree):
        with pytest.raises(SweepError, match="no branch"):
            Sweep(text)
        return
    sweep = Sweep(text)
    assert len(sweep) == size(tree)
    if len(sweep) <= 300:
        assert len(list(sweep)) == len(sweep)


@SETTINGS
@given(blocks(1), blocks(1))
def test_union_sizes_add_and_product_sizes_multiply(a, b):
    assume(not (has_branchless_union(a) or has_branchless_union(b) or a[0] == b[0] == "fixed"))
    ta, tb = render(a, 4), render(b, 4)
    n_a, n_b = len(Sweep(textwrap.dedent(ta))), len(Sweep(textwrap.dedent(tb)))
    assert len(Sweep(f"union:\n{ta}{tb}")) == (0 if a[0] == "fixed" else n_a) + \
        (0 if b[0] == "fixed" else n_b)
    assert len(Sweep(f"product:\n{ta}{tb}")) == n_a * n_b
    assert len(expand(f"product:\n{ta}{tb}")) == n_a * n_b


# ---- values -----------------------------------------------------------------------------------------

finite_floats = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e100, max_value=1e100)
scalars = st.one_of(st.integers(-10**6, 10**6), finite_floats, st.booleans(), st.none(),
                    st.text(max_size=8))
literals = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=8)


def literal_text(value) -> str:
    return repr(value)


@SETTINGS
@given(st.lists(literals, min_size=1, max_size=5))
def test_one_column_table_equals_a_sweep(values):
    rows = "".join(f"    {literal_text(v)}\n" for v in values)
    table = expand(f"table (A.k):\n{rows}")
    swept = expand(f"A.k: {literal_text(values)}\n")
    assert [c.resolved() for c in table] == [c.resolved() for c in swept]
    assert [c["A.k"] for c in swept] == values


# Expressions as (sweep text, Python text) pairs; Python evaluates the second to get the value
# Gin must receive. `%m0`/`%m1` are macros of the config, `%ext` comes from Gin only.
int_leaf = st.one_of(st.integers(-50, 50).map(lambda i: (str(i), str(i))),
                     st.sampled_from([("%m0", "m0"), ("%m1", "m1"), ("%ext", "ext")]))


def int_exprs():
    return st.recursive(
        int_leaf,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "//", "%", "<<", "&", "|", "^"]),
                      inner).filter(lambda t: t[1] not in ("//", "%") or t[2][0] != "0")
            .map(lambda t: (f"({t[0][0]}) {t[1]} ({t[2][0]})",
                            f"({t[0][1]}) {t[1]} ({t[2][1]})")),
            inner.map(lambda a: (f"-({a[0]})", f"-({a[1]})")),
            st.tuples(inner, inner).map(lambda t: (f"({t[0][0]}) < ({t[1][0]})",
                                                   f"({t[0][1]}) < ({t[1][1]})")),
        ),
        max_leaves=5)


def any_exprs():
    lit = literals.map(lambda v: (literal_text(v), literal_text(v)))
    return st.recursive(
        st.one_of(lit, int_exprs()),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda xs: ("[" + ", ".join(x[0] for x in xs) + "]",
                                                        "[" + ", ".join(x[1] for x in xs) + "]")),
            st.tuples(inner, inner).map(
                lambda t: (f"@{MOD}.ident(x={t[0][0]}, y={t[1][0]})",
                           f"ident(x={t[0][1]}, y={t[1][1]})")),
            st.tuples(inner, inner).map(lambda t: (f"({t[0][0]}) and ({t[1][0]})",
                                                   f"({t[0][1]}) and ({t[1][1]})")),
        ),
        max_leaves=6)


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


@SETTINGS
@given(any_exprs(), st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9))
def test_gin_receives_the_resolved_values(expr, m0, m1, ext):
    text, py = expr
    env = {"m0": m0, "m1": m1, "ext": ext, "ident": lambda x=None, y=None: ("ident", x, y)}
    try:
        expected = eval(py, env)  # noqa: S307 - generated test expressions
    except (ArithmeticError, ValueError, TypeError):
        reject()
    (config,) = expand(f"m0 = {m0}\nm1: [{m1}]\n{MOD}.sink.v = {text}\n")
    gin.clear_config()
    try:
        gin.parse_config(config.to_gin() + f"ext = {ext}\n")
        got = gin.get_configurable(f"{MOD}.sink")()
    finally:
        gin.clear_config()
    assert _same(got, expected), (text, config.to_gin())


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["m0", "m1", "A.x", "s/B.y", "C.z"]), any_exprs()),
                min_size=1, max_size=4))
def test_rendering_then_parsing_gives_the_same_config(bindings):
    text = "".join(f"{key} = {expr[0]}\n" for key, expr in bindings)
    try:
        (config,) = expand(text)
    except ValueError:  # a generated expression that cannot be evaluated (1 // 0, ...)
        reject()
    again = parse_config(config.to_text(), apply=False)
    assert again == config
    assert again.resolved() == config.resolved()
    resolved_text = "".join(f"{k} = {t}\n" for k, t in config.resolved())
    assert parse_config(resolved_text, apply=False).resolved() == config.resolved()
