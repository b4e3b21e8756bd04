"""The define-by-run core as users drive it."""

import json
import math
import os
import signal
import statistics
import subprocess
import sys
import textwrap
import time

import pytest

import hyperloom as hl
from hyperloom import TrialState
from processes import children, wait_all_gone


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", -3, 3)
    return (x - 2) ** 2 + y * y


def test_optimize_finds_the_best_and_reports_it():
    study = hl.create_study(sampler=hl.samplers.RandomSampler(0))
    study.optimize(quadratic, n_trials=300)
    assert len(study.trials) == 300
    assert study.best_value < 0.5
    assert study.best_params["y"] == 0
    best = min(study.trials, key=lambda t: t.value)
    assert (study.best_trial.number, study.best_value) == (best.number, best.value)


def test_maximize_direction():
    study = hl.create_study(direction="maximize", sampler=hl.samplers.RandomSampler(0))
    study.optimize(lambda t: -quadratic(t), n_trials=100)
    assert study.best_value == max(t.value for t in study.trials)


def test_same_seed_same_sequence():
    def run(seed):
        s = hl.create_study(sampler=hl.samplers.RandomSampler(seed))
        s.optimize(quadratic, n_trials=20)
        return [t.params for t in s.trials]
    assert run(3) == run(3)
    assert run(3) != run(4)


def test_same_name_same_distribution_returns_same_value_else_error():
    study = hl.create_study()
    trial = study.ask()
    a = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    assert trial.suggest_float("lr", 1e-4, 1e-1, log=True) == a
    with pytest.raises(ValueError, match="'lr' was suggested before"):
        trial.suggest_float("lr", 1e-4, 1e-1)
    with pytest.raises(ValueError, match="`step` and `log=True` cannot be combined"):
        trial.suggest_float("z", 1, 2, step=0.5, log=True)


def test_ask_and_tell_from_an_external_loop():
    study = hl.create_study(direction="minimize")
    for i in range(5):
        trial = study.ask()
        x = trial.suggest_float("x", 0, 1)
        study.tell(trial, x + i)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 5
    with pytest.raises(hl.TrialFinishedError):
        study.tell(study.trials[0].number, 1.0)
    trial = study.ask()
    study.tell(trial, state=TrialState.PRUNED)
    assert study.trials[-1].state == TrialState.PRUNED
    with pytest.raises(ValueError, match="give the objective value"):
        study.tell(study.ask())


def test_static_space_samples_at_ask_time():
    space = hl.SearchSpace({"kind": hl.Choice({"a": {"p": hl.Uniform(0, 1)},
                                               "b": {"q": hl.IntUniform(1, 3)}})})
    study = hl.create_study(space=space, sampler=hl.samplers.RandomSampler(0))
    trial = study.ask()
    assert set(trial.params) in ({"kind", "p"}, {"kind", "q"})
    study.tell(trial, 0.0)

    def objective(trial):
        return trial.params.get("p", 0.5)
    study.optimize(objective, n_trials=20)
    for t in study.trials:
        space.validate(t.params)


def test_running_trials_show_their_params_before_the_storage_has_them(tmp_path):
    # A SQL storage gets a trial's params with its first report, its result, or 50 ms after
    # the suggestion; the study that runs the trial (and every sampler reading it) sees them
    # at once.
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = hl.create_study(storage=url, study_name="s")
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    k = trial.suggest_int("k", 1, 5)
    running = study.trials[trial.number]
    assert running.state == TrialState.RUNNING and running.params == {"x": x, "k": k}
    assert running.distributions["k"] == hl.IntUniform(1, 5)
    assert study.get_trials([TrialState.RUNNING])[0].params == {"x": x, "k": k}
    # Another reader of the file (a study object of its own) gets them a moment later.
    other = hl.load_study(study_name="s", storage=url)
    deadline = time.monotonic() + 5
    while other.trials[trial.number].params != {"x": x, "k": k}:
        assert time.monotonic() < deadline, "the running trial's params never reached the file"
        time.sleep(0.02)
    study.tell(trial, x)
    assert other.trials[0].state == TrialState.COMPLETE


