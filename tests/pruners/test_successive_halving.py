"""Asynchronous successive halving on real studies: who goes on past a rung, when rungs start,
bootstrap, "auto", both directions, NaN values."""

from __future__ import annotations

import math

import pytest

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.pruners import SuccessiveHalvingPruner


def reach(study: hl.Study, values: dict[int, float], tell: bool = True) -> tuple[bool, int]:
    """Run one trial reporting `values` (step -> value) in step order, asking after each
    report; (pruned?, last step reported)."""
    trial = study.ask()
    for step in sorted(values):
        trial.report(values[step], step)
        if trial.should_prune():
            if tell:
                study.tell(trial, state=TrialState.PRUNED)
            return True, step
    if tell:
        study.tell(trial, values[max(values)])
    return False, max(values)


def test_a_trial_goes_on_only_while_among_the_best_1_over_eta_at_each_rung():
    study = hl.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    # Rungs at steps 1, 2, 4, ... Values at step 1: 0.5 leads; 0.7 is not the best of two;
    # 0.3 is the best of three; 0.4 is second of four, inside the best half (index 4//2-1 = 1).
    assert reach(study, {0: 9.0, 1: 0.5}) == (False, 1)
    assert reach(study, {0: 9.0, 1: 0.7}) == (True, 1)
    assert reach(study, {0: 9.0, 1: 0.3}) == (False, 1)
    assert reach(study, {0: 9.0, 1: 0.4}) == (False, 1)
    assert reach(study, {0: 9.0, 1: 0.45}) == (True, 1)  # third of five: outside the best 2


def test_before_the_first_rung_nothing_is_pruned_however_bad():
    study = hl.create_study(pruner=SuccessiveHalvingPruner(min_resource=3, reduction_factor=3))
    for _ in range(5):
        reach(study, {s: 0.1 for s in range(4)})
    pruned, step = reach(study, {s: 100.0 for s in range(10)})
    assert pruned and step == 3  # judged first at the rung, step 3, not at steps 0-2


def test_min_early_stopping_rate_moves_the_first_rung_up():
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=3,
                                     min_early_stopping_rate=2)
    study = hl.create_study(pruner=pruner)
    for _ in range(4):
        reach(study, {s: 0.1 for s in range(12)})
    assert reach(study, {s: 100.0 for s in range(30)}) == (True, 9)  # 1 * 3**2


def test_a_promotion_is_final_later_arrivals_do_not_prune_a_trial_at_a_rung_it_passed():
    study = hl.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    early = study.ask()
    early.report(0.5, 1)
    assert not early.should_prune()  # alone at rung 1: it leads
    for _ in range(6):  # six better trials reach rungs 1 and 2 afterwards
        assert not reach(study, {1: 0.1, 2: 0.1})[0]
    early.report(0.5, 1)  # asked again before its next rung (step 2)
    assert not early.should_prune()
    early.report(0.5, 2)  # at rung 2 it is judged there (and it is the worst there)
    assert early.should_prune()


def test_bootstrap_count_prunes_until_the_rung_holds_more_values():
    study = hl.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2,
                                                           bootstrap_count=2))
    assert reach(study, {1: 0.1})[0]  # 1 value at the rung: <= 2
    assert reach(study, {1: 0.1})[0]  # 2 values
    assert not reach(study, {1: 0.05})[0]  # 3 values: judged, and it leads


def test_auto_min_resource_waits_for_a_completed_trial_then_takes_a_hundredth_of_it():
    study = hl.create_study(pruner=SuccessiveHalvingPruner())  # min_resource="auto"
    assert reach(study, {s: 1.0 for s in range(300)}) == (False, 299)  # nothing to go on
    # 299 // 100 = 2: the first rung is step 2, where this worse trial is judged.
    assert reach(study, {s: 5.0 for s in range(300)}) == (True, 2)


def test_auto_counts_the_rungs_of_trials_read_before_the_first_one_completed():
    study = hl.create_study(pruner=SuccessiveHalvingPruner(reduction_factor=2))
    running = study.ask()  # reports at steps 0-4 while nothing has completed
    for step in range(5):
        running.report(0.01, step)
        assert not running.should_prune()
    reach(study, {s: 1.0 for s in range(100)})  # completes: min_resource = 1
    # Rung 1 holds 0.01 (the running trial, read from the study) and 1.0: 0.5 is not the best
    # of three and index 3 // 2 - 1 = 0 admits only the best.
    assert reach(study, {0: 0.5, 1: 0.5}) == (True, 1)


def test_maximize_keeps_the_largest_values():
    study = hl.create_study(direction="maximize",
                            pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    assert not reach(study, {1: 0.5})[0]
    assert reach(study, {1: 0.4})[0]
    assert not reach(study, {1: 0.9})[0]


def test_a_nan_at_a_rung_is_pruned_and_does_not_enter_the_rung():
    study = hl.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    assert reach(study, {1: math.nan}) == (True, 1)
    assert not reach(study, {1: 0.5})[0]  # alone at the rung: the NaN did not count
    assert reach(study, {1: 0.6})[0]


def test_a_trial_that_reports_sparsely_is_judged_at_every_rung_it_skipped():
    study = hl.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    for v in (0.1, 0.2, 0.3):
        reach(study, {s: v for s in range(1, 9)})
    # Reports only at 0 and 10: rungs 1, 2, 4, 8 take the value of step 10, the worst there.
    assert reach(study, {0: 0.0, 10: 5.0}) == (True, 10)


def test_on_a_real_study_the_pruned_trials_are_the_bad_ones_and_steps_are_saved():
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0),
                            pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))

    def objective(trial: hl.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        for step in range(30):
            trial.report(x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise hl.TrialPruned()
        return x

    study.optimize(objective, n_trials=60)
    pruned = study.get_trials([TrialState.PRUNED])
    complete = study.get_trials([TrialState.COMPLETE])
    assert len(pruned) > 30
    assert sum(len(t.intermediate_values) for t in study.trials) < 0.5 * 60 * 30
    assert study.best_value <= min(t.params["x"] for t in pruned)
    assert min(t.params["x"] for t in complete) == pytest.approx(study.best_value)
