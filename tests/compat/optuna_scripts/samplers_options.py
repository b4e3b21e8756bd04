import hyperloom.compat.optuna as optuna


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", -5, 5)
    return (x - 1) ** 2 + (y + 2) ** 2


tpe = optuna.create_study(sampler=optuna.samplers.TPESampler(multivariate=True, group=True,
                                                             n_startup_trials=5, seed=0))
tpe.optimize(objective, n_trials=30)
assert tpe.best_value < 3, tpe.best_value

cma = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=0, restart_strategy="ipop"))
cma.optimize(objective, n_trials=30)
warm = optuna.create_study(
    sampler=optuna.samplers.CmaEsSampler(seed=1, source_trials=cma.trials))
warm.optimize(objective, n_trials=10)
cold = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=1))
cold.optimize(objective, n_trials=10)
near = [abs(t.params["x"] - 1) + abs(t.params["y"] + 2) for t in warm.trials]
far = [abs(t.params["x"] - 1) + abs(t.params["y"] + 2) for t in cold.trials]
assert sum(near) < sum(far), (sum(near), sum(far))  # the warm start begins near the optimum

space = {"x": [-1.0, 0.0, 1.0], "y": [-2, 0]}
orders = []
for seed in (0, 0, 1):
    grid = optuna.create_study(sampler=optuna.samplers.GridSampler(space, seed=seed))
    grid.optimize(objective, n_trials=100)  # stops when the grid is done
    assert len(grid.trials) == 6 and grid.best_value == 0.0
    orders.append([(t.params["x"], t.params["y"]) for t in grid.trials])
assert orders[0] == orders[1] and sorted(orders[0]) == sorted(orders[2])

for sampler in (optuna.samplers.RandomSampler(seed=0), optuna.samplers.QMCSampler(seed=0),
                optuna.samplers.GPSampler(seed=0, n_startup_trials=4)):
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=8)
    assert len(study.get_trials(deepcopy=False)) == 8
print("ok", round(tpe.best_value, 3), round(warm.best_value, 3))
