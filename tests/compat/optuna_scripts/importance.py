import hyperloom.compat.optuna as optuna


def objective(trial):
    a = trial.suggest_float("a", 0, 1)
    b = trial.suggest_float("b", 0, 1)
    c = trial.suggest_float("c", 0, 1)
    return 10 * a + 0.5 * b + 0 * c


study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
study.optimize(objective, n_trials=80)
importances = optuna.importance.get_param_importances(study)
assert list(importances)[0] == "a", importances
assert importances["a"] > importances["b"] > importances["c"] - 0.01, importances
assert abs(sum(importances.values()) - 1) < 1e-6
fanova = optuna.importance.get_param_importances(
    study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
assert max(fanova, key=fanova.get) == "a"
print("ok", {k: round(v, 2) for k, v in importances.items()})
