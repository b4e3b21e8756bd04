"""Each way Hyperas' text pasting breaks is handled by compiling the AST in place."""
# ruff: noqa: F821  (template aliases such as `uniform` are names only inside {{...}})

import importlib.util
import os

from hyperloom import template


def dict_choice():
    optimizer = {{choice([{"name": "sgd", "lr": 0.1}, {"name": "adam", "lr": 0.001}])}}
    return optimizer


def commented():
    # width = {{uniform(0, 1)}} is a comment, not a template
    depth = {{choice([1, 2])}}
    return depth


def brace_in_string():
    sep = {{choice(["}", "{}}"])}}
    return sep


def conditional():
    if {{choice(["one", "two"])}} == "two":
        extra = {{uniform(0, 1)}}
        return extra
    return None


def looped():
    total = 0
    for _ in range(3):
        total += {{choice([1, 2])}}
    return total


def make_closure():
    offset = 100

    def model(x):
        return x + offset + {{choice([1, 2])}}

    return model


def _load(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_choice_of_dicts_gives_the_dict_to_the_model():
    compiled = template.compile(dict_choice)
    option = {"name": "adam", "lr": 0.001}
    assert compiled.space["optimizer"].contains(option)
    assert compiled.call({"optimizer": option}) == option


def test_a_template_in_a_comment_is_ignored():
    assert template.space(commented).names == ["depth"]


def test_a_closing_brace_inside_a_template_string_is_fine():
    assert template.compile(brace_in_string).call({"sep": "{}}"}) == "{}}"


def test_tab_indented_source_compiles(tmp_path):
    module = _load(tmp_path, "tabbed", "def model(x):\n\tif x:\n\t\ty = {{uniform(0, 1)}}\n"
                   "\t\treturn x + y\n\treturn 0\n")
    assert template.compile(module.model).call({"y": 0.5}, 1) == 1.5


def test_non_ascii_source_compiles(tmp_path):
    module = _load(tmp_path, "accents", "# -*- coding: utf-8 -*-\ndef modèle(x):\n"
                   "    débit = {{choice(['élevé', 'bas'])}}\n    return f'{x}: {débit}'\n")
    compiled = template.compile(module.modèle)
    assert compiled.space.names == ["débit"]
    assert compiled.call({"débit": "élevé"}, "ç") == "ç: élevé"


def test_a_closure_variable_is_read_from_the_original_cell():
    compiled = template.compile(make_closure())
    assert compiled.call({"p0": 2}, 1) == 103


def test_the_inactive_branch_parameter_is_never_sampled():
    space = template.space(conditional)
    assert space.is_conditional
    samples = [space.sample(seed) for seed in range(40)]
    assert {s["p0"] for s in samples} == {"one", "two"}
    for s in samples:
        assert ("extra" in s) == (s["p0"] == "two")


def test_the_taken_branch_reads_its_parameter():
    compiled = template.compile(conditional)
    assert compiled.call({"p0": "two", "extra": 0.3}) == 0.3
    assert compiled.call({"p0": "one"}) is None


def test_a_template_in_a_loop_is_one_parameter():
    compiled = template.compile(looped)
    assert compiled.space.names == ["total"]
    assert compiled.call({"total": 2}) == 6


def test_keep_temp_writes_the_generated_source(tmp_path):
    target = tmp_path / "generated.py"
    template.compile(conditional, keep_temp=target)
    text = target.read_text()
    assert "__hl_params__['extra']" in text and "{{" not in text


def test_compiling_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template.compile(conditional).call({"p0": "one"})
    assert os.listdir(tmp_path) == []
