import hyperloom.compat.optuna as optuna


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    n = trial.suggest_int("n", 1, 5)
    kind = trial.suggest_categorical("kind", ["sum", "product"])
    trial.report(x, 0)
    if trial.should_prune():
        raise optuna.TrialPruned()
    return x + n if kind == "sum" else x * n


assert objective(optuna.trial.FixedTrial({"x": 1.5, "n": 2, "kind": "sum"})) == 3.5
assert objective(optuna.trial.FixedTrial({"x": 1.5, "n": 2, "kind": "product"})) == 3.0
try:
    objective(optuna.trial.FixedTrial({"x": 1.0}))
except ValueError:
    pass
else:
    raise AssertionError("a missing parameter went unnoticed")
study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
study.optimize(objective, n_trials=10)
best = study.best_trial
assert objective(optuna.trial.FixedTrial(best.params)) == best.value
assert objective(best) == best.value  # a FrozenTrial answers suggest_* with its params
print("ok", best.value)
