"""template.space and template.compile: names, hyperopt bounds, the model's own namespace."""
# ruff: noqa: F821  (template aliases such as `uniform` are names only inside {{...}})

import math

import pytest

from hyperloom import template

SCALE = 10


def scaled(x):
    return x * SCALE


def Dropout(rate):
    return rate


def Conv(a, b):
    return (a, b)


def two_dropouts():
    return Dropout({{uniform(0, 1)}}), Dropout({{uniform(0, 1)}})


def lr_then_mom():
    lr = {{uniform(0, 1)}}
    mom = {{uniform(0, 1)}}
    return lr, mom


def conv_pair():
    return Conv({{uniform(0, 1)}}, {{uniform(0, 2)}})


def positional_only():
    return [{{uniform(0, 1)}}, {{choice([1, 2])}}]


def test_two_dropouts_are_named_dropout_and_dropout_1():
    assert template.space(two_dropouts).names == ["Dropout", "Dropout_1"]


def test_assigned_templates_take_their_variable_names():
    assert template.space(lr_then_mom).names == ["lr", "mom"]


def test_a_positional_pair_in_one_call_is_named_conv_and_conv_1():
    assert template.space(conv_pair).names == ["Conv", "Conv_1"]


def test_templates_with_no_identifier_get_positional_names():
    assert template.space(positional_only).names == ["p0", "p1"]


def test_compiled_model_reads_its_templates_from_params():
    compiled = template.compile(conv_pair)
    assert compiled.call({"Conv": 0.25, "Conv_1": 1.5}) == (0.25, 1.5)


def sklearn_like(x):
    alpha = {{loguniform(-10, -2)}}
    return scaled(x), alpha


def test_loguniform_takes_hyperopts_log_bounds():
    space = template.space(sklearn_like)
    for seed in range(50):
        alpha = space.sample(seed)["alpha"]
        assert math.exp(-10) <= alpha <= math.exp(-2)


def test_a_module_helper_and_global_work_without_being_passed():
    compiled = template.compile(sklearn_like)
    assert compiled.call({"alpha": 0.01}, 3) == (30, 0.01)


def test_bound_model_keeps_the_original_signature():
    import inspect

    bound = template.compile(sklearn_like).bind({"alpha": 0.5})
    assert str(inspect.signature(bound)) == "(x)"
    assert bound(x=1) == (10, 0.5)


def test_a_missing_parameter_names_itself():
    with pytest.raises(KeyError, match="alpha"):
        template.compile(sklearn_like).call({}, 1)
