import hyperloom.compat.optuna as optuna

seen = []


def record(study, frozen_trial):
    assert isinstance(frozen_trial, optuna.trial.FrozenTrial)
    seen.append((frozen_trial.number, frozen_trial.state))


def stop_when_good(study, frozen_trial):
    if frozen_trial.value is not None and frozen_trial.value < 0.01:
        study.stop()


def objective(trial):
    x = trial.suggest_float("x", -1, 1)
    if trial.number == 2:
        raise ValueError("a bad trial")
    return x * x


study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
callback = optuna.study.MaxTrialsCallback(6, states=(optuna.trial.TrialState.COMPLETE,))
study.optimize(objective, n_trials=50, callbacks=[record, callback], catch=(ValueError,))
complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
assert len(complete) == 6 and len(study.trials) == 7
assert seen[2] == (2, optuna.trial.TrialState.FAIL)

other = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
other.optimize(objective, n_trials=200, callbacks=[stop_when_good], catch=(ValueError,))
assert other.best_value < 0.01 and len(other.trials) < 200
print("ok", len(other.trials))
