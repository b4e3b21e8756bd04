"""optimize(n_jobs=k) in real worker processes: define-by-run trials reach the coordinator's
sampler, pruner and storage; a worker killed with SIGKILL loses only its own trial."""

from __future__ import annotations

import concurrent.futures
import functools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.exceptions import ObjectiveNotPicklable
from processes import children, wait_all_gone
from remote_objectives import defined_by_run


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_define_by_run_trials_run_in_worker_processes_of_an_in_memory_study():
    study = hl.create_study(sampler=hl.samplers.TPESampler(seed=0, n_startup_trials=4),
                            pruner=hl.pruners.NopPruner())
    study.optimize(defined_by_run, n_trials=12, n_jobs=2)
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 12
    pids = {t.user_attrs["pid"] for t in trials}
    assert os.getpid() not in pids and len(pids) == 2
    for t in trials:
        branch = "x" if t.params["kind"] == "a" else "n"
        assert set(t.params) == {"kind", branch}
        assert t.intermediate_values == {s: t.params[branch] + s for s in range(3)}
        assert t.value == pytest.approx(float(t.params[branch]) ** 2)


def test_an_objective_that_cannot_be_pickled_is_refused_with_the_fix():
    lock = threading.Lock()

    def objective(trial):
        with lock:
            return trial.suggest_float("x", 0, 1)

    study = hl.create_study()
    with pytest.raises(ObjectiveNotPicklable, match=r"executor='threads'"):
        study.optimize(objective, n_trials=4, n_jobs=2)
    assert study.trials == []
    study.optimize(objective, n_trials=4, n_jobs=2, executor="threads")
    assert len(study.get_trials((TrialState.COMPLETE,))) == 4


class BadInput(ValueError):
    pass


def fails_on_trial_two(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 2:
        raise BadInput(f"no good: {x}")
    return x


@pytest.mark.slow
def test_the_objectives_own_exception_comes_back_from_a_worker():
    study = hl.create_study()
    with pytest.raises(BadInput, match="no good") as raised:
        study.optimize(fails_on_trial_two, n_trials=6, n_jobs=2)
    assert "fails_on_trial_two" in "".join(getattr(raised.value, "__notes__", []))
    assert TrialState.RUNNING not in [t.state for t in study.trials]
    study.optimize(fails_on_trial_two, n_trials=6, n_jobs=2, catch=(BadInput,))


def write_artifact_and_constraint(trial):
    x = trial.suggest_float("x", 0, 1)
    path = os.path.join(os.environ["ARTIFACT_DIR"], f"model-{trial.number}.txt")
    with open(path, "w") as fh:
        fh.write(f"x={x}")
    trial.upload_artifact(path)
    trial.set_constraint([x - 0.5])
    # The coordinator stored this trial's params before the job left: another process
    # reading the study (a sampler's constant liar) sees them while the trial runs.
    seen = hl.load_study(study_name="s", storage=os.environ["STUDY_URL"]).trials[trial.number]
    assert seen.state == TrialState.RUNNING and seen.params == {"x": x}
    return x


@pytest.mark.slow
def test_artifacts_constraints_and_running_params_of_an_sqlite_study(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    monkeypatch.setenv("ARTIFACT_DIR", str(tmp_path))
    monkeypatch.setenv("STUDY_URL", url)
    study = hl.create_study(storage=url, study_name="s")
    study.optimize(write_artifact_and_constraint, n_trials=4, n_jobs=2)
    for t in study.trials:
        assert t.state == TrialState.COMPLETE
        assert t.system_attrs["constraints"] == [pytest.approx(t.params["x"] - 0.5)]
        with open(study.artifact_path(t.number, f"model-{t.number}.txt")) as fh:
            assert fh.read() == f"x={t.params['x']}"


def slow_square(trial):
    x = trial.suggest_float("x", 0, 1)
    with open(os.path.join(os.environ["PID_DIR"], f"{os.getpid()}.pid"), "w") as fh:
        fh.write(str(trial.number))
    time.sleep(float(os.environ["TRIAL_SECONDS"]))
    return x * x


def _kill_one_worker_after(pid_dir, delay: float) -> threading.Thread:
    def kill() -> None:
        time.sleep(delay)
        while not os.listdir(pid_dir):
            time.sleep(0.01)
        os.kill(int(sorted(os.listdir(pid_dir))[0].split(".")[0]), signal.SIGKILL)
    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.07, 0.15, 0.3, 0.45])
