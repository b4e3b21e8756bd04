"""The coordinator seam: outcomes that pickle, executors that run jobs, policies that ask
and tell in a defined order."""

import pickle
import threading
import time

import pytest

from hyperloom.execution import Batched, Greedy, InlineExecutor, Outcome, ThreadExecutor
from hyperloom.storage import TrialState


class Source:
    """Jobs 0..n-1, each sleeping `delays[k]` then returning its key as the value."""

    def __init__(self, delays, fail_at=None):
        self.delays, self.fail_at = list(delays), fail_at
        self.next, self.told, self.batches = 0, [], []

    def next_job(self):
        if self.next >= len(self.delays):
            return None
        key, self.next = self.next, self.next + 1
        return key, lambda: (time.sleep(self.delays[key]),
                             Outcome(TrialState.COMPLETE, [float(key)]))[1]

    def finished(self, key, outcome):
        self.told.append(key)
        if key == self.fail_at:
            raise ValueError(f"job {key}")

    def batch_ready(self, keys):
        self.batches.append(list(keys))

    def batch_collected(self, keys):
        pass


def test_an_outcome_pickles_with_its_error_and_the_traceback_as_text():
    try:
        raise KeyError("lr")
    except KeyError as exc:
        outcome = Outcome.failed(exc)
    assert outcome.error is not None  # kept live in this process
    back = pickle.loads(pickle.dumps(outcome))
    assert type(back.error) is KeyError and back.error.args == ("lr",)
    assert (back.state, back.error_type, back.error_message) == (TrialState.FAILED, "KeyError",
                                                                 "'lr'")
    assert "raise KeyError" in back.error_traceback
    assert back.system["fail_reason"] == back.error_traceback


class Unpicklable(Exception):
    def __init__(self, message, lock):
        super().__init__(message)
        self.lock = lock


def test_an_error_that_does_not_pickle_travels_as_text_only():
    try:
        raise Unpicklable("held a lock", threading.Lock())
    except Unpicklable as exc:
        outcome = Outcome.failed(exc)
    back = pickle.loads(pickle.dumps(outcome))
    assert back.error is None
    assert (back.error_type, back.error_message) == ("Unpicklable", "held a lock")


def test_threads_run_jobs_at_the_same_time():
    barrier = threading.Barrier(3, timeout=10)  # passes only if three jobs overlap
    executor = ThreadExecutor(3)
    for key in range(3):
        executor.submit(key, lambda: (barrier.wait(), Outcome(TrialState.COMPLETE, [0.0]))[1])
    done = []
    while len(done) < 3:
        done += executor.collect(5.0)
    executor.shutdown()
    assert sorted(key for key, _ in done) == [0, 1, 2]


def test_greedy_tells_every_job_and_keeps_workers_busy():
    source = Source([0.2, 0.01, 0.01, 0.01])
    Greedy().run(ThreadExecutor(2), source)
    assert sorted(source.told) == [0, 1, 2, 3]
    assert source.told[-1] == 0  # the slow first job did not hold back the others


def test_greedy_raises_an_error_of_telling_once_the_running_jobs_are_told():
    source = Source([0.01, 0.3, 0.01, 0.01], fail_at=0)
    with pytest.raises(ValueError, match="job 0"):
        Greedy().run(ThreadExecutor(2), source)
    assert sorted(source.told) == [0, 1]  # job 1 ran on and was told; no new job started


def test_batched_tells_in_the_order_asked_whatever_finishes_first():
    source = Source([0.2, 0.0, 0.1, 0.0, 0.0])
    Batched().run(ThreadExecutor(3), source)
    assert source.batches == [[0, 1, 2], [3, 4]]
    assert source.told == [0, 1, 2, 3, 4]


def test_inline_runs_each_job_in_the_calling_thread():
    seen = []
    executor = InlineExecutor()
    executor.submit("a", lambda: (seen.append(threading.current_thread()),
                                  Outcome(TrialState.PRUNED))[1])
    assert seen == [threading.current_thread()]
    assert [(k, o.state) for k, o in executor.collect()] == [("a", TrialState.PRUNED)]
