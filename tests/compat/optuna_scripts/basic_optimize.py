import hyperloom.compat.optuna as optuna

import math


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    act = trial.suggest_categorical("act", ["relu", "tanh"])
    old = trial.suggest_uniform("old", 0, 1) + trial.suggest_loguniform("old_log", 1e-3, 1)
    step = trial.suggest_discrete_uniform("step", 0, 1, 0.25)
    assert step in (0, 0.25, 0.5, 0.75, 1.0) and 0 < old < 2
    return (x - 2) ** 2 + 0.01 * layers + (0.1 if act == "tanh" else 0) + abs(math.log10(lr) + 3)


study = optuna.create_study(direction="minimize",
                            sampler=optuna.samplers.TPESampler(seed=0))
study.optimize(objective, n_trials=40, n_jobs=2, gc_after_trial=True, show_progress_bar=False)
assert len(study.trials) == 40
assert study.best_value < 5, study.best_value
assert set(study.best_params) == {"x", "lr", "layers", "act", "old", "old_log", "step"}
assert study.best_trial.value == study.best_value
assert study.direction == optuna.study.StudyDirection.MINIMIZE
df = study.trials_dataframe()
assert len(df) == 40 and {"number", "value", "params_x", "state", "duration"} <= set(df.columns)
assert (df["state"] == "COMPLETE").all()
print("ok", round(study.best_value, 3))

# ruff: noqa: I001 - the compat import stays first, as the one line changed from Optuna
