"""TrialReporter reports epochs, prunes in one call and keeps the best weights; the digits
example tunes an MLP on the CPU with some trials pruned."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import hyperloom as hl
from docs import python_blocks
from hyperloom.integration import TrialReporter
from hyperloom.pruners import BasePruner

torch = pytest.importorskip("torch", reason="PyTorch is not installed")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "integration" / "torch_mlp_digits.py"


class PruneAfterFirstStep(BasePruner):
    """Prunes every trial once it has reported a step past 0."""

    def prune(self, study, trial) -> bool:
        return (trial.last_step or 0) > 0


def test_step_reports_the_value_and_raises_trial_pruned_when_the_pruner_says_so():
    study = hl.create_study(pruner=PruneAfterFirstStep())

    def objective(trial):
        reporter = TrialReporter(trial, checkpoint=None)
        for epoch, loss in enumerate([3.0, 2.0, 1.0]):
            reporter.step(loss, epoch)
        return 1.0

    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == hl.TrialState.PRUNED
    assert trial.intermediate_values == {0: 3.0, 1: 2.0}


def test_checkpoint_best_uploads_the_weights_of_the_best_epoch_only():
    study = hl.create_study()
    model = torch.nn.Linear(2, 1)

    def objective(trial):
        reporter = TrialReporter(trial, checkpoint="best")
        for epoch, loss in enumerate([2.0, 1.0, 5.0]):
            with torch.no_grad():
                model.bias.fill_(float(epoch))
            reporter.step(loss, epoch, model)
        assert reporter.best_epoch == 1
        return reporter.best_value

    study.optimize(objective, n_trials=1)
    saved = torch.load(study.artifact_path(0, "best_model.pt"))
    assert saved["bias"].item() == 1.0  # the weights of epoch 1 (loss 1.0), not the last


def test_without_checkpoint_no_artifact_is_written():
    study = hl.create_study()
    study.optimize(lambda t: TrialReporter(t, checkpoint=None).step(1.0, 0,
                                                                    torch.nn.Linear(1, 1)),
                   n_trials=1)
    with pytest.raises(FileNotFoundError):
        study.artifact_path(0, "best_model.pt")


def test_maximize_direction_counts_higher_values_as_better():
    study = hl.create_study()

    def objective(trial):
        reporter = TrialReporter(trial, checkpoint=None, direction="maximize")
        flags = [reporter.step(v, i) for i, v in enumerate([0.5, 0.9, 0.7])]
        assert flags == [True, True, False]
        return reporter.best_value

    study.optimize(objective, n_trials=1)
    assert study.best_value == 0.9


def test_a_bad_checkpoint_mode_is_refused_with_its_choices():
    study = hl.create_study()
    with pytest.raises(ValueError, match="'best' or None"):
        TrialReporter(study.ask(), checkpoint="last")


@pytest.mark.slow
def test_digits_example_prunes_some_trials_and_the_best_model_is_accurate():
    spec = importlib.util.spec_from_file_location("torch_mlp_digits", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    study = example.main(n_trials=14, epochs=6, seed=0)
    states = [t.state for t in study.trials]
    assert states.count(hl.TrialState.PRUNED) >= 1
    best = study.best_trial
    assert best.user_attrs["val_accuracy"] >= 0.93
    weights = torch.load(study.artifact_path(best.number, "best_model.pt"))
    model = example.build_model(best.params["hidden"], best.params["dropout"])
    model.load_state_dict(weights)  # the artifact rebuilds the best model


def section_blocks(heading: str) -> list[str]:
    """The ```python blocks of one `## heading` section of docs/integrations.md."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "integrations.md").read_text()
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return python_blocks(section)


@pytest.mark.slow
def test_the_pytorch_section_of_the_docs_runs_as_written_and_saves_the_best_weights():
    blocks = section_blocks("PyTorch")
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/integrations.md", "exec"), namespace)  # noqa: S102 - our docs
    assert len(namespace["study"].trials) == 8
    assert "0.weight" in namespace["weights"]
