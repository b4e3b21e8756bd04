"""The Gin files we generate behave as Hyperion's: macros stay macros (a later binding of the
macro reaches every use), and an included file written in the sweep language loads."""

from __future__ import annotations

import sys
import textwrap
import time

import gin
import pytest

import hyperloom as hl
from hyperloom.sweep import SweepError, expand, run_sweep

MOD = "hl_sweep_test_fidelity"  # a module name of our own: nothing leaks into other tests


@gin.configurable(module=MOD)
def model(a=None, b=None, c=None, d=None):
    return {"a": a, "b": b, "c": c, "d": d}


@gin.configurable(module=MOD)
def optimizer(lr=None):
    return ("optimizer", lr)


def call_model():
    return gin.get_configurable(f"{MOD}.model")()


def write(path, text):
    path.write_text(textwrap.dedent(text).lstrip())
    return path


# ---- macros -----------------------------------------------------------------------------------

def test_a_later_binding_of_a_macro_reaches_every_use_in_the_generated_config(clean_gin):
    (config,) = expand(f"""
X = 3
{MOD}.model.a = %X
{MOD}.model.b = %X * 2
{MOD}.model.c = [%X, -%X]
""")
    text = config.to_gin()
    assert "X = 3\n" in text and f"{MOD}.model.a = %X\n" in text
    config.apply()
    assert call_model() == {"a": 3, "b": 6, "c": [3, -3], "d": None}
    gin.parse_config("X = 5")
    assert call_model() == {"a": 5, "b": 10, "c": [5, -5], "d": None}


def test_a_swept_macro_is_the_macro_binding_of_each_config_and_params_keep_values(clean_gin):
    configs = expand(f"X: [1, 2]\n{MOD}.model.a = %X\n{MOD}.model.b = @{MOD}.optimizer(lr=%X + 1)\n")
    assert [c.params for c in configs] == [{"X": 1}, {"X": 2}]
    assert [c.resolved()[:2] for c in configs] == [[("X", "1"), (f"{MOD}.model.a", "1")],
                                                   [("X", "2"), (f"{MOD}.model.a", "2")]]
    for want, config in zip((1, 2), configs):
        assert f"X = {want}\n" in config.to_gin()
        config.apply()
        got = call_model()
        assert got["a"] == want and got["b"] == ("optimizer", want + 1)
        gin.parse_config("X = 40")
        got = call_model()
        assert got["a"] == 40 and got["b"] == ("optimizer", 41)


def test_a_gin_param_given_after_the_generated_file_overrides_the_macro(clean_gin, tmp_path):
    (config,) = expand(f"lr = 0.1\n{MOD}.model.a = %lr\n{MOD}.model.b = %lr / 10\n")
    path = tmp_path / "trial_0.gin"
    path.write_text(config.to_gin())
    gin.parse_config_files_and_bindings([str(path)], ["lr = 0.5"])
    assert call_model()["a"] == 0.5 and call_model()["b"] == pytest.approx(0.05)


def test_and_or_over_macros_skip_the_right_operand_in_gin_as_in_python(clean_gin):
    (config,) = expand(f"""
n = 0
{MOD}.model.a = %n > 0 and 10 // %n
{MOD}.model.b = %n == 0 or 10 // %n
""")
    config.apply()  # Gin computing 10 // 0 would raise ZeroDivisionError when called
    assert call_model()["a"] is False and call_model()["b"] is True
    gin.parse_config("n = 5")
    assert call_model()["a"] == 2 and call_model()["b"] == 2



def test_and_or_skip_a_list_or_dict_whose_items_gin_would_compute(clean_gin):
    (config,) = expand(f"""
n = 0
{MOD}.model.a = %n > 0 and [1, 10 // %n]
{MOD}.model.b = %n == 0 or {{'k': 10 // %n}}
""")
    config.apply()  # Gin reading the list or dict would compute 10 // 0
    assert call_model()["a"] is False and call_model()["b"] is True
    gin.parse_config("n = 5")
    assert call_model()["a"] == [1, 2] and call_model()["b"] == {"k": 2}

# ---- includes ---------------------------------------------------------------------------------

BASE = f"""
    width = 8
    with {MOD}.model:
        a = %width * 4
        b = 'base'
"""


def test_an_included_file_with_with_blocks_and_expressions_loads_in_gin(clean_gin, tmp_path):
    write(tmp_path / "base.hyp", BASE)
    sweep = write(tmp_path / "s.hyp", f"include 'base.hyp'\n{MOD}.model.c: [%width + 1]\n")
    (config,) = expand(sweep)
    elsewhere = tmp_path / "out"
    elsewhere.mkdir()
    (elsewhere / "s_0.gin").write_text(config.to_gin())  # as `hyperloom sweep` writes it
    gin.parse_config_file(str(elsewhere / "s_0.gin"))
    assert call_model() == {"a": 32, "b": "base", "c": 9, "d": None}
    gin.parse_config("width = 10")  # macros of the included file stay macros too
    assert call_model()["a"] == 40 and call_model()["c"] == 11


