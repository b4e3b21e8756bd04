"""Values: literals, references, calls and expressions; evaluation and Gin literal rendering."""

from __future__ import annotations

import pytest

from hyperloom.sweep import SweepError, expand, parse_config


def value(text: str, key: str = "A.x") -> str:
    """The resolved text of `key` in the single config of `text`."""
    (config,) = expand(text)
    return dict(config.resolved())[key]


def v(expr: str) -> str:
    return value(f"A.x = {expr}")


# ---- literals rendered as Gin (Python repr) -----------------------------------------------------

@pytest.mark.parametrize("source, text", [
    ("'x'", "'x'"), ('"x"', "'x'"), ("1000.0", "1000.0"), ("1e3", "1000.0"), ("(3,)", "(3,)"),
    ("{'k': 'v'}", "{'k': 'v'}"), ("[1, 'a', None]", "[1, 'a', None]"), ("True", "True"),
    ("None", "None"), ("()", "()"), ("[]", "[]"), ("{}", "{}"), ("0x10", "16"),
    ("1_000", "1000"), (".5", "0.5"), ("'it''s'", "'its'"), ('"it\'s"', '"it\'s"'),
    ("r'\\d'", "'\\\\d'"), ("'''tri\nple'''", "'tri\\nple'"), ("b'x'", "b'x'"),
    ("-0.0", "-0.0"),
])
def test_literals(source, text):
    assert v(source) == text


# ---- arithmetic evaluated when generating ---------------------------------------------------------

@pytest.mark.parametrize("expr, text", [
    ("-2**2", "-4"), ("2**3**2", "512"), ("0.1+0.2", "0.30000000000000004"), ("2 ** -1", "0.5"),
    ("(-2) ** 2", "4"), ("7 // 2", "3"), ("7 % 3", "1"), ("-7 // 2", "-4"), ("1 << 4", "16"),
    ("255 >> 4", "15"), ("6 & 3", "2"), ("6 ^ 3", "5"), ("6 | 3", "7"), ("~5", "-6"),
    ("+5", "5"), ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("10 / 4", "2.5"),
    ("'a' + 'b'", "'ab'"), ("[1] * 2", "[1, 1]"), ("1 if True else 2" if False else "3 - 1", "2"),
    ("True + 1", "2"), ("2 * 3 ** 2", "18"), ("-3 ** 2 + 1", "-8"),
])
def test_arithmetic(expr, text):
    assert v(expr) == text


@pytest.mark.parametrize("expr, text", [
    ("1 < 2 < 3", "True"), ("1 < 3 < 2", "False"), ("3 > 2 == 2", "True"),
    ("2 in [1, 2]", "True"), ("2 not in [1, 2]", "False"), ("None is None", "True"),
    ("1 is not None", "True"), ("not 1 == 2", "True"), ("1 != 1", "False"),
    ("True and 3", "3"), ("0 and 3", "0"), ("0 or 'x'", "'x'"), ("2 or 3", "2"),
    ("not 0 and 1 or 2", "1"), ("1 < 2 and 2 < 1 or 5", "5"),
])
def test_comparisons_and_booleans(expr, text):
    assert v(expr) == text


def test_and_or_short_circuit():
    assert v("False and 1 / 0") == "False"
    assert v("True or 1 / 0") == "True"
    assert v("1 > 2 > 1 / 0") == "False"  # a chain stops at the first false link
    assert v("False and %undefined") == "False"
    with pytest.raises(SweepError, match="division by zero"):
        v("True and 1 / 0")


# ---- macros ---------------------------------------------------------------------------------------

def test_macros_defined_in_the_config_are_substituted():
    (c,) = expand("d_model = 64\nA.x = %d_model\nA.y = %d_model * 2\nB.z = [%d_model, 'a']\n")
    assert c.resolved() == [("d_model", "64"), ("A.x", "64"), ("A.y", "128"),
                            ("B.z", "[64, 'a']")]


def test_macro_chains_and_forward_references():
    assert value("A.x = %b + 1\nb = %a * 2\na = 3\n") == "7"


def test_expressions_over_swept_macros_are_evaluated_per_config():
    configs = expand("d: [2, 3]\nA.x = %d ** 2\n")
    assert [dict(c.resolved())["A.x"] for c in configs] == ["4", "9"]
    assert configs[0].nodes()["A.x"] == configs[1].nodes()["A.x"]  # same node as written


def test_what_only_gin_knows_stays_symbolic():
    text = "include 'base.gin'\nA.x = %d_model * 2\nA.y = @f() + 1\nA.z = -%d ** 2\n"
    (c,) = expand(text)
    assert c.resolved() == [("A.x", "%d_model * 2"), ("A.y", "@f() + 1"), ("A.z", "-%d ** 2")]


