"""KerasPruningCallback reports epochs and prunes a real Keras model (torch backend, CPU); the
Hyperas README model, written with templates, is tuned end to end on digits."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import hyperloom as hl
from hyperloom.pruners import BasePruner

os.environ.setdefault("KERAS_BACKEND", "torch")  # before Keras loads, as the integration does
keras = pytest.importorskip("keras", reason="Keras 3 is not installed: pip install "
                                            "'hyperloom[keras]'")

from docs import python_blocks  # noqa: E402
from hyperloom.integration import KerasPruningCallback  # noqa: E402

pytestmark = pytest.mark.slow

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "integration"
           / "keras_hyperas_digits.py")


class PruneAfterFirstEpoch(BasePruner):
    """Prunes every trial at any step after epoch 0."""

    def prune(self, study, trial) -> bool:
        return (trial.last_step or 0) > 0


def tiny_fit(trial, epochs: int = 3, monitor: str = "val_loss"):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    callback = KerasPruningCallback(trial, monitor=monitor)
    history = model.fit(x, y, validation_split=0.25, epochs=epochs, verbose=0,
                        callbacks=[callback])
    return history.history["val_loss"][-1]


def test_every_epoch_is_reported_and_an_unpruned_trial_completes():
    study = hl.create_study()
    study.optimize(tiny_fit, n_trials=1)
    trial = study.trials[0]
    assert trial.state == hl.TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == [0, 1, 2]
    assert trial.intermediate_values[2] == pytest.approx(trial.value)


def test_a_pruned_trial_stops_training_after_that_epoch_and_is_recorded_as_pruned():
    study = hl.create_study(pruner=PruneAfterFirstEpoch())
    study.optimize(lambda t: tiny_fit(t, epochs=5), n_trials=1)
    trial = study.trials[0]
    assert trial.state == hl.TrialState.PRUNED
    assert sorted(trial.intermediate_values) == [0, 1]  # stopped after epoch 1, not 5 epochs


def test_a_missing_metric_names_the_metrics_that_exist():
    study = hl.create_study()
    with pytest.raises(KeyError, match="'val_accuracy' is not in this epoch's logs"):
        study.optimize(lambda t: tiny_fit(t, monitor="val_accuracy"), n_trials=1)


def test_hyperas_readme_model_on_digits_is_tuned_with_templates():
    from hyperloom import template

    if not hasattr(template, "minimize"):
        pytest.skip("template.minimize not available")
    spec = importlib.util.spec_from_file_location("keras_hyperas_digits", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    best_run, best_model, accuracy = example.main(max_evals=4, epochs=3)
    assert {"Dropout", "Dense", "Activation", "Dropout_1", "batch_size"} <= set(best_run)
    assert accuracy >= 0.9
    assert best_model.count_params() > 0


def test_the_keras_section_of_the_docs_runs_as_written():
    text = (Path(__file__).resolve().parents[2] / "docs" / "integrations.md").read_text()
    section = text.split("\n## Keras\n", 1)[1].split("\n## ", 1)[0]
    blocks = python_blocks(section)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/integrations.md", "exec"), namespace)  # noqa: S102 - our docs
    study = namespace["study"]
    assert len(study.trials) == 5
    assert all(t.intermediate_values for t in study.trials)
