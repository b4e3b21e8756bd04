import hyperloom.compat.optuna as optuna


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    return x * x + (kind == "b")


study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
study.enqueue_trial({"x": 0.0, "kind": "a"})
study.enqueue_trial({"x": 3.0}, user_attrs={"source": "a hunch"})
study.enqueue_trial({"x": 0.0, "kind": "a"}, skip_if_exists=True)  # already queued
study.optimize(objective, n_trials=5)
first, second = study.trials[0], study.trials[1]
assert first.params == {"x": 0.0, "kind": "a"} and first.value == 0.0
assert second.params["x"] == 3.0 and second.user_attrs == {"source": "a hunch"}
assert study.best_value == 0.0 and len(study.trials) == 5
assert study.trials[2].params != first.params  # not enqueued twice
print("ok", study.best_params)
