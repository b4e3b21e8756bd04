"""Finished trials made elsewhere (another library's study, another storage, a hand-made
record), written into one of our studies through the storage API: one function for
`import_optuna_study`, Optuna's `copy_study` and `study.add_trial(s)`.

Our storages set a trial's start and completion times themselves (when it is created and
finished) and offer no way to give others, so a copied trial keeps its original times in the
system attributes `source_datetime_start` and `source_datetime_complete` (seconds since the
epoch, like `FrozenTrial.datetime_start`).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hyperloom.space import Distribution, from_optuna_distribution
from hyperloom.storage import BaseStorage, FrozenTrial, TrialState

#: System attribute holding a copied trial's original start time (epoch seconds).
SOURCE_START = "source_datetime_start"
#: System attribute holding a copied trial's original completion time (epoch seconds).
SOURCE_COMPLETE = "source_datetime_complete"
#: System attribute naming each value of a trial's "constraints" list (Optuna names them).
CONSTRAINT_NAMES = "constraint_names"
_RUNNING_REASON = "was RUNNING in the source study when it was copied"


@dataclass
class TrialRecord:
    """One trial to write: params as stored values, with their distributions."""

    state: TrialState
    values: list[float] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    distributions: dict[str, Distribution] = field(default_factory=dict)
    intermediate_values: dict[int, float] = field(default_factory=dict)
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    datetime_start: float | None = None
    datetime_complete: float | None = None


def record_of(trial: FrozenTrial) -> TrialRecord:
    """The record of one of our own trials (to copy it into another study)."""
    return TrialRecord(
        state=trial.state, values=None if trial.values is None else list(trial.values),
        params=dict(trial.params), distributions=dict(trial.distributions),
        intermediate_values=dict(trial.intermediate_values), user_attrs=dict(trial.user_attrs),
        system_attrs=dict(trial.system_attrs),
        datetime_start=trial.system_attrs.get(SOURCE_START, trial.datetime_start),
        datetime_complete=trial.system_attrs.get(SOURCE_COMPLETE, trial.datetime_complete))


# Optuna's TrialState names -> ours (FAIL is our FAILED; the others keep their names).
STATES = {"RUNNING": TrialState.RUNNING, "COMPLETE": TrialState.COMPLETE,
          "PRUNED": TrialState.PRUNED, "FAIL": TrialState.FAILED,
          "WAITING": TrialState.WAITING}
_CONSTRAINTS = "constraints"  # Optuna's system attribute: a list, or one key per named value


def record_from_optuna(trial: Any) -> TrialRecord:
    """Our record of an Optuna FrozenTrial (Optuna's own, or `hyperloom.compat.optuna`'s):
    distributions translated, constraints as our list, times in epoch seconds."""
    where = f"Optuna trial {trial.number}"
    distributions = {name: from_optuna_distribution(d, name)
                     for name, d in trial.distributions.items()}
    system = json_attrs({k: v for k, v in trial.system_attrs.items()
                         if not str(k).startswith(_CONSTRAINTS) and k != CONSTRAINT_NAMES},
                        where)
    constraints = _constraints(trial.system_attrs)
    if constraints is not None:
        system[_CONSTRAINTS] = constraints
        names = [str(k)[len(_CONSTRAINTS) + 1:] for k in trial.system_attrs
                 if str(k).startswith(_CONSTRAINTS + ":")]
        if len(names) == len(constraints):  # named ones only (Optuna 5's set_constraint)
            system[CONSTRAINT_NAMES] = names
    return TrialRecord(
        state=STATES[trial.state.name],
        values=None if trial.values is None else [float(v) for v in trial.values],
        params=dict(trial.params), distributions=distributions,
        intermediate_values={int(s): float(v) for s, v in trial.intermediate_values.items()},
        user_attrs=json_attrs(trial.user_attrs, where), system_attrs=system,
        datetime_start=_epoch(trial.datetime_start),
        datetime_complete=_epoch(trial.datetime_complete))


def _constraints(system_attrs: Mapping[str, Any]) -> list[float] | None:
    """Optuna's constraint values (a list from `constraints_func`, or one system attribute per
    name from `trial.set_constraint`) as our list, in the order Optuna reads them."""
    values = [float(v) for v in system_attrs.get(_CONSTRAINTS) or ()]
    values += [float(v) for k, v in system_attrs.items()
               if str(k).startswith(_CONSTRAINTS + ":")]
    return values or None


def _epoch(when: Any) -> float | None:
    return None if when is None else when.timestamp()


def check_record(record: TrialRecord, n_objectives: int, where: str) -> None:
    """ValueError naming `where` and the fix when `record` cannot be written as given."""
    if not isinstance(record.state, TrialState):
        raise ValueError(f"{where}: state must be a TrialState, got {record.state!r}")
    for name, value in record.params.items():
        dist = record.distributions.get(name)
        if dist is None:
            raise ValueError(f"{where}: parameter {name!r} has no distribution; give one for "
                             "every parameter")
        if not dist.contains(value):
            raise ValueError(f"{where}: parameter {name!r}: {value!r} is not a value of "
                             f"{dist!r}")
    if record.state == TrialState.COMPLETE:
        values = record.values or []
        if len(values) != n_objectives:
            raise ValueError(f"{where}: a COMPLETE trial needs {n_objectives} value(s) for "
                             f"this study, got {record.values!r}")
        if any(not isinstance(v, (int, float)) or math.isnan(v) for v in values):
            raise ValueError(f"{where}: values must be numbers, not NaN, got {values!r}")


def write_trials(storage: BaseStorage, study_id: int,
                 records: Iterable[TrialRecord]) -> list[FrozenTrial]:
    """Append `records` to the study, in order (they get the next trial numbers). A WAITING
    record is queued like `enqueue_trial`; a RUNNING one (nobody runs it here) is written
    FAILED, saying why. Check the records first (`check_record`): this writes as it goes."""
    return [frozen for record in records
            if (frozen := _write(storage, study_id, record)) is not None]


def _write(storage: BaseStorage, study_id: int, record: TrialRecord) -> FrozenTrial | None:
    system = dict(record.system_attrs)
    for key, when in ((SOURCE_START, record.datetime_start),
                      (SOURCE_COMPLETE, record.datetime_complete)):
        if when is not None:
            system[key] = when
    if record.state == TrialState.WAITING:
        if record.params:  # (Optuna keeps a queued trial's params in its system attributes)
            system["fixed_params"] = dict(record.params)
        if record.user_attrs:
            system["enqueued_user_attrs"] = dict(record.user_attrs)
        storage.create_trial(study_id, state=TrialState.WAITING, system_attrs=system)
        return None
    state, values = record.state, record.values
    if state == TrialState.RUNNING:
        state, values = TrialState.FAILED, None
        system["fail_reason"] = _RUNNING_REASON
    trial_id, _ = storage.create_trial(study_id, params=dict(record.params),
                                       distributions=dict(record.distributions),
                                       system_attrs=system)
    for step, value in sorted(record.intermediate_values.items()):
        storage.set_trial_intermediate_value(trial_id, int(step), float(value))
    for key, value in record.user_attrs.items():
        storage.set_trial_attr(trial_id, key, value)
    return storage.finish_trial(trial_id, state,
                                None if values is None else [float(v) for v in values])


def json_attrs(attrs: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The JSON-able attributes of `attrs` (tuples become lists): our storages keep JSON only,
    never pickles. The others are left out with a warning naming them."""
    out, dropped = {}, []
    for key, value in attrs.items():
        try:
            out[str(key)] = json.loads(json.dumps(value))
        except (TypeError, ValueError):
            dropped.append(key)
    if dropped:
        warnings.warn(f"{where}: attributes {dropped} are not JSON values and were not copied "
                      "(hyperloom stores attributes as JSON)", stacklevel=3)
    return out
