"""Which configs a runner may start: their identity, who runs them, and whose runner died.

A config is known by its resolved content (bindings, included files, the command), not by the
sweep file's text, so comments and new grid points do not re-run finished configs. A runner
claims a config by creating its trial RUNNING with the config's key in the same write: the
storage numbers trials one at a time, so of two trials of one config the lower number wins and
the other runner moves on. Each trial also names its runner (host, pid, process start) and
carries a heartbeat, so a later run can fail the trials of a runner that is provably dead.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ATTR_CONFIG = "sweep_config"  # the config's key (the resume and claim key)
ATTR_RUNNER = "sweep_runner"  # {"host", "pid", "started"} of the runner of the trial
ATTR_BEAT = "sweep_heartbeat"  # time.time() of the runner's last beat for the trial
ATTR_LOST = "sweep_claim_lost"  # set on a trial created in a race another runner won
HEARTBEAT_S = 10.0
HEARTBEAT_GRACE_S = 60.0  # a runner on another host is dead after this long without a beat

_INCLUDE = re.compile(r"""^\s*include\s+(['"])(.+?)\1""", re.MULTILINE)


def _included_texts(paths: Sequence[str], base: Path | None, seen: set[Path]) -> list[str]:
    """The text of each included file and of the files it includes, in order."""
    texts = []
    for name in paths:
        candidate = Path(name) if base is None else base / name
        path = (candidate if candidate.exists() else Path(name)).resolve()
        if path in seen:
            continue
        seen.add(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            texts.append(f"missing {name}")
            continue
        texts.append(text)
        texts += _included_texts([m.group(2) for m in _INCLUDE.finditer(text)], path.parent,
                                 seen)
    return texts


def config_key(config: Any, command: Sequence[str] = (), include_dir: Path | None = None) -> str:
    """What identifies a config across runs: its resolved bindings, imports, the content of
    the files it includes, and the command that runs it."""
    parts = [f"{k} = {t}" for k, t in config.resolved()]
    parts += [f"import {m}" for m in config.imports]
    parts += _included_texts(config.includes, include_dir, set())
    parts.append(json.dumps(list(command)))
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:16]


def trial_key(trial: Any) -> str | None:
    return trial.system_attrs.get(ATTR_CONFIG) or trial.user_attrs.get(ATTR_CONFIG)


def _runner_of(trial: Any) -> dict[str, Any] | None:
    return trial.system_attrs.get(ATTR_RUNNER) or trial.user_attrs.get(ATTR_RUNNER)


def _process_start(pid: int) -> str | None:
    """When process `pid` started (Linux clock ticks), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def runner_identity() -> dict[str, Any]:
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "started": _process_start(pid)}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def runner_is_dead(trial: Any, me: dict[str, Any], now: float) -> bool:
    """True only when the trial's runner is provably gone: on this host its pid is gone (or
    now names another process); elsewhere it has not beaten for HEARTBEAT_GRACE_S."""
    runner = _runner_of(trial)
    if not isinstance(runner, dict):
        return False
    if runner.get("host") == me["host"]:
        pid = int(runner.get("pid", 0))
        if pid <= 0 or not _pid_alive(pid):
            return True
        started = runner.get("started")
        return started is not None and _process_start(pid) not in (None, started)
    beat = trial.user_attrs.get(ATTR_BEAT)
    return isinstance(beat, (int, float)) and now - beat > HEARTBEAT_GRACE_S


def fail_orphaned_trials(study: Any, me: dict[str, Any]) -> list[int]:
    """Mark FAILED the RUNNING trials whose runner died; returns their numbers."""
    from ..storage import TrialFinishedError, TrialState

    storage, now, failed = study.storage, time.time(), []
    for t in study.get_trials([TrialState.RUNNING]):
        if not runner_is_dead(t, me, now):
            continue
        runner = _runner_of(t)
        reason = (f"its runner (pid {runner.get('pid')} on {runner.get('host')}) died "
                  "without finishing it")
        try:
            storage.set_trial_attr(t.trial_id, "fail_reason", reason)
            storage.finish_trial(t.trial_id, TrialState.FAILED, None)
            failed.append(t.number)
        except TrialFinishedError:
            pass  # finished meanwhile, or another runner got there first
    return failed


class Claims:
    """The configs this runner may still start, judged against a fresh read of the trials."""

    def __init__(self, trials: Sequence[Any]) -> None:
        # Failures seen at start: a config failing again later (in another runner) is not
        # retried by this run, so two runners started together run each config once.
        self._failed_at_start = self._failures(trials)

    @staticmethod
    def _failures(trials: Sequence[Any]) -> Counter:
        from ..storage import TrialState

        return Counter(trial_key(t) for t in trials
                       if t.state in (TrialState.FAILED, TrialState.PRUNED)
                       and not t.system_attrs.get(ATTR_LOST))

    def available(self, key: str, trials: Sequence[Any]) -> bool:
        """No trial of this config runs or is complete, and none failed since we started."""
        from ..storage import TrialState

        if any(trial_key(t) == key and t.state in (TrialState.RUNNING, TrialState.COMPLETE)
               for t in trials):
            return False
        return self._failures(trials)[key] == self._failed_at_start[key]

    @staticmethod
    def rival(key: str, number: int, trials: Sequence[Any]) -> int | None:
        """The number of an earlier live or complete trial of this config, if any."""
        from ..storage import TrialState

        for t in trials:
            if (t.number != number and trial_key(t) == key and not t.system_attrs.get(ATTR_LOST)
                    and (t.state == TrialState.COMPLETE
                         or (t.state == TrialState.RUNNING and t.number < number))):
                return t.number
        return None
