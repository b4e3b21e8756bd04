"""One call of the objective on a trial, as an `Outcome`; and its result, told."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..execution import Outcome
from ..storage import FrozenTrial, TrialState
from ._context import TrialContext
from ._exceptions import TrialPruned
from ._interrupts import INTERRUPTS, interrupt_reason
from ._tell import check_values, finish_trial
from ._trial import Trial


def evaluate(objective: Callable[[Trial], Any], trial: Trial, n_objectives: int) -> Outcome:
    """Run the objective on `trial`; its exceptions become a FAILED outcome."""
    try:
        result = objective(trial)
    except TrialPruned:
        return Outcome(TrialState.PRUNED)
    except INTERRUPTS as exc:
        return Outcome.failed(exc, reason=interrupt_reason(exc))
    except Exception as exc:
        return Outcome.failed(exc, warning=f"trial {trial.number} failed with "
                                           f"{type(exc).__name__}: {exc}")
    values, problem = check_values(result, n_objectives)
    if problem:
        return Outcome(TrialState.FAILED, system={"fail_reason": problem},
                       warning=f"trial {trial.number} failed: {problem}")
    return Outcome(TrialState.COMPLETE, values)


def tell_outcome(ctx: TrialContext, trial: Trial, outcome: Outcome,
                 catch: tuple[type[BaseException], ...]) -> FrozenTrial:
    """Write the outcome to the storage; raise the objective's own exception again unless
    `catch` covers it (an interruption always goes up)."""
    frozen = finish_trial(ctx, trial, outcome.state, outcome.values, outcome.system,
                          skip_if_finished=True)
    error = outcome.error
    if error is not None and (isinstance(error, INTERRUPTS) or not isinstance(error, catch)):
        add_note = getattr(error, "add_note", None)  # Python 3.11+
        if error.__traceback__ is None and outcome.error_traceback and add_note:  # in a worker
            add_note(f"raised by trial {trial.number} in a worker:\n"
                           f"{outcome.error_traceback}")
        raise error
    if error is None and outcome.error_type is not None and \
            outcome.error_type not in {c.__name__ for c in catch}:
        raise RuntimeError(f"trial {trial.number} failed with {outcome.error_type}: "
                           f"{outcome.error_message}\n{outcome.error_traceback}")
    if outcome.warning is not None:
        warnings.warn(outcome.warning, stacklevel=6)
    return frozen
