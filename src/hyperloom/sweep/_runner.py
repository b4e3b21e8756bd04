"""`hyperloom run`: every config of a sweep file (or sampled ones) as a separate process.

The runner is a job source of `hyperloom.execution`'s coordinator (the loop `optimize` uses
too): it claims configs, writes each as a Gin file, hands the command with `{config}` replaced
by its path to the `SubprocessExecutor`, and tells the study the outcome. Children are stopped
with the runner however it ends (the executor's process groups and watchdog); a config already
COMPLETE, or running in another live runner on the same storage, is skipped (see `_claims`),
so re-running resumes and several runners share one sweep.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..execution import (
    Command,
    Greedy,
    ProcessOutcome,
    RemoteCommand,
    SubprocessExecutor,
    stop_remote_commands,
)
from ..samplers import sampler_by_name
from ._claims import (
    ATTR_BEAT,
    ATTR_CONFIG,
    ATTR_LOST,
    ATTR_RUNNER,
    HEARTBEAT_S,
    Claims,
    config_key,
    fail_orphaned_trials,
    runner_identity,
    trial_key,
)
from ._config import Config
from ._errors import SweepError
from ._report import RESULT_ENV, last_lines, parse_metric
from ._results import results_table
from ._run_setup import (
    ATTR_FILE,
    existing_storage,
    grid_distributions,
    study_name_for,
)
from ._stopping import (
    STDOUT_CLOSED,
    StopFlag,
    guarded_echo,
    signals_ignored,
    silence_stdout,
    stdout_reader_gone,
)
from ._sweep import Sweep

__all__ = ["ATTR_CONFIG", "RunResult", "config_key", "parse_metric", "run_sweep"]

_POLL_S = 0.05
_REMOTE_STOP_S = 15.0  # how long stopped commands on Dask workers have to report back

# User attributes the runner records on each trial (besides those of `_claims`).
ATTR_SOURCE = "sweep_source"  # hash of the sweep file's text (the resume key of sampled runs)
ATTR_INDEX = "sweep_index"


@dataclass
class RunResult:
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    interrupted: bool = False
    #: why the run stopped early: a signal number, or "stdout closed" (None: it did not)
    stopped_by: int | str | None = None
    study_name: str = ""
    trials: list[int] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every config completed; 128 + signal when interrupted; 1 when any failed."""
        if self.interrupted:
            return 141 if self.stopped_by == STDOUT_CLOSED else 128 + int(
                self.stopped_by if isinstance(self.stopped_by, int) else signal.SIGINT)
        return 1 if self.failed else 0


def _substitute(arg: str, subs: dict[str, str]) -> str:
    for k, v in subs.items():
        arg = arg.replace(k, v)
    return arg


def _config_label(config: Config) -> str:
    if config.name:
        return config.name
    shown = ", ".join(f"{k}={v!r}" for k, v in config.params.items())
    return shown or f"config {config.index}"


@dataclass
class _Job:
    """A config handed to the executor: its trial, the config, and its files."""

    trial: Any
    config: Config
    paths: dict[str, Path]


