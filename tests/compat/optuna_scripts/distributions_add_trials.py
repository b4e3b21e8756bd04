import hyperloom.compat.optuna as optuna

distributions = {
    "x": optuna.distributions.FloatDistribution(-5, 5),
    "n": optuna.distributions.IntDistribution(1, 64, log=True),
    "kind": optuna.distributions.CategoricalDistribution(["a", "b"]),
}
study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
study.add_trial(optuna.trial.create_trial(
    params={"x": 0.5, "n": 8, "kind": "a"}, distributions=distributions, value=0.25))
study.add_trials([
    optuna.trial.create_trial(params={"x": 2.0, "n": 2, "kind": "b"},
                              distributions=distributions, value=4.0),
    optuna.trial.create_trial(state=optuna.trial.TrialState.FAIL,
                              params={"x": 1.0, "n": 1, "kind": "a"},
                              distributions=distributions),
    optuna.create_trial(params={"x": -1.0, "n": 4, "kind": "b"},
                        distributions=distributions, value=1.0,
                        intermediate_values={0: 3.0, 1: 1.0}, user_attrs={"by": "hand"}),
])
assert len(study.trials) == 4 and study.best_value == 0.25
assert study.best_params == {"x": 0.5, "n": 8, "kind": "a"}
assert study.trials[2].state == optuna.trial.TrialState.FAIL
assert study.trials[3].intermediate_values == {0: 3.0, 1: 1.0}
assert study.trials[3].user_attrs == {"by": "hand"}
assert isinstance(study.trials[0].distributions["x"], optuna.distributions.FloatDistribution)
trial = study.ask(fixed_distributions=distributions)
assert -5 <= trial.params["x"] <= 5 and trial.params["kind"] in ("a", "b")
study.tell(trial, 9.0)
try:
    optuna.trial.create_trial(params={"x": 9.0}, distributions={"x": distributions["x"]},
                              value=1.0)
except ValueError:
    pass
else:
    raise AssertionError("a value outside its distribution was accepted")
study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2, n_trials=3)
assert len(study.trials) == 8
print("ok", len(study.trials))
