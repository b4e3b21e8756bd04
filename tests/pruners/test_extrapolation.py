"""ExtrapolationPruner on curves that cross: it keeps the slow learning rate that ends best,
which a rank at one step (MedianPruner, successive halving) stops, and still saves steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.pruners import ExtrapolationPruner, MedianPruner, SuccessiveHalvingPruner

STEPS = 100
# log10 learning rates in a fixed order: mostly fast ones, which set the pace at early steps;
# with crossing curves -2.0 (trial 29) ends best, with ordered ones -2.7 (trial 18).
LOG_LRS = [-1.0, -3.4, -0.6, -1.3, -0.8, -3.0, -1.1, -0.7, -1.5, -2.9, -0.9, -1.2, -0.5, -1.4,
           -3.2, -1.05, -0.75, -1.25, -2.7, -0.95, -1.15, -0.85, -1.35, -0.65, -1.6, -1.02,
           -0.88, -1.18, -1.45, -2.0, -1.08, -0.92, -1.28, -2.4, -1.12]


def curve(log_lr: float, number: int, crossing: bool = True) -> np.ndarray:
    """Loss falling from 30 to a floor that is lowest at lr = 10**-2.5 (the simulator of
    benchmarks/pruning.py); with `crossing`, a larger lr falls faster (a fast exponential
    phase plus a slow tail), so the lr that ends best after 100 steps is larger."""
    floor = 1.0 + 2.0 * (log_lr + 2.5) ** 2
    tau = 2.0 / (10 ** log_lr) ** 0.35 if crossing else 8.0
    t = np.arange(1, STEPS + 1, dtype=float)
    shape = 0.5 * np.exp(-t / tau) + 0.5 / (1.0 + t / (3.0 * tau))
    noise = np.random.default_rng(number).normal(0.0, 0.2, STEPS)
    return floor + (30.0 - floor) * shape + noise


def run(pruner: hl.pruners.BasePruner, crossing: bool = True, sign: float = 1.0,
        log_lrs: list[float] = LOG_LRS) -> tuple[hl.Study, int]:
    """A study over the learning rates in order; (study, steps run in all)."""
    study = hl.create_study(direction="minimize" if sign > 0 else "maximize", pruner=pruner)
    steps = 0
    for number, log_lr in enumerate(log_lrs):
        trial = study.ask()
        values = sign * curve(log_lr, number, crossing)
        for step, value in enumerate(values.tolist()):
            trial.report(value, step)
            steps += 1
            if trial.should_prune():
                study.tell(trial, state=TrialState.PRUNED)
                break
        else:
            study.tell(trial, float(values[-1]))
    return study, steps


def ends_best(crossing: bool) -> int:
    return int(np.argmin([curve(lr, n, crossing)[-1] for n, lr in enumerate(LOG_LRS)]))


@pytest.mark.slow
def test_the_learning_rate_that_ends_best_survives_where_a_rank_at_one_step_prunes_it():
    best = ends_best(crossing=True)
    assert LOG_LRS[best] == -2.0
    for rank_based in (MedianPruner(), SuccessiveHalvingPruner(min_resource=1)):
        study, _ = run(rank_based)
        assert study.trials[best].state == TrialState.PRUNED, rank_based
    study, steps = run(ExtrapolationPruner())
    assert study.trials[best].state == TrialState.COMPLETE
    assert study.best_trial.number == best
    assert steps < 0.5 * len(LOG_LRS) * STEPS
    fast_and_high = [n for n, lr in enumerate(LOG_LRS) if lr >= -1.0 and n >= 10]
    assert all(study.trials[n].state == TrialState.PRUNED for n in fast_and_high)


def test_on_ordered_curves_it_keeps_the_best_and_saves_steps():
    study, steps = run(ExtrapolationPruner(), crossing=False)
    assert study.best_trial.number == ends_best(crossing=False)
    assert steps < 0.5 * len(LOG_LRS) * STEPS


def test_a_maximized_study_gets_the_same_decisions():
    low, _ = run(ExtrapolationPruner())
    high, _ = run(ExtrapolationPruner(), sign=-1.0)
    assert [t.state for t in low.trials] == [t.state for t in high.trials]


def test_nothing_is_pruned_before_enough_completed_trials_were_predicted():
    # A check step prunes only after predicting n_startup_trials finals from there, which
    # takes n_startup_trials + 4 completed trials: the first 9 here run to the end.
    study, _ = run(ExtrapolationPruner(n_startup_trials=5))
    assert all(t.state == TrialState.COMPLETE for t in study.trials[:9])
    assert any(t.state == TrialState.PRUNED for t in study.trials[9:])


def test_a_nan_at_a_check_step_is_pruned():
    study, _ = run(ExtrapolationPruner(), log_lrs=LOG_LRS[:10])
    trial = study.ask()
    trial.report(20.0, 0)
    trial.report(20.0, 1)
    trial.report(math.nan, 2)  # step 2 is the first check
    assert trial.should_prune()


def test_max_resource_auto_is_the_last_step_of_the_first_completed_trial():
    pruner = ExtrapolationPruner()
    run(pruner, log_lrs=LOG_LRS[:12])
    [book] = pruner._studies._states.values()
    assert book.horizon == STEPS - 1


def test_a_noise_margin_saves_steps_by_ignoring_gains_below_the_noise():
    study, steps = run(ExtrapolationPruner(noise_margin=2.0), crossing=False)
    _, careful_steps = run(ExtrapolationPruner(), crossing=False)
    assert steps < careful_steps
    best = curve(LOG_LRS[ends_best(crossing=False)], 0, crossing=False)[-1]
    assert study.best_value < best + 2 * 3 * 0.2  # within a few noise sds of the best
