import hyperloom.compat.optuna as optuna

study = optuna.create_study(study_name="s", storage=None)
try:
    optuna.load_study(study_name="missing", storage="sqlite:///:memory:")
except KeyError:
    pass
else:
    raise AssertionError("loading a missing study gave no KeyError")


def objective(trial):
    x = trial.suggest_float("x", 0, 1)
    if x < 0.3:
        raise optuna.exceptions.TrialPruned()
    if x > 0.7:
        raise ValueError("diverged")
    return x


study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
study.optimize(objective, n_trials=20, catch=(ValueError,))
states = [t.state for t in study.trials]
assert optuna.trial.TrialState.FAIL in states and optuna.trial.TrialState.PRUNED in states
try:
    study.optimize(objective, n_trials=50)
except ValueError as error:
    assert "diverged" in str(error)
else:
    raise AssertionError("the objective's error was swallowed")
assert study.trials[-1].state == optuna.trial.TrialState.FAIL
assert issubclass(optuna.exceptions.DuplicatedStudyError, optuna.exceptions.OptunaError)
assert issubclass(optuna.exceptions.StorageInternalError, optuna.exceptions.OptunaError)
print("ok", states.count(optuna.trial.TrialState.FAIL), "failed")
