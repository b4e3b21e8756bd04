"""Jobs run as commands in processes of their own: the executor of `hyperloom run`.

The executor only starts, watches and stops processes; what an exit means for a trial (where
its value is, what a failure is called in the study) is the caller's to decide from the
`ProcessOutcome`: exit code, timeout, last line of stdout and the end of the log.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..storage import TrialState
from ._outcome import Outcome
from ._process import ChildProcess, Reaper, kill_group, tail

_TICK_S = 0.01  # how often collect() looks at the running processes while it waits


@dataclass(frozen=True)
class Command:
    """One job of the subprocess executor: what to run, with which environment (None: this
    process's), where its stdout and stderr go, and how many seconds it may run."""

    argv: Sequence[str]
    log: Path
    env: Mapping[str, str] | None = None
    timeout: float | None = None


@dataclass
class ProcessOutcome(Outcome):
    """How a command ended. COMPLETE means only that it exited 0 in time (its value, if any, is
    in its output); FAILED carries the reason in `system["fail_reason"]`."""

    exit_code: int | None = None  # None: the process never started
    timed_out: bool = False
    last_line: str = ""  # the last non-blank line of stdout
    log_tail: str = ""
    seconds: float = 0.0
    result_text: str | None = None  # the result file, read where the command ran (RemoteCommand)

    @classmethod
    def not_started(cls, command: Command, exc: OSError) -> ProcessOutcome:
        reason = f"could not start {command.argv[0]!r}: {exc}"
        return cls(TrialState.FAILED, system={"fail_reason": reason},
                   error_type=type(exc).__name__, error_message=reason)

    @classmethod
    def of(cls, child: ChildProcess, command: Command) -> ProcessOutcome:
        """The outcome of a child that has exited and been finished."""
        code = child.proc.returncode
        reason = (f"timed out after {command.timeout:g} s" if child.timed_out
                  else None if code == 0 else f"exit code {code}")
        state = TrialState.COMPLETE if reason is None else TrialState.FAILED
        return cls(state, system={} if reason is None else {"fail_reason": reason},
                   error_message=reason, exit_code=code, timed_out=child.timed_out,
                   last_line=child.last_line, log_tail=tail(command.log),
                   seconds=time.monotonic() - child.started)


class SubprocessExecutor:
    """Runs up to `max_workers` commands at once, each in its own process group, and makes sure
    none outlives this process: `stop()` ends every group, and a watchdog (`watchdog=True`)
    ends them should this process be killed before it can."""

    def __init__(self, max_workers: int, watchdog: bool = True) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {max_workers!r}")
        self.max_workers = max_workers
        self._reaper = Reaper() if watchdog else None
        self._running: dict[Hashable, tuple[ChildProcess, Command]] = {}
        self._done: list[tuple[Hashable, ProcessOutcome]] = []

    def submit(self, key: Hashable, job: Command) -> None:
        """Start `job`; a command that cannot start is an immediate FAILED outcome."""
        try:
            child = ChildProcess(job.argv, job.env, job.log, self._reaper, job.timeout)
        except OSError as exc:
            self._done.append((key, ProcessOutcome.not_started(job, exc)))
            return
        self._running[key] = (child, job)

    def collect(self, timeout: float | None = None) -> list[tuple[Hashable, ProcessOutcome]]:
        """The commands ended since the last call, waiting up to `timeout` s for one."""
        deadline = None if timeout is None else time.monotonic() + timeout
        done = self._take_done()
        while not done and self._running and (deadline is None or time.monotonic() < deadline):
            time.sleep(_TICK_S)
            done = self._take_done()
        return done

    def stop(self) -> list[tuple[Hashable, ProcessOutcome]]:
        """Stop every running command's process group (SIGTERM, then SIGKILL after a grace
        period); returns the outcome of each job not collected yet."""
        for child, _command in self._running.values():
            child.stop()
        done = self._done + [(key, self._finish(child, command))
                             for key, (child, command) in self._running.items()]
        self._running.clear()
        self._done = []
        return done

    def shutdown(self) -> None:
        """Stop what still runs and let the watchdog go."""
        self.stop()
        if self._reaper is not None:
            self._reaper.close()
            self._reaper = None

    def process_groups(self) -> list[int]:
        """The process groups of the commands running now."""
        return [child.proc.pid for child, _command in self._running.values()]

    def _take_done(self) -> list[tuple[Hashable, ProcessOutcome]]:
        """Outcomes of failed starts, then of the processes that have exited."""
        ended = [key for key, (child, _command) in self._running.items()
                 if child.poll() is not None]
        done, self._done = self._done, []
        return done + [(key, self._finish(*self._running.pop(key))) for key in ended]

    @staticmethod
    def _finish(child: ChildProcess, command: Command) -> ProcessOutcome:
        child.finish()
        return ProcessOutcome.of(child, command)


@dataclass(frozen=True)
class RemoteCommand:
    """A command to run on another machine (a Dask worker): the files it needs are written
    there first (a sweep's config), and its result file is read back there into the outcome.
    `group` names the run, so that `stop_remote_commands(group)` can stop its commands."""

    command: Command  # its env: variables to set over the worker's own environment
    files: Mapping[str, str]
    result: str | None  # a path; with `result_env`, passed to the command in that variable
    group: str
    result_env: str | None = None

    def __call__(self) -> ProcessOutcome:
        for path, text in self.files.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
        Path(self.command.log).parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, **(self.command.env or {}))
        if self.result is not None and self.result_env is not None:
            env[self.result_env] = os.path.abspath(self.result)
        command = Command(self.command.argv, self.command.log, env, self.command.timeout)
        executor = SubprocessExecutor(1, watchdog=False)
        _REMOTE.setdefault(self.group, set()).add(executor)
        try:
            executor.submit(0, command)
            done = executor.collect(None)
        finally:
            _REMOTE[self.group].discard(executor)
            executor.shutdown()
        outcome = done[0][1]
        if self.result is not None and os.path.exists(self.result):
            outcome.result_text = Path(self.result).read_text(encoding="utf-8")
        return outcome


_REMOTE: dict[str, set[SubprocessExecutor]] = {}


def stop_remote_commands(group: str) -> int:
    """Stop the commands of run `group` running in this process (SIGTERM to their process
    groups; each returns as FAILED); returns how many were running."""
    groups = [pgid for executor in list(_REMOTE.get(group, ())) for pgid in
              executor.process_groups()]
    for pgid in groups:
        kill_group(pgid, signal.SIGTERM)
    return len(groups)
