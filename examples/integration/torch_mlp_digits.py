"""Tune a PyTorch MLP on scikit-learn's digits on the CPU: learning rate, hidden size and
dropout, a few epochs per trial, weak trials stopped by the median pruner, and the best
model's weights kept as an artifact.

Run: python examples/integration/torch_mlp_digits.py
"""

from __future__ import annotations

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import hyperloom as hl
from hyperloom.integration import TrialReporter
from hyperloom.pruners import MedianPruner
from hyperloom.samplers import TPESampler


def load_data() -> tuple[torch.Tensor, ...]:
    """Digits scaled to [0, 1], split 75/25 into train and validation tensors."""
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x / 16.0, y, test_size=0.25,
                                                      random_state=0, stratify=y)
    return (torch.tensor(x_train, dtype=torch.float32), torch.tensor(y_train),
            torch.tensor(x_val, dtype=torch.float32), torch.tensor(y_val))


def build_model(hidden: int, dropout: float) -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(),
                               torch.nn.Dropout(dropout), torch.nn.Linear(hidden, 10))


def make_objective(data: tuple[torch.Tensor, ...], epochs: int = 8):
    """An objective returning the validation accuracy after `epochs` epochs (the validation
    loss is reported each epoch for pruning)."""
    x_train, y_train, x_val, y_val = data

    def objective(trial: hl.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        hidden = trial.suggest_categorical("hidden", [16, 32, 64, 128])
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        torch.manual_seed(trial.number)
        model = build_model(hidden, dropout)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        loss_fn = torch.nn.CrossEntropyLoss()
        reporter = TrialReporter(trial, checkpoint="best")
        for epoch in range(epochs):
            model.train()
            for batch in torch.randperm(len(x_train)).split(64):
                optimizer.zero_grad()
                loss_fn(model(x_train[batch]), y_train[batch]).backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                logits = model(x_val)
                val_loss = loss_fn(logits, y_val).item()
            reporter.step(val_loss, epoch, model)  # raises hl.TrialPruned when pruned
        accuracy = (logits.argmax(1) == y_val).float().mean().item()
        trial.set_user_attr("val_accuracy", accuracy)
        return val_loss

    return objective


def main(n_trials: int = 20, epochs: int = 8, seed: int = 0) -> hl.Study:
    """Run the search; the study minimizes validation loss."""
    torch.set_num_threads(1)
    study = hl.create_study(direction="minimize", sampler=TPESampler(seed=seed),
                            pruner=MedianPruner(n_startup_trials=4, n_warmup_steps=1))
    study.optimize(make_objective(load_data(), epochs), n_trials=n_trials)
    return study


if __name__ == "__main__":
    found = main()
    best = found.best_trial
    print(f"best params {best.params}, val accuracy {best.user_attrs['val_accuracy']:.3f}")
    print(f"best weights: {found.artifact_path(best.number, 'best_model.pt')}")
