"""The `hyperloom` command as a user types it (real SQLite files): one smoke test per command
in a real process, the rest through click's CliRunner, in this process, which is 10x faster."""

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import hyperloom as hl
from hyperloom.cli import main


def hyperloom(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "hyperloom.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def invoke(*args):
    """The command run in this process; `.stdout`, `.stderr`, `.exit_code`, `.exception`."""
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def filled(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    study = hl.create_study(storage=url, study_name="cli", sampler=hl.samplers.RandomSampler(0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=12)
    return url, study


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_studies_trials_best(filled):
    url, study = filled
    out = hyperloom("studies", "--storage", url)
    assert out.returncode == 0 and "cli" in out.stdout and "12" in out.stdout
    out = hyperloom("trials", "--storage", url, "--limit", "3")
    assert out.returncode == 0 and len(out.stdout.strip().splitlines()) == 3
    out = hyperloom("best", "--storage", url, "--study", "cli")
    assert json.loads(out.stdout)["number"] == study.best_trial.number


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_export_csv_and_json(filled, tmp_path):
    url, study = filled
    out = hyperloom("export", "--storage", url, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [int(r["number"]) for r in rows] == list(range(12))
    assert float(rows[0]["params_x"]) == study.trials[0].params["x"]
    target = tmp_path / "t.json"
    out = invoke("export", "--storage", url, "--format", "json", "-o", str(target))
    assert out.exit_code == 0, out.output
    assert len(json.loads(target.read_text())) == 12


@pytest.mark.parametrize("args, needle", [
    (["trials", "--study", "nope"], "no study named 'nope'"),
    (["studies", "--storage", "mysql://x/y"], "unsupported storage URL"),
    (["studies", "--storage", "sqlite:///does/not/exist.db"], "no database at"),
    (["studies", "--storage", "postgresql://postgres@127.0.0.1:1/none"], "cannot connect"),
])
def test_bad_input_gives_one_line_and_nonzero_exit(filled, args, needle):
    url, _ = filled
    if "--storage" not in args:
        args = [*args, "--storage", url]
    out = invoke(*args)
    assert out.exit_code != 0
    assert needle in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_debug_shows_the_traceback(filled):
    url, _ = filled
    out = invoke("--debug", "trials", "--storage", url, "--study", "nope")
    # the error leaves `main` instead of becoming one line, so Python prints its traceback
    assert out.exit_code != 0 and "nope" in str(out.exception)
    assert not isinstance(out.exception, SystemExit) and out.stderr == ""


def test_help_everywhere():
    for cmd in ([], ["demo"], ["studies"], ["trials"], ["best"], ["export"]):
        out = invoke(*cmd, "--help")
        assert out.exit_code == 0 and "Usage" in out.stdout


@pytest.mark.slow
def test_demo_runs_and_resumes(tmp_path):
    pytest.importorskip("sklearn")
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    report = tmp_path / "demo-report.html"
    first = hyperloom("demo", "--storage", url, "--n-trials", "4", "--seed", "0",
                      "--report", str(report))
    assert first.returncode == 0, first.stderr
    assert "best: trial" in first.stdout
    assert f"report: {report}" in first.stdout
    assert "<html" in report.read_text()[:2000].lower()
    second = hyperloom("demo", "--storage", url, "--n-trials", "3", "--seed", "1",
                       "--report", str(report))
    assert "(7 in the study)" in second.stdout
    assert len(hl.load_study(study_name="digits-svm", storage=url).trials) == 7
