"""The subprocess executor on real processes: how each ended comes back as a ProcessOutcome,
and stop() leaves no process of a job's group behind, grandchildren included."""

from __future__ import annotations

import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hyperloom.execution import Command, Executor, ProcessOutcome, SubprocessExecutor
from hyperloom.storage import TrialState
from processes import gone

PY = sys.executable


def python(code: str, log: Path, timeout: float | None = None) -> Command:
    return Command([PY, "-c", textwrap.dedent(code)], log, timeout=timeout)


def collect_all(executor: SubprocessExecutor, count: int,
                seconds: float = 30.0) -> dict[object, ProcessOutcome]:
    done: dict[object, ProcessOutcome] = {}
    deadline = time.monotonic() + seconds
    while len(done) < count and time.monotonic() < deadline:
        done.update(executor.collect(0.5))
    assert len(done) == count, f"only {sorted(map(str, done))} ended in {seconds} s"
    return done


@pytest.fixture
def executor():
    ex = SubprocessExecutor(4, watchdog=False)
    yield ex
    ex.shutdown()


def test_a_command_that_exits_0_completes_with_its_last_line_and_log(executor, tmp_path):
    log = tmp_path / "ok.log"
    executor.submit("ok", python("""
        import sys
        print("to stderr", file=sys.stderr)
        print("0.25")
        print()
    """, log))
    outcome = collect_all(executor, 1)["ok"]
    assert isinstance(executor, Executor)
    assert (outcome.state, outcome.exit_code, outcome.timed_out) == (TrialState.COMPLETE, 0,
                                                                     False)
    assert outcome.last_line == "0.25"  # the blank line after it does not count
    assert "to stderr" in outcome.log_tail and "0.25" in outcome.log_tail
    assert "fail_reason" not in outcome.system
    back = pickle.loads(pickle.dumps(outcome))
    assert (back.exit_code, back.last_line, back.log_tail) == (0, "0.25", outcome.log_tail)


def test_a_non_zero_exit_fails_and_names_the_exit_code(executor, tmp_path):
    executor.submit(7, python("import sys; print('boom'); sys.exit(3)", tmp_path / "x.log"))
    outcome = collect_all(executor, 1)[7]
    assert (outcome.state, outcome.exit_code) == (TrialState.FAILED, 3)
    assert outcome.system["fail_reason"] == "exit code 3"
    assert outcome.log_tail == "boom\n"


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_command_past_its_timeout_is_stopped_and_fails(executor, tmp_path):
    started = time.monotonic()
    executor.submit("slow", python("""
        import time
        print("waiting", flush=True)
        time.sleep(60)
    """, tmp_path / "slow.log", timeout=0.5))
    outcome = collect_all(executor, 1)["slow"]
    assert time.monotonic() - started < 10  # SIGTERM at the deadline, not the 60 s sleep
    assert (outcome.state, outcome.timed_out) == (TrialState.FAILED, True)
    assert outcome.exit_code == -signal.SIGTERM
    assert outcome.system["fail_reason"] == "timed out after 0.5 s"
    assert outcome.last_line == "waiting"


def test_a_command_that_cannot_start_is_an_immediate_failed_outcome(executor, tmp_path):
    executor.submit(1, Command(["/nonexistent/program", "x"], tmp_path / "n.log"))
    ((key, outcome),) = executor.collect(0)  # no waiting: it is known at submit
    assert key == 1 and outcome.state == TrialState.FAILED and outcome.exit_code is None
    assert outcome.system["fail_reason"].startswith("could not start '/nonexistent/program'")
    assert outcome.error_type == "FileNotFoundError"


def test_stop_kills_the_whole_process_group_of_each_job(executor, tmp_path):
    pids = tmp_path / "pids"
    executor.submit("tree", python(f"""
        import os, subprocess, sys, time
        grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        with open({str(pids)!r} + ".tmp", "w") as fh:
            fh.write(f"{{os.getpid()}} {{grandchild.pid}}")
        os.replace({str(pids)!r} + ".tmp", {str(pids)!r})
        time.sleep(120)
    """, tmp_path / "tree.log"))
    deadline = time.monotonic() + 30
    while not pids.exists() and time.monotonic() < deadline:
        assert executor.collect(0.05) == []
    child, grandchild = map(int, pids.read_text().split())
    ((key, outcome),) = executor.stop()
    assert key == "tree" and outcome.state == TrialState.FAILED
    assert outcome.exit_code == -signal.SIGTERM
    deadline = time.monotonic() + 10
    while not (gone(child) and gone(grandchild)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(child) and gone(grandchild)
    assert executor.collect(0) == []  # nothing is left to report


@pytest.mark.timed
def test_collect_waits_no_longer_than_its_timeout(executor, tmp_path):
    executor.submit("long", python("import time; time.sleep(60)", tmp_path / "l.log"))
    started = time.monotonic()
    assert executor.collect(0.2) == []
    assert 0.15 < time.monotonic() - started < 2


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_optimize_does_not_load_the_subprocess_machinery():
    code = ("import sys, hyperloom as hl\n"
            "hl.create_study().optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=2)\n"
            "assert 'hyperloom.execution' in sys.modules\n"
            "print('hyperloom.execution._subprocess' in sys.modules)\n")
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
