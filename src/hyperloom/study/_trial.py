"""The live trial handed to an objective: define-by-run suggestions, reports, attributes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..space import Distribution
from ..storage import TrialFinishedError
from ._param_flush import flush_soon
from ._suggest import SuggestApi, checked_constraints, checked_report

if TYPE_CHECKING:
    from ._context import TrialContext


class Trial(SuggestApi):
    """One evaluation of the objective. Values come from the study's sampler unless the trial
    was enqueued (fixed params) or its parameters are given by a grid. It sees its study
    only through a `TrialContext` (storage handle, view, sampler, pruner)."""

    def __init__(self, context: TrialContext, trial_id: int, number: int,
                 fixed_params: dict[str, Any] | None = None) -> None:
        self._ctx = context
        self.trial_id = trial_id
        self.number = number
        self.params: dict[str, Any] = {}  # stored values (JSON)
        self.distributions: dict[str, Distribution] = {}
        self.intermediate_values: dict[int, float] = {}
        self.user_attrs: dict[str, Any] = {}
        self.datetime_start = time.time()
        self._fixed = fixed_params or {}
        self._relative: dict[str, Any] | None = None
        self._relative_space = None
        self._unsaved: dict[str, Any] = {}  # params the storage has not seen yet
        self._params_lock = threading.Lock()  # `_unsaved` is flushed from another thread too
        self._artifacts: list[str] = []  # names of files uploaded for this trial
        self._finished = False
        self._unstored_system: dict[str, Any] = {}  # system attrs a failed-as-dead trial kept
        self._write_through = False  # store params as suggested (its objective runs elsewhere)

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params})"

    def _suggest_stored(self, name: str, distribution: Distribution) -> Any:
        if self._suggested_before(name, distribution):
            return self.params[name]
        value = self._propose(name, distribution)
        self.params[name] = value
        self.distributions[name] = distribution
        if self._ctx.writes_through or self._write_through:
            self._write(lambda: self._ctx.storage.set_trial_params(
                self.trial_id, {name: value}, {name: distribution}))
        else:
            with self._params_lock:
                first = not self._unsaved
                self._unsaved[name] = value
            if first:
                flush_soon(self)
        return value

    def unstored_params(self) -> tuple[dict[str, Any], dict[str, Distribution]]:
        """The params suggested here that the storage has not seen yet, with their
        distributions (written with the first report or the result, or by `_param_flush`)."""
        unsaved = dict(self._unsaved)  # one C-level copy: safe while another thread suggests
        return unsaved, {n: self.distributions[n] for n in unsaved}

    def _suggest_space(self, space) -> None:
        """Suggest every active parameter of a static space, parents first."""
        space.walk(self._suggest_stored)

    def _propose(self, name: str, distribution: Distribution) -> Any:
        if name in self._fixed:
            value = self._fixed[name]
            if not distribution.contains(value):
                raise ValueError(f"parameter {name!r}: the fixed value {value!r} (enqueued or "
                                 f"from a grid) is not a value of {distribution!r}")
            return value
        ctx = self._ctx
        if self._relative is None:
            self._sample_relative()
        if name in self._relative and self._relative_space[name] == distribution:
            return self._relative[name]
        return ctx.sampler.sample_independent(ctx.view, self, name, distribution)

    def _sample_relative(self) -> None:
        ctx = self._ctx
        space = ctx.sampler.infer_relative_search_space(ctx.view, self)
        self._relative_space = space
        self._relative = ctx.sampler.sample_relative(ctx.view, self, space) if len(space) \
            else {}

    # -- reports and attributes -------------------------------------------------------------
    def report(self, value: float, step: int) -> None:
        """Record an intermediate value (for pruning and curves); one value per step."""
        value = checked_report(value, step)
        self.intermediate_values[step] = value
        self._write(lambda: self._ctx.storage.set_trial_intermediate_value(
            self.trial_id, step, value))
        if self._unsaved:
            self._write(self._flush_params)

    def _flush_params(self) -> None:
        with self._params_lock:
            pending = self._unsaved
            if pending:
                self._ctx.storage.set_trial_params(self.trial_id, dict(pending),
                                                   {n: self.distributions[n] for n in pending})
                pending.clear()

    def _flush_in_background(self) -> None:
        """`_param_flush`: write the unstored params of this trial while it runs."""
        if self._finished or not self._unsaved:
            return
        try:
            self._flush_params()
        except Exception:  # noqa: BLE001 - finished meanwhile, or the storage is away
            pass  # the params stay here and are written with the trial's result

    def should_prune(self) -> bool:
        """True when the study's pruner says this trial should stop (then raise TrialPruned)."""
        return bool(self._ctx.pruner.prune(self._ctx.view, self))

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON value to this trial (the storage refuses others, naming the key)."""
        self._write(lambda: self._ctx.storage.set_trial_attr(self.trial_id, key, value))
        self.user_attrs[key] = value

    def set_constraint(self, values: Sequence[float]) -> None:
        """Constraint values of this trial: feasible when every one is <= 0."""
        floats = checked_constraints(values)
        if not self._write(lambda: self._ctx.storage.set_trial_attr(
                self.trial_id, "constraints", floats, system=True)):
            self._unstored_system["constraints"] = floats

    def _write(self, write: Callable[[], object]) -> bool:
        """Run a storage write for this trial; False when another worker has finished the trial
        meanwhile (it took this worker for dead while it was paused): the objective goes on, what
        it records stays here, and its result is kept as a late result when it is told."""
        try:
            write()
        except TrialFinishedError:
            if self._finished:
                raise
            return False
        return True

    def upload_artifact(self, path: str, name: str | None = None) -> str:
        """Copy a file into the study's artifact folder, attached to this trial."""
        target, self._artifacts = self._ctx.artifacts.upload(
            self.trial_id, self.number, self._artifacts, path, name)
        return target
