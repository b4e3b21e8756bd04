"""Trials whose objective runs in another process or on another machine.

The coordinator keeps the live `Trial` (its sampler, pruner and storage answer); the job sent
to the worker is a `TrialJob` (a few plain fields) and the objective travels once per worker
process, cloudpickled. In the worker a `RemoteTrial` stands for the trial: a suggestion that the
coordinator decided when it asked the trial (a static space, an enqueued value, the sampler's
joint proposal) is answered on the spot and told to the coordinator with the next request;
anything else is one round trip over the run's channel (`hyperloom.execution`'s
`ChannelServer`), where `TrialService` calls the live trial's own method.
"""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import ObjectiveNotPicklable, TrialFinishedError
from ..execution import ChannelServer, Outcome, connect
from ..space import Distribution
from ._evaluate import evaluate
from ._suggest import SuggestApi, checked_constraints, checked_report
from ._trial import Trial


@dataclass(frozen=True)
class TrialJob:
    """One trial to run in a worker: where its coordinator is, which objective, what is known
    of its parameters already. Calling it (in the worker) runs the objective."""

    address: tuple[str, int]
    authkey: bytes = field(repr=False)
    objective: str  # the key of the objective at the coordinator
    number: int
    trial_id: int
    n_objectives: int
    known: dict[str, tuple[Any, Distribution]]  # suggested already (a static space)
    preset: dict[str, tuple[Any, Distribution]]  # the sampler's joint proposal, enqueued values
    user_attrs: dict[str, Any]

    def __call__(self) -> Outcome:
        client = connect(self.address, self.authkey)
        trial = RemoteTrial(client, self)
        outcome = evaluate(_objective(client, self.objective), trial, self.n_objectives)
        trial._sync()
        return outcome


_OBJECTIVES: dict[str, Callable[[Any], Any]] = {}
_OBJECTIVES_LOCK = threading.Lock()


def _objective(client: Any, key: str) -> Callable[[Any], Any]:
    """The objective of key `key`, fetched from the coordinator once per process. Its module
    is imported here when it can be (its classes keep their identity: an exception it raises
    is caught as itself); when it cannot (a file of the user's that this Dask worker does not
    have), the module comes by value instead."""
    with _OBJECTIVES_LOCK:
        objective = _OBJECTIVES.get(key)
        if objective is None:
            import cloudpickle

            try:
                objective = cloudpickle.loads(client.call("objective", key))
            except ModuleNotFoundError:
                objective = cloudpickle.loads(client.call("objective_by_value", key))
            _OBJECTIVES[key] = objective
        return objective


