import hyperloom.compat.optuna as optuna


def objective(trial):
    x = trial.suggest_float("x", 0, 5)
    y = trial.suggest_float("y", 0, 3)
    return 4 * x ** 2 + 4 * y ** 2, (x - 5) ** 2 + (y - 5) ** 2


study = optuna.create_study(directions=["minimize", "minimize"],
                            sampler=optuna.samplers.NSGAIISampler(population_size=10, seed=0))
study.optimize(objective, n_trials=60)
front = study.best_trials
assert front and all(len(t.values) == 2 for t in front)
for a in front:  # no trial of the front dominates another
    for b in front:
        assert not (a.values[0] < b.values[0] and a.values[1] < b.values[1])
assert [d.name for d in study.directions] == ["MINIMIZE", "MINIMIZE"]
df = study.trials_dataframe()
assert {"values_0", "values_1"} <= set(df.columns)
print("ok", len(front), "on the front")
