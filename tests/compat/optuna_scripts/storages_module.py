import hyperloom.compat.optuna as optuna

import os
import tempfile

folder = tempfile.mkdtemp()
storage = optuna.storages.RDBStorage(
    url=f"sqlite:///{os.path.join(folder, 'beats.db')}", heartbeat_interval=60, grace_period=120,
    failed_trial_callback=optuna.storages.RetryFailedTrialCallback(max_retry=2))
study = optuna.create_study(storage=storage, study_name="beating")
study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
optuna.storages.fail_stale_trials(study)  # none is stale: nothing changes
assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 3
assert optuna.storages.RetryFailedTrialCallback.retried_trial_number(study.trials[0]) is None

memory = optuna.create_study(storage=optuna.storages.InMemoryStorage())
memory.optimize(lambda t: t.suggest_int("n", 0, 3), n_trials=2)
assert len(memory.trials) == 2

path = os.path.join(folder, "journal.log")
journal = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(path))
study = optuna.create_study(storage=journal, study_name="journal")
study.optimize(lambda t: t.suggest_float("y", -1, 1) ** 2, n_trials=4)
again = optuna.load_study(
    study_name="journal",
    storage=optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(path)))
assert len(again.trials) == 4 and again.best_value == study.best_value
assert isinstance(storage, optuna.storages.BaseStorage)
print("ok")

# ruff: noqa: I001 - the compat import stays first, as the one line changed from Optuna
