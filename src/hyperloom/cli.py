"""The `hyperloom` command: thin wrappers over the library."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

DEFAULT_STORAGE = "sqlite:///hyperloom.db"

storage_option = click.option("--storage", default=DEFAULT_STORAGE, show_default=True,
                              help="Storage URL (sqlite:///file.db or postgresql+psycopg://...).")
study_option = click.option("--study", "study_name", default=None,
                            help="Study name (optional when the storage holds one study).")


class _Context:
    debug = False


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user mistakes into one line on stderr and exit code 1 (a traceback with --debug)."""
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the whole point is to catch everything
            if _Context.debug:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.version_option(package_name="hyperloom")
def main(debug: bool) -> None:
    """hyperloom: hyperparameter optimization from Python, sweep files or the command line."""
    _Context.debug = debug


def _existing(storage: str) -> str:
    """Read-only commands must not create an empty database on a mistyped path."""
    import os

    if storage.startswith("sqlite:///"):
        from .storage import parse_url

        path = parse_url(storage).database
        if path and path != ":memory:" and not os.path.exists(path):
            raise click.ClickException(f"no database at {path!r}; check --storage")
    return storage


def _open(storage: str, study_name: str | None):
    from .study import load_study

    return load_study(study_name=study_name, storage=_existing(storage))


@main.command()
@storage_option
@click.option("--study", "study_name", default="digits-svm", show_default=True)
@click.option("--n-trials", default=60, show_default=True, help="Trials to add in this run.")
@click.option("--seed", default=None, type=int, help="Sampler seed.")
@click.option("--report", "report_path", default=None, metavar="PATH",
              help="Where the HTML report goes (default: STUDY-report.html here).")
@friendly_errors
def demo(storage: str, study_name: str, n_trials: int, seed: int | None,
         report_path: str | None) -> None:
    """Tune an SVM on scikit-learn's digits; re-run to resume the same study. Ends by
    writing the study's HTML report and printing its path."""
    from .demo import run_demo

    run_demo(storage=storage, study_name=study_name, n_trials=n_trials, seed=seed,
             report_path=report_path or f"{study_name}-report.html")


@main.command()
@storage_option
@friendly_errors
def studies(storage: str) -> None:
    """List the studies in a storage."""
    from .study import get_all_study_summaries

    rows = get_all_study_summaries(_existing(storage))
    if not rows:
        click.echo(f"no studies in {storage}")
        return
    click.echo(f"{'name':30} {'directions':22} {'trials':>7} {'best':>14}")
    for s in rows:
        best = "-" if not s.best_values else f"{s.best_values[0]:.6g}"
        click.echo(f"{s.name:30} {','.join(s.directions):22} {s.n_trials:>7} {best:>14}")


def _sole_study_name(store: Any) -> str:
    """The name of the storage's only study (without reading any trial)."""
    names = store.get_study_names()
    if len(names) != 1:
        raise click.ClickException(f"the storage holds {len(names)} studies {names}; "
                                   "pass --study NAME")
    return names[0]


@main.command()
@storage_option
@study_option
@click.option("--state", type=click.Choice(["RUNNING", "COMPLETE", "PRUNED", "FAILED",
                                            "WAITING"], case_sensitive=False), default=None)
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Show only the last N trials (reading only those).")
@friendly_errors
def trials(storage: str, study_name: str | None, state: str | None, limit: int | None) -> None:
    """List the trials of a study."""
    from .storage import TrialState, get_storage

    store = get_storage(_existing(storage))
    study_id = store.get_study_id(study_name or _sole_study_name(store))
    wanted = [TrialState[state.upper()]] if state else None
    if limit is None:
        rows = store.get_trials(study_id, wanted)
    else:  # read only the rows shown: the last 5 of 100,000 trials in milliseconds
        rows = store.get_last_trials(study_id, limit, wanted)
        total = store.n_trials(study_id, wanted)
        if total > len(rows):
            click.echo(f"(the last {len(rows)} of {total} trials)", err=True)
    for t in rows:
        values = "-" if t.values is None else ",".join(f"{v:.6g}" for v in t.values)
        click.echo(f"{t.number:>6} {t.state.name:9} {values:>14}  {json.dumps(t.params)}")


@main.command()
@storage_option
@study_option
@friendly_errors
def best(storage: str, study_name: str | None) -> None:
    """Show the best trial (the Pareto front for several objectives)."""
    study = _open(storage, study_name)
    for t in ([study.best_trial] if len(study.directions) == 1 else study.best_trials):
        click.echo(json.dumps({"number": t.number, "values": t.values, "params": t.params,
                               "user_attrs": t.user_attrs}, indent=2))