class _SweepRun:
    """One `hyperloom run`: the study, the configs left to run, the running ones; the job
    source that `Greedy` asks for commands and tells their outcomes."""

    def __init__(self, sweep: Sweep, file: str | os.PathLike, command: Sequence[str],
                 options: dict[str, Any], echo: Callable[[str], None] | None) -> None:
        self.sweep, self.file, self.command = sweep, file, list(command)
        self.opt = options
        self.sampled = sweep.sampled or options["sampler"] is not None
        self.space = sweep.search_space() if self.sampled else None
        self.include_dir = Path(sweep.source.path).parent if sweep.source.path else None
        self.source_hash = sweep.source.digest()[:16]
        self.stop = StopFlag()
        self.say = guarded_echo(echo, self.stop)
        self.result = RunResult()
        self.running: dict[Hashable, _Job] = {}
        self.n_told = 0
        self.total = 0
        self.tell_failed = False
        self.last_beat = time.monotonic()

    # -- what to run --------------------------------------------------------------------------
    def _study_name(self, storage: Any) -> str:
        if self.opt["study_name"]:
            return self.opt["study_name"]
        return study_name_for(self.file, storage) if storage is not None else Path(
            self.file).stem

    def _grid_todo(self, trials: Sequence[Any]) -> list[tuple[Config, str]]:
        """The configs not COMPLETE in `trials`, each with its key; counts the skipped."""
        from ..study import TrialState

        configs = list(self.sweep)  # checks every config before anything runs
        self.grid_dists = grid_distributions(configs)
        done = {trial_key(t) for t in trials if t.state == TrialState.COMPLETE}
        keyed = [(c, config_key(c, self.command, self.include_dir)) for c in configs]
        todo = [(c, k) for c, k in keyed if k not in done]
        self.result.skipped = len(configs) - len(todo)
        limit = self.opt["n_trials"]
        return todo if limit is None else todo[:limit]

    def _sampled_todo(self, trials: Sequence[Any]) -> int:
        from ..study import TrialState

        n_done = sum(1 for t in trials if t.state == TrialState.COMPLETE
                     and t.user_attrs.get(ATTR_SOURCE) == self.source_hash)
        self.result.skipped = min(n_done, self.opt["n_trials"])
        return max(0, self.opt["n_trials"] - n_done)

    # -- dry run ------------------------------------------------------------------------------
    def dry_run(self) -> RunResult:
        """Say what would run, starting and writing nothing."""
        import hyperloom as hl

        storage = existing_storage(self.opt["storage"])
        name = self.result.study_name = self._study_name(storage)
        try:
            trials = hl.load_study(study_name=name, storage=storage).trials if storage else []
        except hl.StudyNotFoundError:
            trials = []
        shown = " ".join(self.command)
        if self.sampled:
            count = self._sampled_todo(trials)
            self.say(f"would sample {count} config(s) of {self.file} with sampler "
                     f"{self.opt['sampler'] or 'default'} in study {name!r} "
                     f"({self.result.skipped} already complete): {shown}")
            return self.result
        todo = self._grid_todo(trials)
        self.say(f"would run {len(todo)} config(s) of {self.file} in study {name!r} "
                 f"({self.result.skipped} already complete):")
        for config, _key in todo:
            self.say(f"  {_config_label(config)}: {shown}")
        return self.result

    # -- the run ------------------------------------------------------------------------------
    def _open_study(self) -> Any:
        import hyperloom as hl

        from ..storage import get_storage

        storage = get_storage(self.opt["storage"])
        name = self.result.study_name = self._study_name(storage)
        sampler = self.opt["sampler"]
        study = hl.create_study(
            storage=storage, study_name=name, load_if_exists=True,
            directions=self.opt["directions"],
            sampler=sampler_by_name(sampler, seed=self.opt["seed"], space=self.space.space)
            if sampler else None)
        if ATTR_FILE not in study.user_attrs and self.sweep.source.path:
            study.set_user_attr(ATTR_FILE, self.sweep.source.path)
        return study

    def run(self) -> RunResult:
        self.study = self._open_study()
        self._plan()
        self.executor = self._executor()
        try:
            Greedy().run(self.executor, self, should_stop=self._should_stop,
                         on_idle=self._on_idle, poll_s=_POLL_S)
        finally:
            self._stop_children()
            getattr(self.executor, "close", self.executor.shutdown)()  # a Dask client too
        self._summary()
        return self.result

    def _executor(self) -> Any:
        """Processes on this machine, or Dask workers (their commands run there)."""
        address = self.opt["executor"]
        if address in (None, "processes"):
            return SubprocessExecutor(self.opt["jobs"])
        if not address.startswith(("dask://", "tcp://", "tls://")):
            raise ValueError(f"--executor must be 'processes' or a Dask scheduler address "
                             f"such as dask://HOST:8786, got {address!r}")
        from ..execution import DaskExecutor

        self.group = f"{os.getpid()}-{time.time_ns()}"
        if address.startswith("dask://"):
            address = "tcp://" + address[len("dask://"):]
        return DaskExecutor(address, max_workers=self.opt["jobs"] if self.opt["jobs"] > 1
                            else None)

    def _plan(self) -> None:
        """Fail the trials of dead runners, find the configs left to run, say what runs."""
        self.me = runner_identity()
        orphans = fail_orphaned_trials(self.study, self.me)
        if orphans:
            self.say(f"{len(orphans)} trial(s) whose runner died marked FAILED: "
                     f"{', '.join(map(str, orphans))}")
        trials = self.study.trials
        if self.sampled:
            self.total = self._sampled_todo(trials)
            self.pending: Iterator[Any] = iter(range(self.total))
        else:
            todo = self._grid_todo(trials)
            self.claims = Claims(trials)
            self.study_id = self.study.storage.get_study_id(self.study.study_name)
            self.total = len(todo)
            self.pending = iter(todo)
        name = self.result.study_name
        if self.result.skipped:
            self.say(f"{self.result.skipped} config(s) already complete in study {name!r}: "
                     "skipped")
        self.base = Path(self.opt["workdir"]) if self.opt["workdir"] is not None \
            else Path("hyperloom_runs") / name.replace("/", "_")
        self.base.mkdir(parents=True, exist_ok=True)
        self.say(f"running {self.total} config(s) of {self.file} in study {name!r} with "
                 f"{self.opt['jobs']} job(s); logs in {self.base}")

    # -- between steps of the coordinator -----------------------------------------------------
    def _should_stop(self) -> bool:
        # An error telling a result stops the children at once, as a signal does.
        return self.stop.requested or self.tell_failed

    def _on_idle(self) -> None:
        if stdout_reader_gone():
            silence_stdout()
            self.stop.request(STDOUT_CLOSED)
        if time.monotonic() - self.last_beat > HEARTBEAT_S:
            self._beat()
            self.last_beat = time.monotonic()

    def _beat(self) -> None:
        """Prove to runners on other hosts that the trials we run are alive."""
        from ..storage import StorageError

        for job in self.running.values():
            try:
                job.trial.set_user_attr(ATTR_BEAT, time.time())
            except StorageError:  # a missed beat is retried at the next one
                pass

    # -- the job source: ask --------------------------------------------------------------------
    def next_job(self) -> tuple[int, Command] | None:
        """The next config to run as a (trial number, Command); None when none is left."""
        picked = self._next_sampled() if self.sampled else self._next_grid()
        if picked is None:
            return None
        trial, config, key = picked
        return trial.number, self._command(trial, config, key)

    def _next_sampled(self) -> tuple[Any, Config, None] | None:
        from ..samplers import SearchExhausted

        for _slot in self.pending:
            try:
                trial = self.study.ask(fixed_distributions=dict(self.space.space.top_level))
            except SearchExhausted:
                self.say("every point of the grid has run: nothing left to sample")
                return None
            trial.set_user_attr(ATTR_RUNNER, self.me)
            try:
                return trial, self.space.config(trial.params), None
            except (SweepError, ValueError) as exc:
                self._fail_unbuilt(trial, exc)
        return None

    def _fail_unbuilt(self, trial: Any, exc: Exception) -> None:
        """Sampled params that make no valid config: the trial fails before any process."""
        from ..storage import TrialState

        trial.set_user_attr("error", str(exc))
        self.study.tell(trial, state=TrialState.FAILED)
        self.result.failed += 1
        self.say(f"trial {trial.number} FAILED: {exc}")

    def _next_grid(self) -> tuple[Any, Config, str] | None:
        from ..study import Trial

        for config, key in self.pending:
            if not self.claims.available(key, self.study.trials):
                self.say(f"{_config_label(config)}: run by another runner, skipped")
                continue
            params = {k: v for k, v in config.params.items() if k in self.grid_dists}
            dists = {k: self.grid_dists[k] for k in params}
            storage = self.study.storage
            trial_id, number = storage.create_trial(
                self.study_id, params=params, distributions=dists,
                system_attrs={ATTR_CONFIG: key, ATTR_RUNNER: self.me})
            rival = self.claims.rival(key, number, self.study.trials)
            if rival is not None:
                self._give_up_claim(trial_id, rival)
                continue
            trial = Trial(self.study, trial_id, number)
            trial.params, trial.distributions = params, dists
            return trial, config, key
        return None

    def _give_up_claim(self, trial_id: int, rival: int) -> None:
        """A runner elsewhere created its trial of this config first: ours never runs."""
        from ..study import TrialState

        self.study.storage.set_trial_attr(
            trial_id, "fail_reason", f"another runner runs this config (trial {rival})")
        self.study.storage.finish_trial(trial_id, TrialState.FAILED, None,
                                        system_attrs={ATTR_LOST: rival})

    def _child_paths(self, number: int) -> dict[str, Path]:
        paths = {ext: self.base / f"trial_{number}.{ext}" for ext in ("gin", "log")}
        paths["result"] = self.base / f"trial_{number}.result.json"
        for p in (paths["log"], paths["result"]):
            p.unlink(missing_ok=True)
        return paths

    def _command(self, trial: Any, config: Config, key: str | None) -> Command | RemoteCommand:
        """Write the config's Gin file, record where it lives, and build its command."""
        paths = self._child_paths(trial.number)
        paths["gin"].write_text(config.to_gin(include_dir=self.include_dir), encoding="utf-8")
        for attr, value in ((ATTR_SOURCE, self.source_hash), (ATTR_CONFIG, key),
                            (ATTR_INDEX, config.index), ("config_path", str(paths["gin"])),
                            ("log_path", str(paths["log"])), ("name", config.name),
                            (ATTR_BEAT, time.time())):
            if value is not None:
                trial.set_user_attr(attr, value)
        subs = {"{config}": str(paths["gin"]), "{trial}": str(trial.number),
                "{name}": config.name or f"trial_{trial.number}"}
        extra = {"HYPERLOOM_CONFIG": str(paths["gin"]),
                 "HYPERLOOM_TRIAL_NUMBER": str(trial.number),
                 "HYPERLOOM_STUDY": self.result.study_name}
        argv = [_substitute(a, subs) for a in self.command]
        self.result.trials.append(trial.number)
        self.running[trial.number] = _Job(trial, config, paths)
        if isinstance(self.executor, SubprocessExecutor):
            env = dict(os.environ, **extra, **{RESULT_ENV: str(paths["result"].resolve())})
            return Command(argv, paths["log"], env, self.opt["timeout"])
        # On a Dask worker: the config is written there, the result read there.
        return RemoteCommand(Command(argv, paths["log"], extra, self.opt["timeout"]),
                             files={str(paths["gin"]): paths["gin"].read_text("utf-8")},
                             result=str(paths["result"]), group=self.group,
                             result_env=RESULT_ENV)

    # -- the job source: tell -------------------------------------------------------------------
    def finished(self, key: Hashable, outcome: ProcessOutcome) -> None:
        try:
            self._tell(self.running.pop(key), outcome)
        except BaseException:
            self.tell_failed = True
            raise

    def _tell(self, job: _Job, outcome: ProcessOutcome) -> None:
        """The failure policy of a run, in one place: a process that could not start, exited
        non-zero, timed out or reported no readable value fails its trial with its log's end."""
        from ..storage import TrialState

        if outcome.exit_code is None:
            self._tell_not_started(job.trial, outcome.system["fail_reason"])
            return
        trial = job.trial
        trial.set_user_attr("exit_code", outcome.exit_code)
        value, problem = self._read_value(job, outcome)
        self.n_told += 1
        log = ""
        if problem is None:
            state = self.study.tell(trial, value, skip_if_finished=True).state
        else:
            log = outcome.log_tail
            trial.set_user_attr("fail_reason", problem)
            trial.set_user_attr("log_tail", log)
            self.study.tell(trial, state=TrialState.FAILED, skip_if_finished=True)
            state = TrialState.FAILED
        if state == TrialState.COMPLETE:
            self.result.completed += 1
        else:
            self.result.failed += 1
        shown = f"value={value}" if state == TrialState.COMPLETE else \
            problem or "non-finite value"
        self._say_told(job, state.name, shown, outcome.seconds, log)

    def _tell_not_started(self, trial: Any, reason: str) -> None:
        from ..storage import TrialState

        trial.set_user_attr("log_tail", reason)
        self.study.tell(trial, state=TrialState.FAILED)
        self.result.failed += 1
        self.say(f"trial {trial.number} FAILED: {reason}")

    def _read_value(self, job: _Job, outcome: ProcessOutcome) -> tuple[Any, str | None]:
        """The value the child reported, or why there is none."""
        if "fail_reason" in outcome.system:  # exit code or timeout
            return None, outcome.system["fail_reason"]
        try:
            if self.opt["metric_from"] == "stdout":
                return parse_metric(outcome.last_line), None
            if outcome.result_text is not None:  # read where the command ran
                return parse_metric(outcome.result_text), None
            return parse_metric(job.paths["result"].read_text(encoding="utf-8")), None
        except FileNotFoundError:
            return None, ("the process reported no value: call hyperloom.report(value), or "
                          "use --metric-from stdout")
        except ValueError as exc:
            return None, f"cannot read the value: {exc}"

    def _say_told(self, job: _Job, state: str, shown: str, seconds: float, log: str) -> None:
        label = f" {job.config.name}" if job.config.name else ""
        self.say(f"[{self.n_told}/{self.total}] trial {job.trial.number}{label}: {state} "
                 f"{shown} ({seconds:.1f} s)")
        for line in last_lines(log):
            self.say(f"    | {line}")

    # -- the end --------------------------------------------------------------------------------
    def _stop_children(self) -> None:
        """Reached with children still running only after a signal, a closed stdout or an
        error (of the storage, say): stop them and fail their trials, so none stays RUNNING."""
        self.stop.restore()
        self.result.interrupted = self.stop.requested
        self.result.stopped_by = self.stop.cause
        if not self.running:
            return
        reason = "interrupted" if self.stop.requested else "the runner stopped on an error"
        self.say(f"{reason}: stopping {len(self.running)} running process(es)")
        with signals_ignored():
            for key, outcome in self._stopped_outcomes():
                if key in self.running:
                    self._fail_stopped(self.running.pop(key).trial, reason, outcome.log_tail)
            for job in self.running.values():  # a Dask worker that did not answer in time
                self._fail_stopped(job.trial, reason, "")
            self.running.clear()

    def _stopped_outcomes(self) -> list[tuple[Hashable, ProcessOutcome]]:
        """Stop every running command, and the outcome of each."""
        if isinstance(self.executor, SubprocessExecutor):
            return self.executor.stop()
        self.executor.run_on_workers(stop_remote_commands, self.group)
        done: list[tuple[Hashable, ProcessOutcome]] = []
        deadline = time.monotonic() + _REMOTE_STOP_S
        while len(done) < len(self.running) and time.monotonic() < deadline:
            done += self.executor.collect(0.2)
        return done

    def _fail_stopped(self, trial: Any, reason: str, log: str) -> None:
        from ..storage import TrialState

        try:
            trial.set_user_attr("fail_reason", reason)
            trial.set_user_attr("log_tail", log)
            self.study.tell(trial, state=TrialState.FAILED, skip_if_finished=True)
        except Exception:  # noqa: BLE001 - keep stopping the others
            if self.stop.requested:
                raise
        self.result.failed += 1

    def _summary(self) -> None:
        r = self.result
        self.say(f"done: {r.completed} complete, {r.failed} failed, {r.skipped} skipped "
                 f"(study {r.study_name!r} in {self.opt['storage']})")
        table = results_table(self.study)
        if table:
            self.say("results by parameter (first objective):")
            for line in table:
                self.say("  " + line)