def test_the_sweep_overrides_an_included_binding_and_resolved_shows_both_files(clean_gin,
                                                                                tmp_path):
    write(tmp_path / "base.hyp", BASE)
    sweep = write(tmp_path / "s.hyp", f"include 'base.hyp'\nwidth: [2, 3]\n{MOD}.model.b = 'own'\n")
    configs = expand(sweep)
    assert configs[0].resolved() == [("width", "2"), (f"{MOD}.model.a", "8"),
                                     (f"{MOD}.model.b", "'own'")]
    assert [c.params for c in configs] == [{"width": 2}, {"width": 3}]
    configs[1].apply()
    assert call_model() == {"a": 12, "b": "own", "c": None, "d": None}


def test_editing_an_included_file_changes_the_resolved_config(tmp_path):
    base = write(tmp_path / "base.hyp", BASE)
    sweep = write(tmp_path / "s.hyp", "include 'base.hyp'\nK.x = 1\n")
    (before,) = expand(sweep)
    base.write_text(base.read_text().replace("width = 8", "width = 16  # edited"))
    (after,) = expand(sweep)
    assert dict(before.resolved())[f"{MOD}.model.a"] == "32"
    assert dict(after.resolved())[f"{MOD}.model.a"] == "64"
    assert before.to_gin() != after.to_gin()


def test_a_plain_gin_include_stays_an_include_line(clean_gin, tmp_path):
    write(tmp_path / "plain.gin", f"{MOD}.model.d = 'plain'\nwidth = 5\n")
    sweep = write(tmp_path / "s.hyp", f"include 'plain.gin'\n{MOD}.model.a = %width * 2\n")
    (config,) = expand(sweep)
    assert config.to_gin().startswith("include 'plain.gin'\n")
    assert "'plain'" not in config.to_gin()
    assert config.resolved() == [(f"{MOD}.model.a", "%width * 2")]
    config.apply()
    assert call_model()["a"] == 10 and call_model()["d"] == "plain"


def test_a_plain_gin_file_that_includes_a_sweep_language_file_is_compiled_too(clean_gin,
                                                                               tmp_path):
    write(tmp_path / "base.hyp", BASE)
    write(tmp_path / "plain.gin", f"include '{tmp_path / 'base.hyp'}'\n{MOD}.model.d = 1\n")
    sweep = write(tmp_path / "s.hyp", "include 'plain.gin'\n")
    (config,) = expand(sweep)
    gin.parse_config(config.to_gin())
    assert call_model() == {"a": 32, "b": "base", "c": None, "d": 1}


def test_an_included_sweep_is_an_error_naming_the_included_file_and_line(tmp_path):
    write(tmp_path / "base.hyp", "width = 8\nK.lr: [0.1, 0.2]\n")
    sweep = write(tmp_path / "s.hyp", "include 'base.hyp'\nK.x = 1\n")
    with pytest.raises(SweepError, match="must be one Gin config") as info:
        expand(sweep)
    assert info.value.file.endswith("base.hyp") and info.value.line == 2


def test_files_that_include_each_other_are_an_error_not_a_hang(tmp_path):
    write(tmp_path / "a.hyp", "include 'b.hyp'\nK.a = 1 + 1\n")
    write(tmp_path / "b.hyp", "include 'a.hyp'\nK.b = 2 * 2\n")
    sweep = write(tmp_path / "s.hyp", "include 'a.hyp'\n")
    with pytest.raises(SweepError, match=r"cycle: a.hyp -> b.hyp -> a.hyp"):
        expand(sweep)


# ---- a real run -------------------------------------------------------------------------------

CHILD = textwrap.dedent(f"""
    import sys
    import gin
    import hyperloom

    @gin.configurable(module={MOD!r})
    def model(a=None, b=None, c=None, d=None):
        return a + c

    gin.parse_config_files_and_bindings([sys.argv[1]], sys.argv[2:])
    hyperloom.report(gin.get_configurable({MOD + '.model'!r})())
""")


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_child_process_loads_the_generated_config_and_its_gin_params(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "base.hyp", BASE)
    (tmp_path / "child.py").write_text(CHILD)
    write(tmp_path / "s.hyp", f"include 'base.hyp'\n{MOD}.model.c: [%width]\n")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    run_sweep(tmp_path / "s.hyp", [sys.executable, "child.py", "{config}", "width = 1"],
              storage=db, echo=None)
    (trial,) = hl.load_study(study_name="s", storage=db).trials
    assert trial.state == hl.TrialState.COMPLETE, trial.user_attrs
    assert trial.values == [5.0]  # width = 1 from the command line: a = 4, c = 1


@pytest.mark.timed
def test_macros_that_use_a_macro_twice_are_computed_once_each_when_gin_evaluates_them(clean_gin):
    depth = 18  # without one computation per macro, Gin makes 2 ** 18 calls (seconds)
    text = "".join(f"m{i} = %m{i + 1} + %m{i + 1}\n" for i in range(depth))
    (config,) = expand(f"{text}m{depth} = 1\n{MOD}.model.a = %m0\n")
    config.apply()
    start = time.process_time()
    assert call_model()["a"] == 2 ** depth
    assert time.process_time() - start < 1.0
    gin.parse_config(f"m{depth} = 3")  # a later binding is seen by the next evaluation
    assert call_model()["a"] == 3 * 2 ** depth