@pytest.mark.slow
def test_a_worker_process_does_not_propose_what_another_one_is_running(tmp_path):
    # Two processes, one SQLite study, the same sampler seed: without the running trials'
    # params in the file, the second would propose exactly the first one's points.
    url = f"sqlite:///{tmp_path / 'study.db'}"
    # Integers only: TPE's occasional redraw of a categorical value may repeat a point.
    space = hl.SearchSpace({"k": hl.IntUniform(0, 9), "j": hl.IntUniform(0, 3)})
    study = hl.create_study(storage=url, study_name="s", space=space,
                            sampler=hl.samplers.TPESampler(seed=0))
    study.optimize(lambda t: abs(t.params["k"] - 4) + abs(t.params["j"] - 1), n_trials=20)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import json, sys, time
        import hyperloom as hl
        study = hl.load_study(study_name="s", storage={url!r},
                              sampler=hl.samplers.TPESampler(seed=0))
        asked = [study.ask() for _ in range(4)]
        reader = hl.load_study(study_name="s", storage={url!r})  # sees the file alone
        deadline = time.monotonic() + 10
        while any(not reader.trials[t.number].params for t in asked) \
                and time.monotonic() < deadline:
            time.sleep(0.01)  # until the params are written (50 ms after the asks)
        print(json.dumps([[t.params["k"], t.params["j"]] for t in asked]), flush=True)
        time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        held = {tuple(p) for p in json.loads(holder.stdout.readline())}
        mine = hl.load_study(study_name="s", storage=url, sampler=hl.samplers.TPESampler(seed=0))
        proposed = [(t.params["k"], t.params["j"]) for t in (mine.ask() for _ in range(4))]
    finally:
        holder.kill()
        holder.wait()
    assert len(held) == 4 and not held & set(proposed), (held, proposed)


def test_failing_objective_is_recorded_then_reraised():
    study = hl.create_study()

    def boom(trial):
        trial.suggest_float("x", 0, 1)
        raise RuntimeError("kaput")

    with pytest.raises(RuntimeError, match="kaput"):
        study.optimize(boom, n_trials=3)
    (only,) = study.trials
    assert only.state == TrialState.FAILED
    assert "RuntimeError: kaput" in only.system_attrs["fail_reason"]
    assert "x" in only.params


def test_caught_exceptions_fail_the_trial_and_go_on():
    study = hl.create_study()
    calls = []

    def flaky(trial):
        calls.append(1)
        if len(calls) % 2:
            raise ValueError("odd")
        return 1.0

    with pytest.warns(UserWarning, match="failed with ValueError"):
        study.optimize(flaky, n_trials=6, catch=(ValueError,))
    states = [t.state for t in study.trials]
    assert states.count(TrialState.FAILED) == 3 and states.count(TrialState.COMPLETE) == 3


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "abc", None])
def test_non_finite_or_non_numeric_results_fail_with_a_warning(bad):
    study = hl.create_study()
    with pytest.warns(UserWarning, match="failed"):
        study.optimize(lambda t: bad, n_trials=1)
    assert study.trials[0].state == TrialState.FAILED
    assert study.trials[0].values is None


def test_pruning_with_median_pruner():
    study = hl.create_study(sampler=hl.samplers.RandomSampler(0),
                            pruner=hl.pruners.MedianPruner(n_startup_trials=5))

    def objective(trial):
        x = trial.suggest_float("x", 0, 10)
        for step in range(10):
            trial.report(x * (10 - step), step)
            if trial.should_prune():
                raise hl.TrialPruned()
        return x
    study.optimize(objective, n_trials=40)
    pruned = study.get_trials([TrialState.PRUNED])
    assert pruned, "a median pruner on this objective must prune something"
    complete = study.get_trials([TrialState.COMPLETE])
    assert min(t.params["x"] for t in pruned) > study.best_value
    # the pruned trials are the bad ones: stopped before the end, above the completed median
    assert all(len(t.intermediate_values) < 10 for t in pruned)
    assert statistics.median(t.params["x"] for t in pruned) > \
        statistics.median(t.value for t in complete)


