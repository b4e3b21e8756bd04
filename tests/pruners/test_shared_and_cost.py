"""Rungs reached in another Study object or another process sharing one SQLite study are seen;
and a successive-halving decision does not cost more as the rung fills up."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import textwrap
import time

import pytest

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.pruners import HyperbandPruner, SuccessiveHalvingPruner


def halving() -> SuccessiveHalvingPruner:
    return SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)


def pruned_at_rung_1(study: hl.Study, value: float) -> bool:
    trial = study.ask()
    trial.report(value, 0)
    trial.report(value, 1)
    pruned = trial.should_prune()
    study.tell(trial, state=TrialState.PRUNED) if pruned else study.tell(trial, value)
    return pruned


def test_two_study_objects_on_one_sqlite_study_see_each_others_rungs(sqlite_url):
    a = hl.create_study(storage=sqlite_url, study_name="shared", pruner=halving())
    b = hl.load_study(storage=sqlite_url, study_name="shared", pruner=halving())
    for _ in range(4):
        assert not pruned_at_rung_1(a, 0.1)
    # Alone in its own pruner, 0.5 would lead rung 1; with a's four values it is last.
    assert pruned_at_rung_1(b, 0.5)
    for _ in range(6):
        assert not pruned_at_rung_1(b, 0.01)
    # Rung 1 now holds 0.1 x4, 0.5, 0.01 x6 and 0.05: 0.05 is 7th of 12, past the best 6.
    # Without b's values a's pruner would see 0.05 lead.
    assert pruned_at_rung_1(a, 0.05)


def test_two_studies_agree_on_hyperband_brackets_and_share_them(sqlite_url):
    pruner_a = HyperbandPruner(min_resource=1, max_resource=9)
    a = hl.create_study(storage=sqlite_url, study_name="hb", pruner=pruner_a)
    b = hl.load_study(storage=sqlite_url, study_name="hb",
                      pruner=HyperbandPruner(min_resource=1, max_resource=9))
    # Both Study objects number trials from one sequence and map numbers to brackets alike.
    for study in (a, b, a, b, a, b, a, b):
        pruned_at_rung_1(study, 1.0)
    assert [t.number for t in a.trials] == list(range(8))
    bracket_0 = [n for n in range(8, 60) if pruner_a.bracket_of(n, 9) == 0]
    while len(a.trials) < bracket_0[0]:  # move on to a number in bracket 0 (rung at step 1)
        pruned_at_rung_1(a, 0.0)
    assert pruned_at_rung_1(b, 5.0)  # judged against the bracket-0 values written through a


@pytest.mark.slow
def test_rungs_reached_in_another_process_are_seen(sqlite_url):
    other = textwrap.dedent(f"""
        import hyperloom as hl
        from hyperloom.pruners import SuccessiveHalvingPruner
        study = hl.create_study(storage={sqlite_url!r}, study_name="procs",
                                pruner=SuccessiveHalvingPruner(min_resource=1,
                                                               reduction_factor=2))
        for _ in range(5):
            trial = study.ask()
            for step in range(3):
                trial.report(0.1, step)
                assert not trial.should_prune()
            study.tell(trial, 0.1)
    """)
    subprocess.run([sys.executable, "-c", other], check=True, timeout=120)
    here = hl.load_study(storage=sqlite_url, study_name="procs", pruner=halving())
    assert pruned_at_rung_1(here, 0.2)


def decision_seconds(at_rung: int, decisions: int = 300) -> float:
    """Median seconds of `should_prune` for a trial arriving at a rung that `at_rung`
    trials have reached (in-memory study, one process)."""
    rng = random.Random(0)
    study = hl.create_study(pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))
    for _ in range(at_rung):
        trial = study.ask()
        trial.report(rng.random(), 1)
        study.tell(trial, state=TrialState.PRUNED)
    times = []
    for _ in range(decisions + 1):  # the first decision reads the whole study: left out
        trial = study.ask()
        trial.report(rng.random(), 1)
        started = time.perf_counter()
        pruned = trial.should_prune()
        times.append(time.perf_counter() - started)
        study.tell(trial, state=TrialState.PRUNED) if pruned else study.tell(trial, 0.0)
    return statistics.median(times[1:])


@pytest.mark.timed
@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_decision_at_a_rung_of_20000_costs_about_what_it_costs_at_1000():
    small, large = decision_seconds(1_000), decision_seconds(20_000)
    # A scan of the rung would make the second 20 times the first; bisect adds a few
    # comparisons. Generous for a shared machine.
    assert large < 4 * small, (small, large)
