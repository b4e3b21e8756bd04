"""What a sweep file used to do silently, or with a misleading message, is now an error that
names the place and the fix (and Hyperion's `<>` works)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hyperloom.sweep import SweepError, expand, parse_config, sweep_command


def error_of(text: str) -> SweepError:
    with pytest.raises(SweepError) as err:
        expand(text)
    return err.value


# ---- a union of only `=` bindings ----------------------------------------------------------------

def test_a_union_of_only_bindings_is_an_error_not_zero_configs():
    err = error_of("A.y = 0\nunion:\n    A.x = 1\n    A.z = 2\n")
    assert (err.line, err.column) == (2, 1)
    assert "no branch" in err.message and "outside the union" in err.message


def test_hyperloom_sweep_of_a_union_of_only_bindings_fails_and_writes_nothing(tmp_path):
    sweep = tmp_path / "s.hyp"
    sweep.write_text("union:\n    A.x = 1\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(sweep_command, [str(sweep), str(out)])
    assert result.exit_code != 0
    assert f"{sweep}:1:1" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_a_union_with_a_branch_still_applies_its_bindings_to_it():
    (config,) = expand("union:\n    A.x = 1\n    A.y: [2]\n")
    assert list(config.items()) == [("A.x", 1), ("A.y", 2)]


# ---- logspace takes exponents ----------------------------------------------------------------------

def test_logspace_with_bounds_that_look_like_values_says_to_use_exponents_or_geomspace():
    err = error_of("A.lr: logspace(1e-4, 1e-1, 4)\n")
    assert (err.line, err.column) == (1, 7)
    assert "geomspace(0.0001, 0.1, 4)" in err.message
    assert "logspace(-4, -1, 4)" in err.message


@pytest.mark.parametrize("text", ["A.lr: logspace(0.001, 0.5, 3)\n",
                                  "A.lr: logspace(1e-5, 1, 3)\n"])
def test_logspace_bounds_between_zero_and_one_are_refused(text):
    assert "exponents" in error_of(text).message


def test_logspace_follows_numpys_exponent_convention_and_geomspace_takes_values():
    by_exponents = [c["A.lr"] for c in expand("A.lr: logspace(-4, -1, 4)\n")]
    by_values = [c["A.lr"] for c in expand("A.lr: geomspace(1e-4, 1e-1, 4)\n")]
    assert by_exponents == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    assert by_values == pytest.approx(by_exponents)
    assert [c["A.x"] for c in expand("A.x: logspace(0, 2, 3)\n")] == [1.0, 10.0, 100.0]


# ---- bare names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, fix", [("true", "True"), ("false", "False"), ("null", "None")])
def test_lower_case_constants_say_how_gin_spells_them(word, fix):
    err = error_of(f"A.flag = {word}\n")
    assert (err.line, err.column) == (1, 10)
    assert f"write {fix}" in err.message
    assert "expected" not in err.message


def test_a_bare_name_says_how_to_write_text_a_reference_or_a_macro():
    err = error_of("A.act = relu\n")
    assert (err.line, err.column) == (1, 9)
    assert "'relu'" in err.message and "@relu" in err.message and "%relu" in err.message


def test_a_misspelt_function_suggests_the_nearest_known_name():
    err = error_of("A.lr: logunifrom(1e-4, 1e-1)\n")
    assert (err.line, err.column) == (1, 7)
    assert "did you mean `loguniform`?" in err.message


def test_an_unknown_function_far_from_any_name_still_lists_the_sweep_functions():
    assert "the sweep functions are range" in error_of("A.x: frobnicate(3)\n").message


# ---- Hyperion's `<>` and include order ----------------------------------------------------------------

def test_angle_brackets_mean_not_equal_and_are_written_as_bang_equal():
    configs = expand("a: [1, 2]\nA.x = %a <> 2\nA.y = 1 <> 1\n")
    values = [c.resolved_values() for c in configs]
    assert [(v["A.x"], v["A.y"]) for v in values] == [(True, False), (False, False)]
    symbolic = parse_config("A.z = %gin_only <> 2\n", apply=False)
    assert "%gin_only != 2" in symbolic.to_text()


def test_include_after_a_binding_is_an_error_naming_the_include():
    err = error_of("A.x = 1\ninclude 'base.gin'\n")
    assert (err.line, err.column) == (2, 1)
    assert "before the first binding" in err.message


def test_include_after_an_import_is_still_fine():
    (config,) = expand("import os\ninclude 'base.gin'\nA.x = 1\n")
    assert config.includes == ["base.gin"]
