"""Telling: a trial's result checked, written once, and shown to the sampler. One set of
functions for `Study.tell`, the optimize loop and the interruption path."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

from ..storage import FrozenTrial, TrialFinishedError, TrialState
from ._context import TrialContext
from ._trial import Trial


def tell(ctx: TrialContext, trial: Trial, values: float | Sequence[float] | None = None,
         state: TrialState | None = None, *, skip_if_finished: bool = False) -> FrozenTrial:
    """COMPLETE with `values`, or PRUNED / FAILED; bad values give FAILED with a warning."""
    if state is None:
        if values is None:
            raise ValueError("tell: give the objective value(s), or a state "
                             "(TrialState.PRUNED / TrialState.FAILED)")
        state = TrialState.COMPLETE
    if not isinstance(state, TrialState) or not state.is_finished():
        raise ValueError(f"tell: state must be COMPLETE, PRUNED or FAILED, got {state!r}")
    system: dict[str, Any] = {}
    vals: list[float] | None = None
    if state == TrialState.COMPLETE:
        vals, problem = check_values(values, len(ctx.directions))
        if problem:
            warnings.warn(f"trial {trial.number} failed: {problem}", stacklevel=4)
            state, vals, system["fail_reason"] = TrialState.FAILED, None, problem
    return finish_trial(ctx, trial, state, vals, system, skip_if_finished)


def finish_trial(ctx: TrialContext, trial: Trial, state: TrialState,
                 values: list[float] | None, system: dict[str, Any],
                 skip_if_finished: bool = False) -> FrozenTrial:
    """Write the trial's end once. When another worker failed it as dead meanwhile, a
    COMPLETE result is kept as a new trial instead (see `keep_late_result`). A PRUNED trial
    of a single-objective study keeps its last (finite) intermediate value as its value."""
    if state == TrialState.PRUNED and values is None and len(ctx.directions) == 1 \
            and trial.intermediate_values:
        last = trial.intermediate_values[max(trial.intermediate_values)]
        values = [last] if math.isfinite(last) else None
    pending = trial._unsaved
    system = {**ctx.sampler.trial_attrs(ctx.view, trial), **system}
    try:
        frozen = ctx.storage.finish_trial(
            trial.trial_id, state, values,
            params=dict(trial.params) if pending else None,
            distributions=dict(trial.distributions) if pending else None,
            system_attrs=system or None)
    except TrialFinishedError:
        stored = ctx.storage.get_trial(trial.trial_id)
        finished_by_us = trial._finished
        _forget(ctx, trial)
        if not finished_by_us and state == TrialState.COMPLETE and _failed_as_dead(stored):
            return keep_late_result(ctx, trial, values, stored)
        if skip_if_finished:
            return stored
        raise
    pending.clear()
    _forget(ctx, trial)
    ctx.sampler.after_trial(ctx.view, frozen)
    return frozen


def fail_running(ctx: TrialContext, reason: str) -> None:
    """Fail every trial this process runs for the study (Ctrl-C, SIGTERM, an error)."""
    for trial in ctx.running.all():
        try:
            finish_trial(ctx, trial, TrialState.FAILED, None, {"fail_reason": reason},
                         skip_if_finished=True)
        except Exception:  # noqa: BLE001 - best effort while interrupting
            pass


def keep_late_result(ctx: TrialContext, trial: Trial, values: list[float] | None,
                     failed: FrozenTrial) -> FrozenTrial:
    """`failed` was marked FAILED by another worker while its own worker was alive after
    all (paused past the grace period): its result becomes a new COMPLETE trial with the
    same params, attributes and intermediate values, marked `late_result_of`."""
    storage = ctx.storage
    system = {k: v for k, v in failed.system_attrs.items() if k != "fail_reason"}
    system.update(trial._unstored_system)
    trial_id, number = storage.create_trial(
        ctx.study_id, params=dict(trial.params), distributions=dict(trial.distributions),
        system_attrs={**system, "late_result_of": failed.number})
    for step, value in {**failed.intermediate_values, **trial.intermediate_values}.items():
        storage.set_trial_intermediate_value(trial_id, step, value)
    for key, value in {**failed.user_attrs, **trial.user_attrs}.items():
        storage.set_trial_attr(trial_id, key, value)
    frozen = storage.finish_trial(trial_id, TrialState.COMPLETE, values)
    reason = failed.system_attrs.get("fail_reason")
    warnings.warn(f"trial {failed.number} was marked FAILED ({reason}) while its worker "
                  f"was paused, not dead; its result is kept as trial {number}",
                  stacklevel=5)
    ctx.sampler.after_trial(ctx.view, frozen)
    return frozen


def _forget(ctx: TrialContext, trial: Trial) -> None:
    trial._finished = True
    ctx.running.remove(trial.trial_id)


def _failed_as_dead(trial: FrozenTrial) -> bool:
    """True when another worker failed `trial` because its heartbeat had stopped."""
    return trial.state == TrialState.FAILED and \
        trial.system_attrs.get("fail_reason") == "heartbeat stopped"


def check_values(values: Any, n_objectives: int) -> tuple[list[float] | None, str | None]:
    """`values` as one float per objective, or why they are not."""
    seq = values if isinstance(values, (list, tuple)) else [values]
    if len(seq) != n_objectives:
        return None, (f"the objective returned {len(seq)} value(s) for a study with "
                      f"{n_objectives} objective(s)")
    out = []
    for v in seq:
        f, problem = _as_float(v)
        if problem:
            return None, problem
        out.append(f)
    return out, None


def _as_float(value: Any) -> tuple[float, str | None]:
    """`value` as a finite float, or why it is not one. Never raises: a value that cannot
    become a float must fail its trial, not escape `optimize` and leave the trial RUNNING."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return math.nan, f"the objective returned {_short_repr(value)}, which is not a number"
    except OverflowError:
        return math.nan, (f"the objective returned {_short_repr(value)}, which is too large "
                          "for a float")
    except Exception as exc:  # noqa: BLE001 - any error of a user's __float__
        return math.nan, (f"the objective returned {_short_repr(value)}, whose conversion to "
                          f"float raised {type(exc).__name__}: {exc}")
    if not math.isfinite(f):
        return f, f"the objective returned {f}, which is not finite"
    return f, None


def _short_repr(value: Any) -> str:
    """A repr short enough for a warning (an int of 400 digits, or a repr that raises)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real problem
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else f"{text[:40]}...{text[-12:]} ({type(value).__name__})"
