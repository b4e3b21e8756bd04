"""PatientPruner spares curves that still improve; ThresholdPruner stops values out of range."""

from __future__ import annotations

import math

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.pruners import MedianPruner, NopPruner, PatientPruner, ThresholdPruner


def steps_run(study: hl.Study, curve: list[float]) -> int:
    trial = study.ask()
    for step, value in enumerate(curve):
        trial.report(value, step)
        if trial.should_prune():
            study.tell(trial, state=TrialState.PRUNED)
            return step + 1
    study.tell(trial, curve[-1])
    return len(curve)


def test_patient_alone_prunes_a_curve_that_stalls_for_longer_than_its_patience():
    study = hl.create_study(pruner=PatientPruner(None, patience=2))
    improving = [10.0 - s for s in range(10)]
    assert steps_run(study, improving) == 10
    stalls = [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 3.0, 1.0]  # best 3.0 at step 2, none better after
    assert steps_run(study, stalls) == 6  # steps 3, 4, 5 fail to beat 3.0: pruned at step 5


def test_patient_counts_gains_smaller_than_min_delta_as_no_gain():
    curve = [5.0, 4.0, 3.9, 3.85, 3.8, 3.75]
    assert steps_run(hl.create_study(pruner=PatientPruner(None, 2)), curve) == 6
    # at step 4 the best of the last three (3.8) beats the best before (4.0) by only 0.2
    assert steps_run(hl.create_study(pruner=PatientPruner(None, 2, min_delta=0.5)), curve) == 5


def test_patient_asks_the_wrapped_pruner_only_once_the_curve_has_stalled():
    # Median would prune the worse trial at once; patience spares it while it still improves.
    study = hl.create_study(pruner=PatientPruner(MedianPruner(n_startup_trials=1), patience=3))
    assert steps_run(study, [1.0] * 10) == 10
    slow_but_improving = [9.0 - 0.5 * s for s in range(10)]
    assert steps_run(study, slow_but_improving) == 10
    stalled_and_worse = [9.0, 8.0] + [8.5] * 8  # stalled from step 5: 8.0 not beaten since
    assert steps_run(study, stalled_and_worse) == 6
    # stalled, but the wrapped pruner finds nothing wrong: it goes on
    study = hl.create_study(pruner=PatientPruner(NopPruner(), patience=1))
    assert steps_run(study, [3.0] * 6) == 6


def test_patient_in_a_maximized_study_waits_for_larger_values():
    study = hl.create_study(direction="maximize", pruner=PatientPruner(None, patience=1))
    assert steps_run(study, [float(s) for s in range(8)]) == 8
    assert steps_run(study, [1.0, 2.0, 1.5, 1.9, 5.0]) == 4


def test_patient_ignores_nan_values_when_looking_for_the_best():
    study = hl.create_study(pruner=PatientPruner(None, patience=1))
    assert steps_run(study, [5.0, math.nan, 4.0, math.nan, 3.0]) == 5


def test_threshold_prunes_values_outside_the_range_and_nan():
    study = hl.create_study(pruner=ThresholdPruner(lower=0.0, upper=10.0))
    assert steps_run(study, [5.0, 9.0, 1.0]) == 3
    assert steps_run(study, [5.0, 11.0, 1.0]) == 2
    assert steps_run(study, [5.0, -1.0, 1.0]) == 2
    assert steps_run(study, [5.0, math.nan, 1.0]) == 2


def test_threshold_judges_only_after_warmup_and_every_interval():
    study = hl.create_study(pruner=ThresholdPruner(upper=1.0, n_warmup_steps=2,
                                                   interval_steps=3))
    assert steps_run(study, [9.0, 9.0, 0.0, 9.0, 9.0, 9.0]) == 6  # judged at 2 and 5 only...
    assert steps_run(study, [9.0, 9.0, 0.0, 9.0, 9.0, 0.0]) == 6
    assert steps_run(study, [9.0, 9.0, 9.0, 0.0]) == 3  # ...and step 2 is out of range


def test_threshold_works_on_the_first_trial_and_with_several_objectives():
    study = hl.create_study(directions=["minimize", "maximize"],
                            pruner=ThresholdPruner(upper=3.0))
    trial = study.ask()
    trial.report(2.0, 0)
    assert not trial.should_prune()
    trial.report(4.0, 1)
    assert trial.should_prune()