@main.command()
@storage_option
@study_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: standard output).")
@friendly_errors
def export(storage: str, study_name: str | None, fmt: str, output: str | None) -> None:
    """Export all trials as CSV or JSON."""
    from .study import trial_rows

    study = _open(storage, study_name)
    rows = trial_rows(study)
    for r in rows:
        for k in ("datetime_start", "datetime_complete"):
            r[k] = r[k].isoformat() if r[k] is not None else None
    out = open(output, "w", newline="") if output else sys.stdout  # noqa: SIM115
    try:
        if fmt == "json":
            json.dump(rows, out, indent=1)
            out.write("\n")
        else:
            columns: list[str] = []
            for r in rows:
                columns.extend(k for k in r if k not in columns)
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            for r in rows:
                writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v
                                 for k, v in r.items()})
    finally:
        if output:
            out.close()
    if output:
        click.echo(f"wrote {len(rows)} trials to {output}", err=True)


@main.command()
@click.option("--storage", required=True,
              help="URL of the study's storage, reachable from this machine "
                   "(postgresql+psycopg://... for workers on several machines).")
@click.option("--study", "study_name", required=True, help="Name of the study to work on.")
@click.option("--objective", required=True, metavar="MODULE:FUNCTION",
              help="The objective, imported as MODULE:FUNCTION (this folder is on the path).")
@click.option("--n-trials", type=click.IntRange(min=1), default=None,
              help="Trials this worker runs (default: until stopped or --timeout).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds after which this worker starts no new trial.")
@click.option("--n-jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Trials this worker runs at once, in processes of its own.")
@friendly_errors
def worker(storage: str, study_name: str, objective: str, n_trials: int | None,
           timeout: float | None, n_jobs: int) -> None:
    """Run trials of an existing study on this machine, beside its other workers.

    Start as many as you like, on any machine that reaches the storage: they share the study
    through it (its sampler, heartbeat and retries are the study's).
    """
    import os

    from .space import resolve_import
    from .study import load_study

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    function = resolve_import(objective)
    if not callable(function):
        raise click.ClickException(f"--objective {objective!r} is not a function")
    study = load_study(study_name=study_name, storage=storage)
    ran: list[Any] = []
    study.optimize(function, n_trials=n_trials, timeout=timeout, n_jobs=n_jobs,
                   callbacks=[lambda _study, trial: ran.append(trial)])
    complete = sum(t.state.name == "COMPLETE" for t in ran)
    click.echo(f"worker done: {len(ran)} trial(s) of {study_name!r} run here, {complete} "
               "COMPLETE", err=True)


@main.command()
@storage_option
@study_option
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              default="report.html", show_default=True, help="HTML file to write.")
@click.option("--importance", type=click.Choice(["fanova", "permutation"]), default="fanova",
              show_default=True, help="How parameter importance is measured.")
@friendly_errors
def report(storage: str, study_name: str | None, out: str, importance: str) -> None:
    """Write a study's report: one HTML file (summary, best trials, every plot) that opens
    offline."""
    from .viz import report as write_report

    path = write_report(_open(storage, study_name), out, importance=importance)
    click.echo(str(path))


@main.command()
@storage_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (this machine only by default; the dashboard has no "
                   "login).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@friendly_errors
def dashboard(storage: str, host: str, port: int) -> None:
    """Serve a read-only web dashboard of the storage's studies, redrawn while they run."""
    from .viz import dashboard as serve

    _existing(storage)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: anyone who reaches it sees your studies "
                   "(the dashboard has no login)", err=True)
    click.echo(f"hyperloom dashboard of {storage} at http://{host}:{port}/ (Ctrl-C stops)",
               err=True)
    serve(storage, host=host, port=port)


def _register_optional_commands() -> None:
    """Commands of front ends that ship in their own packages."""
    try:
        from .sweep import run_command, sweep_command
    except ImportError:
        return
    for command, name in ((sweep_command, "sweep"), (run_command, "run")):
        command.callback = friendly_errors(command.callback)  # one-line errors, as elsewhere
        main.add_command(command, name)


def _register_compat_commands() -> None:
    """`hyperloom import`: studies made by other libraries (Optuna), copied into ours."""
    from .compat import import_command

    import_command.callback = friendly_errors(import_command.callback)
    main.add_command(import_command, "import")


_register_optional_commands()
_register_compat_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
