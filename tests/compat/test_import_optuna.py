"""Optuna 5.0 studies, made in the test in real SQLite files, copied into ours by
`import_optuna_study` and `hyperloom import --from-optuna`: the same best value, params and
trial count, and every trial's distributions, states, reports, attributes and times."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.cli import main
from hyperloom.compat import SOURCE_COMPLETE, SOURCE_START, import_optuna_study
from hyperloom.space import Choice, IntUniform, LogUniform, QUniform, Uniform

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    kind = trial.suggest_categorical("kind", ["linear", "tree"])
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    if kind == "linear":
        x = trial.suggest_float("x", -3.0, 3.0)
        trial.suggest_float("reg", 0.0, 1.0, step=0.25)
    else:
        x = trial.suggest_int("depth", 1, 9) - 4.5
        trial.suggest_int("leaves", 2, 256, log=True)
        trial.suggest_int("bins", 0, 20, step=5)
    trial.set_user_attr("note", {"kind": kind, "tags": [1, 2]})
    trial.set_constraint("budget", lr - 0.05)
    for step in range(4):
        if trial.number % 7 == 6 and step == 0:
            raise ValueError("diverged")
        trial.report(x * x + lr + 1.0 / (step + 1), step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return x * x + lr


@pytest.fixture(scope="module")
def optuna_file(tmp_path_factory):
    """An Optuna SQLite file with trials in every state (made once: Optuna writes a SQLite
    study at about 3 trials a second, so the trials run in memory and are copied there)."""
    path = tmp_path_factory.mktemp("optuna") / "optuna.db"
    made = optuna.create_study(study_name="tuned", sampler=optuna.samplers.RandomSampler(seed=0),
                               pruner=optuna.pruners.MedianPruner(n_startup_trials=3))
    made.set_user_attr("owner", "data team")
    with pytest.warns(optuna.exceptions.ExperimentalWarning):
        made.set_metric_names(["loss"])
    made.optimize(objective, n_trials=30, catch=(ValueError,))
    optuna.copy_study(from_study_name="tuned", from_storage=made._storage,
                      to_storage=f"sqlite:///{path}")
    study = optuna.load_study(study_name="tuned", storage=f"sqlite:///{path}")
    study.ask()  # left RUNNING
    study.enqueue_trial({"kind": "linear", "lr": 0.01, "x": 0.5, "reg": 0.25},
                        user_attrs={"queued": True})
    return path


@pytest.fixture
def optuna_url(optuna_file, tmp_path):
    """A copy of the Optuna file for one test."""
    path = tmp_path / "optuna.db"
    shutil.copy(optuna_file, path)
    return f"sqlite:///{path}"


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_the_copy_has_the_same_best_value_params_and_trial_count(optuna_url, tmp_path):
    theirs = optuna.load_study(study_name="tuned", storage=optuna_url)
    ours = import_optuna_study(optuna_url, storage=f"sqlite:///{tmp_path / 'ours.db'}")
    assert ours.study_name == "tuned" and ours.directions == ["minimize"]
    assert len(ours.trials) == len(theirs.trials) == 32
    assert ours.best_value == theirs.best_value
    assert ours.best_params == theirs.best_params
    assert ours.best_trial.number == theirs.best_trial.number
    assert ours.user_attrs == {"owner": "data team"}
    assert hl.compat.import_optuna_study is import_optuna_study  # loaded on first use
    assert ours.system_attrs["metric_names"] == ["loss"]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_every_trial_keeps_its_state_values_reports_attributes_and_times(optuna_url):
    theirs = optuna.load_study(study_name="tuned", storage=optuna_url).trials
    ours = import_optuna_study(optuna_url, storage=None).trials
    states = {"COMPLETE": TrialState.COMPLETE, "PRUNED": TrialState.PRUNED,
              "FAIL": TrialState.FAILED, "WAITING": TrialState.WAITING,
              "RUNNING": TrialState.FAILED}
    assert {t.state.name for t in theirs} == set(states)
    for t, o in zip(theirs, ours):
        assert o.number == t.number and o.state == states[t.state.name]
        if t.state.name in ("WAITING", "RUNNING"):
            continue
        assert o.values == t.values
        assert o.params == t.params and o.external_params == t.params
        assert o.intermediate_values == t.intermediate_values
        assert o.user_attrs == t.user_attrs
        assert o.constraints == [t.constraints["budget"]]
        assert o.system_attrs[SOURCE_START] == t.datetime_start.timestamp()
        assert o.system_attrs[SOURCE_COMPLETE] == t.datetime_complete.timestamp()
    assert [o.number for o in ours if o.state == TrialState.FAILED] == [6, 13, 20, 27, 30]
    assert "RUNNING" in ours[30].system_attrs["fail_reason"] and ours[31].state.name == "WAITING"


def test_distributions_translate_to_ours(optuna_url):
    ours = import_optuna_study(optuna_url, storage=None)
    seen = {}
    for trial in ours.trials:
        seen.update(trial.distributions)
    assert seen == {"kind": Choice(["linear", "tree"]), "lr": LogUniform(1e-4, 1e-1),
                    "x": Uniform(-3, 3), "reg": QUniform(0, 1, 0.25),
                    "depth": IntUniform(1, 9), "leaves": IntUniform(2, 256, log=True),
                    "bins": IntUniform(0, 20, step=5)}


def test_the_queued_trial_runs_next_with_its_params_and_attributes(optuna_url):
    ours = import_optuna_study(optuna_url, storage=None)
    ours.optimize(lambda t: t.suggest_float("x", -3.0, 3.0), n_trials=1)
    ran = ours.trials[31]
    assert ran.state == TrialState.COMPLETE and ran.params["x"] == 0.5
    assert ran.user_attrs == {"queued": True}


def test_study_attributes_and_a_multi_objective_front_come_along(tmp_path):
    url = f"sqlite:///{tmp_path / 'multi.db'}"
    study = optuna.create_study(study_name="front", directions=["minimize", "maximize"],
                                sampler=optuna.samplers.RandomSampler(seed=1))
    study.set_user_attr("dataset", "digits")
    study.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)),
                   n_trials=12)
    optuna.copy_study(from_study_name="front", from_storage=study._storage, to_storage=url)
    ours = import_optuna_study(url, storage=None)
    assert ours.directions == ["minimize", "maximize"]
    assert ours.user_attrs == {"dataset": "digits"}
    assert sorted(t.number for t in ours.best_trials) == \
        sorted(t.number for t in study.best_trials)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_the_command_copies_under_the_same_or_a_new_name(optuna_url, tmp_path):
    target = f"sqlite:///{tmp_path / 'ours.db'}"
    first = CliRunner().invoke(main, ["import", "--from-optuna", optuna_url,
                                      "--storage", target])
    assert first.exit_code == 0, first.output
    best = optuna.load_study(study_name="tuned", storage=optuna_url).best_trial
    assert first.stdout.strip() == (f"imported 32 trial(s) into study 'tuned' of {target}; "
                                    f"best is trial {best.number} with value {best.value}")
    again = CliRunner().invoke(main, ["import", "--from-optuna", optuna_url, "--study", "tuned",
                                      "--storage", target])
    assert again.exit_code == 1
    assert again.stderr.strip().splitlines() == [
        "error: our storage holds a study named 'tuned' already; copy under another name "
        "(new_name=..., or --as NAME) or delete that study first"]
    renamed = CliRunner().invoke(main, ["import", "--from-optuna", optuna_url, "--as", "copy",
                                        "--storage", target])
    assert renamed.exit_code == 0, renamed.output
    assert sorted(hl.storage.get_storage(target).get_study_names()) == ["copy", "tuned"]


@pytest.mark.slow
def test_the_command_in_a_real_process(optuna_url, tmp_path):
    target = f"sqlite:///{tmp_path / 'ours.db'}"
    done = subprocess.run([sys.executable, "-m", "hyperloom.cli", "import", "--from-optuna",
                           optuna_url, "--storage", target], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(hl.load_study(study_name="tuned", storage=target).trials) == 32


@pytest.mark.parametrize("args, message", [
    (["--study", "nope"], "has no study named 'nope'; its studies: ['tuned', 'other']"),
    ([], "holds 2 studies ['tuned', 'other']; pass the study name (--study NAME)"),
])
def test_a_missing_or_ambiguous_study_is_one_line_naming_the_choices(optuna_url, tmp_path,
                                                                     args, message):
    optuna.create_study(storage=optuna_url, study_name="other")
    out = CliRunner().invoke(main, ["import", "--from-optuna", optuna_url, *args,
                                    "--storage", f"sqlite:///{tmp_path / 'o.db'}"])
    assert out.exit_code == 1 and message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_a_mistyped_optuna_path_creates_nothing(tmp_path):
    missing = tmp_path / "nope.db"
    with pytest.raises(FileNotFoundError, match="no Optuna database at"):
        import_optuna_study(f"sqlite:///{missing}", storage=None)
    assert not missing.exists()


def test_a_study_that_cannot_be_translated_leaves_nothing_behind(tmp_path):
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    study = optuna.create_study(storage=url, study_name="odd")
    study.optimize(lambda t: t.suggest_categorical("c", [1, 1.0, "1"]) and 0.0, n_trials=1)
    target = f"sqlite:///{tmp_path / 'ours.db'}"
    with pytest.raises(ValueError, match="parameter 'c'.*distinct"):
        import_optuna_study(url, storage=target)
    assert hl.storage.get_storage(target).get_study_names() == []


def test_without_optuna_the_error_names_the_install(tmp_path):
    code = ("import sys; sys.modules['optuna'] = None\n"
            "from hyperloom.compat import import_optuna_study\n"
            "try:\n    import_optuna_study('sqlite:///x.db', storage=None)\n"
            "except ImportError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert done.stdout.strip() == ("import_optuna_study needs Optuna to read the Optuna "
                                   "database: pip install optuna")


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_inf_values_and_nan_reports_survive_the_copy(tmp_path):
    url = f"sqlite:///{tmp_path / 'edge.db'}"
    study = optuna.create_study(storage=url, study_name="edge")
    trial = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
    trial.report(math.nan, 0)
    study.tell(trial, math.inf)
    [copied] = import_optuna_study(url, storage=None).trials
    assert copied.values == [math.inf] and math.isnan(copied.intermediate_values[0])