def _check_arguments(command: Sequence[str], metric_from: str, jobs: int,
                     timeout: float | None) -> None:
    if not command:
        raise ValueError("give the command to run, e.g. -- python train.py {config}")
    if metric_from not in ("report", "stdout"):
        raise ValueError(f"metric_from must be 'report' or 'stdout', got {metric_from!r}")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")


def run_sweep(file: str | os.PathLike, command: Sequence[str], *,
              storage: str | None = "sqlite:///hyperloom.db", study_name: str | None = None,
              direction: str | Sequence[str] = "minimize", jobs: int = 1,
              sampler: str | None = None, n_trials: int | None = None, seed: int | None = None,
              metric_from: str = "report", workdir: str | os.PathLike | None = None,
              timeout: float | None = None, dry_run: bool = False,
              executor: str | None = None,
              echo: Callable[[str], None] | None = print) -> RunResult:
    """Run `command` once per config of `file` (or per sampled config) and record each run as a
    trial of the study. `{config}` in the command is replaced by the config's Gin file (also in
    $HYPERLOOM_CONFIG); `{trial}` by the trial number. The child reports its value with
    `hyperloom.report(value)` (or, with metric_from="stdout", prints it as its last line).
    A config running past `timeout` seconds is stopped and FAILED; `dry_run` only lists.
    `executor`: "processes" (default: on this machine, `jobs` at once) or a Dask scheduler
    address ("dask://host:8786"): each command then runs on a Dask worker, its config
    written and its result read there (`jobs` > 1 caps how many run at once)."""
    _check_arguments(command, metric_from, jobs, timeout)
    sweep = Sweep(Path(file))
    if (sweep.sampled or sampler is not None) and n_trials is None:
        raise ValueError("a sampled sweep needs n_trials (--n-trials N)")
    directions = [direction] if isinstance(direction, str) else list(direction)
    options = {"storage": storage, "study_name": study_name, "directions": directions,
               "jobs": jobs, "sampler": sampler, "n_trials": n_trials, "seed": seed,
               "metric_from": metric_from, "workdir": workdir, "timeout": timeout,
               "executor": executor}
    run = _SweepRun(sweep, file, command, options, echo)
    try:
        return run.dry_run() if dry_run else run.run()
    finally:
        # A dry run, or an error before the children start (a bad storage, an unknown
        # sampler), must not leave Ctrl-C setting a flag nobody reads in the caller's process.
        run.stop.restore()


if sys.platform == "win32":  # pragma: no cover - process groups are POSIX
    raise ImportError("hyperloom run needs a POSIX system (process groups)")
