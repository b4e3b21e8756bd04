"""Every construct of the sweep language, with the expected configs in order."""

from __future__ import annotations

import textwrap

import pytest

from hyperloom.sweep import Sweep, SweepError, expand, iter_configs


def pairs(text: str) -> list[list[tuple[str, str]]]:
    return [c.resolved() for c in expand(textwrap.dedent(text))]


# ---- bindings and sweeps -----------------------------------------------------------------------

def test_empty_file_is_one_empty_config():
    assert pairs("") == [[]]
    assert pairs("# only a comment\n\n") == [[]]


def test_fixed_binding_and_macro():
    assert pairs("A.x = 1\nlr = 0.5\n") == [[("A.x", "1"), ("lr", "0.5")]]


def test_one_parameter_sweep():
    assert pairs("A.x: [1, 2, 3]") == [[("A.x", "1")], [("A.x", "2")], [("A.x", "3")]]


def test_list_of_lists_gives_one_config_per_inner_list():
    assert pairs("A.shape: [[1, 2], [3]]") == [[("A.shape", "[1, 2]")], [("A.shape", "[3]")]]


def test_sweep_elements_may_be_expressions_over_macros():
    assert pairs("""
        d = 4
        A.x: [%d, %d * 2]
    """) == [[("d", "4"), ("A.x", "4")], [("d", "4"), ("A.x", "8")]]


# ---- product ------------------------------------------------------------------------------------

def test_product_first_child_outermost():
    assert pairs("""
        a: [1, 2]
        b: ['x', 'y']
    """) == [
        [("a", "1"), ("b", "'x'")], [("a", "1"), ("b", "'y'")],
        [("a", "2"), ("b", "'x'")], [("a", "2"), ("b", "'y'")],
    ]


def test_explicit_product_block_equals_the_implicit_one():
    assert pairs("""
        product:
            a: [1, 2]
            b: [3, 4]
    """) == pairs("a: [1, 2]\nb: [3, 4]\n")


def test_product_merge_later_value_wins_key_keeps_first_position():
    assert pairs("""
        a = 1
        b = 2
        a = 3
    """) == [[("a", "3"), ("b", "2")]]
    assert pairs("""
        a: [1, 2]
        b = 0
        a = 9
    """) == [[("a", "9"), ("b", "0")], [("a", "9"), ("b", "0")]]  # no de-duplication


def test_empty_product_block_is_not_valid_syntax_but_empty_file_is_one_config():
    with pytest.raises(SweepError):
        expand("product:\n")


# ---- union --------------------------------------------------------------------------------------

def test_union_concatenates_in_order():
    assert pairs("""
        union:
            a: [1, 2]
            b: [3]
    """) == [[("a", "1")], [("a", "2")], [("b", "3")]]


def test_nested_unions_flatten():
    assert pairs("""
        union:
            a: [1]
            union:
                b: [2]
                union:
                    c: [3]
            d: [4]
    """) == [[("a", "1")], [("b", "2")], [("c", "3")], [("d", "4")]]


def test_union_fixed_binding_applies_to_every_branch_and_comes_first():
    assert pairs("""
        union:
            a: [1, 2]
            shared = 'x'
            b: [3]
    """) == [
        [("shared", "'x'"), ("a", "1")],
        [("shared", "'x'"), ("a", "2")],
        [("shared", "'x'"), ("b", "3")],
    ]


def test_union_branch_overrides_fixed_value_but_key_stays_first():
    assert pairs("""
        union:
            k = 0
            product:
                a = 1
                k = 5
    """) == [[("k", "5"), ("a", "1")]]


def test_union_keys_absent_from_a_branch_stay_absent():
    configs = expand("union:\n  a: [1]\n  b: [2]\n")
    assert list(configs[0]) == ["a"]
    assert list(configs[1]) == ["b"]


def test_union_inside_product():
    assert pairs("""
        x: [0, 1]
        union:
            a: [1]
            b: [2]
    """) == [
        [("x", "0"), ("a", "1")], [("x", "0"), ("b", "2")],
        [("x", "1"), ("a", "1")], [("x", "1"), ("b", "2")],
    ]


def test_a_union_without_branches_is_an_error_naming_the_union_not_zero_configs():
    with pytest.raises(SweepError, match="no branch") as err:
        pairs("a = 0\nunion:\n    a = 1\n")
    assert (err.value.line, err.value.column) == (2, 1)


# ---- table --------------------------------------------------------------------------------------

