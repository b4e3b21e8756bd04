"""The public face: names say what they are, the renamed ones still work for a release with a
warning, every advertised name exists, and `import hyperloom` stays light."""

from __future__ import annotations

import importlib
import json
import math
import subprocess
import sys

import pytest

import hyperloom as hl
from hyperloom import space
from hyperloom.sweep import SweepError, report_result, to_search_space

PUBLIC_MODULES = ("hyperloom", "hyperloom.callbacks", "hyperloom.exceptions",
                  "hyperloom.execution", "hyperloom.objectives", "hyperloom.pruners",
                  "hyperloom.samplers", "hyperloom.space", "hyperloom.storage", "hyperloom.study",
                  "hyperloom.sweep", "hyperloom.testing")


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_name_in_all_exists(name):
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ advertises {missing}"


def test_report_result_writes_the_value_for_hyperloom_run(tmp_path, monkeypatch):
    result = tmp_path / "result.json"
    monkeypatch.setenv("HYPERLOOM_RESULT_FILE", str(result))
    report_result([0.25, 3])
    assert json.loads(result.read_text()) == {"value": [0.25, 3.0]}


def test_report_result_outside_a_run_prints_the_value(monkeypatch, capsys):
    monkeypatch.delenv("HYPERLOOM_RESULT_FILE", raising=False)
    report_result(0.5)
    assert capsys.readouterr().out == "0.5\n"


@pytest.mark.parametrize("module, old", [(hl, "hyperloom.report"),
                                         (hl.sweep, "hyperloom.sweep.report")])
def test_the_old_report_names_still_work_and_warn(module, old):
    with pytest.warns(DeprecationWarning, match=rf"{old} is deprecated.*"
                                                r"hyperloom\.sweep\.report_result"):
        alias = module.report
    assert alias is report_result


def test_from_hyperloom_import_report_warns():
    with pytest.warns(DeprecationWarning, match="hyperloom.sweep.report_result"):
        from hyperloom import report  # noqa: F401


def test_unknown_attributes_are_still_attribute_errors():
    with pytest.raises(AttributeError, match="no attribute 'reportt'"):
        hl.reportt  # noqa: B018


def test_import_hyperloom_loads_no_sweep_module_yet_hl_sweep_works():
    code = ("import sys, hyperloom as hl\n"
            "assert not [m for m in sys.modules if m.startswith('hyperloom.sweep')]\n"
            "print(len(hl.sweep.expand.__name__))\n")
    run = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr


def test_callbacks_is_a_public_module_of_the_shipped_callbacks():
    assert hl.callbacks.__name__ == "hyperloom.callbacks"
    assert sorted(hl.callbacks.__all__) == ["Callback", "ConsoleLogger", "HistoryRecorder",
                                            "MaxTrialsCallback"]
    recorder = hl.callbacks.HistoryRecorder()
    study = hl.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3,
                   callbacks=[recorder, hl.callbacks.MaxTrialsCallback(2)])
    assert len(study.trials) == 2 and len(recorder.records) == 2


def test_records_come_from_the_storage_public_face():
    assert hl.FrozenTrial is hl.storage.FrozenTrial is hl.study.FrozenTrial
    assert hl.TrialState is hl.storage.TrialState


def test_the_registry_holds_the_sweep_file_distribution_names():
    assert space.constructor_names() == ("uniform", "loguniform", "quniform", "randint",
                                         "intuniform", "normal", "lognormal", "qnormal",
                                         "choice", "constant")
    assert space.constructors["loguniform"](1e-4, 1e-1) == space.LogUniform(1e-4, 1e-1)
    assert space.get_constructor("randint")(3) == space.IntUniform(0, 2)


def test_hyperopt_convention_takes_loguniform_bounds_as_natural_logs():
    made = space.get_constructor("loguniform", convention=space.HYPEROPT)(-10, -2)
    assert made == space.LogUniform(math.exp(-10), math.exp(-2))
    assert space.get_constructor("uniform", convention=space.HYPEROPT)(0, 1) == space.Uniform(0, 1)


def test_registry_lookups_name_what_is_wrong():
    with pytest.raises(KeyError, match="no real distribution constructor named 'unifrom'.*"
                                       "known: uniform, loguniform"):
        space.get_constructor("unifrom")
    with pytest.raises(ValueError, match="unknown convention 'optuna'"):
        space.get_constructor("uniform", convention="optuna")
    with pytest.raises(ValueError, match="'uniform' is already a real constructor"):
        space.register_constructor("uniform", space.Uniform)
    with pytest.raises(ValueError, match="not an identifier"):
        space.register_constructor("my dist", space.Uniform)
    with pytest.raises(TypeError, match="must be callable"):
        space.register_constructor("mydist", 3)


@pytest.fixture
def registered_percent():
    """A constructor registered for the length of one test."""
    def percent(low, high):
        return space.Uniform(low / 100, high / 100)

    space.register_constructor("percent", percent)
    yield percent
    from hyperloom.space import _registry

    del _registry._TABLES[space.REAL]["percent"]


def test_a_registered_constructor_is_usable_in_sweep_files(registered_percent, tmp_path):
    path = tmp_path / "s.hyp"
    path.write_text("dropout: percent(10, 50)\n")
    assert to_search_space(path)["dropout"] == space.Uniform(0.1, 0.5)


def test_an_unknown_sweep_function_lists_the_registered_names(registered_percent, tmp_path):
    path = tmp_path / "s.hyp"
    path.write_text("dropout: nonesuch(10, 50)\n")
    with pytest.raises(SweepError, match="the sweep functions are .*, constant, percent"):
        to_search_space(path)
