import hyperloom.compat.optuna as optuna

import io
import logging

captured = io.StringIO()
optuna.logging.get_logger("optuna").addHandler(logging.StreamHandler(captured))
study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
lines = [line for line in captured.getvalue().splitlines() if "finished with value" in line]
assert len(lines) == 3 and lines[0].startswith("Trial 0 finished with value: "), lines
assert "Best is trial" in lines[-1]

optuna.logging.set_verbosity(optuna.logging.WARNING)
assert optuna.logging.get_verbosity() == optuna.logging.WARNING
before = captured.getvalue()
study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
assert captured.getvalue() == before  # silenced
optuna.logging.set_verbosity(optuna.logging.INFO)
optuna.logging.disable_default_handler()
optuna.logging.enable_propagation()
study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
assert "Trial 6 finished" in captured.getvalue()
print("ok")

# ruff: noqa: I001 - the compat import stays first, as the one line changed from Optuna
