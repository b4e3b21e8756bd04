"""Behaviour every storage must share: in memory, SQLite file, PostgreSQL."""

import pytest

import hyperloom as hl
from hyperloom.storage import (
    DuplicatedStudyError,
    InMemoryStorage,
    SQLStorage,
    StudyNotFoundError,
    TrialFinishedError,
    TrialState,
)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request, tmp_path):
    if request.param == "memory":
        yield InMemoryStorage()
    elif request.param == "sqlite":
        s = SQLStorage(f"sqlite:///{tmp_path / 's.db'}")
        yield s
        s.close()
    else:
        s = SQLStorage(request.getfixturevalue("pg_url"))
        yield s
        for summary in s.list_studies():
            s.delete_study(summary.study_id)
        s.close()


def test_study_lifecycle(storage):
    sid = storage.create_study("a", ["minimize"])
    with pytest.raises(DuplicatedStudyError, match="load_if_exists=True"):
        storage.create_study("a", ["minimize"])
    assert storage.get_study_id("a") == sid
    assert storage.get_study_directions(sid) == ["minimize"]
    storage.set_study_attr(sid, "k", {"nested": [1, 2]})
    assert storage.get_study_attrs(sid) == {"k": {"nested": [1, 2]}}
    storage.delete_study(sid)
    with pytest.raises(StudyNotFoundError, match="no study named 'a'"):
        storage.get_study_id("a")


def test_trial_finishes_exactly_once(storage):
    sid = storage.create_study("once", ["minimize"])
    tid, number = storage.create_trial(sid)
    assert number == 0
    d = {"x": hl.Uniform(0, 1)}
    storage.set_trial_params(tid, {"x": 0.5}, d)
    storage.set_trial_intermediate_value(tid, 3, 0.7)
    done = storage.finish_trial(tid, TrialState.COMPLETE, [0.25])
    assert done.state == TrialState.COMPLETE and done.values == [0.25]
    assert done.params == {"x": 0.5} and done.distributions == d
    assert done.intermediate_values == {3: 0.7}
    with pytest.raises(TrialFinishedError, match="COMPLETE already"):
        storage.finish_trial(tid, TrialState.FAILED, None)
    with pytest.raises(TrialFinishedError):
        storage.set_trial_params(tid, {"x": 0.1}, d)
    assert storage.get_trial(tid).values == [0.25]


def test_numbers_are_gap_free_and_waiting_trials_are_claimed_once(storage):
    sid = storage.create_study("numbers", ["minimize"])
    storage.create_trial(sid, state=TrialState.WAITING, system_attrs={"fixed_params": {"x": 1}})
    for _ in range(3):
        storage.create_trial(sid)
    assert [t.number for t in storage.get_trials(sid)] == [0, 1, 2, 3]
    popped = storage.pop_waiting_trial(sid)
    assert popped.number == 0 and popped.system_attrs["fixed_params"] == {"x": 1}
    assert storage.pop_waiting_trial(sid) is None
    assert storage.claim(sid, "grid:0") and not storage.claim(sid, "grid:0")


def test_finished_trials_come_back_in_number_order_with_states(storage):
    sid = storage.create_study("order", ["maximize"])
    ids = [storage.create_trial(sid)[0] for _ in range(5)]
    for tid in reversed(ids[1:]):
        storage.finish_trial(tid, TrialState.COMPLETE, [float(tid)])
    trials = storage.get_trials(sid)
    assert [t.number for t in trials] == [0, 1, 2, 3, 4]
    assert trials[0].state == TrialState.RUNNING
    storage.finish_trial(ids[0], TrialState.PRUNED, None)
    assert [t.state for t in storage.get_trials(sid, [TrialState.PRUNED])] == [TrialState.PRUNED]
    assert storage.n_trials(sid, [TrialState.COMPLETE]) == 4


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_stale_heartbeats_fail_only_silent_trials(storage):
    sid = storage.create_study("hb", ["minimize"])
    stale, _ = storage.create_trial(sid)
    fresh, _ = storage.create_trial(sid)
    quiet, _ = storage.create_trial(sid)  # never beat: left alone
    storage.record_heartbeat(stale)
    import time

    time.sleep(0.3)
    storage.record_heartbeat(fresh)
    assert storage.fail_stale_trials(sid, grace_seconds=0.2) == [0]
    states = {t.trial_id: t.state for t in storage.get_trials(sid)}
    assert states == {stale: TrialState.FAILED, fresh: TrialState.RUNNING,
                      quiet: TrialState.RUNNING}


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_trial_started_beating_is_failed_even_if_its_worker_dies_before_the_next_beat(storage):
    # A worker killed between creating (or claiming) its trial and its first beat of the
    # interval must not leave a trial RUNNING forever: the first beat is part of the write.
    sid = storage.create_study("hb", ["minimize"])
    storage.create_trial(sid, beating=True)
    storage.create_trial(sid, state=TrialState.WAITING)
    assert storage.pop_waiting_trial(sid, beating=True).number == 1
    storage.create_trial(sid)  # started without a heartbeat: left alone
    import time

    time.sleep(0.3)
    assert storage.fail_stale_trials(sid, grace_seconds=0.2) == [0, 1]
    assert [t.state for t in storage.get_trials(sid)] == \
        [TrialState.FAILED, TrialState.FAILED, TrialState.RUNNING]
