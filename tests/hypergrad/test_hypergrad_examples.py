"""Reduced runs of the examples under examples/hypergrad/, asserting their claims."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

pytestmark = [pytest.mark.torch, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "hypergrad"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"hypergrad_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _float32_examples():
    torch.set_default_dtype(torch.float32)  # the examples are written in float32


def test_data_hyper_cleaning_beats_noisy_training_and_flags_corruption():
    dc = _load("data_cleaning")
    r = dc.run("implicit", hyper_iters=12)
    assert r["test_acc_hypercleaned"] > r["test_acc_noisy"] + 0.05
    assert r["test_acc_hypercleaned"] > r["test_acc_oracle"] - 0.03
    assert r["f1_corrupted"] > 0.8


def test_learned_learning_rate_schedule_against_a_grid_of_as_many_training_runs():
    lr = _load("lr_schedule")
    r = lr.run(splits=2)
    for split in r["splits"]:
        assert split["runs"] == 50  # the grid trains as often as the schedule takes hyper-steps
        assert 0.5 < split["best_constant_lr"] < 3  # the grid covers the best constant
        assert len(split["schedule"]) == split["steps"] and len(set(split["schedule"])) > 1
        assert split["grid_seconds"] > 0 and split["hyper_seconds"] > split["grid_seconds"]
    assert r["schedule_wins_val"] == 2  # tuned on validation with 40 degrees of freedom
    assert r["schedule_wins_test"] >= 1 and r["mean_test_gain"] > 0


def test_meta_learned_representation_beats_training_from_scratch():
    ml = _load("meta_learning")
    r = ml.run("reverse", meta_iters=30, n_eval=20)
    assert r["query_mse_meta"] < 0.8 * r["query_mse_scratch"]


def test_hmc_step_sizes_learned_per_dimension_beat_the_best_scalar_of_a_fair_grid():
    hmc = _load("hmc_step_sizes")
    r = hmc.run(hyper_steps=20)
    assert r["test_mismatch_learned"] < 0.5 * r["test_mismatch_scalar"]
    wide, narrow = r["learned_eps"]
    assert wide > 4 * narrow  # the wide dimension (sd 1) takes larger steps than the narrow (0.05)
