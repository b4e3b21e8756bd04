"""Generated Gin text loads in real gin-config, and configurables receive the resolved values."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import gin
import pytest

from hyperloom.sweep import SweepError, expand, parse_config, parse_config_file

MOD = "hl_sweep_test_gin"  # a module name of our own: nothing leaks into other tests


@gin.configurable(module=MOD)
def model(a=None, b=None, c=None, d=None):
    return {"a": a, "b": b, "c": c, "d": d}


@gin.configurable(module=MOD)
def adam(lr=None, betas=None, inner=None):
    return ("adam", lr, betas, inner)


def call_model():
    return gin.get_configurable(f"{MOD}.model")()


def test_each_config_loads_in_gin(clean_gin):
    text = f"""
d: [2, 3]
{MOD}.model.a = %d * 4
{MOD}.model.b = (1, 'x', None)
{MOD}.model.c = {{'k': [1.5, True]}}
{MOD}.model.d = -2 ** 2
"""
    expected = [{"a": 8, "b": (1, "x", None), "c": {"k": [1.5, True]}, "d": -4},
                {"a": 12, "b": (1, "x", None), "c": {"k": [1.5, True]}, "d": -4}]
    for config, want in zip(expand(text), expected):
        config.apply()
        assert call_model() == want
        assert gin.query_parameter("%d") == config["d"]


def test_calls_with_arguments_become_helper_bindings(clean_gin):
    (config,) = expand(f"""
lr = 0.5
{MOD}.model.a = @{MOD}.adam(lr=%lr / 5, betas=(0.9, 0.99), inner=@{MOD}.adam(lr=1))
{MOD}.model.b = @{MOD}.adam
{MOD}.model.c = @{MOD}.adam()
""")
    text = config.to_gin()
    assert "(lr=" not in text  # plain Gin only
    config.apply()
    got = call_model()
    assert got["a"] == ("adam", 0.1, (0.9, 0.99), ("adam", 1, None, None))
    assert got["b"] is gin.get_configurable(f"{MOD}.adam")
    assert got["c"] == ("adam", None, None, None)


def test_scoped_calls_keep_their_scope(clean_gin):
    (config,) = expand(f"""
s/{MOD}.adam.betas = 'from scope s'
{MOD}.model.a = @s/{MOD}.adam(lr=2)
""")
    config.apply()
    assert call_model()["a"] == ("adam", 2, "from scope s", None)


def test_expressions_over_gin_only_values_are_evaluated_by_gin(clean_gin):
    (config,) = expand(f"""
{MOD}.model.a = %width * 2 + 1
{MOD}.model.b = 1 < %width <= 10 and not %width in [4]
{MOD}.model.c = [%width ** 2, -%width, ~%width]
{MOD}.model.d = %flag or 'fallback'
""")
    assert config.resolved()[0] == (f"{MOD}.model.a", "%width * 2 + 1")
    config.apply()
    gin.parse_config("width = 5\nflag = 0")
    assert call_model() == {"a": 11, "b": True, "c": [25, -5, -6], "d": "fallback"}


def test_includes_are_loaded_first(clean_gin, tmp_path):
    (tmp_path / "base.gin").write_text(f"width = 7\n{MOD}.model.b = 'base'\n")
    sweep = tmp_path / "s.hyp"
    sweep.write_text(f"include 'base.gin'\n{MOD}.model.a: [%width * 2]\n")
    (config,) = expand(sweep)
    assert config.to_gin().startswith("include 'base.gin'\n")
    config.apply()  # relative includes are looked up next to the sweep file
    assert call_model()["a"] == 14 and call_model()["b"] == "base"


def test_apply_clears_the_previous_config(clean_gin):
    first, second = expand(f"union:\n  {MOD}.model.a: [1]\n  {MOD}.model.b: [2]\n")
    first.apply()
    second.apply()
    assert call_model() == {"a": None, "b": 2, "c": None, "d": None}


def test_helper_bindings_of_different_files_never_collide(clean_gin):
    (one,) = expand(f"{MOD}.model.a = @{MOD}.adam(lr=1)\n")
    (two,) = expand(f"{MOD}.model.b = @{MOD}.adam(lr=2)\n")
    gin.parse_config(one.to_gin() + two.to_gin())
    assert call_model()["a"] == ("adam", 1, None, None)
    assert call_model()["b"] == ("adam", 2, None, None)
    a, b = expand(f"{MOD}.model.a: [@{MOD}.adam(lr=1), @{MOD}.adam(lr=2)]\n")
    assert a.to_gin() != b.to_gin().replace("lr = 2", "lr = 1")  # per-config scopes


def test_parse_config_supports_with_expressions_and_calls(clean_gin):
    config = parse_config(textwrap.dedent(f"""
        n = 3
        with {MOD}.model:
            a = %n * 2
            b = @{MOD}.adam(lr=0.1)
    """))
    assert config.resolved() == [("n", "3"), (f"{MOD}.model.a", "6"),
                                 (f"{MOD}.model.b", f"@{MOD}.adam(lr=0.1)")]
    assert call_model()["a"] == 6 and call_model()["b"] == ("adam", 0.1, None, None)


def test_parse_config_file_and_sweeps_are_rejected(clean_gin, tmp_path):
    path = tmp_path / "c.gin"
    path.write_text(f"{MOD}.model.a = 2 ** 5\n")
    parse_config_file(path)
    assert call_model()["a"] == 32
    with pytest.raises(SweepError, match="sweep of 2 configs"):
        parse_config(f"{MOD}.model.a: [1, 2]\n", apply=False)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_importing_the_package_changes_nothing_in_gin():
    code = textwrap.dedent("""
        import sys
        import gin
        def state():
            return (sorted(gin.config._REGISTRY._selector_map), gin.config_str(),
                    sorted(map(str, gin.config._IMPORTS)), sorted(gin.config._CONSTANTS._selector_map))
        before = state()
        import hyperloom.sweep as hs
        configs = hs.expand("a: [1, 2]\\nb = @f(k=%a * 2)\\n")
        [c.to_gin() for c in configs]
        after = state()
        assert before == after, (before, after)
        assert 'hyperloom.sweep._ginops' not in sys.modules
        print('ok')
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
