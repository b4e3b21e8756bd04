"""`hyperloom run`: every config of a sweep file (or sampled ones) as a separate process.

The runner is the study's coordinator: one thread asks for trials, writes each config as a Gin
file, starts the command with `{config}` replaced by its path, and tells the study the result.
Children run in their own session so that Ctrl-C reaches only the runner, which then stops them
and marks their trials FAILED: the study never keeps RUNNING trials of a dead run. A config
already COMPLETE in the study (same resolved bindings) is skipped, so re-running resumes.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._config import Config
from ._errors import SweepError
from ._report import RESULT_ENV
from ._sweep import Sweep

LOG_TAIL_CHARS = 4000
_POLL_S = 0.05
_TERM_GRACE_S = 5.0

# User attributes the runner records on each trial.
ATTR_SOURCE = "sweep_source"  # hash of the sweep file's text
ATTR_CONFIG = "sweep_config"  # hash of the config's resolved bindings (the resume key)
ATTR_INDEX = "sweep_index"


@dataclass
class RunResult:
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    interrupted: bool = False
    trials: list[int] = field(default_factory=list)


def config_key(config: Config) -> str:
    """What identifies a config across runs: its includes and resolved bindings."""
    text = "\n".join([h.text() for h in config.header]
                     + [f"{k} = {t}" for k, t in config.resolved()])
    return hashlib.sha1(text.encode()).hexdigest()[:16]


_SAMPLER_ALIASES = {"nsga2": "nsgaii", "cma": "cmaes", "sobol": "qmc", "halton": "qmc"}


def make_sampler(name: str, space: Any, seed: int | None) -> Any:
    """A sampler of `hyperloom.samplers` by short name: random, qmc, tpe, grid, cmaes, ..."""
    from .. import samplers

    classes = {}
    for attr in dir(samplers):
        obj = getattr(samplers, attr)
        if (isinstance(obj, type) and issubclass(obj, samplers.BaseSampler)
                and obj is not samplers.BaseSampler):
            classes[attr.lower().removesuffix("sampler")] = obj
    key = name.lower().removesuffix("sampler").replace("-", "").replace("_", "")
    key = _SAMPLER_ALIASES.get(key, key)
    cls = classes.get(key)
    if cls is None:
        raise ValueError(f"unknown sampler {name!r}; hyperloom.samplers has: "
                         f"{', '.join(sorted(classes))}")
    if key == "grid":
        return cls(space)
    params = inspect.signature(cls).parameters
    return cls(seed=seed) if "seed" in params else cls()


def _tail(path: Path, limit: int = LOG_TAIL_CHARS) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - limit))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def parse_metric(text: str) -> float | list[float]:
    """A number, a JSON list of numbers, or a JSON object with a "value" (or one number)."""
    data = json.loads(text)
    if isinstance(data, dict):
        if "value" in data:
            data = data["value"]
        elif len(data) == 1:
            (data,) = data.values()
        else:
            raise ValueError(f"a JSON object needs a 'value' entry, got keys {sorted(data)}")
    if isinstance(data, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                      for v in data):
        return [float(v) for v in data]
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return float(data)
    raise ValueError(f"not a number: {text!r}")


class _Child:
    """One running process, its log, and the trial it belongs to."""

    def __init__(self, trial: Any, config: Config, argv: list[str], env: dict[str, str],
                 paths: dict[str, Path]) -> None:
        self.trial = trial
        self.config = config
        self.paths = paths
        self.started = time.monotonic()
        self.last_line = ""
        self.log = open(paths["log"], "ab", buffering=0)  # noqa: SIM115 - closed in finish()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, b""):
            self.log.write(line)
            if line.strip():
                self.last_line = line.decode("utf-8", "replace").strip()
        self.proc.stdout.close()

    def stop(self) -> None:
        """SIGTERM to the child's whole process group, SIGKILL after a grace period."""
        for sig, wait in ((signal.SIGTERM, _TERM_GRACE_S), (signal.SIGKILL, 2.0)):
            if self.proc.poll() is not None:
                return
            try:
                os.killpg(self.proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                return
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue

    def finish(self) -> None:
        self.reader.join(timeout=5.0)
        self.log.close()


def run_sweep(file: str | os.PathLike, command: Sequence[str], *,
              storage: str | None = "sqlite:///hyperloom.db", study_name: str | None = None,
              direction: str | Sequence[str] = "minimize", jobs: int = 1,
              sampler: str | None = None, n_trials: int | None = None, seed: int | None = None,
              metric_from: str = "report", workdir: str | os.PathLike | None = None,
              echo: Callable[[str], None] | None = print) -> RunResult:
    """Run `command` once per config of `file` (or per sampled config) and record each run as a
    trial of the study. `{config}` in the command is replaced by the config's Gin file (also in
    $HYPERLOOM_CONFIG); `{trial}` by the trial number. The child reports its value with
    `hyperloom.report(value)` (or, with metric_from="stdout", prints it as its last line)."""
    import hyperloom as hl

    if not command:
        raise ValueError("give the command to run, e.g. -- python train.py {config}")
    if metric_from not in ("report", "stdout"):
        raise ValueError(f"metric_from must be 'report' or 'stdout', got {metric_from!r}")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    say = echo or (lambda _msg: None)
    sweep = Sweep(Path(file))
    sampled = sweep.sampled or sampler is not None
    if sampled and n_trials is None:
        raise ValueError("a sampled sweep needs n_trials (--n-trials N)")
    name = study_name or Path(file).stem
    space = sweep.search_space() if sampled else None
    directions = [direction] if isinstance(direction, str) else list(direction)
    study = hl.create_study(storage=storage, study_name=name, load_if_exists=True,
                            directions=directions,
                            sampler=make_sampler(sampler, space.space, seed) if sampler else None)
    source_hash = sweep.source.digest()[:16]
    base = Path(workdir) if workdir is not None else Path("hyperloom_runs") / name
    base.mkdir(parents=True, exist_ok=True)
    include_dir = Path(sweep.source.path).parent if sweep.source.path else None

    done = {t.user_attrs.get(ATTR_CONFIG) for t in study.trials
            if t.state == hl.TrialState.COMPLETE and t.user_attrs.get(ATTR_SOURCE) == source_hash}
    done.discard(None)
    result = RunResult()
    if sampled:
        n_done = sum(1 for t in study.trials if t.state == hl.TrialState.COMPLETE
                     and t.user_attrs.get(ATTR_SOURCE) == source_hash)
        result.skipped = min(n_done, n_trials)  # type: ignore[type-var]
        todo_count = max(0, n_trials - n_done)  # type: ignore[operator]
        pending: Any = iter(range(todo_count))
        total = todo_count
    else:
        configs = list(sweep)  # checks every config before anything runs
        grid_dists = _grid_distributions(configs)
        todo = [c for c in configs if config_key(c) not in done]
        result.skipped = len(configs) - len(todo)
        if n_trials is not None:
            todo = todo[:n_trials]
        pending = iter(todo)
        total = len(todo)
    if result.skipped:
        say(f"{result.skipped} config(s) already complete in study {name!r}: skipped")
    say(f"running {total} config(s) of {file} with {jobs} job(s); logs in {base}")

    running: list[_Child] = []
    finished = 0

    def start_next() -> bool:
        item = next(pending, None)
        if item is None:
            return False
        if sampled:
            trial = study.ask(fixed_distributions=dict(space.space.top_level))
            try:
                config = space.config(trial.params)
            except (SweepError, ValueError) as exc:
                trial.set_user_attr("error", str(exc))
                study.tell(trial, state=hl.TrialState.FAILED)
                result.failed += 1
                say(f"trial {trial.number} FAILED: {exc}")
                return True
        else:
            config = item
            params = {k: v for k, v in config.params.items() if k in grid_dists}
            study.enqueue_trial(params, user_attrs={ATTR_INDEX: config.index})
            trial = study.ask({k: grid_dists[k] for k in params})
        paths = {ext: base / f"trial_{trial.number}.{ext}" for ext in ("gin", "log")}
        paths["result"] = base / f"trial_{trial.number}.result.json"
        for p in (paths["log"], paths["result"]):
            p.unlink(missing_ok=True)
        paths["gin"].write_text(config.to_gin(include_dir=include_dir), encoding="utf-8")
        key = config_key(config)
        for attr, value in ((ATTR_SOURCE, source_hash), (ATTR_CONFIG, key),
                            (ATTR_INDEX, config.index), ("config_path", str(paths["gin"])),
                            ("log_path", str(paths["log"])), ("name", config.name)):
            if value is not None:
                trial.set_user_attr(attr, value)
        subs = {"{config}": str(paths["gin"]), "{trial}": str(trial.number),
                "{name}": config.name or f"trial_{trial.number}"}
        argv = [_substitute(a, subs) for a in command]
        env = dict(os.environ, HYPERLOOM_CONFIG=str(paths["gin"]),
                   HYPERLOOM_TRIAL_NUMBER=str(trial.number), HYPERLOOM_STUDY=name)
        env[RESULT_ENV] = str(paths["result"].resolve())
        try:
            running.append(_Child(trial, config, argv, env, paths))
        except OSError as exc:
            trial.set_user_attr("log_tail", f"could not start {argv[0]!r}: {exc}")
            study.tell(trial, state=hl.TrialState.FAILED)
            result.failed += 1
            say(f"trial {trial.number} FAILED: could not start {argv[0]!r}: {exc}")
        result.trials.append(trial.number)
        return True

    def collect(child: _Child) -> None:
        nonlocal finished
        child.finish()
        trial, rc = child.trial, child.proc.returncode
        seconds = time.monotonic() - child.started
        value: Any = None
        problem = None
        trial.set_user_attr("exit_code", rc)
        if rc != 0:
            problem = f"exit code {rc}"
        else:
            try:
                if metric_from == "stdout":
                    value = parse_metric(child.last_line)
                else:
                    value = parse_metric(child.paths["result"].read_text(encoding="utf-8"))
            except FileNotFoundError:
                problem = ("the process reported no value: call hyperloom.report(value), or "
                           "use --metric-from stdout")
            except ValueError as exc:
                problem = f"cannot read the value: {exc}"
        finished += 1
        if problem is None:
            frozen = study.tell(trial, value)
            state = frozen.state
        else:
            trial.set_user_attr("fail_reason", problem)
            trial.set_user_attr("log_tail", _tail(child.paths["log"]))
            study.tell(trial, state=hl.TrialState.FAILED)
            state = hl.TrialState.FAILED
        if state == hl.TrialState.COMPLETE:
            result.completed += 1
            shown = f"value={value}"
        else:
            result.failed += 1
            shown = problem or "non-finite value"
        label = f" {child.config.name}" if child.config.name else ""
        say(f"[{finished}/{total}] trial {trial.number}{label}: {state.name} {shown} "
            f"({seconds:.1f} s)")

    stop = _StopFlag()
    try:
        more = True
        while (more or running) and not stop.requested:
            while more and len(running) < jobs and not stop.requested:
                more = start_next()
            still = []
            for child in running:
                if child.proc.poll() is None:
                    still.append(child)
                else:
                    collect(child)
            running[:] = still
            if running and not stop.requested:
                time.sleep(_POLL_S)
    except KeyboardInterrupt:  # when the flag could not be installed (not the main thread)
        stop.requested = True
    finally:
        # Reached with children still running only after Ctrl-C, SIGTERM or an error (of the
        # storage, say): stop them and finish their trials, so none stays RUNNING.
        stop.restore()
        result.interrupted = stop.requested
        if running:
            reason = "interrupted" if stop.requested else "the runner stopped on an error"
            say(f"{reason}: stopping {len(running)} running process(es)")
            with _signals_ignored():
                for child in running:
                    child.stop()
                for child in running:
                    child.finish()
                    try:
                        child.trial.set_user_attr("fail_reason", reason)
                        child.trial.set_user_attr("log_tail", _tail(child.paths["log"]))
                        study.tell(child.trial, state=hl.TrialState.FAILED,
                                   skip_if_finished=True)
                    except Exception:  # noqa: BLE001 - keep stopping the others
                        if stop.requested:
                            raise
                    result.failed += 1
                running.clear()
    say(f"done: {result.completed} complete, {result.failed} failed, {result.skipped} skipped "
        f"(study {name!r} in {storage})")
    return result


def _substitute(arg: str, subs: dict[str, str]) -> str:
    for k, v in subs.items():
        arg = arg.replace(k, v)
    return arg


def _grid_distributions(configs: list[Config]) -> dict[str, Any]:
    """For each swept key, a Choice of its values over the whole grid: the params of a grid
    run are recorded with a distribution that stays the same across its trials."""
    from ..space import Choice

    values: dict[str, dict[str, Any]] = {}
    for c in configs:
        for k, v in c.params.items():
            values.setdefault(k, {}).setdefault(json.dumps(v, sort_keys=True), v)
    out = {}
    for k, v in values.items():
        try:
            out[k] = Choice(list(v.values()))
        except ValueError:  # values a Choice cannot tell apart (1 and 1.0): not a param
            pass
    return out


class _StopFlag:
    """Ctrl-C (SIGINT) and SIGTERM set a flag that the coordinator checks between steps, so a
    signal never lands in the middle of telling the study a result."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # pragma: no cover
                pass

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


class _signals_ignored:
    """While cleaning up after an interrupt, a second Ctrl-C must not cut the cleanup short."""

    def __enter__(self) -> None:
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, signal.SIG_IGN)

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


if sys.platform == "win32":  # pragma: no cover - process groups are POSIX
    raise ImportError("hyperloom run needs a POSIX system (process groups)")
