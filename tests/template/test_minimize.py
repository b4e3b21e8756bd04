"""template.minimize: Hyperas' entry point on a Study, best models and ensembles."""
# ruff: noqa: F821 (names inside {{...}} templates are resolved by the template compiler)

import importlib.util
import os
import threading

import numpy as np
import pytest

import hyperloom as hl
from hyperloom import template


def digits_data():
    """Digits, scaled, with a fixed split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    return (x_train, y_train,
            x_test, y_test)


def digits_mlp(x_train, y_train, x_test, y_test):
    from sklearn.neural_network import MLPClassifier

    alpha = {{loguniform(-10, -2)}}
    hidden = {{choice([16, 32, 64])}}
    net = MLPClassifier((hidden,), alpha=alpha, max_iter=200, random_state=0)
    net.fit(x_train, y_train)
    return {"loss": -net.score(x_test, y_test), "status": "ok", "model": net}


def width(x):
    """A model whose loss is smallest for the widest layer."""
    hidden = {{choice([16, 32, 64])}}
    lr = {{uniform(0, 1)}}
    return {"loss": -hidden + lr + x, "status": "ok", "model": (hidden, lr)}


def quadratic():
    x = {{uniform(0, 2)}}
    return (x - 1.0) ** 2


def pick():
    y = {{choice(["a", "b", "c"])}}
    return float("abc".index(y))


def loss_as_model():
    x = {{uniform(0, 1)}}
    return {"loss": x, "status": "ok", "model": x}


def flaky():
    x = {{uniform(0, 1)}}
    if x > 0.7:
        raise RuntimeError("diverged")
    return {"loss": x, "status": "fail" if x > 0.4 else "ok", "model": x}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_digits_mlp_with_8_evaluations_returns_a_best_model_of_95_percent_accuracy():
    best_run, best_model = template.minimize(digits_mlp, digits_data, max_evals=8, seed=0)
    x_train, y_train, x_test, y_test = digits_data()
    assert set(best_run) == {"alpha", "hidden"}
    assert best_run["hidden"] in (0, 1, 2)
    assert np.exp(-10) <= best_run["alpha"] <= np.exp(-2)
    assert best_model.score(x_test, y_test) >= 0.95


def test_best_run_holds_choice_indices_unless_eval_space():
    run, model = template.minimize(width, lambda: 0.0, max_evals=12, seed=1)
    assert run["hidden"] in (0, 1, 2)
    assert [16, 32, 64][run["hidden"]] == model[0]
    run_values, model_values = template.minimize(width, lambda: 0.0, max_evals=12, seed=1,
                                                 eval_space=True)
    assert run_values["hidden"] == model_values[0] == model[0]


def test_return_space_adds_the_named_space():
    _, _, space = template.minimize(width, lambda: 0.0, max_evals=2, seed=0,
                                    return_space=True)
    assert isinstance(space, hl.SearchSpace) and set(space) == {"hidden", "lr"}


def test_data_with_a_multi_line_return_and_tabs_feeds_the_model(tmp_path):
    path = tmp_path / "tabbed.py"
    path.write_text("def data():\n\ta = 1.0\n\tb = (2.0 +\n\t     3.0)\n\treturn (a,\n\t\tb)\n\n"
                    "def model(a, b):\n\tx = {{uniform(0, 1)}}\n\treturn x + a + b\n")
    spec = importlib.util.spec_from_file_location("tabbed_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = template.minimize(module.model, module.data, max_evals=5, seed=0)
    assert 6.0 <= result.study.best_value <= 7.0
    assert set(result[0]) == {"x"}


def test_data_returning_the_model_parameters_in_another_order_is_passed_by_name():
    def data():
        b, a = 10.0, 1.0
        return b, a

    def model(a, b):
        x = {{uniform(0, 1)}}
        return x + a - b / 100

    result = template.minimize(model, data, max_evals=3, seed=0)
    assert 0.9 <= result.study.best_value <= 1.9


def test_data_args_are_passed_to_data():
    result = template.minimize(width, lambda offset: offset, data_args=(100.0,), max_evals=2)
    assert result.study.best_value > 30


def test_two_concurrent_minimize_calls_in_one_directory_are_independent_and_write_no_file(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = {}

    def run(key, model):
        results[key] = template.minimize(model, None, max_evals=15, seed=3)

    threads = [threading.Thread(target=run, args=("quadratic", quadratic)),
               threading.Thread(target=run, args=("pick", pick))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results["quadratic"][0]) == {"x"} and set(results["pick"][0]) == {"y"}
    assert results["pick"][0]["y"] == 0 and results["pick"].study.best_value == 0.0
    assert results["quadratic"].study.best_value < 0.05
    assert os.listdir(tmp_path) == []


def test_best_models_returns_exactly_the_two_lowest_losses():
    result = template.minimize(loss_as_model, max_evals=10, seed=0, keep_models=3)
    losses = sorted(t.value for t in result.study.trials)
    assert template.best_models(2, result) == losses[:2]


def test_best_models_can_run_the_search_itself_like_hyperas():
    models = template.best_models(3, loss_as_model, max_evals=6, seed=0)
    assert len(models) == 3 and models == sorted(models)


def test_only_the_best_k_models_are_kept_in_memory():
    result = template.minimize(loss_as_model, max_evals=10, seed=0, keep_models=2)
    assert len(result.models) == 2
    with pytest.raises(ValueError, match="keep_models=3"):
        template.best_models(3, result)


def test_a_failing_model_is_a_failed_trial_and_the_run_goes_on():
    with pytest.warns(UserWarning, match="failed with"):
        result = template.minimize(flaky, max_evals=20, seed=0)
    states = [t.state for t in result.study.trials]
    assert len(states) == 20
    assert hl.TrialState.FAILED in states and hl.TrialState.COMPLETE in states
    assert result[0]["x"] <= 0.4


def test_trials_study_keeps_every_trial_in_sqlite_and_resumes(sqlite_url):
    study = hl.create_study(storage=sqlite_url, study_name="tpl")
    template.minimize(quadratic, trials=study, max_evals=4, seed=0)
    resumed = hl.load_study(study_name="tpl", storage=sqlite_url)
    best_run, _ = template.minimize(quadratic, trials=resumed, max_evals=7, seed=1)
    stored = hl.load_study(study_name="tpl", storage=sqlite_url).trials
    assert len(stored) == 7 and set(stored[0].params) == {"x"}
    assert best_run["x"] == min(stored, key=lambda t: t.value).params["x"]


def test_algo_takes_our_names_sampler_objects_and_hyperopts_suggest_functions():
    result = template.minimize(quadratic, algo="random", max_evals=3, seed=0)
    assert type(result.study.sampler).__name__ == "RandomSampler"
    sampler = hl.samplers.RandomSampler(seed=0)
    assert template.minimize(quadratic, algo=sampler, max_evals=2).study.sampler is sampler
    hyperopt = pytest.importorskip("hyperopt", reason="hyperopt maps only when installed")
    for suggest, name in ((hyperopt.tpe.suggest, "TPESampler"),
                          (hyperopt.rand.suggest, "RandomSampler")):
        study = template.minimize(quadratic, algo=suggest, max_evals=2, seed=0).study
        assert type(study.sampler).__name__ == name
    with pytest.raises(ValueError, match="algo='annealing' is unknown"):
        template.minimize(quadratic, algo="annealing", max_evals=2)


def test_rseed_is_seed_and_makes_the_run_repeatable():
    first = template.minimize(quadratic, max_evals=5, rseed=7)[0]
    assert first == template.minimize(quadratic, max_evals=5, seed=7)[0]


def test_best_ensemble_votes_with_the_lowest_loss_models():
    class Constant:
        def __init__(self, label):
            self.label = label

        def predict(self, X):
            return np.full(len(X), self.label)

    def model():
        label = {{choice([1, 2])}}
        noise = {{uniform(0, 1)}}
        return {"loss": noise + label, "status": "ok", "model": Constant(label)}

    result = template.minimize(model, max_evals=12, seed=0)
    ensemble = template.best_ensemble(3, result, voting="hard")
    assert ensemble.predict([[0], [0]]).tolist() == [1, 1]


def test_threads_keep_the_best_models_of_the_whole_run():
    result = template.minimize(loss_as_model, max_evals=16, seed=0, n_jobs=4, keep_models=4)
    losses = sorted(t.value for t in result.study.trials)
    assert len(result.study.trials) == 16
    assert template.best_models(4, result) == losses[:4]


def test_eval_space_gives_the_chosen_dict_and_best_run_its_index():
    def model():
        config = {{choice([{"depth": 1}, {"depth": 3}, {"depth": 2}])}}
        return abs(config["depth"] - 3)

    run, _ = template.minimize(model, max_evals=15, seed=0)
    assert run == {"config": 1}
    values, _ = template.minimize(model, max_evals=15, seed=0, eval_space=True)
    assert values == {"config": {"depth": 3}}


def test_hyperopts_anneal_maps_to_tpe():
    hyperopt = pytest.importorskip("hyperopt", reason="hyperopt maps only when installed")
    study = template.minimize(quadratic, algo=hyperopt.anneal.suggest, max_evals=2).study
    assert type(study.sampler).__name__ == "TPESampler"


def test_storage_and_study_name_resume_the_named_study(sqlite_url):
    template.minimize(quadratic, storage=sqlite_url, study_name="named", max_evals=3, seed=0)
    result = template.minimize(quadratic, storage=sqlite_url, study_name="named", max_evals=5)
    assert len(result.study.trials) == 5
    assert len(hl.load_study(study_name="named", storage=sqlite_url).trials) == 5


def branch_on_template():
    if {{choice(["one", "two"])}} == "two":
        extra = {{uniform(0, 1)}}
        return extra
    return 0.5


def test_trials_of_a_conditional_model_record_the_inner_parameter_only_when_its_branch_ran():
    result = template.minimize(branch_on_template, None, algo="random", max_evals=16, seed=3)
    trials = result.study.trials
    taken = {t.params["p0"] for t in trials}
    assert taken == {"one", "two"}
    for t in trials:
        assert ("extra" in t.params) == (t.params["p0"] == "two"), t.params
