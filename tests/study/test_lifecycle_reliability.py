"""No trial stuck RUNNING, no computed result lost: real worker processes on real SQLite files
and the real PostgreSQL server, stopped, paused and killed with real signals."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

import hyperloom as hl
from hyperloom import TrialState
from processes import children, gone, wait_all_gone


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


# -- SIGTERM ---------------------------------------------------------------------------------
# A worker that runs trials 0-2 at once, then prints "started" in trial 3 and sleeps in it.
WORKER = """
    import sys, time, hyperloom as hl
    url, n_jobs, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    study = hl.create_study(storage=url, study_name=name, load_if_exists=True, {options})
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number >= 3:
            print("started", trial.number, flush=True)
            {long_call}
        return x
    study.optimize(objective, n_trials=4 if n_jobs == 1 else 5, n_jobs=n_jobs)
    print("done", flush=True)
"""


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_worker_left_behind():
    """A failed test must not leave a paused or sleeping worker (or its helper) behind."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _start_worker(url: str, *, n_jobs: int = 1, options: str = "", long_call: str =
                  "time.sleep(60)") -> subprocess.Popen:
    """A worker in a process group of its own (with its heartbeat helper)."""
    code = textwrap.dedent(WORKER).format(options=options, long_call=long_call)
    proc = subprocess.Popen([sys.executable, "-c", code, url, str(n_jobs), "w"], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    _STARTED.append(proc)
    line = proc.stdout.readline()
    assert line.startswith("started"), line + proc.stderr.read()
    return proc


@pytest.mark.slow  # a second or more of waiting: ./run test runs it, the fast tier not
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_sigterm_fails_the_running_trials_and_exits_with_status_143(sqlite_url, n_jobs):
    proc = _start_worker(sqlite_url, n_jobs=n_jobs)
    if n_jobs == 2:
        time.sleep(0.3)  # let the second thread start its trial too
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    trials = hl.load_study(study_name="w", storage=sqlite_url).trials
    assert TrialState.RUNNING not in {t.state for t in trials}
    stopped = [t for t in trials if t.state == TrialState.FAILED]
    assert stopped and {t.system_attrs["fail_reason"] for t in stopped} == \
        {"terminated (SIGTERM)"}


USER_HANDLER = """
    import os, signal, sys, hyperloom as hl
    def mine(signum, frame):
        print("mine", flush=True)
    signal.signal(signal.SIGTERM, mine)
    study = hl.create_study()
    def objective(trial):
        os.kill(os.getpid(), signal.SIGTERM)
        return 1.0
    study.optimize(objective, n_trials=2)
    print(signal.getsignal(signal.SIGTERM) is mine, [t.state.name for t in study.trials])
"""


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_program_with_its_own_sigterm_handler_keeps_it(run_python):
    out = run_python(USER_HANDLER).stdout.split()
    assert out == ["mine", "mine", "True", "['COMPLETE',", "'COMPLETE']"]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_optimize_gives_back_the_default_sigterm_action(run_python):
    code = """
        import signal, hyperloom as hl
        hl.create_study().optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
    """
    assert run_python(code).stdout.split() == ["True"]


# -- heartbeats: kill, pause, a C call holding the GIL, ask/tell -----------------------------
BEATING = "heartbeat_interval=0.1, grace_period={grace}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request) -> str:
    """A fresh SQLite file, or the PostgreSQL test database emptied of studies."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    pg_url = request.getfixturevalue("pg_url")
    for study in hl.get_all_study_summaries(pg_url):
        hl.delete_study(study_name=study.name, storage=pg_url)
    return pg_url


def _watch(url: str, grace: float) -> hl.Study:
    """Another worker of the study, as a live one checks for dead ones."""
    return hl.load_study(study_name="w", storage=url, heartbeat_interval=0.1,
                         grace_period=grace)


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _failed_numbers(watcher: hl.Study) -> list[int]:
    """The FAILED trials once stale ones are failed (by this call or any other live worker)."""
    watcher.fail_stale_trials()
    return [t.number for t in watcher.trials if t.state == TrialState.FAILED]


def _keep_failing_stale(proc: subprocess.Popen, watcher: hl.Study) -> list[int]:
    """What a live worker does all along: fail stale trials, until `proc` exits."""
    failed: list[int] = []
    while proc.poll() is None:
        failed += watcher.fail_stale_trials()
        time.sleep(0.1)
    return failed


@pytest.mark.slow
def test_a_killed_workers_trial_is_failed_by_a_live_worker_without_any_ask(url):
    proc = _start_worker(url, options=BEATING.format(grace=1.0))
    helpers = children(proc.pid)
    live = _watch(url, grace=1.0)
    held = live.ask()  # a live ask/tell worker, holding its trial; no ask() after the kill
    proc.kill()
    proc.wait(timeout=10)
    assert helpers and _wait_until(lambda: all(gone(pid) for pid in helpers), 2.0)
    dead = next(t for t in live.trials if t.number == 3)
    assert _wait_until(lambda: live.storage.get_trial(dead.trial_id).state
                       == TrialState.FAILED, 5.0)
    assert live.storage.get_trial(dead.trial_id).system_attrs["fail_reason"] == \
        "heartbeat stopped"
    assert live.tell(held, 0.5).state == TrialState.COMPLETE


@pytest.mark.slow
def test_a_killed_workers_trial_is_failed_when_a_live_optimize_returns(sqlite_url):
    proc = _start_worker(sqlite_url, options=BEATING.format(grace=0.5))
    helpers = children(proc.pid)  # the heartbeat helper beats until it sees its parent gone
    proc.kill()
    proc.wait(timeout=10)
    # On a loaded machine that can take longer than the live run below lasts.
    assert helpers and wait_all_gone(helpers) == []
    live = _watch(sqlite_url, grace=0.5)
    live.optimize(lambda t: time.sleep(0.8) or t.suggest_float("x", 0, 1), n_trials=1)
    assert [t.state for t in live.trials] == \
        [TrialState.COMPLETE] * 3 + [TrialState.FAILED, TrialState.COMPLETE]


@pytest.mark.timed
@pytest.mark.slow
def test_a_c_call_holding_the_gil_does_not_get_a_live_trial_failed(sqlite_url):
    # libc's sleep through ctypes.pythonapi keeps the GIL: no Python thread runs meanwhile.
    hold_gil = ("time.sleep(1.0); import ctypes, threading; ticks = [0]; "
                "threading.Thread(target=lambda: [ticks.append(time.sleep(0.01)) "
                "for _ in range(400)], daemon=True).start(); time.sleep(0.05); "
                "before = len(ticks); ctypes.pythonapi.sleep(3); "
                "print('ticks', len(ticks) - before, flush=True)")
    proc = _start_worker(sqlite_url, options=BEATING.format(grace=1.5), long_call=hold_gil)
    failed = _keep_failing_stale(proc, _watch(sqlite_url, grace=1.5))
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert int(out.split()[1]) <= 1  # the GIL was held: the ticking thread did not run
    assert failed == []
    assert [t.state for t in hl.load_study(study_name="w", storage=sqlite_url).trials] == \
        [TrialState.COMPLETE] * 4


@pytest.mark.timed
@pytest.mark.slow
def test_a_paused_worker_keeps_its_trial(url):
    proc = _start_worker(url, options=BEATING.format(grace=1.5), long_call="time.sleep(0.5)")
    proc.send_signal(signal.SIGSTOP)
    watcher = _watch(url, grace=1.5)
    deadline = time.monotonic() + 3.0
    failed = []
    while time.monotonic() < deadline:
        failed += watcher.fail_stale_trials()
        time.sleep(0.1)
    proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert failed == []
    assert [t.state for t in watcher.trials] == [TrialState.COMPLETE] * 4


@pytest.mark.slow
def test_a_result_computed_after_the_trial_was_failed_is_kept_with_a_warning(url):
    # The whole process group (worker and heartbeat helper) is paused, as Ctrl-Z or a
    # scheduler's suspend does: the trial is failed, then its worker comes back with a result.
    proc = _start_worker(url, options=BEATING.format(grace=0.5), long_call="time.sleep(0.3)")
    _pause_group_outside_a_write(proc, url)
    watcher = _watch(url, grace=0.5)
    # Up to IDLE_IN_TRANSACTION_SECONDS more if the pause caught the worker inside a write.
    assert _wait_until(lambda: _failed_numbers(watcher) == [3], 30.0)
    os.killpg(proc.pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert err.count("trial 3 was marked FAILED (heartbeat stopped)") == 1
    assert "its result is kept as trial 4" in err
    trials = watcher.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3 + [TrialState.FAILED] + \
        [TrialState.COMPLETE]
    assert trials[4].system_attrs["late_result_of"] == 3
    assert trials[4].value == trials[4].params["x"]


def _pause_group_outside_a_write(proc: subprocess.Popen, url: str) -> None:
    """SIGSTOP the worker's process group. On SQLite, not while it holds the write lock: no
    one can take that lock from a paused process, so the others would wait out retry_seconds
    (docs/reliability.md); PostgreSQL ends such a session itself, so any moment will do."""
    os.killpg(proc.pid, signal.SIGSTOP)
    if not url.startswith("sqlite"):
        return
    path = url.removeprefix("sqlite:///")
    for _ in range(100):
        probe = sqlite3.connect(path, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return
        except sqlite3.OperationalError:  # caught inside a write: let it finish, pause again
            os.killpg(proc.pid, signal.SIGCONT)
            time.sleep(0.01)
            os.killpg(proc.pid, signal.SIGSTOP)
        finally:
            probe.close()
    pytest.fail("the worker held the SQLite write lock at each of 100 pauses")


@pytest.mark.timed
@pytest.mark.slow  # a second or more of waiting: ./run test runs it, the fast tier not
def test_an_ask_tell_trial_beats_until_it_is_told(sqlite_url):
    study = hl.create_study(storage=sqlite_url, study_name="w", heartbeat_interval=0.1,
                            grace_period=0.8)
    trial = study.ask()
    time.sleep(1.5)
    assert _watch(sqlite_url, grace=0.8).fail_stale_trials() == []
    assert study.tell(trial, 1.0).state == TrialState.COMPLETE


def test_telling_a_trial_failed_as_dead_keeps_the_result_as_a_new_trial(sqlite_url):
    study = hl.create_study(storage=sqlite_url, study_name="w", heartbeat_interval=0.1)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    trial.report(0.7, step=0)
    trial.set_user_attr("note", "kept")
    other = hl.load_study(study_name="w", storage=sqlite_url)  # another worker decides
    other.storage.finish_trial(trial.trial_id, TrialState.FAILED, None,
                               system_attrs={"fail_reason": "heartbeat stopped"})
    with pytest.warns(UserWarning, match="trial 0 was marked FAILED .* kept as trial 1"):
        kept = study.tell(trial, 0.25)
    assert (kept.number, kept.state, kept.value) == (1, TrialState.COMPLETE, 0.25)
    assert kept.params == trial.params and kept.user_attrs == {"note": "kept"}
    assert kept.intermediate_values == {0: 0.7}
    assert study.best_trial.number == 1



def test_a_trial_failed_as_dead_keeps_what_its_objective_records_afterwards(sqlite_url):
    study = hl.create_study(storage=sqlite_url, study_name="w", heartbeat_interval=0.1)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    trial.report(0.9, step=0)
    other = hl.load_study(study_name="w", storage=sqlite_url)  # took this worker for dead
    other.storage.finish_trial(trial.trial_id, TrialState.FAILED, None,
                               system_attrs={"fail_reason": "heartbeat stopped"})
    trial.suggest_int("n", 1, 4)  # the paused objective comes back and goes on
    trial.report(0.5, step=1)
    trial.set_user_attr("note", "after")
    trial.set_constraint([-1.0])
    with pytest.warns(UserWarning, match="trial 0 was marked FAILED .* kept as trial 1"):
        kept = study.tell(trial, 0.25)
    assert kept.state == TrialState.COMPLETE and set(kept.params) == {"x", "n"}
    assert kept.intermediate_values == {0: 0.9, 1: 0.5}
    assert kept.user_attrs == {"note": "after"}
    assert kept.system_attrs["constraints"] == [-1.0]
    with pytest.raises(hl.TrialFinishedError):  # a trial this process told is still final
        trial.report(0.1, step=2)

@pytest.mark.timed
def test_the_in_memory_storage_beats_without_a_helper_process():
    before = set(children(os.getpid()))
    study = hl.create_study(heartbeat_interval=0.05)
    trial = study.ask()
    time.sleep(0.2)
    assert set(children(os.getpid())) == before
    assert study.tell(trial, 1.0).state == TrialState.COMPLETE
