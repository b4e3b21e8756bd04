"""Objectives that the executor tests send to worker processes and Dask workers (a module on
the tests' path, so that workers import it rather than receive it by value)."""

from __future__ import annotations

import os

import hyperloom as hl


def defined_by_run(trial):
    """A branch chosen first, then its parameter; three reports with pruning checks; the
    process it ran in as a user attribute."""
    kind = trial.suggest_categorical("kind", ["a", "b"])
    x = trial.suggest_float("x", -1, 1) if kind == "a" else trial.suggest_int("n", 0, 4)
    for step in range(3):
        trial.report(x + step, step)
        if trial.should_prune():
            raise hl.TrialPruned()
    trial.set_user_attr("pid", os.getpid())
    return float(x) ** 2
