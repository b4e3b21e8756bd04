"""What every pruner of hyperloom.pruners keeps: bad arguments named in one message format, a
repr that rebuilds it, pickling to a worker process, no verdict without a report, and one
objective or a clear refusal. A new pruner is found and checked automatically; one that needs
arguments gets a line in BUILD."""

from __future__ import annotations

import inspect
import pickle

import pytest

import hyperloom as hl
import hyperloom.pruners as pruners
from hyperloom.pruners import (
    BasePruner,
    ExtrapolationPruner,
    HyperbandPruner,
    MedianPruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
)

BUILD = {
    "PercentilePruner": lambda: PercentilePruner(25.0),
    "PatientPruner": lambda: PatientPruner(MedianPruner(), patience=2),
    "ThresholdPruner": lambda: ThresholdPruner(upper=100.0),
}
ALL = sorted(name for name in pruners.__all__
             if inspect.isclass(getattr(pruners, name))
             and issubclass(getattr(pruners, name), BasePruner)
             and not inspect.isabstract(getattr(pruners, name)))


def build(name: str) -> BasePruner:
    return BUILD.get(name, getattr(pruners, name))()


BAD = [
    (lambda: SuccessiveHalvingPruner(min_resource=0),
     r"^SuccessiveHalvingPruner: `min_resource` must be an int >= 1 or one of 'auto', got 0$"),
    (lambda: SuccessiveHalvingPruner(min_resource="10"), r"one of 'auto', got '10'$"),
    (lambda: SuccessiveHalvingPruner(reduction_factor=1),
     r"^SuccessiveHalvingPruner: `reduction_factor` must be an int >= 2, got 1$"),
    (lambda: SuccessiveHalvingPruner(min_early_stopping_rate=-1), r"`min_early_stopping_rate`"),
    (lambda: SuccessiveHalvingPruner(bootstrap_count=1.5), r"`bootstrap_count` must be an int"),
    (lambda: HyperbandPruner(min_resource=5, max_resource=3),
     r"^HyperbandPruner: `max_resource` must be an int >= min_resource or one of 'auto', "
     r"got 3$"),
    (lambda: HyperbandPruner(max_resource="max"), r"`max_resource` must be"),
    (lambda: HyperbandPruner(reduction_factor=True), r"`reduction_factor` must be an int"),
    (lambda: PatientPruner("median", 3), r"^PatientPruner: `wrapped` must be a pruner"),
    (lambda: PatientPruner(None, -1), r"^PatientPruner: `patience` must be an int >= 0"),
    (lambda: PatientPruner(None, 1, min_delta=-0.1), r"`min_delta` must be >= 0"),
    (lambda: ThresholdPruner(), r"^ThresholdPruner: give `lower`, `upper` or both"),
    (lambda: ThresholdPruner(lower=2.0, upper=1.0),
     r"^ThresholdPruner: `upper` \(1.0\) must be >= `lower` \(2.0\); swap them$"),
    (lambda: ThresholdPruner(upper=float("nan")), r"`upper` must be a number or None"),
    (lambda: ThresholdPruner(upper=1.0, interval_steps=0), r"`interval_steps` must be"),
    (lambda: ExtrapolationPruner(max_resource=0), r"^ExtrapolationPruner: `max_resource`"),
    (lambda: ExtrapolationPruner(step_growth=1.0),
     r"^ExtrapolationPruner: `step_growth` must be > 1, got 1.0$"),
    (lambda: ExtrapolationPruner(risk=0), r"`risk` must be > 0"),
    (lambda: ExtrapolationPruner(noise_margin=-1.0), r"`noise_margin` must be >= 0"),
]


@pytest.mark.parametrize("make, message", BAD)
def test_a_bad_argument_names_the_pruner_the_argument_and_what_it_may_be(make, message):
    with pytest.raises(ValueError, match=message):
        make()


CONFIGURED = [
    SuccessiveHalvingPruner(min_resource=2, reduction_factor=3, min_early_stopping_rate=1,
                            bootstrap_count=4),
    HyperbandPruner(min_resource=2, max_resource=50, reduction_factor=2),
    PatientPruner(MedianPruner(n_startup_trials=2), patience=3, min_delta=0.1),
    PatientPruner(None, 1),
    ThresholdPruner(lower=-1.0, n_warmup_steps=2),
    ExtrapolationPruner(max_resource=100, risk=0.5, noise_margin=1.0),
]


@pytest.mark.parametrize("pruner", CONFIGURED, ids=repr)
def test_repr_rebuilds_the_same_configuration(pruner):
    rebuilt = eval(repr(pruner), {**vars(hl), **vars(pruners)})
    assert repr(rebuilt) == repr(pruner)


def test_repr_shows_only_what_differs_from_the_defaults():
    assert repr(SuccessiveHalvingPruner()) == "SuccessiveHalvingPruner()"
    assert repr(HyperbandPruner(max_resource=81)) == "HyperbandPruner(max_resource=81)"


def objective(trial: hl.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    for step in range(20):
        trial.report(x + 1.0 / (step + 1), step)
        if trial.should_prune():
            raise hl.TrialPruned()
    return x


@pytest.mark.parametrize("name", ALL)
def test_a_pickled_pruner_keeps_its_configuration_and_prunes_a_study_it_has_never_seen(name):
    pruner = build(name)
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=3), pruner=pruner)
    study.optimize(objective, n_trials=15)
    copy = pickle.loads(pickle.dumps(pruner))  # what a worker process gets
    assert repr(copy) == repr(pruner)
    study.pruner = copy
    study.optimize(objective, n_trials=15)  # reads the 15 trials it has not seen, then goes on
    assert len(study.trials) == 30 and all(t.state.is_finished() for t in study.trials)


@pytest.mark.parametrize("name", ALL)
def test_without_a_report_there_is_nothing_to_prune(name):
    study = hl.create_study(pruner=build(name))
    study.optimize(objective, n_trials=6)
    assert not study.ask().should_prune()


@pytest.mark.parametrize("name", ALL)
def test_several_objectives_are_pruned_or_refused_with_the_pruners_name(name):
    study = hl.create_study(directions=["minimize", "minimize"], pruner=build(name))
    for _ in range(6):
        trial = study.ask()
        trial.report(1.0, 0)
        study.tell(trial, [1.0, 1.0])
    trial = study.ask()
    for step in range(3):
        trial.report(2.0, step)
    try:
        trial.should_prune()
    except ValueError as error:
        assert name in str(error) or "MedianPruner" in str(error)