def test_a_worker_killed_mid_trial_loses_only_its_trial_which_is_retried(
        tmp_path, monkeypatch, delay):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    monkeypatch.setenv("PID_DIR", str(pid_dir))
    monkeypatch.setenv("TRIAL_SECONDS", "0.2")
    study = hl.create_study(storage=f"sqlite:///{tmp_path / 'kill.db'}", retry_failed=2)
    killer = _kill_one_worker_after(pid_dir, delay)
    with pytest.warns(UserWarning, match="killed by SIGKILL"):
        study.optimize(slow_square, n_trials=8, n_jobs=2)
    killer.join()
    trials = study.trials
    states = [t.state for t in trials]
    assert states.count(TrialState.COMPLETE) == 8 and states.count(TrialState.FAILED) == 1
    failed = next(t for t in trials if t.state == TrialState.FAILED)
    assert "killed by SIGKILL while running the trial" in failed.system_attrs["fail_reason"]
    retried = [t for t in trials if t.system_attrs.get("retry_of") == failed.number]
    assert len(retried) == 1 and retried[0].params.items() >= failed.params.items()
    assert retried[0].state == TrialState.COMPLETE


@pytest.mark.slow
def test_a_concurrent_futures_process_pool_runs_trials_too():
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        study = hl.create_study(pruner=hl.pruners.NopPruner())
        study.optimize(defined_by_run, n_trials=6, executor=pool)
    pids = {t.user_attrs["pid"] for t in study.trials}
    assert os.getpid() not in pids and len(study.get_trials((TrialState.COMPLETE,))) == 6


def test_an_unknown_executor_is_refused_naming_the_choices():
    study = hl.create_study()
    with pytest.raises(ValueError, match="'threads', 'processes'"):
        study.optimize(defined_by_run, n_trials=1, n_jobs=2, executor="thread")
    with pytest.raises(TypeError, match="concurrent.futures.Executor"):
        study.optimize(defined_by_run, n_trials=1, executor=42)


SCRIPT_WITHOUT_MAIN_GUARD = """
    import os, hyperloom as hl
    def objective(trial):
        return trial.suggest_float("x", 0, 1) + 0 * os.getpid()
    study = hl.create_study(storage={url!r}, study_name="s")
    study.optimize(objective, n_trials=6, n_jobs=2)
    print("trials", len(study.trials), flush=True)
"""


@pytest.mark.slow
def test_a_script_without_a_main_guard_runs_once_with_worker_processes(tmp_path):
    script = tmp_path / "tune.py"
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    script.write_text(textwrap.dedent(SCRIPT_WITHOUT_MAIN_GUARD).format(url=url))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["trials", "6"]


COORDINATOR = """
    import os, sys, time, hyperloom as hl
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        os.write(1, b"started\\n")  # one write: print may make two, which workers interleave
        time.sleep(60)
        return x
    study = hl.create_study(storage=sys.argv[1], study_name="s")
    study.optimize(objective, n_trials=4, n_jobs=2)
"""


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_worker_processes_die_with_their_coordinator(tmp_path, sig):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(COORDINATOR), url],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "started"
        assert proc.stdout.readline().strip() == "started"
        workers = [p for p in children(proc.pid) if "hyperloom.execution._worker"
                   in open(f"/proc/{p}/cmdline").read()]
        assert len(workers) == 2
        proc.send_signal(sig)
        proc.wait(timeout=30)
        assert wait_all_gone(workers) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    if sig == signal.SIGTERM:  # the coordinator had time to fail what it was running
        study = hl.load_study(study_name="s", storage=url)
        assert [t.state for t in study.trials] == [TrialState.FAILED] * 2


def shifted(trial, shift):
    return trial.suggest_float("x", 0, 1) + shift


@pytest.mark.slow
def test_a_partial_objective_runs_and_no_thread_is_left_behind():
    study = hl.create_study()
    before = threading.active_count()
    for _ in range(3):
        study.optimize(functools.partial(shifted, shift=10.0), n_trials=2, n_jobs=2)
    assert all(t.value >= 10 for t in study.trials) and len(study.trials) == 6
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before
