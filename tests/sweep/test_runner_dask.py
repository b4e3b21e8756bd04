"""`hyperloom run --executor dask://...`: a sweep's commands run on the workers of a real Dask
LocalCluster, their configs written and their results read there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from click.testing import CliRunner

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.cli import main
from processes import gone

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

pytestmark = pytest.mark.slow  # a cluster takes a second or two to start

CHILD = textwrap.dedent("""
    import os, sys, time
    import hyperloom.sweep
    lines = open(sys.argv[1]).read().splitlines()
    vals = dict(l.split(" = ", 1) for l in lines if " = " in l and not l.startswith("#"))
    x = float(vals["x"])
    time.sleep(float(vals.get("delay", 0)))
    print("ran on", os.getppid(), flush=True)
    hyperloom.sweep.report_result(2 * x)
""")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address.replace("tcp://", "dask://")


def _run(workspace, scheduler, sweep: str, *extra: str):
    (workspace / "sweep.hyp").write_text(sweep)
    (workspace / "child.py").write_text(CHILD)
    db = f"sqlite:///{workspace / 'runs.db'}"
    result = CliRunner().invoke(main, [
        "run", str(workspace / "sweep.hyp"), "--storage", db, "--executor", scheduler,
        "--workdir", str(workspace / "runs"), *extra, "--",
        sys.executable, str(workspace / "child.py"), "{config}"])
    return result, db


def test_a_grid_runs_on_the_dask_workers(tmp_path, scheduler):
    result, db = _run(tmp_path, scheduler, "x: [1, 2, 3, 4]\n")
    assert result.exit_code == 0, result.output
    trials = hl.load_study(study_name="sweep", storage=db).trials
    assert sorted(t.value for t in trials) == [2.0, 4.0, 6.0, 8.0]
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    parents = {t.user_attrs.get("log_tail", "") for t in trials}  # kept only on failure
    assert parents == {""}
    logs = [open(t.user_attrs["log_path"]).read() for t in trials]
    worker_pids = {int(log.split()[-1]) for log in logs}
    assert os.getpid() not in worker_pids and len(worker_pids) >= 1


def test_a_config_past_its_timeout_is_stopped_there_and_failed(tmp_path, scheduler):
    result, db = _run(tmp_path, scheduler, "x: [1, 2]\ndelay = 30\n", "--timeout", "1")
    assert result.exit_code != 0
    trials = hl.load_study(study_name="sweep", storage=db).trials
    assert [t.state for t in trials] == [TrialState.FAILED] * 2
    assert all("timed out after 1 s" in t.user_attrs["fail_reason"] for t in trials)


def test_a_stopped_runner_stops_its_commands_on_the_workers(tmp_path, scheduler):
    (tmp_path / "sweep.hyp").write_text("x: [1, 2]\ndelay = 60\n")
    (tmp_path / "child.py").write_text(
        "import os, sys, time\n"
        f"open(os.path.join({str(tmp_path)!r}, f'{{os.getpid()}}.pid'), 'w').close()\n"
        "time.sleep(60)\n")
    runner = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "hyperloom"), "run",
         str(tmp_path / "sweep.hyp"), "--storage", f"sqlite:///{tmp_path / 'runs.db'}",
         "--executor", scheduler, "--workdir", str(tmp_path / "runs"), "--",
         sys.executable, str(tmp_path / "child.py"), "{config}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("*.pid"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    children = [int(p.stem) for p in tmp_path.glob("*.pid")]
    assert len(children) == 2
    runner.send_signal(signal.SIGTERM)
    out, err = runner.communicate(timeout=60)
    assert runner.returncode != 0
    assert all(gone(pid) for pid in children), "commands outlived their runner"
    trials = hl.load_study(study_name="sweep", storage=f"sqlite:///{tmp_path / 'runs.db'}")
    assert [t.state for t in trials.trials] == [TrialState.FAILED] * 2
