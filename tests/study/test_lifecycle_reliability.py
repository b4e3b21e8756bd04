"""No trial stuck RUNNING, no computed result lost: real worker processes on real SQLite files
and the real PostgreSQL server, stopped, paused and killed with real signals."""

from __future__ import annotations

import pytest

import hyperloom as hl
from hyperloom import TrialState


class _FloatRaises:
    def __float__(self) -> float:
        raise RuntimeError("no float for you")


@pytest.mark.parametrize("value", [10**400, _FloatRaises()], ids=["10**400", "__float__raises"])
def test_a_value_that_cannot_become_a_float_fails_its_trial_with_a_warning(value):
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0))
    results = iter([value, 1.0])
    with pytest.warns(UserWarning, match="trial 0 failed: the objective returned"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), next(results))[1], n_trials=2)
    assert [t.state for t in study.trials] == [TrialState.FAILED, TrialState.COMPLETE]
    assert "the objective returned" in study.trials[0].system_attrs["fail_reason"]


def test_telling_a_value_that_cannot_become_a_float_fails_the_trial():
    study = hl.create_study()
    trial = study.ask()
    with pytest.warns(UserWarning, match="too large for a float"):
        frozen = study.tell(trial, 10**400)
    assert frozen.state == TrialState.FAILED
