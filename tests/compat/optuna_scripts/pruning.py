import hyperloom.compat.optuna as optuna


def objective(trial):
    slope = trial.suggest_float("slope", 0.1, 2.0)
    loss = 10.0
    for step in range(20):
        loss = 10.0 / (1 + slope * step)
        trial.report(loss, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return loss


study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0),
                            pruner=optuna.pruners.MedianPruner(n_startup_trials=5,
                                                               n_warmup_steps=2))
study.optimize(objective, n_trials=40)
pruned = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.PRUNED,))
complete = study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.COMPLETE])
assert len(pruned) >= 5 and len(complete) >= 5, (len(pruned), len(complete))
assert all(t.last_step < 19 for t in pruned)
assert all(len(t.intermediate_values) == 20 for t in complete)
assert issubclass(optuna.exceptions.TrialPruned, optuna.exceptions.OptunaError)
for pruner in (optuna.pruners.PercentilePruner(25.0), optuna.pruners.NopPruner(),
               optuna.pruners.SuccessiveHalvingPruner(), optuna.pruners.HyperbandPruner(),
               optuna.pruners.PatientPruner(optuna.pruners.MedianPruner(), patience=2),
               optuna.pruners.ThresholdPruner(upper=9.0)):
    other = optuna.create_study(pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=0))
    other.optimize(objective, n_trials=8)
    assert len(other.trials) == 8
print("ok", len(pruned), "pruned")