def test_table_one_config_per_row():
    assert pairs("""
        table (A.n, A.d):
            1, 128
            2, 256
    """) == [[("A.n", "1"), ("A.d", "128")], [("A.n", "2"), ("A.d", "256")]]


def test_table_without_parentheses_and_with_trailing_commas():
    assert pairs("""
        table A.n, A.d,:
            1, 'a',
            2, 'b'
    """) == [[("A.n", "1"), ("A.d", "'a'")], [("A.n", "2"), ("A.d", "'b'")]]


def test_table_cells_are_any_values():
    assert pairs("""
        d = 2
        table (a, b):
            [1, 2], %d * 3
            (1,), {'k': 'v'}
    """) == [[("d", "2"), ("a", "[1, 2]"), ("b", "6")],
             [("d", "2"), ("a", "(1,)"), ("b", "{'k': 'v'}")]]


def test_table_row_with_wrong_number_of_cells_names_the_line():
    with pytest.raises(SweepError) as err:
        expand("table (a, b):\n    1, 2\n    3\n")
    assert err.value.line == 3
    assert "1 value(s)" in err.value.message and "2 column(s)" in err.value.message


def test_table_in_product():
    assert len(expand("x: [1, 2, 3]\ntable (a, b):\n  1, 2\n  3, 4\n")) == 6


# ---- with ---------------------------------------------------------------------------------------

def test_with_prefixes_keys():
    assert pairs("""
        with Model:
            layers: [1, 2]
            act = 'relu'
    """) == [[("Model.layers", "1"), ("Model.act", "'relu'")],
             [("Model.layers", "2"), ("Model.act", "'relu'")]]


def test_nested_with_concatenates_and_inner_scope_stays_in_front():
    assert pairs("""
        with a.B:
            with C:
                x = 1
                s/y = 2
    """) == [[("a.B.C.x", "1"), ("s/a.B.C.y", "2")]]


def test_with_does_not_prefix_references():
    assert pairs("""
        with M:
            x = %m
            y = @f
    """) == [[("M.x", "%m"), ("M.y", "@f")]]


def test_with_inside_union_splices_its_statements():
    # Two sweeps in a `with` inside a union give their union, not their product.
    assert pairs("""
        union:
            with M:
                a: [1, 2]
                b: [3]
    """) == [[("M.a", "1")], [("M.a", "2")], [("M.b", "3")]]


def test_with_fixed_binding_inside_union_applies_to_every_branch():
    assert pairs("""
        union:
            with M:
                c = 0
                a: [1]
            b: [2]
    """) == [[("M.c", "0"), ("M.a", "1")], [("M.c", "0"), ("b", "2")]]


def test_with_applies_to_tables_and_blocks_inside():
    assert pairs("""
        with M:
            table (a, b):
                1, 2
            union:
                c: [3]
    """) == [[("M.a", "1"), ("M.b", "2"), ("M.c", "3")]]


def test_scoped_with_prefix():
    assert pairs("with s/M:\n    x = 1\n") == [[("s/M.x", "1")]]


# ---- include / import ---------------------------------------------------------------------------

def test_include_and_import_top_every_config():
    configs = expand("include 'base.gin'\na: [1, 2]\nimport my.mod\n")
    for c in configs:
        assert c.includes == ["base.gin"]
        assert c.imports == ["my.mod"]
        assert c.to_gin().splitlines()[:2] == ["include 'base.gin'", "import my.mod"]


def test_include_inside_a_block_is_an_error():
    with pytest.raises(SweepError) as err:
        expand("union:\n    include 'x.gin'\n")
    assert (err.value.line, err.value.column) == (2, 5)


# ---- layout -------------------------------------------------------------------------------------

def test_comments_blank_lines_and_indentation_anywhere():
    text = (
        "# header\n"
        "union:   # a comment after a block header\n"
        "\n"
        "        # a full-line comment deeper than the block\n"
        "  a: [1,  # inside brackets\n"
        "      2]\n"
        "# a full-line comment at column 0 inside the block\n"
        "  b: [3]\n"
        "\n"
    )
    assert pairs(text) == [[("a", "1")], [("a", "2")], [("b", "3")]]


def test_tabs_count_as_four_columns():
    assert pairs("union:\n\ta: [1]\n    b: [2]\n") == [[("a", "1")], [("b", "2")]]


def test_newlines_inside_brackets():
    assert pairs("A.x = {\n  'a': [1,\n 2],\n}\nB.y = (\n 1 +\n 2)\n") == [
        [("A.x", "{'a': [1, 2]}"), ("B.y", "3")]]


