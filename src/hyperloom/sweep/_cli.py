"""The `hyperloom sweep` and `hyperloom run` commands (registered by `hyperloom.cli`)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from ..storage import StorageError
from ._errors import SweepError


@click.command("sweep")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("outdir", type=click.Path(file_okay=False))
def sweep_command(file: str, outdir: str) -> None:
    """Write each config of the sweep FILE as OUTDIR/<stem>_<i>.gin (i from 0, in order).

    Every config is checked before the first file is written; other files in OUTDIR are
    left alone.
    """
    from ._sweep import expand

    try:
        configs = expand(Path(file))
    except SweepError as exc:
        raise click.ClickException(str(exc)) from None
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(file).stem
    texts = [c.to_gin() for c in configs]  # includes stay as written, as in Gin
    for i, text in enumerate(texts):
        target = out / f"{stem}_{i}.gin"
        tmp = out / f".{stem}_{i}.gin.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    pattern = re.compile(rf"^{re.escape(stem)}_(\d+)\.gin$")
    stale = sorted(p.name for p in out.iterdir()
                   if (m := pattern.match(p.name)) and int(m.group(1)) >= len(texts))
    click.echo(f"wrote {len(texts)} config(s) to {out}")
    if stale:
        click.echo(f"note: {len(stale)} older file(s) such as {stale[0]} were left in place",
                   err=True)


@click.command("run", context_settings={"ignore_unknown_options": False})
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes to run at once.")
@click.option("--storage", default="sqlite:///hyperloom.db", show_default=True,
              help="Where the study lives.")
@click.option("--study", "study_name", default=None, help="Study name (default: FILE's stem).")
@click.option("--direction", "directions", multiple=True,
              type=click.Choice(["minimize", "maximize"]),
              help="Objective direction; repeat for several objectives (default: minimize).")
@click.option("--sampler", default=None,
              help="Sample configs with a sampler of hyperloom.samplers (random, qmc, tpe, ...).")
@click.option("--n-trials", type=click.IntRange(min=1), default=None,
              help="Trials to complete when sampling; at most this many configs otherwise.")
@click.option("--seed", type=int, default=None, help="Seed of the sampler.")
@click.option("--metric-from", type=click.Choice(["report", "stdout"]), default="report",
              show_default=True,
              help="report: the child calls hyperloom.report(value); stdout: its last line.")
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="Where configs and logs go (default: hyperloom_runs/<study>).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds each config may run; past it, its processes are stopped and its "
                   "trial FAILED.")
@click.option("--executor", default="processes", show_default=True,
              help="Where commands run: 'processes' on this machine, or a Dask scheduler "
                   "(dask://HOST:8786), whose workers run them.")
@click.option("--dry-run", is_flag=True, help="List the configs that would run; run nothing.")
def run_command(file: str, command: tuple[str, ...], jobs: int, storage: str,
                study_name: str | None, directions: tuple[str, ...], sampler: str | None,
                n_trials: int | None, seed: int | None, metric_from: str,
                workdir: str | None, timeout: float | None, executor: str,
                dry_run: bool) -> None:
    """Run COMMAND once per config of the sweep FILE, as trials of a study.

    Write the command after `--`; `{config}` is replaced by the config's Gin file:

        hyperloom run sweep.hyp --jobs 4 -- python train.py {config}

    Configs already complete in the study, or running in another live runner on the same
    storage, are skipped: running again resumes, and several runners share the work. The
    study is named after FILE's stem (with parent folders when another file took that name).
    """
    from ._runner import run_sweep

    try:
        result = run_sweep(file, list(command), storage=storage, study_name=study_name,
                           direction=list(directions) or "minimize", jobs=jobs, sampler=sampler,
                           n_trials=n_trials, seed=seed, metric_from=metric_from,
                           workdir=workdir, timeout=timeout, dry_run=dry_run,
                           executor=executor, echo=click.echo)
    except (SweepError, ValueError, StorageError) as exc:
        raise click.ClickException(str(exc)) from None
    if result.exit_code:
        sys.exit(result.exit_code)