def test_multi_objective_pareto_front():
    study = hl.create_study(directions=["minimize", "minimize"],
                            sampler=hl.samplers.RandomSampler(0))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, (1 - x) ** 2
    study.optimize(objective, n_trials=30)
    front = study.best_trials
    assert len(front) == 30  # every point of this problem is Pareto-optimal
    with pytest.raises(RuntimeError, match="best_trials"):
        _ = study.best_trial
    study2 = hl.create_study(directions=["minimize", "maximize"])
    for v in [(1, 1), (2, 2), (0, 0), (1, 0.5)]:
        study2.tell(study2.ask(), v)
    assert sorted(tuple(t.values) for t in study2.best_trials) == [(0, 0), (1, 1), (2, 2)]


def test_constraints_prefer_feasible_trials():
    study = hl.create_study()
    for x, c in [(0.0, 1.0), (5.0, -1.0), (3.0, 0.0)]:
        trial = study.ask()
        trial.set_constraint([c])
        study.tell(trial, x)
    assert study.best_value == 3.0
    assert not study.trials[0].feasible


def test_enqueued_params_come_first_and_are_validated():
    study = hl.create_study(sampler=hl.samplers.RandomSampler(0))
    study.enqueue_trial({"x": 1.5, "y": 0}, user_attrs={"source": "expert"})
    study.optimize(quadratic, n_trials=3)
    first = study.trials[0]
    assert first.params == {"x": 1.5, "y": 0}
    assert first.user_attrs == {"source": "expert"}
    study.enqueue_trial({"x": 99.0, "y": 0})
    with pytest.raises(ValueError, match="fixed value 99.0"):
        study.optimize(quadratic, n_trials=1)


def test_grid_sampler_visits_every_point_once_even_with_threads():
    grid = {"a": [1, 2, 3], "b": ["x", "y"]}
    study = hl.create_study(sampler=hl.samplers.GridSampler(grid))
    seen = []

    def objective(trial):
        p = (trial.suggest_categorical("a", [1, 2, 3]), trial.suggest_categorical("b", ["x", "y"]))
        seen.append(p)
        time.sleep(0.01)
        return 0.0
    study.optimize(objective, n_trials=100, n_jobs=3, executor="threads")
    assert sorted(seen) == sorted((a, b) for a in [1, 2, 3] for b in ["x", "y"])
    assert len(study.trials) == 6


@pytest.mark.slow
def test_grid_points_are_split_between_processes(tmp_path, run_python):
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    code = """
        import sys, hyperloom as hl
        s = hl.create_study(storage=sys.argv[1], study_name="g", load_if_exists=True,
                            sampler=hl.samplers.GridSampler({"i": list(range(30))}))
        s.optimize(lambda t: t.suggest_categorical("i", list(range(30))), n_trials=1000)
    """
    hl.create_study(storage=url, study_name="g")
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), url])
             for _ in range(3)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    values = sorted(t.params["i"] for t in hl.load_study(study_name="g", storage=url).trials)
    assert values == list(range(30))


def test_qmc_sampler_is_reproducible_and_spread():
    def run(seed):
        s = hl.create_study(sampler=hl.samplers.QMCSampler(seed=seed),
                            space={"x": hl.Uniform(0, 1), "y": hl.Uniform(0, 1)})
        s.optimize(lambda t: t.params["x"], n_trials=16)
        return [(t.params["x"], t.params["y"]) for t in s.trials]
    a = run(0)
    assert a == run(0)
    xs = sorted(x for x, _ in a)
    # 16 Sobol points: exactly one in each sixteenth of [0, 1).
    assert [int(x * 16) for x in xs] == list(range(16))


@pytest.mark.timed
@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_timeout_stops_the_loop():
    study = hl.create_study()
    t0 = time.monotonic()
    study.optimize(lambda t: time.sleep(0.05) or 0.0, timeout=0.5)
    assert time.monotonic() - t0 < 2
    assert 3 <= len(study.trials) <= 12


def test_callbacks_history_and_stop():
    history = hl.HistoryRecorder()
    study = hl.create_study(sampler=hl.samplers.RandomSampler(0))
    study.optimize(quadratic, n_trials=50,
                   callbacks=[history, hl.MaxTrialsCallback(10), hl.ConsoleLogger()])
    assert len(study.trials) == 10
    best = history.best_values
    assert all(b2 <= b1 for b1, b2 in zip(best, best[1:]))
    assert best[-1] == study.best_value


