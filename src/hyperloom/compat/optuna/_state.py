"""Optuna's TrialState: the same numbers as ours, with Optuna's name FAIL (our FAILED is an
alias), so that states compare equal across both whichever enum a script holds."""

from __future__ import annotations

import enum
from typing import Any

from hyperloom.storage import TrialState as _Ours


class TrialState(enum.IntEnum):
    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4
    FAILED = 3  # our name for FAIL

    __str__ = enum.Enum.__str__  # "TrialState.FAIL", as Optuna prints it
    __format__ = enum.Enum.__format__

    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def ours(state: Any) -> _Ours:
    """Our TrialState for an Optuna one (or ours, or its number)."""
    try:
        return _Ours(int(state))
    except (TypeError, ValueError):
        raise ValueError(f"not a trial state: {state!r}; use TrialState.COMPLETE, PRUNED, "
                         "FAIL, RUNNING or WAITING") from None


def theirs(state: Any) -> TrialState:
    """The Optuna TrialState for one of ours."""
    return TrialState(int(state))


def ours_all(states: Any) -> tuple[_Ours, ...] | None:
    return None if states is None else tuple(ours(s) for s in states)
