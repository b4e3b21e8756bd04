"""`hyperloom run` never leaves orphans: real runner processes killed with real signals, real
pipes to `head`, checked with os.kill(pid, 0) and the real SQLite study afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import hyperloom as hl
from processes import gone, wait_all_gone

PY = sys.executable

# A config's process: starts a grandchild in its own process group, records both pids, and
# sleeps -- unless the file `fast` exists, when it reports 2 * x at once. x == 0 reports at
# once; x < 0 as soon as two others have started.
CHILD = textwrap.dedent("""
    import glob, os, subprocess, sys, time
    x = float(open(sys.argv[1]).read().split("x = ")[1].split()[0])
    while x < 0 and len(glob.glob(os.path.dirname(sys.argv[1]) + "/*.pids")) < 2:
        time.sleep(0.02)
    if x <= 0 or os.path.exists("fast"):
        print(2 * x)
        sys.exit(0)
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with open(sys.argv[1] + ".pids.tmp", "w") as fh:
        fh.write(f"{os.getpid()} {grandchild.pid}")
    os.replace(sys.argv[1] + ".pids.tmp", sys.argv[1] + ".pids")
    print("started", flush=True)
    time.sleep(120)
""")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "child.py").write_text(CHILD)
    (tmp_path / "s.hyp").write_text("x: [1, 2, 3]\n")
    return tmp_path


def runner_argv(db: str, jobs: int = 2, hyp: str = "s.hyp") -> list[str]:
    return [PY, "-m", "hyperloom.cli", "run", hyp, "--storage", db, "--jobs", str(jobs),
            "--metric-from", "stdout", "--", PY, "child.py", "{config}"]


def start_runner(workspace: Path, argv: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=workspace, stdout=kwargs.pop("stdout", subprocess.PIPE),
                            stderr=subprocess.STDOUT, text=True, **kwargs)


def wait_for_pids(workspace: Path, count: int, runner: subprocess.Popen) -> list[int]:
    """The pids of `count` started children and their grandchildren."""
    deadline = time.monotonic() + 30
    files: list[Path] = []
    while time.monotonic() < deadline and len(files) < count:
        files = list(workspace.glob("hyperloom_runs/*/*.pids"))
        assert runner.poll() is None, "the runner ended before its children started"
        time.sleep(0.05)
    assert len(files) == count
    return [int(p) for f in files for p in f.read_text().split()]


def states(db: str) -> list[str]:
    return sorted(t.state.name for t in hl.load_study(study_name="s", storage=db).trials)


@pytest.fixture
def reap_leftovers():
    """Kill what a failing test leaves behind (the children of a runner that broke)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_sigkill_of_the_runner_kills_its_children_and_grandchildren(workspace, reap_leftovers):
    db = f"sqlite:///{workspace / 'h.db'}"
    runner = start_runner(workspace, runner_argv(db))
    pids = wait_for_pids(workspace, 2, runner)
    reap_leftovers.extend(pids)
    runner.kill()  # SIGKILL: no cleanup code of the runner runs
    runner.wait(timeout=10)
    assert wait_all_gone(pids) == []
    assert states(db) == ["RUNNING", "RUNNING"]  # nobody could tell the study


@pytest.mark.slow
def test_a_rerun_fails_the_trials_of_a_killed_runner_and_runs_their_configs(workspace,
                                                                            reap_leftovers):
    db = f"sqlite:///{workspace / 'h.db'}"
    runner = start_runner(workspace, runner_argv(db))
    reap_leftovers.extend(wait_for_pids(workspace, 2, runner))
    runner.kill()
    runner.wait(timeout=10)
    (workspace / "fast").write_text("")
    rerun = subprocess.run(runner_argv(db), cwd=workspace, capture_output=True, text=True,
                           timeout=60)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "2 trial(s) whose runner died marked FAILED" in rerun.stdout
    study = hl.load_study(study_name="s", storage=db)
    failed = [t for t in study.trials if t.state == hl.TrialState.FAILED]
    assert len(failed) == 2
    assert all("died without finishing it" in t.user_attrs["fail_reason"] for t in failed)
    complete = [t for t in study.trials if t.state == hl.TrialState.COMPLETE]
    assert sorted(t.params["x"] for t in complete) == [1, 2, 3]


@pytest.mark.slow
def test_a_rerun_leaves_the_running_trials_of_a_live_runner_alone(workspace, reap_leftovers):
    db = f"sqlite:///{workspace / 'h.db'}"
    (workspace / "s.hyp").write_text("x: [1, 0]\n")
    first = start_runner(workspace, runner_argv(db, jobs=1))
    reap_leftovers.extend(wait_for_pids(workspace, 1, first))
    second = subprocess.run(runner_argv(db, jobs=1), cwd=workspace, capture_output=True,
                            text=True, timeout=60)
    assert "run by another runner, skipped" in second.stdout, second.stdout
    assert states(db) == ["COMPLETE", "RUNNING"]  # x=0 ran in the second runner, x=1 still runs
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=30)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_sighup_stops_the_children_and_fails_their_trials(workspace, reap_leftovers):
    db = f"sqlite:///{workspace / 'h.db'}"
    runner = start_runner(workspace, runner_argv(db))
    pids = wait_for_pids(workspace, 2, runner)
    reap_leftovers.extend(pids)
    runner.send_signal(signal.SIGHUP)
    out, _ = runner.communicate(timeout=30)
    assert runner.returncode == 128 + signal.SIGHUP, out
    assert wait_all_gone(pids, 2.0) == []
    study = hl.load_study(study_name="s", storage=db)
    assert [t.state for t in study.trials] == [hl.TrialState.FAILED] * 2
    assert all(t.user_attrs["fail_reason"] == "interrupted" for t in study.trials)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_piping_into_head_stops_the_children_and_fails_their_trials(workspace, reap_leftovers):
    db = f"sqlite:///{workspace / 'h.db'}"
    (workspace / "s.hyp").write_text("x: [-1, 1, 2]\n")  # x=-1 ends: a second line
    runner = start_runner(workspace, runner_argv(db, jobs=3))
    head = subprocess.Popen(["head", "-2"], stdin=runner.stdout, stdout=subprocess.PIPE,
                            text=True)
    runner.stdout.close()  # head alone reads the runner's output now
    pids = wait_for_pids(workspace, 2, runner)
    reap_leftovers.extend(pids)
    shown, _ = head.communicate(timeout=30)
    assert len(shown.splitlines()) == 2
    assert runner.wait(timeout=30) == 141  # 128 + SIGPIPE: stopped, not finished
    assert wait_all_gone(pids, 2.0) == []
    ts = hl.load_study(study_name="s", storage=db).trials
    assert sorted(t.state.name for t in ts) == ["COMPLETE", "FAILED", "FAILED"]