class RemoteTrial(SuggestApi):
    """The trial as an objective in a worker sees it: the same methods as `Trial`."""

    def __init__(self, client: Any, job: TrialJob) -> None:
        self._client = client
        self.number = job.number
        self.trial_id = job.trial_id
        self.params: dict[str, Any] = {n: v for n, (v, _d) in job.known.items()}
        self.distributions: dict[str, Distribution] = {n: d for n, (_v, d) in job.known.items()}
        self.intermediate_values: dict[int, float] = {}
        self.user_attrs: dict[str, Any] = dict(job.user_attrs)
        self.datetime_start = time.time()
        self._preset = job.preset
        self._untold: list[tuple[str, Distribution]] = []  # answered here, not yet told

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params})"

    def _call(self, method: str, *args: Any) -> Any:
        untold, self._untold = self._untold, []
        return self._client.call("trial", self.number, untold, method, args)

    def _suggest_stored(self, name: str, distribution: Distribution) -> Any:
        if self._suggested_before(name, distribution):
            return self.params[name]
        preset = self._preset.get(name)
        if preset is not None and preset[1] == distribution:
            value = preset[0]
            self._untold.append((name, distribution))
        else:  # the coordinator's sampler decides (and checks an enqueued value)
            value = self._call("suggest", name, distribution)
        self.params[name] = value
        self.distributions[name] = distribution
        return value

    def report(self, value: float, step: int) -> None:
        """Record an intermediate value (for pruning and curves); one value per step."""
        value = checked_report(value, step)
        self._call("report", value, step)
        self.intermediate_values[step] = value

    def should_prune(self) -> bool:
        """True when the study's pruner says this trial should stop (then raise TrialPruned)."""
        return bool(self._call("should_prune"))

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON value to this trial (the storage refuses others, naming the key)."""
        self._call("set_user_attr", key, value)
        self.user_attrs[key] = value

    def set_constraint(self, values: Sequence[float]) -> None:
        """Constraint values of this trial: feasible when every one is <= 0."""
        self._call("set_constraint", checked_constraints(values))

    def upload_artifact(self, path: str, name: str | None = None) -> str:
        """Copy a file of this worker into the study's artifact folder (sent to the
        coordinator, which stores it); returns its path there."""
        with open(path, "rb") as fh:
            data = fh.read()
        return self._call("upload_artifact", data, name or os.path.basename(path))

    def _sync(self) -> None:
        """Tell the coordinator the suggestions answered here that it has not heard of."""
        if self._untold:
            self._call("sync")


def _upload(trial: Trial, data: bytes, name: str) -> str:
    with tempfile.TemporaryDirectory(prefix="hyperloom-upload-") as folder:
        path = os.path.join(folder, os.path.basename(name) or "artifact")
        with open(path, "wb") as fh:
            fh.write(data)
        return trial.upload_artifact(path, name)


_METHODS: dict[str, Callable[..., Any]] = {
    "suggest": Trial._suggest_stored,
    "report": Trial.report,
    "should_prune": Trial.should_prune,
    "set_user_attr": Trial.set_user_attr,
    "set_constraint": Trial.set_constraint,
    "upload_artifact": _upload,
    "sync": lambda trial: None,
}


class TrialService:
    """The coordinator's side: the live trials of one `optimize` call, served to workers over
    a `ChannelServer`. Requests are answered one at a time under `lock`, which the optimize
    loop also holds while it asks and tells."""

    def __init__(self, objective: Callable[[Any], Any], lock: threading.RLock,
                 bind: str = "127.0.0.1", advertise: str | None = None) -> None:
        self._objective = objective
        self._payload = _pickled(objective)
        self._by_value: bytes | None = None
        self.objective_key = hashlib.sha256(self._payload).hexdigest()[:32]
        self._lock = lock
        self._trials: dict[int, Trial] = {}
        self._server = ChannelServer(self._handle, bind=bind, advertise=advertise)

    def job(self, trial: Trial, n_objectives: int) -> TrialJob:
        """Register `trial` and make its job: what the coordinator decided for it so far."""
        if trial._relative is None:
            trial._sample_relative()
        if trial._unsaved:  # parallel samplers must see running trials' params
            trial._write(trial._flush_params)
        trial._write_through = True
        preset = {name: (value, trial._relative_space[name])
                  for name, value in (trial._relative or {}).items() if name not in trial._fixed}
        self._trials[trial.number] = trial
        return TrialJob(address=self._server.address, authkey=self._server.authkey,
                        objective=self.objective_key, number=trial.number,
                        trial_id=trial.trial_id, n_objectives=n_objectives,
                        known={n: (v, trial.distributions[n]) for n, v in trial.params.items()},
                        preset=preset, user_attrs=dict(trial.user_attrs))

    def forget(self, number: int) -> None:
        self._trials.pop(number, None)

    def close(self) -> None:
        self._server.close()

    def _handle(self, op: str, args: tuple, _session: dict) -> Any:
        if op == "objective":
            return self._payload
        if op == "objective_by_value":
            if self._by_value is None:
                self._by_value = _pickled(self._objective, by_value=True)
            return self._by_value
        if op != "trial":
            raise ValueError(f"unknown request {op!r}")
        number, untold, method, method_args = args
        with self._lock:
            trial = self._trials.get(number)
            if trial is None:
                raise TrialFinishedError(f"trial {number} is no longer running in the "
                                         "coordinator (it was finished or failed there)")
            for name, distribution in untold:
                trial._suggest_stored(name, distribution)
            return _METHODS[method](trial, *method_args)


def _local_module(objective: Any) -> Any:
    """The module of `objective` when it is the user's own file rather than an installed
    package or the standard library: workers elsewhere (a Dask worker started in another
    folder) may not import it."""
    module = sys.modules.get(getattr(objective, "__module__", None) or "")
    path = getattr(module, "__file__", None)
    if module is None or path is None or module.__name__ == "__main__":
        return None  # __main__ travels by value anyway
    paths = sysconfig.get_paths()
    installed = {os.path.realpath(paths[key]) for key in ("stdlib", "platstdlib", "purelib",
                                                            "platlib")}
    real = os.path.realpath(path)
    if any(real.startswith(folder + os.sep) for folder in installed) or \
            any(part in ("site-packages", "dist-packages") for part in Path(real).parts):
        return None
    return None if module.__name__.startswith("hyperloom.") else module


def _pickled(objective: Callable[[Any], Any], by_value: bool = False) -> bytes:
    import cloudpickle

    module = _local_module(objective) if by_value else None
    try:
        if module is not None:
            cloudpickle.register_pickle_by_value(module)
        return cloudpickle.dumps(objective)
    except Exception as exc:
        raise ObjectiveNotPicklable(
            f"the objective cannot be sent to worker processes: {type(exc).__name__}: {exc}. "
            "Pass executor='threads' to run it in this process, or make it picklable: define "
            "it at the top level of a module and open files, connections or locks inside it "
            "rather than capturing them") from exc
    finally:
        if module is not None:
            cloudpickle.unregister_pickle_by_value(module)
