"""The static space and the heartbeat settings live with the study, not with one process."""

from collections import OrderedDict

import hyperloom as hl


def test_load_study_gets_the_static_space_back(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    space = hl.SearchSpace({"x": hl.Uniform(-1, 1), "act": hl.Choice(["relu", "tanh"])})
    hl.create_study(storage=url, study_name="s", space=space)
    loaded = hl.load_study(study_name="s", storage=url)
    assert loaded.space == space
    trial = loaded.ask()  # sampled at ask time, as in the creating process
    assert set(trial.params) == {"x", "act"}


def test_a_space_given_to_optimize_is_stored_too(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    study = hl.create_study(storage=url, study_name="s",
                            sampler=hl.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=2,
                   space={"x": hl.Uniform(-2, 2)})
    assert hl.load_study(study_name="s", storage=url).space == hl.SearchSpace(
        {"x": hl.Uniform(-2, 2)})


def test_resuming_with_create_study_keeps_the_stored_space_unless_given_another(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    hl.create_study(storage=url, study_name="s", space={"x": hl.Uniform(0, 1)})
    resumed = hl.create_study(storage=url, study_name="s", load_if_exists=True)
    assert resumed.space == hl.SearchSpace({"x": hl.Uniform(0, 1)})
    hl.create_study(storage=url, study_name="s", load_if_exists=True,
                    space={"y": hl.IntUniform(0, 3)})
    assert list(hl.load_study(study_name="s", storage=url).space) == ["y"]


def test_load_study_gets_the_heartbeat_settings_back(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    hl.create_study(storage=url, study_name="s", heartbeat_interval=2.0, grace_period=30.0)
    loaded = hl.load_study(study_name="s", storage=url)
    assert (loaded.heartbeat_interval, loaded.grace_period) == (2.0, 30.0)
    assert loaded.fail_stale_trials() == []  # it raises ValueError without a heartbeat


def test_a_heartbeat_given_to_load_study_is_used_instead_of_the_stored_one(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    hl.create_study(storage=url, study_name="s", heartbeat_interval=2.0)
    loaded = hl.load_study(study_name="s", storage=url, heartbeat_interval=0.5)
    assert (loaded.heartbeat_interval, loaded.grace_period) == (0.5, None)
    assert hl.load_study(study_name="s", storage=url).heartbeat_interval == 2.0


def test_a_study_created_without_options_loads_without_them(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    hl.create_study(storage=url, study_name="s")
    loaded = hl.load_study(study_name="s", storage=url)
    assert loaded.space is None and loaded.heartbeat_interval is None


def test_a_stored_space_with_a_class_choice_reads_back_as_an_inert_reference(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    hl.create_study(storage=url, study_name="s", space={"cls": hl.Choice([OrderedDict, 1])})
    options = hl.load_study(study_name="s", storage=url).space["cls"].options
    assert isinstance(options[0], hl.space.ImportRef)
