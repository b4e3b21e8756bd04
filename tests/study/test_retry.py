"""retry_failed: a trial whose worker died runs again with the same params, once per death,
at most `retry_failed` times; and a coordinator killed and restarted finishes its study."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import hyperloom as hl
from hyperloom import TrialState
from processes import children, wait_all_gone


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_retry_failed_must_be_a_count(bad):
    with pytest.raises(ValueError, match="retry_failed must be an int >= 0"):
        hl.create_study(retry_failed=bad)


def test_retry_failed_is_stored_with_the_study(sqlite_url):
    hl.create_study(storage=sqlite_url, study_name="s", retry_failed=3)
    assert hl.load_study(study_name="s", storage=sqlite_url).retry_failed == 3
    assert hl.load_study(study_name="s", storage=sqlite_url, retry_failed=0).retry_failed == 0
    resumed = hl.create_study(storage=sqlite_url, study_name="s", load_if_exists=True)
    assert resumed.retry_failed == 3


ASK_AND_HANG = """
    import sys, time, hyperloom as hl
    study = hl.load_study(study_name="s", storage=sys.argv[1])
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    if sys.argv[2] == "report":
        trial.report(0.5, 0)  # stores the params at once
    else:  # the params reach the file 50 ms after the suggestion
        reader = hl.load_study(study_name="s", storage=sys.argv[1])
        deadline = time.monotonic() + 10
        while not reader.trials[trial.number].params and time.monotonic() < deadline:
            time.sleep(0.01)
    print(trial.number, flush=True)
    time.sleep(60)
"""


def _dead_worker_trial(url: str, then: str = "report") -> int:
    """A worker that asked a trial and was killed with SIGKILL; returns the trial's number."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(ASK_AND_HANG), url, then],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    number = int(proc.stdout.readline())
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return number


@pytest.mark.slow
@pytest.mark.parametrize("then", ["report", "no report"])
def test_a_trial_whose_heartbeat_stopped_runs_again_with_the_same_params(sqlite_url, then):
    study = hl.create_study(storage=sqlite_url, study_name="s", heartbeat_interval=0.2,
                            grace_period=0.6, retry_failed=1)
    dead = _dead_worker_trial(sqlite_url, then)
    time.sleep(1.0)
    retried = study.ask()  # fails the dead trial, enqueues it again, and takes it
    assert study.trials[dead].state == TrialState.FAILED
    x = retried.suggest_float("x", 0, 1)
    assert x == study.trials[dead].params["x"]
    frozen = study.tell(retried, x)
    assert frozen.system_attrs["retry_of"] == dead and frozen.system_attrs["retry_count"] == 1
    # Once its retries are used up, a trial that dies again stays FAILED.
    study.ask()
    assert [t.state for t in study.trials].count(TrialState.WAITING) == 0


@pytest.mark.slow
def test_two_studies_noticing_the_same_death_retry_it_once(sqlite_url):
    first = hl.create_study(storage=sqlite_url, study_name="s", heartbeat_interval=0.2,
                            grace_period=0.6, retry_failed=2)
    second = hl.load_study(study_name="s", storage=sqlite_url)
    dead = _dead_worker_trial(sqlite_url)
    time.sleep(1.0)
    assert first.fail_stale_trials() == [dead]
    second.fail_stale_trials()
    retries = [t for t in first.trials if t.system_attrs.get("retry_of") == dead]
    assert len(retries) == 1 and retries[0].state == TrialState.WAITING


COORDINATOR = """
    import sys, time, hyperloom as hl
    from hyperloom import TrialState
    N = 12
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        time.sleep(0.25)
        return x
    study = hl.create_study(storage=sys.argv[1], study_name="s", load_if_exists=True,
                            heartbeat_interval=0.2, grace_period=2.0, retry_failed=2)
    done = len(study.get_trials((TrialState.COMPLETE,)))
    print("resumed with", done, flush=True)
    study.optimize(objective, n_trials=N - done, n_jobs=2)
    print("finished", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.4, 0.7, 1.0, 1.3, 1.6])
def test_a_coordinator_killed_and_restarted_ends_with_the_requested_trials(tmp_path, after):
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    code = textwrap.dedent(COORDINATOR)
    first = subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE,
                             text=True, start_new_session=True)
    try:
        assert first.stdout.readline().startswith("resumed with 0")
        time.sleep(after)
        workers = children(first.pid)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        assert wait_all_gone(workers) == [], "worker processes outlived their coordinator"
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    time.sleep(2.2)  # past the grace period: the dead coordinator's trials are stale
    again = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "finished"
    trials = hl.load_study(study_name="s", storage=url).trials
    states = [t.state for t in trials]
    assert states.count(TrialState.COMPLETE) == 12
    assert TrialState.RUNNING not in states and TrialState.WAITING not in states
    for failed in (t for t in trials if t.state == TrialState.FAILED):
        retry = [t for t in trials if t.system_attrs.get("retry_of") == failed.number
                 and "late_result_of" not in t.system_attrs]
        assert len(retry) == 1 and retry[0].params.items() >= failed.params.items()