def test_any_consistent_indentation_width():
    assert pairs("union:\n product:\n        a = 1\n        b: [1]\n c: [2]\n") == [
        [("a", "1"), ("b", "1")], [("c", "2")]]


# ---- our extensions -----------------------------------------------------------------------------

def test_range_linspace_logspace_geomspace():
    assert [c["a"] for c in expand("a: range(3)")] == [0, 1, 2]
    assert [c["a"] for c in expand("a: range(1, 10, 4)")] == [1, 5, 9]
    assert [c["a"] for c in expand("a: linspace(0, 1, 3)")] == [0.0, 0.5, 1.0]
    assert [c["a"] for c in expand("a: logspace(-3, -1, 3)")] == pytest.approx([1e-3, 1e-2, 1e-1])
    assert [c["a"] for c in expand("a: geomspace(1e-3, 1e-1, 3)")] == pytest.approx(
        [1e-3, 1e-2, 1e-1])


def test_range_is_only_a_sweep_value():
    with pytest.raises(SweepError, match="write `a: range"):
        expand("a = range(3)")
    with pytest.raises(SweepError, match="several values"):
        expand("a: [range(3)]")
    with pytest.raises(SweepError, match="not part of an expression"):
        expand("a = [1, range(3)]")
    with pytest.raises(SweepError, match="no values"):
        expand("a: range(0)")


def test_repeat_adds_seeds():
    assert pairs("lr: [0.1, 0.2]\nrepeat: 2\n") == [
        [("lr", "0.1"), ("seed", "0")], [("lr", "0.1"), ("seed", "1")],
        [("lr", "0.2"), ("seed", "0")], [("lr", "0.2"), ("seed", "1")]]
    assert pairs("with Trainer:\n    repeat: 2\n") == [[("Trainer.seed", "0")],
                                                     [("Trainer.seed", "1")]]


def test_name_template():
    configs = expand("name: 'lr{Trainer.lr}-{layers}-{act}'\nTrainer.lr: [0.1, 0.01]\n"
                     "M.layers = 3\nact = 'relu'\n")
    assert [c.name for c in configs] == ["lr0.1-3-relu", "lr0.01-3-relu"]
    assert configs[0].to_gin().startswith("# lr0.1-3-relu\n")


def test_name_template_with_unknown_key_names_the_template():
    with pytest.raises(SweepError) as err:
        expand("a: [1]\nname: '{nope}'\n")
    assert err.value.line == 2 and "nope" in err.value.message


def test_name_macro_is_still_a_macro():
    assert pairs("name = 'exp'\nname2: ['a']\n") == [[("name", "'exp'"), ("name2", "'a'")]]


# ---- the Sweep object ---------------------------------------------------------------------------

def test_len_and_random_access_without_enumeration():
    sweep = Sweep("a: range(1000)\nunion:\n  b: range(10)\n  c: [1, 2]\n")
    assert len(sweep) == 12000
    assert sweep[0].resolved() == [("a", "0"), ("b", "0")]
    assert sweep[11].resolved() == [("a", "0"), ("c", "2")]
    assert sweep[-1].resolved() == [("a", "999"), ("c", "2")]
    assert [sweep[i] for i in range(24)] == list(iter_configs(
        "a: range(2)\nunion:\n  b: range(10)\n  c: [1, 2]\n"))
    with pytest.raises(IndexError):
        sweep[12000]


def test_iter_configs_is_lazy_and_matches_expand():
    text = "a: range(3)\nb: [1, 2]\ntable (c, d):\n  1, 2\n  3, 4\n"
    it = iter_configs(text)
    first = next(it)
    assert first.index == 0
    assert [first, *it] == expand(text)


def test_indexes_and_params():
    configs = expand("fixed = 1\na: [1, 2]\nunion:\n  product:\n    m = 'x'\n  b: [3]\n")
    assert [c.index for c in configs] == [0, 1, 2, 3]
    assert configs[0].params == {"a": 1, "m": "x"}
    assert configs[1].params == {"a": 1, "b": 3}


def test_config_values_are_python_values():
    (c,) = expand("a = 1000.0\nb = (3,)\nc = {'k': [1, None]}\nd = @f\n")
    assert c["a"] == 1000.0 and c["b"] == (3,) and c["c"] == {"k": [1, None]}
    c["c"]["k"].append(2)  # values handed out are copies
    assert c["c"] == {"k": [1, None]}
    assert repr(c["d"]) == "Ref('@f')"
