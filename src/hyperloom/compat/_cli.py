"""`hyperloom import`: bring a study made by another library into our storage."""

from __future__ import annotations

import click

from ._import_optuna import import_optuna_study


@click.command("import")
@click.option("--from-optuna", "optuna_url", required=True, metavar="URL",
              help="Database URL of the Optuna study (sqlite:///optuna.db, postgresql://...).")
@click.option("--study", "study_name", default=None,
              help="The Optuna study to copy (optional when the database holds one).")
@click.option("--storage", default="sqlite:///hyperloom.db", show_default=True,
              help="Our storage URL to copy it into.")
@click.option("--as", "new_name", default=None, metavar="NAME",
              help="Name of the copy (default: the Optuna study's name).")
def import_command(optuna_url: str, study_name: str | None, storage: str,
                   new_name: str | None) -> None:
    """Copy an Optuna study (params and their distributions, values, states, intermediate
    values, attributes) into a new study of ours. The Optuna database is only read."""
    study = import_optuna_study(optuna_url, study_name, storage, new_name=new_name)
    trials = study.trials
    line = f"imported {len(trials)} trial(s) into study {study.study_name!r} of {storage}"
    if len(study.directions) == 1 and any(t.state.name == "COMPLETE" for t in trials):
        best = study.best_trial
        line += f"; best is trial {best.number} with value {best.value}"
    click.echo(line)
