import hyperloom.compat.optuna as optuna

import os
import sys
import tempfile

folder = tempfile.mkdtemp()
url = f"sqlite:///{os.path.join(folder, 'example.db')}"


def objective(trial):
    return (trial.suggest_float("x", -3, 3) - 1) ** 2


study = optuna.create_study(study_name="distributed", storage=url,
                            sampler=optuna.samplers.RandomSampler(seed=0))
study.optimize(objective, n_trials=5)
resumed = optuna.create_study(study_name="distributed", storage=url, load_if_exists=True)
resumed.optimize(objective, n_trials=5)
loaded = optuna.load_study(study_name="distributed", storage=url)
assert len(loaded.trials) == 10 and loaded.best_value == resumed.best_value
assert optuna.get_all_study_names(storage=url) == ["distributed"]
[summary] = optuna.get_all_study_summaries(storage=url)
assert summary.study_name == "distributed" and summary.n_trials == 10
assert summary.best_trial.value == loaded.best_value
try:
    optuna.create_study(study_name="distributed", storage=url)
except optuna.exceptions.DuplicatedStudyError:
    pass
else:
    sys.exit("a second study of the same name was created")
optuna.delete_study(study_name="distributed", storage=url)
assert optuna.get_all_study_names(storage=url) == []
print("ok")

# ruff: noqa: I001 - the compat import stays first, as the one line changed from Optuna