def test_partial_folding_keeps_python_precedence():
    assert v("(%a + 1) * (2 + 3)") == "(%a + 1) * 5"
    assert v("%a - (%b - 1)") == "%a - (%b - 1)"
    assert v("(%a ** 2) ** 3") == "(%a ** 2) ** 3"
    assert v("%a ** -1") == "%a ** -1"
    assert v("(-4) ** %a") == "(-4) ** %a"
    assert v("not (%a and %b)") == "not (%a and %b)"
    assert v("(%a < %b) < %c") == "(%a < %b) < %c"
    assert v("%a < %b < %c") == "%a < %b < %c"
    assert v("True and %a") == "%a"
    assert v("%a and False") == "%a and False"
    assert v("1 < 2 < %a") == "2 < %a"
    assert v("%a < 2 < 1") == "%a < 2 < 1"


def test_macro_cycle_is_an_error():
    with pytest.raises(SweepError, match="cycle: a -> b -> a") as err:
        expand("a = %b\nb = %a\n")
    assert err.value.line == 2  # where the cycle closes


# ---- references and calls -------------------------------------------------------------------------

def test_references_and_calls():
    (c,) = expand("n = 2\nA.a = @f\nA.b = @f()\nA.c = @s/g(k=%n * 3, j=[%n, 'x'], m=@h())\n")
    assert c.resolved()[1:] == [("A.a", "@f"), ("A.b", "@f()"),
                                ("A.c", "@s/g(k=6, j=[2, 'x'], m=@h())")]


def test_calls_need_keyword_arguments():
    with pytest.raises(SweepError, match="keyword arguments") as err:
        expand("A.x = @f(1)")
    assert (err.value.line, err.value.column) == (1, 10)


def test_duplicate_keyword_argument():
    with pytest.raises(SweepError, match="given twice"):
        expand("A.x = @f(a=1, a=2)")


# ---- values Gin cannot read -----------------------------------------------------------------------

@pytest.mark.parametrize("expr, what", [
    ("1e400", "inf"), ("1e308 * 10", "inf"), ("1e308 * 10 - 1e308 * 10", "inf"),
    ("1j", "complex"), ("(-1) ** 0.5", "complex"), ("[1, 2e308 * 2]", "inf"),
])
def test_values_gin_cannot_read_are_errors_naming_the_line(expr, what):
    with pytest.raises(SweepError, match=what) as err:
        expand(f"a = 1\n\nA.x = {expr}\n")
    assert err.value.line == 3


def test_nan_and_inf_from_a_swept_macro_name_the_line():
    with pytest.raises(SweepError, match="inf") as err:
        expand("a: [1.0, 1e308]\nb = 1\nA.x = %a * 10\n")
    assert err.value.line == 3


def test_huge_powers_are_refused_not_computed():
    with pytest.raises(SweepError, match="too large"):
        v("10 ** 10 ** 10")


def test_invalid_operations_name_the_expression():
    with pytest.raises(SweepError, match="cannot evaluate `'a' - 1`"):
        v("'a' - 1")


# ---- rendering round trip -------------------------------------------------------------------------

def test_to_text_parses_back_to_the_same_config():
    text = ("include 'b.gin'\nd = 3\nA.x = %d * (2 + %e)\nA.y = @f(k=-%d, j=(1,))\n"
            "A.z = not %d in [1, 2] or %d < %e <= 4\nA.w = {'a': [1.5, None]}\n")
    (c,) = expand(text)
    again = parse_config(c.to_text(), apply=False)
    assert again == c
    assert again.resolved() == c.resolved()


@pytest.mark.parametrize("expr", [
    "not 1 == 2", "not not 1", "None is not None", "not None is None", "-3 ** 2", "1 + 2 * 3 ** 2",
    "0 or 2 and 3", "1 | 2 ^ 3 & 4 << 1 + 2", "2 ** -1 * 4", "~1 + 2", "10 - 2 - 3",
    "100 // 7 % 3 * 2", "1 < 2 == 2 > 1", "3 in [1, 2] or 3 not in [4]", "not 0 or 0 and 1",
    "2 ** 2 ** -1", "(1, 2) + (3,)", "-(-2) ** 2", "1 < 2 < 3 < 2", "8 >> 1 << 2",
])
def test_precedence_matches_python(expr):
    assert v(expr) == repr(eval(expr))  # noqa: S307 - fixed test expressions


def test_not_inside_a_comparison_needs_parentheses_as_in_python():
    with pytest.raises(SweepError, match="needs parentheses") as err:
        v("1 == not 2")
    assert err.value.column == 12
    assert v("1 == (not 2)") == "False"
