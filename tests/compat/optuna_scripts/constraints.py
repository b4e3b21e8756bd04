import hyperloom.compat.optuna as optuna


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    trial.set_user_attr("constraint", [1 - x])  # feasible when x >= 1
    return x * x


def constraints(frozen_trial):
    return frozen_trial.user_attrs["constraint"]


sampler = optuna.samplers.TPESampler(constraints_func=constraints, seed=0)
study = optuna.create_study(sampler=sampler)
study.optimize(objective, n_trials=40)
best = study.best_trial
assert best.params["x"] >= 1, best.params  # the unconstrained optimum 0 is infeasible
assert best.value < 1.5, best.value
for t in study.trials:
    assert list(t.system_attrs["constraints"]) == t.user_attrs["constraint"]
    assert t.constraints == {"0": t.user_attrs["constraint"][0]}


def named(trial):  # Optuna 5's way: named constraints set by the objective itself
    x = trial.suggest_float("x", -5, 5)
    trial.set_constraint("at_least_one", 1 - x)
    trial.set_constraint("at_most_four", x - 4)
    return x * x


study_named = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
study_named.optimize(named, n_trials=40)
assert 1 <= study_named.best_params["x"] <= 4, study_named.best_params
assert set(study_named.best_trial.constraints) == {"at_least_one", "at_most_four"}

multi = optuna.create_study(directions=["minimize", "minimize"],
                            sampler=optuna.samplers.NSGAIISampler(constraints_func=constraints,
                                                                  seed=0))
multi.optimize(lambda t: (objective(t), (t.params["x"] - 3) ** 2), n_trials=30)
assert all(t.params["x"] >= 1 for t in multi.best_trials)
print("ok", round(best.params["x"], 3))
