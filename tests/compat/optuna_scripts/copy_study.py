import hyperloom.compat.optuna as optuna

import os
import tempfile

folder = tempfile.mkdtemp()
source = f"sqlite:///{os.path.join(folder, 'source.db')}"
target = f"sqlite:///{os.path.join(folder, 'target.db')}"


def objective(trial):
    x = trial.suggest_float("x", -2, 2)
    trial.report(x * x, 0)
    trial.set_user_attr("sign", "+" if x >= 0 else "-")
    return x * x


study = optuna.create_study(study_name="original", storage=source, direction="minimize",
                            sampler=optuna.samplers.RandomSampler(seed=0))
study.set_user_attr("team", "vision")
study.optimize(objective, n_trials=8)
optuna.copy_study(from_study_name="original", from_storage=source, to_storage=target,
                  to_study_name="copy")
copy = optuna.load_study(study_name="copy", storage=target)
assert len(copy.trials) == 8 and copy.best_value == study.best_value
assert copy.best_params == study.best_params and copy.user_attrs == {"team": "vision"}
for a, b in zip(study.trials, copy.trials):
    assert (a.number, a.value, a.params, a.user_attrs, a.intermediate_values) == \
        (b.number, b.value, b.params, b.user_attrs, b.intermediate_values)
    assert a.datetime_start == b.datetime_start and a.datetime_complete == b.datetime_complete
print("ok", len(copy.trials))

# ruff: noqa: I001 - the compat import stays first, as the one line changed from Optuna
