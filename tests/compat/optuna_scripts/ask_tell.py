import hyperloom.compat.optuna as optuna

study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=1))
for i in range(20):
    trial = study.ask()
    x = trial.suggest_float("x", -1, 1)
    if i == 3:
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    elif i == 4:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    elif i == 5:
        study.tell(trial.number, 1 - x * x)
    else:
        frozen = study.tell(trial, 1 - x * x)
        assert frozen.state == optuna.trial.TrialState.COMPLETE and frozen.value == 1 - x * x

fixed = study.ask({"x": optuna.distributions.FloatDistribution(-1, 1)})
assert -1 <= fixed.params["x"] <= 1
study.tell(fixed, 0.0)
states = [t.state for t in study.trials]
assert states[3] == optuna.trial.TrialState.PRUNED
assert states[4] == optuna.trial.TrialState.FAIL
assert states.count(optuna.trial.TrialState.COMPLETE) == 19
assert study.best_value == max(t.value for t in study.trials
                               if t.state == optuna.trial.TrialState.COMPLETE)
print("ok", round(study.best_value, 3))
