"""No trial stuck RUNNING, no computed result lost: real worker processes on real SQLite files
and the real PostgreSQL server, stopped, paused and killed with real signals."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

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


# -- SIGTERM ---------------------------------------------------------------------------------
# A worker that runs trials 0-2 at once, then prints "started" in trial 3 and sleeps in it.
WORKER = """
    import sys, time, hyperloom as hl
    url, n_jobs = sys.argv[1], int(sys.argv[2])
    study = hl.create_study(storage=url, study_name="w", load_if_exists=True, {options})
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number >= 3:
            print("started", trial.number, flush=True)
            {long_call}
        return x
    study.optimize(objective, n_trials=4 if n_jobs == 1 else 5, n_jobs=n_jobs)
    print("done", flush=True)
"""


def _start_worker(url: str, *, n_jobs: int = 1, options: str = "", long_call: str =
                  "time.sleep(60)", **popen) -> subprocess.Popen:
    code = textwrap.dedent(WORKER).format(options=options, long_call=long_call)
    proc = subprocess.Popen([sys.executable, "-c", code, url, str(n_jobs)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
    line = proc.stdout.readline()
    assert line.startswith("started"), line + proc.stderr.read()
    return proc


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


def test_a_program_with_its_own_sigterm_handler_keeps_it(run_python):
    out = run_python(USER_HANDLER).stdout.split()
    assert out == ["mine", "mine", "True", "['COMPLETE',", "'COMPLETE']"]


def test_optimize_gives_back_the_default_sigterm_action(run_python):
    code = """
        import signal, hyperloom as hl
        hl.create_study().optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
    """
    assert run_python(code).stdout.split() == ["True"]
