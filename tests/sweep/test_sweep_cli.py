"""`hyperloom sweep` and `hyperloom run`, run with real files and real child processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import hyperloom as hl
from hyperloom.sweep import run_command, run_sweep, sweep_command

PY = sys.executable

# A child that needs only the standard library: it reads `x` from its Gin file and prints
# 2 * x as its last line (for --metric-from stdout); x < 0 makes it fail.
FAST_CHILD = textwrap.dedent("""
    import sys
    lines = open(sys.argv[1]).read().splitlines()
    vals = dict(l.split(" = ", 1) for l in lines if " = " in l and not l.startswith("#"))
    x = float(vals["x"])
    print("starting", vals)
    print("to stderr", file=sys.stderr)
    if x < 0:
        sys.exit(4)
    print(2 * x)
""")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "child.py").write_text(FAST_CHILD)
    return tmp_path


def trials(storage: str, name: str):
    return hl.load_study(study_name=name, storage=storage).trials


# ---- hyperloom sweep ------------------------------------------------------------------------------

def test_sweep_command_writes_one_gin_file_per_config(workspace):
    (workspace / "grid.hyp").write_text("a: [1, 2]\nb: ['x', 'y']\n")
    out = workspace / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = CliRunner().invoke(sweep_command, ["grid.hyp", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 4 config(s)" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "grid_0.gin", "grid_1.gin", "grid_2.gin", "grid_3.gin", "notes.txt"]
    assert (out / "grid_2.gin").read_text() == "a = 2\nb = 'x'\n"
    assert (out / "notes.txt").read_text() == "mine"


def test_sweep_command_writes_nothing_when_a_config_is_broken(workspace):
    (workspace / "bad.hyp").write_text("a: [1, 0]\nb = 1 / %a\n")
    result = CliRunner().invoke(sweep_command, ["bad.hyp", "out"])
    assert result.exit_code == 1
    assert "bad.hyp:2:5: cannot evaluate `1 / 0`" in result.output
    assert not (workspace / "out").exists() or not list((workspace / "out").iterdir())


def test_sweep_command_leaves_older_files_and_says_so(workspace):
    (workspace / "g.hyp").write_text("a: [1, 2, 3]\n")
    runner = CliRunner()
    runner.invoke(sweep_command, ["g.hyp", "out"])
    (workspace / "g.hyp").write_text("a: [1]\n")
    result = runner.invoke(sweep_command, ["g.hyp", "out"])
    assert result.exit_code == 0
    assert "left in place" in result.output
    assert len(list((workspace / "out").iterdir())) == 3


# ---- hyperloom run --------------------------------------------------------------------------------

def test_run_records_trials_fails_nonzero_exits_and_resumes(workspace):
    (workspace / "s.hyp").write_text("x: [1.5, -1.0, 3.0]\ny = 'fixed'\n")
    db = f"sqlite:///{workspace / 'h.db'}"
    args = ["s.hyp", "--storage", db, "--jobs", "2", "--metric-from", "stdout", "--",
            PY, "child.py", "{config}"]
    result = CliRunner().invoke(run_command, args)
    assert result.exit_code == 1, result.output  # one config failed
    ts = sorted(trials(db, "s"), key=lambda t: t.user_attrs["sweep_index"])
    assert [t.state for t in ts] == [hl.TrialState.COMPLETE, hl.TrialState.FAILED,
                                     hl.TrialState.COMPLETE]
    assert [t.values for t in ts] == [[3.0], None, [6.0]]
    assert [t.params for t in ts] == [{"x": 1.5}, {"x": -1.0}, {"x": 3.0}]
    failed = ts[1]
    assert failed.user_attrs["exit_code"] == 4
    assert "starting" in failed.user_attrs["log_tail"]
    assert "to stderr" in failed.user_attrs["log_tail"]
    log = Path(ts[0].user_attrs["log_path"]).read_text()
    assert "starting" in log and "to stderr" in log and "3.0" in log

    # Re-running skips what is complete and runs the failed config again.
    (workspace / "child.py").write_text(FAST_CHILD.replace("if x < 0:", "if False:"))
    result = CliRunner().invoke(run_command, args)
    assert result.exit_code == 0, result.output
    assert "2 config(s) already complete" in result.output
    ts = trials(db, "s")
    assert len(ts) == 4
    assert ts[-1].state == hl.TrialState.COMPLETE and ts[-1].params == {"x": -1.0}
    assert ts[-1].values == [-2.0]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_child_reports_through_hyperloom_report(workspace):
    (workspace / "rep.py").write_text(textwrap.dedent("""
        import os, sys
        from hyperloom.sweep import report
        x = float(open(sys.argv[1]).read().split("x = ")[1].split()[0])
        assert os.environ["HYPERLOOM_CONFIG"] == sys.argv[1]
        print("trial", sys.argv[2])
        report(x + 0.5)
        print("not a number")
    """))
    (workspace / "r.hyp").write_text("x: [1, 2]\n")
    db = f"sqlite:///{workspace / 'h.db'}"
    result = run_sweep("r.hyp", [PY, "rep.py", "{config}", "{trial}"], storage=db, jobs=2,
                       echo=None)
    assert (result.completed, result.failed) == (2, 0)
    assert sorted(t.values[0] for t in trials(db, "r")) == [1.5, 2.5]


def test_missing_value_fails_the_trial(workspace):
    (workspace / "m.hyp").write_text("x: [1]\n")
    db = f"sqlite:///{workspace / 'h.db'}"
    result = run_sweep("m.hyp", [PY, "-c", "print('hi')"], storage=db, echo=None)
    assert result.failed == 1
    (t,) = trials(db, "m")
    assert t.state == hl.TrialState.FAILED
    assert "reported no value" in t.user_attrs["fail_reason"]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_sampled_run_with_a_named_sampler(workspace, sampler):
    (workspace / "smp.hyp").write_text("x: uniform(0, 1)\nz = %x * 2\n")
    db = f"sqlite:///{workspace / 'h.db'}"
    result = CliRunner().invoke(run_command, [
        "smp.hyp", "--storage", db, "--sampler", sampler, "--seed", "3", "--n-trials", "3",
        "--metric-from", "stdout", "--", PY, "child.py", "{config}"])
    assert result.exit_code == 0, result.output
    ts = trials(db, "smp")
    assert len(ts) == 3 and all(t.state == hl.TrialState.COMPLETE for t in ts)
    assert all(t.values[0] == pytest.approx(2 * t.params["x"]) for t in ts)
    # Resume: the study already has 3 complete trials of this file.
    result = CliRunner().invoke(run_command, [
        "smp.hyp", "--storage", db, "--sampler", sampler, "--n-trials", "4",
        "--metric-from", "stdout", "--", PY, "child.py", "{config}"])
    assert result.exit_code == 0, result.output
    assert len(trials(db, "smp")) == 4


def test_unknown_sampler_names_the_available_ones(workspace):
    (workspace / "u.hyp").write_text("x: uniform(0, 1)\n")
    result = CliRunner().invoke(run_command, ["u.hyp", "--sampler", "nope", "--n-trials", "1",
                                              "--", PY, "child.py", "{config}"])
    assert result.exit_code == 1
    assert "unknown sampler 'nope'" in result.output and "random" in result.output


def test_sampled_file_needs_n_trials(workspace):
    (workspace / "u.hyp").write_text("x: uniform(0, 1)\n")
    result = CliRunner().invoke(run_command, ["u.hyp", "--", PY, "child.py", "{config}"])
    assert result.exit_code == 1 and "n-trials" in result.output


@pytest.mark.slow  # a second or more of waiting: ./run test runs it, the fast tier not
def test_ctrl_c_stops_children_and_leaves_the_study_consistent(workspace):
    (workspace / "slow.py").write_text(textwrap.dedent("""
        import os, sys, time
        open(sys.argv[1] + ".pid", "w").write(str(os.getpid()))
        print("started", flush=True)
        time.sleep(60)
    """))
    (workspace / "slow.hyp").write_text("x: [1, 2, 3]\n")
    db = f"sqlite:///{workspace / 'h.db'}"
    code = (f"from hyperloom.sweep import run_sweep; "
            f"r = run_sweep('slow.hyp', [{PY!r}, 'slow.py', '{{config}}'], storage={db!r}, "
            f"jobs=2); print('INTERRUPTED', r.interrupted)")
    runner = subprocess.Popen([PY, "-c", code], cwd=workspace, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    pid_files = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(pid_files) < 2:
        pid_files = list(Path(workspace, "hyperloom_runs", "slow").glob("*.pid"))
        time.sleep(0.1)
    assert len(pid_files) == 2, runner.communicate(timeout=5)[0] if runner.poll() else ""
    time.sleep(0.3)
    runner.send_signal(signal.SIGINT)
    out, _ = runner.communicate(timeout=60)
    assert "INTERRUPTED True" in out, out
    for f in pid_files:
        pid = int(f.read_text())
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    ts = trials(db, "slow")
    assert len(ts) == 2  # the third config never started
    assert all(t.state == hl.TrialState.FAILED for t in ts)
    assert all(t.user_attrs["fail_reason"] == "interrupted" for t in ts)
    assert all("started" in t.user_attrs["log_tail"] for t in ts)
