"""`hyperloom run` as its users expect it: resume by content, shared work between runners,
study names that do not collide, timeouts, readable failures, dry runs and one-line errors.
Real SQLite files (and the real PostgreSQL server), real child processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest
from click.testing import CliRunner

import hyperloom as hl
from hyperloom.cli import main

PY = sys.executable

# Reads `x` from its Gin file, appends it to ran.txt (one line per run), waits `delay`
# (a binding, 0 by default) and prints 2 * x; x < 0 fails after writing to stderr.
CHILD = textwrap.dedent("""
    import sys, time
    lines = open(sys.argv[1]).read().splitlines()
    vals = dict(l.split(" = ", 1) for l in lines if " = " in l and not l.startswith("#"))
    x = float(vals["x"])
    with open("ran.txt", "a") as fh:
        fh.write(f"{x}\\n")
    time.sleep(float(vals.get("delay", 0)))
    if x < 0:
        print("loading data", file=sys.stderr)
        print("ValueError: x must be positive", file=sys.stderr)
        sys.exit(3)
    print(2 * x)
""")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "child.py").write_text(CHILD)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["run", *args, "--metric-from", "stdout", "--",
                                     PY, "child.py", "{config}"])


def ran(workspace) -> list[float]:
    path = workspace / "ran.txt"
    return [float(x) for x in path.read_text().split()] if path.exists() else []


def trials(db: str, name: str):
    return hl.load_study(study_name=name, storage=db).trials


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_comment_and_a_grown_grid_run_only_the_new_configs(workspace):
    db = f"sqlite:///{workspace / 'h.db'}"
    (workspace / "s.hyp").write_text("x: [1, 2]\n")
    assert run("s.hyp", "--storage", db).exit_code == 0
    (workspace / "s.hyp").write_text("# now with a third point\nx: [1, 2, 3]\n")
    result = run("s.hyp", "--storage", db)
    assert result.exit_code == 0, result.output
    assert "2 config(s) already complete" in result.output
    assert ran(workspace) == [1, 2, 3]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_an_edited_included_file_runs_the_configs_again(workspace):
    db = f"sqlite:///{workspace / 'h.db'}"
    (workspace / "base.gin").write_text("y = 1\n")
    (workspace / "s.hyp").write_text("include 'base.gin'\nx: [1, 2]\n")
    assert run("s.hyp", "--storage", db).exit_code == 0
    assert run("s.hyp", "--storage", db).exit_code == 0  # nothing changed: nothing runs
    assert ran(workspace) == [1, 2]
    (workspace / "base.gin").write_text("y = 2\n")
    assert run("s.hyp", "--storage", db).exit_code == 0
    assert ran(workspace) == [1, 2, 1, 2]


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_a_grid_sampler_asked_for_more_trials_than_points_stops_cleanly(workspace):
    db = f"sqlite:///{workspace / 'h.db'}"
    (workspace / "g.hyp").write_text("x: [1.0, 2.0, 3.0]\n")
    result = run("g.hyp", "--storage", db, "--sampler", "grid", "--n-trials", "4",
                 "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "every point of the grid has run" in result.output
    assert "Traceback" not in result.output
    assert [t.state.name for t in trials(db, "g")] == ["COMPLETE"] * 3


def _two_runners_share(workspace, storage: str) -> None:
    (workspace / "s.hyp").write_text("x: [1, 2, 3, 4, 5, 6, 7, 8]\ndelay = 0.2\n")
    argv = [PY, "-m", "hyperloom.cli", "run", "s.hyp", "--storage", storage, "--jobs", "2",
            "--metric-from", "stdout", "--", PY, "child.py", "{config}"]
    runners = [subprocess.Popen(argv, cwd=workspace, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [r.communicate(timeout=120)[0] for r in runners]
    assert [r.returncode for r in runners] == [0, 0], outputs
    assert sorted(ran(workspace)) == [1, 2, 3, 4, 5, 6, 7, 8]  # no config ran twice
    complete = Counter(t.params["x"] for t in trials(storage, "s")
                       if t.state == hl.TrialState.COMPLETE)
    assert complete == {x: 1 for x in range(1, 9)}


@pytest.mark.slow
def test_two_runners_on_one_sqlite_file_run_each_config_once(workspace):
    _two_runners_share(workspace, f"sqlite:///{workspace / 'h.db'}")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_runners_on_one_postgresql_database_run_each_config_once(workspace, pg_url):
    _two_runners_share(workspace, pg_url)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_sweep_files_of_the_same_name_in_two_folders_get_two_studies(workspace):
    db = f"sqlite:///{workspace / 'h.db'}"
    for folder, grid in (("expA", "[1]"), ("expB", "[2, 3]")):
        (workspace / folder).mkdir()
        (workspace / folder / "sweep.hyp").write_text(f"x: {grid}\n")
    first = run("expA/sweep.hyp", "--storage", db)
    second = run("expB/sweep.hyp", "--storage", db)
    assert "in study 'sweep'" in first.output
    assert "in study 'expB/sweep'" in second.output
    assert [t.params["x"] for t in trials(db, "sweep")] == [1]
    assert [t.params["x"] for t in trials(db, "expB/sweep")] == [2, 3]
    again = run("expB/sweep.hyp", "--storage", db)  # resumes its own study
    assert "2 config(s) already complete in study 'expB/sweep'" in again.output


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_config_past_its_timeout_is_stopped_and_failed(workspace):
    db = f"sqlite:///{workspace / 'h.db'}"
    (workspace / "s.hyp").write_text("x: [1]\ndelay = 30\n")
    started = time.monotonic()
    result = run("s.hyp", "--storage", db, "--timeout", "0.5")
    assert time.monotonic() - started < 15
    assert result.exit_code == 1
    (t,) = trials(db, "s")
    assert t.state == hl.TrialState.FAILED
    assert t.user_attrs["fail_reason"] == "timed out after 0.5 s"


def test_a_failed_config_shows_the_end_of_its_log(workspace):
    (workspace / "s.hyp").write_text("x: [-1]\n")
    result = run("s.hyp", "--storage", f"sqlite:///{workspace / 'h.db'}")
    assert result.exit_code == 1
    assert "FAILED exit code 3" in result.output
    assert "    | ValueError: x must be positive" in result.output


def test_dry_run_lists_the_configs_and_runs_or_creates_nothing(workspace):
    (workspace / "s.hyp").write_text("x: [1, 2]\n")
    before = signal.getsignal(signal.SIGINT)
    result = run("s.hyp", "--storage", f"sqlite:///{workspace / 'h.db'}", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would run 2 config(s)" in result.output
    assert "x=1: " in result.output and "x=2: " in result.output
    assert ran(workspace) == []
    assert not (workspace / "h.db").exists()
    # Ctrl-C does in the caller what it did before (the runner's flag is gone).
    assert signal.getsignal(signal.SIGINT) is before


def test_results_are_grouped_by_swept_parameter_at_the_end(workspace):
    (workspace / "s.hyp").write_text("x: [1, 2]\nz: ['a', 'b']\n")
    result = run("s.hyp", "--storage", f"sqlite:///{workspace / 'h.db'}")
    assert result.exit_code == 0, result.output
    table = result.output.split("results by parameter")[1].splitlines()
    rows = [line.split() for line in table[2:]]
    assert rows == [["x", "1", "2", "2", "2"], ["2", "2", "4", "4"],
                    ["z", "a", "2", "3", "2"], ["b", "2", "3", "2"]]


@pytest.mark.parametrize("storage", ["sqlite:////no/such/folder/h.db", "bogus://x"])
def test_a_bad_storage_is_one_line_not_a_traceback(workspace, storage):
    (workspace / "s.hyp").write_text("x: [1]\n")
    before = signal.getsignal(signal.SIGINT)
    result = run("s.hyp", "--storage", storage)
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert signal.getsignal(signal.SIGINT) is before
    assert "Traceback" not in result.output
    assert ("/no/such/folder" in result.output) or ("bogus://" in result.output)


def test_sweep_into_an_unwritable_place_is_one_line(workspace):
    (workspace / "s.hyp").write_text("x: [1]\n")
    (workspace / "taken").write_text("a file, not a folder")
    result = CliRunner().invoke(main, ["sweep", "s.hyp", "taken/out"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "taken" in result.output
