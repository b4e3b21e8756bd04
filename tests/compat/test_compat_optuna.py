"""hyperloom.compat.optuna in this process: how Optuna's arguments reach our samplers,
storages and studies, and what Optuna spells differently (states, records, data frames)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import threading
import warnings

import pytest

import hyperloom as hl
import hyperloom.compat.optuna as optuna
from hyperloom.space import Choice, IntUniform, LogUniform, QUniform, Uniform

HAS_VIZ = importlib.util.find_spec("hyperloom.viz") is not None


# -- samplers --------------------------------------------------------------------------------
def test_optuna_sampler_arguments_build_our_samplers():
    tpe = optuna.samplers.TPESampler(multivariate=True, n_startup_trials=7, seed=3,
                                     consider_prior=True, warn_independent_sampling=False)
    assert isinstance(tpe, hl.samplers.TPESampler) and isinstance(tpe, optuna.samplers.TPESampler)
    assert (tpe.n_startup_trials, tpe.multivariate, tpe.seed) == (7, True, 3)
    assert not isinstance(hl.samplers.RandomSampler(), optuna.samplers.TPESampler)
    assert optuna.samplers.RandomSampler(5).seed == 5
    assert optuna.samplers.CmaEsSampler({"x": 1.0}, 0.2, inc_popsize=-1).x0 == {"x": 1.0}
    assert optuna.samplers.NSGAIISampler(population_size=8).population_size == 8


def test_an_option_ours_lacks_warns_unless_at_optunas_default_and_a_typo_is_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optuna.samplers.TPESampler(consider_magic_clip=True, weights=None)
    with pytest.warns(UserWarning, match="TPESampler: hyperloom's sampler has no "
                                         "`consider_magic_clip` option"):
        optuna.samplers.TPESampler(consider_magic_clip=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_startup_trail'"):
        optuna.samplers.TPESampler(n_startup_trail=3)
    with pytest.raises(AttributeError, match="BruteForceSampler has no hyperloom counterpart"):
        optuna.samplers.BruteForceSampler  # noqa: B018


def test_a_seeded_grid_visits_every_point_in_a_seeded_order():
    space = {"a": [1, 2, 3, 4], "b": ["x", "y"]}

    def order(seed):
        study = optuna.create_study(sampler=optuna.samplers.GridSampler(space, seed=seed))
        study.optimize(lambda t: t.suggest_int("a", 1, 4) + len(t.suggest_categorical(
            "b", ["x", "y"])), n_trials=20)
        return [(t.params["a"], t.params["b"]) for t in study.trials]

    assert order(7) == order(7) != order(8)
    assert sorted(order(7)) == sorted((a, b) for a in space["a"] for b in space["b"])
    assert order(None) == [(a, b) for a in space["a"] for b in space["b"]]


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_a_cma_warm_start_centres_on_the_best_source_trials_for_the_study_direction(direction):
    pytest.importorskip("cmaes")
    source = optuna.create_study(direction=direction,
                                 sampler=optuna.samplers.RandomSampler(seed=0))
    source.optimize(lambda t: t.suggest_float("x", 0, 10), n_trials=40)
    sampler = optuna.samplers.CmaEsSampler(source_trials=source.trials, seed=0)
    optuna.create_study(direction=direction, sampler=sampler)
    best = max if direction == "maximize" else min
    assert abs(sampler.x0["x"] - best(t.value for t in source.trials)) < 1.0
    assert sampler.sigma0 <= 0.3


def test_partial_fixed_sampler_fixes_some_params_and_samples_the_rest():
    sampler = optuna.samplers.PartialFixedSampler({"y": 2}, optuna.samplers.RandomSampler(0))
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("y", 0, 5), n_trials=4)
    assert {t.params["y"] for t in study.trials} == {2}
    assert len({t.params["x"] for t in study.trials}) == 4


def test_constraints_func_also_applies_to_ask_and_tell_by_number():
    sampler = optuna.samplers.TPESampler(constraints_func=lambda t: [t.params["x"] - 0.5],
                                         seed=0)
    study = optuna.create_study(sampler=sampler)
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    frozen = study.tell(trial.number, x)
    assert frozen.constraints == {"0": pytest.approx(x - 0.5)}
    assert study.hyperloom.trials[0].constraints == [pytest.approx(x - 0.5)]


# -- studies, trials and records --------------------------------------------------------------
def test_states_compare_equal_across_optuna_names_and_ours():
    S = optuna.trial.TrialState
    assert S.FAIL == hl.TrialState.FAILED and S.FAILED is S.FAIL
    assert S.COMPLETE == hl.TrialState.COMPLETE and str(S.FAIL) == "TrialState.FAIL"
    study = optuna.create_study()
    study.optimize(lambda t: 1 / 0, n_trials=1, catch=(ZeroDivisionError,))
    assert study.trials[0].state is S.FAIL
    assert study.get_trials(states=[hl.TrialState.FAILED])[0].number == 0


def test_records_have_datetimes_a_timedelta_and_copies_the_script_may_change():
    study = optuna.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    trial = study.trials[0]
    assert isinstance(trial.datetime_start, dt.datetime)
    assert isinstance(trial.duration, dt.timedelta) and trial.duration >= dt.timedelta(0)
    trial.user_attrs["mine"] = 1  # a copy: the stored trial is unchanged
    assert "mine" not in study.trials[0].user_attrs
    assert isinstance(trial.distributions["x"], optuna.distributions.FloatDistribution)


def test_n_jobs_runs_trials_in_threads_of_this_process_as_optuna_does():
    seen, lock = [], threading.Lock()

    def objective(trial):
        with lock:
            seen.append(threading.get_ident())
        return trial.suggest_float("x", 0, 1)

    study = optuna.create_study()
    study.optimize(objective, n_trials=6, n_jobs=2)
    assert len(seen) == 6 and len(study.trials) == 6  # a closure of this process saw each


def test_the_objective_sees_trial_study_and_external_params():
    def objective(trial):
        assert trial.study.study_name == study.study_name
        trial.suggest_categorical("fn", [len, abs])  # module-level functions, by import path
        assert trial.params["fn"] in (len, abs)
        trial.set_system_attr("from", "script")
        assert trial.system_attrs["from"] == "script"
        return 0.0

    study = optuna.create_study()
    study.optimize(objective, n_trials=2)


def test_copy_study_copies_running_trials_failed_and_keeps_the_queue(tmp_path):
    source = f"sqlite:///{tmp_path / 'a.db'}"
    study = optuna.create_study(storage=source, study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    study.ask()
    study.enqueue_trial({"x": 0.25})
    optuna.copy_study(from_study_name="s", from_storage=source, to_storage=None)
    target = f"sqlite:///{tmp_path / 'b.db'}"
    optuna.copy_study(from_study_name="s", from_storage=source, to_storage=target)
    copied = optuna.load_study(study_name="s", storage=target)
    S = optuna.trial.TrialState
    assert [t.state for t in copied.trials] == [S.COMPLETE, S.COMPLETE, S.FAIL, S.WAITING]
    copied.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert copied.trials[3].params == {"x": 0.25}


def test_trials_dataframe_follows_optunas_columns_and_multi_index():
    study = optuna.create_study(directions=["minimize", "maximize"])
    study.set_metric_names(["loss", "accuracy"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=3)
    frame = study.trials_dataframe()
    # system_attrs_sampler: the inner sampler the default AutoSampler chose for each trial.
    assert list(frame.columns) == ["number", "values_loss", "values_accuracy",
                                   "datetime_start", "datetime_complete", "duration",
                                   "params_x", "system_attrs_sampler", "state"]
    assert set(frame["system_attrs_sampler"]) == {"tpe"}
    assert frame["duration"].dtype.kind == "m"
    multi = study.trials_dataframe(attrs=("number", "params"), multi_index=True)
    assert list(multi.columns) == [("number", ""), ("params", "x")]


def test_create_trial_refuses_what_optuna_refuses():
    d = {"x": optuna.distributions.FloatDistribution(0, 1)}
    with pytest.raises(ValueError, match="needs `value` or `values`"):
        optuna.trial.create_trial(params={"x": 0.5}, distributions=d)
    with pytest.raises(ValueError, match="must name the same parameters"):
        optuna.trial.create_trial(params={"x": 0.5, "y": 1}, distributions=d, value=1.0)
    study = optuna.create_study(directions=["minimize", "minimize"])
    with pytest.raises(ValueError, match="needs 2 value"):
        study.add_trial(optuna.trial.create_trial(params={"x": 0.5}, distributions=d, value=1))
    assert study.trials == []


def test_distributions_map_both_ways_and_through_json():
    D = optuna.distributions
    pairs = [(D.FloatDistribution(0, 1), Uniform(0, 1)),
             (D.FloatDistribution(1e-3, 1, log=True), LogUniform(1e-3, 1)),
             (D.FloatDistribution(0, 1, step=0.5), QUniform(0, 1, 0.5)),
             (D.IntDistribution(1, 8, log=True), IntUniform(1, 8, log=True)),
             (D.CategoricalDistribution(["a", 1]), Choice(["a", 1]))]
    for theirs, ours in pairs:
        assert theirs.to_hyperloom() == ours and D.from_hyperloom(ours) == theirs
        assert D.json_to_distribution(D.distribution_to_json(theirs)) == theirs
    assert D.DiscreteUniformDistribution(0, 1, 0.25).q == 0.25
    assert D.json_to_distribution(D.distribution_to_json(D.UniformDistribution(0, 2))) == \
        D.UniformDistribution(0, 2)
    with pytest.raises(ValueError, match="low"):
        D.FloatDistribution(1, 0)


def test_fixed_trial_warns_on_a_value_outside_the_range():
    with pytest.warns(UserWarning, match="5 for parameter 'x' is not a value"):
        assert optuna.trial.FixedTrial({"x": 5}).suggest_int("x", 0, 3) == 5


# -- storages, logging, plots ----------------------------------------------------------------
def test_rdb_storage_settings_reach_every_study_made_on_it(tmp_path):
    storage = optuna.storages.RDBStorage(
        f"sqlite:///{tmp_path / 'h.db'}", heartbeat_interval=30, grace_period=90,
        failed_trial_callback=optuna.storages.RetryFailedTrialCallback(max_retry=2))
    study = optuna.create_study(storage=storage, study_name="a")
    assert (study.heartbeat_interval, study.grace_period, study.retry_failed) == (30, 90, 2)
    again = optuna.load_study(study_name="a", storage=storage)
    assert again.heartbeat_interval == 30


def test_a_journal_file_is_a_sqlite_study_file(tmp_path):
    path = tmp_path / "journal.log"
    backend = optuna.storages.journal.JournalFileBackend(str(path))
    study = optuna.create_study(storage=optuna.storages.JournalStorage(backend), study_name="j")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert path.read_bytes().startswith(b"SQLite format 3")
    assert len(hl.load_study(study_name="j", storage=f"sqlite:///{path}").trials) == 2


def test_a_handler_on_optunas_logger_receives_our_trial_lines(caplog):
    assert optuna.logging.get_logger("optuna") is logging.getLogger("hyperloom")
    with caplog.at_level(logging.INFO, logger="hyperloom"):
        optuna.create_study().optimize(lambda t: 0.5, n_trials=1)
    assert caplog.records[-1].getMessage().startswith("Trial 0 finished with value: 0.5")


@pytest.mark.skipif(HAS_VIZ, reason="hyperloom.viz is here: the plots are tested with it")
def test_without_viz_plots_and_importance_say_what_to_install():
    study = optuna.create_study()
    assert not optuna.visualization.is_available()
    for call in (lambda: optuna.visualization.plot_optimization_history(study),
                 lambda: optuna.visualization.matplotlib.plot_contour(study),
                 lambda: optuna.importance.get_param_importances(study)):
        with pytest.raises(ImportError, match=r"needs hyperloom\.viz.*pip install "
                                              r"'hyperloom\[viz\]'"):
            call()


@pytest.mark.skipif(not HAS_VIZ, reason="needs hyperloom.viz (built in another branch)")
def test_with_viz_each_optuna_plot_name_draws_from_our_study():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1),
                   n_trials=20)
    figure = optuna.visualization.plot_optimization_history(study)
    assert figure is not None
    assert set(optuna.importance.get_param_importances(study)) == {"x", "y"}


def test_what_optuna_has_and_we_do_not_is_named_with_the_way_out():
    with pytest.raises(AttributeError, match="optuna.artifacts has no counterpart.*"
                                             "upload_artifact"):
        optuna.artifacts  # noqa: B018
    with pytest.raises(AttributeError, match="WilcoxonPruner has no hyperloom counterpart"):
        optuna.pruners.WilcoxonPruner  # noqa: B018