def test_trials_dataframe_and_user_attrs():
    pd = pytest.importorskip("pandas")
    study = hl.create_study(sampler=hl.samplers.RandomSampler(0))
    study.set_user_attr("dataset", "digits")

    def objective(trial):
        trial.set_user_attr("note", "hi")
        return quadratic(trial)
    study.optimize(objective, n_trials=5)
    df = study.trials_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df["number"]) == [0, 1, 2, 3, 4]
    assert {"value", "params_x", "params_y", "user_attrs_note", "state"} <= set(df.columns)
    assert study.user_attrs == {"dataset": "digits"}


def test_artifacts_are_kept_beside_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'art.db'}"
    study = hl.create_study(storage=url, study_name="art")
    src = tmp_path / "model.txt"
    src.write_text("weights")

    def objective(trial):
        trial.upload_artifact(str(src))
        return 1.0
    study.optimize(objective, n_trials=1)
    path = study.artifact_path(0, "model.txt")
    assert path.startswith(str(tmp_path / "art.db.artifacts"))
    assert open(path).read() == "weights"
    assert study.trials[0].system_attrs["artifacts"] == ["model.txt"]


def test_resume_with_load_if_exists_and_direction_mismatch(tmp_path):
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    hl.create_study(storage=url, study_name="s").optimize(quadratic, n_trials=5)
    again = hl.create_study(storage=url, study_name="s", load_if_exists=True)
    again.optimize(quadratic, n_trials=5)
    assert [t.number for t in again.trials] == list(range(10))
    with pytest.raises(ValueError, match="directions"):
        hl.create_study(storage=url, study_name="s", load_if_exists=True, direction="maximize")
    with pytest.raises(hl.StorageError, match="exists already"):
        hl.create_study(storage=url, study_name="s")
    with pytest.raises(hl.StudyNotFoundError, match="no study named 'zzz'"):
        hl.load_study(study_name="zzz", storage=url)


INTERRUPTED = """
    import signal, sys, time, hyperloom as hl
    # Ctrl-C as in a terminal, whatever the test runner's process ignores or blocks (a child
    # inherits both); stderr says what it inherited, for a failure's report.
    print("inherited SIGINT:", signal.getsignal(signal.SIGINT),
          signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}), file=sys.stderr)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    study = hl.create_study(storage=sys.argv[1], study_name="sig", load_if_exists=True,
                            heartbeat_interval=0.2)
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        if trial.number >= 3:
            print("started", flush=True)
            time.sleep(60)
        return 1.0
    study.optimize(objective, n_trials=10)
"""


def _start_and_wait(url):
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(INTERRUPTED), url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    return proc


@pytest.mark.slow
def test_ctrl_c_marks_the_running_trial_failed(tmp_path):
    url = f"sqlite:///{tmp_path / 'int.db'}"
    proc = _start_and_wait(url)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    trials = hl.load_study(study_name="sig", storage=url).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3 + [TrialState.FAILED]
    assert "interrupted" in trials[-1].system_attrs["fail_reason"]


@pytest.mark.slow
def test_killed_worker_trial_fails_by_heartbeat_and_study_goes_on(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    proc = _start_and_wait(url)
    helpers = children(proc.pid)  # the heartbeat helper beats until it sees its parent gone
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    wait_all_gone(helpers)
    assert hl.load_study(study_name="sig", storage=url).trials[-1].state == TrialState.RUNNING
    time.sleep(0.6)  # past the grace period since the last beat
    study = hl.load_study(study_name="sig", storage=url, heartbeat_interval=0.2,
                          grace_period=0.5)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 3 + [TrialState.FAILED] + [TrialState.COMPLETE] * 2
    assert study.trials[3].system_attrs["fail_reason"] == "heartbeat stopped"


def test_invalid_optimize_arguments():
    study = hl.create_study()
    with pytest.raises(ValueError, match="n_jobs"):
        study.optimize(quadratic, n_trials=1, n_jobs=0)
    with pytest.raises(ValueError, match="timeout"):
        study.optimize(quadratic, timeout=-1)
    with pytest.raises(ValueError, match="direction must be"):
        hl.create_study(direction="up")
    with pytest.raises(TypeError, match="storage must be"):
        hl.create_study(storage=42)
    assert math.isfinite(hl.create_study().ask().suggest_float("x", 0, 1))
