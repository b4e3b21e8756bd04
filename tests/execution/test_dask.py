"""optimize on a real Dask LocalCluster (worker processes with nannies): define-by-run trials,
the scheduler given as an address, and a Dask worker killed with SIGKILL mid-trial."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.execution import DaskExecutor
from remote_objectives import defined_by_run

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

pytestmark = pytest.mark.slow  # a cluster takes a second or two to start


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster) as dask_client:
        dask_client.wait_for_workers(2, timeout=60)
        yield dask_client


def test_define_by_run_trials_of_an_in_memory_study_run_on_the_dask_workers(client):
    worker_pids = set(client.run(os.getpid).values())
    study = hl.create_study(sampler=hl.samplers.TPESampler(seed=0, n_startup_trials=4),
                            pruner=hl.pruners.NopPruner())
    study.optimize(defined_by_run, n_trials=16, executor=DaskExecutor(client))
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 16
    pids = {t.user_attrs["pid"] for t in trials}
    assert pids <= worker_pids and os.getpid() not in pids
    for t in trials:
        branch = "x" if t.params["kind"] == "a" else "n"
        assert t.intermediate_values == {s: t.params[branch] + s for s in range(3)}


def test_one_executor_serves_several_optimize_calls(client):
    executor = DaskExecutor(client)
    study = hl.create_study(pruner=hl.pruners.NopPruner())
    for _ in range(3):
        study.optimize(defined_by_run, n_trials=4, executor=executor)
    assert len(study.get_trials((TrialState.COMPLETE,))) == 12


def test_the_scheduler_address_is_enough(client, cluster):
    study = hl.create_study(pruner=hl.pruners.NopPruner())
    address = cluster.scheduler_address.replace("tcp://", "dask://")
    study.optimize(defined_by_run, n_trials=6, executor=address)
    assert len(study.get_trials((TrialState.COMPLETE,))) == 6


def test_an_error_in_the_objective_comes_back_as_itself(client):
    def objective(trial):
        raise KeyError(f"missing {trial.number}")

    study = hl.create_study()
    with pytest.raises(KeyError, match="missing 0"):
        study.optimize(objective, n_trials=1, executor=DaskExecutor(client))
    assert [t.state for t in study.trials] == [TrialState.FAILED]


def slow_square_marking_in(folder):
    """An objective that leaves a file "PID-NUMBER" in `folder` when its trial starts."""
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        with open(os.path.join(folder, f"{os.getpid()}-{trial.number}"), "w"):
            pass
        time.sleep(0.3)
        return x * x
    return objective


@pytest.fixture
def own_client():
    """A cluster of this test's own: the one it kills a worker of is not shared."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local, \
            distributed.Client(local) as dask_client:
        dask_client.wait_for_workers(2, timeout=60)
        yield dask_client


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.25, 0.4, 0.6])
def test_a_dask_worker_killed_mid_trial_loses_nothing(own_client, tmp_path, delay):
    """The study ends with the requested COMPLETE trials: the killed one is retried, none is
    left RUNNING, none completes twice."""
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    client = own_client
    worker_pids = set(client.run(os.getpid).values())

    def kill_one() -> None:
        time.sleep(delay)
        while not os.listdir(pid_dir):
            time.sleep(0.01)
        pid = int(max(os.listdir(pid_dir), key=lambda n: int(n.split("-")[1])).split("-")[0])
        assert pid in worker_pids
        os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    study = hl.create_study(storage=f"sqlite:///{tmp_path / 'dask.db'}", retry_failed=2)
    with pytest.warns(UserWarning, match="Dask worker running the trial died"):
        study.optimize(slow_square_marking_in(str(pid_dir)), n_trials=8,
                       executor=DaskExecutor(client))
    killer.join()
    trials = study.trials
    states = [t.state for t in trials]
    assert TrialState.RUNNING not in states
    assert states.count(TrialState.COMPLETE) == 8 and states.count(TrialState.FAILED) == 1
    failed = next(t for t in trials if t.state == TrialState.FAILED)
    retry = [t for t in trials if t.system_attrs.get("retry_of") == failed.number]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE
    assert retry[0].params.items() >= failed.params.items()  # what it had suggested
