import hyperloom.compat.optuna as optuna

study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
study.set_user_attr("dataset", "digits")
study.set_user_attr("contributors", ["ana", "bo"])


def objective(trial):
    x = trial.suggest_int("x", 0, 9)
    trial.set_user_attr("accuracy", x / 10)
    trial.set_user_attr("note", {"fold": x % 3})
    return -x


study.optimize(objective, n_trials=10)
assert study.user_attrs == {"dataset": "digits", "contributors": ["ana", "bo"]}
for t in study.trials:
    assert t.user_attrs["accuracy"] == t.params["x"] / 10
    assert t.user_attrs["note"] == {"fold": t.params["x"] % 3}
df = study.trials_dataframe(attrs=("number", "value", "params", "user_attrs"))
assert list(df.columns) == ["number", "value", "params_x", "user_attrs_accuracy",
                            "user_attrs_note"]
assert (df["user_attrs_accuracy"] == df["params_x"] / 10).all()
print("ok", len(df))
