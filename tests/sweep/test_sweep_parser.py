"""The parser's seams: lark loads at the first parse only, and the rule methods of the
transformer match the grammar rule for rule (a rule without a method would leave a raw lark
tree in the statements; a method without a rule is dead code)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hyperloom.sweep import _parser
from hyperloom.sweep._to_ast import ExpressionRules, StatementRules


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_lark_is_loaded_by_the_first_parse_not_by_importing_the_sweep_package_or_its_rules():
    script = (
        "import sys\n"
        "import hyperloom.sweep\n"
        "from hyperloom.sweep import _layout, _parser, _to_ast\n"
        "assert 'lark' not in sys.modules, 'imported before any parse'\n"
        "hyperloom.sweep.expand('a = 1')\n"
        "assert 'lark' in sys.modules, 'not even a parse loads lark?'\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def _methods(mixin: type) -> set[str]:
    return {name for name, value in vars(mixin).items()
            if callable(value) and not name.startswith("_")}


def _rules_that_build_a_node() -> set[str]:
    """The names lark calls a transformer method by: a rule's alias, or its own name unless it
    is inlined (`_rule`) or a `?rule` alternative of one symbol, which passes its child up."""
    names = set()
    for rule in _parser._parser().rules:
        if rule.alias is not None:
            names.add(rule.alias)
        elif not rule.origin.name.startswith("_") and not (
                rule.options.expand1 and len(rule.expansion) == 1):
            names.add(rule.origin.name)
    return names


def test_every_grammar_rule_that_builds_a_node_has_a_rule_method_and_no_method_is_dead():
    statements, expressions = _methods(StatementRules), _methods(ExpressionRules)
    assert not statements & expressions, "a rule method is defined in both mixins"
    assert _rules_that_build_a_node() == statements | expressions
